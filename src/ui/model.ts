// The viewer's one span shape, whatever protocol a span arrived in: Jaeger's
// own JSON model (what its query API returns), with the process held by
// reference so that the store can regroup spans into traces freely.

export type TagType = 'string' | 'bool' | 'int64' | 'float64' | 'binary';

export interface Tag {
  key: string;
  type: TagType;
  value: string | number | boolean;
}

export interface Log {
  /** µs since the epoch */
  timestamp: number;
  fields: Tag[];
}

export interface Reference {
  refType: 'CHILD_OF' | 'FOLLOWS_FROM';
  traceID: string;
  spanID: string;
}

export interface Process {
  serviceName: string;
  tags: Tag[];
}

export interface Span {
  /** 32 hex digits, zero-padded (Jaeger prints 16 when the high half is zero: see `jaegerTraceID`) */
  traceID: string;
  /** 16 hex digits */
  spanID: string;
  flags: number;
  operationName: string;
  references: Reference[];
  /** µs since the epoch */
  startTime: number;
  /** µs */
  duration: number;
  tags: Tag[];
  logs: Log[];
  process: Process;
  warnings: string[] | null;
}

/** A batch as decoded from the wire: spans of one process (an OTLP resource, a Jaeger Batch). */
export interface Batch {
  process: Process;
  spans: Span[];
}

const HEX = /^[0-9a-f]*$/;

/** Normalises a trace id (any case, 1–32 hex digits) to 32 lowercase digits; '' when not an id. */
export function normaliseTraceID(id: string): string {
  const lower = String(id).trim().toLowerCase();
  if (lower.length === 0 || lower.length > 32 || !HEX.test(lower)) return '';
  return lower.padStart(32, '0');
}

/** The id as Jaeger prints it: 16 digits when the high 64 bits are zero, else 32. */
export function jaegerTraceID(id: string): string {
  return id.startsWith('0000000000000000') ? id.slice(16) : id;
}

export function tagValue(tags: Tag[], key: string): Tag['value'] | undefined {
  for (const t of tags) if (t.key === key) return t.value;
  return undefined;
}

/** The span's kind from its `span.kind` tag ('' when unset). */
export function spanKind(span: Span): string {
  const v = tagValue(span.tags, 'span.kind');
  return typeof v === 'string' ? v : '';
}

/** Jaeger's rule: a span is an error when it has the tag error=true (bool or string). */
export function isError(span: Span): boolean {
  for (const t of span.tags) if (t.key === 'error') return t.value === true || t.value === 'true';
  return false;
}

/** The parent span id: the first CHILD_OF reference within the same trace, else the first reference. */
export function parentSpanID(span: Span): string {
  let fallback = '';
  for (const r of span.references) {
    if (r.refType === 'CHILD_OF' && r.traceID === span.traceID) return r.spanID;
    if (!fallback && r.traceID === span.traceID) fallback = r.spanID;
  }
  return fallback;
}

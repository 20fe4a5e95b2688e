// The Jaeger query API over the store, in Jaeger's own JSON shapes, so that
// Jaeger's tooling (and our page) can read it:
//   GET /api/services
//   GET /api/services/{service}/operations
//   GET /api/operations?service=&spanKind=
//   GET /api/traces?service=&operation=&tags=&minDuration=&maxDuration=&start=&end=&limit=
//   GET /api/traces/{id}
//   GET /api/dependencies?endTs=&lookback=
// Search follows Jaeger's in-memory store: a trace matches when one of its
// spans matches every criterion (service, operation, tags on the span, its
// process or its logs, its duration and start time).
import { type Span, type Tag, jaegerTraceID, normaliseTraceID, parentSpanID, spanKind, tagValue } from './model';
import type { Store, Trace } from './store';

export interface ApiResponse {
  status: number;
  body: unknown;
}

export class QueryError extends Error {}

const envelope = (data: unknown, total = Array.isArray(data) ? data.length : 0) => ({ data, total, limit: 0, offset: 0, errors: null });
const failure = (status: number, msg: string): ApiResponse => ({
  status,
  body: { data: null, total: 0, limit: 0, offset: 0, errors: [{ code: status, msg }] },
});

// ---------------------------------------------------------------- parameters

const UNITS: Record<string, number> = { ns: 0.001, us: 1, µs: 1, μs: 1, ms: 1000, s: 1e6, m: 60e6, h: 3600e6 };

/** A Go duration string ("1.2ms", "500us", "2s", "1m30s") in µs. */
export function parseDuration(text: string): number {
  const s = text.trim();
  if (s === '0') return 0;
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/gy;
  let total = 0;
  let m: RegExpExecArray | null;
  let pos = 0;
  while ((m = re.exec(s)) !== null) {
    total += Number(m[1]) * UNITS[m[2]];
    pos = re.lastIndex;
  }
  if (pos === 0 || pos !== s.length) throw new QueryError(`not a duration: ${JSON.stringify(text)} (use a number and a unit: 500us, 1.2ms, 2s)`);
  return total;
}

/** Tags to match: `tags` as a JSON object or logfmt (`error=true http.route="/a b"`), and Jaeger's repeated `tag=key:value`. */
export function parseTags(params: URLSearchParams): Map<string, string> {
  const tags = new Map<string, string>();
  for (const raw of params.getAll('tags')) {
    const text = raw.trim();
    if (!text) continue;
    if (text.startsWith('{')) {
      let obj: unknown;
      try {
        obj = JSON.parse(text);
      } catch {
        throw new QueryError(`malformed 'tags' parameter: ${JSON.stringify(text)} is not a JSON object`);
      }
      if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw new QueryError("malformed 'tags' parameter: expected a JSON object");
      for (const [k, v] of Object.entries(obj as Record<string, unknown>)) tags.set(k, typeof v === 'string' ? v : JSON.stringify(v));
      continue;
    }
    const re = /\s*([^\s=]+)=("((?:[^"\\]|\\.)*)"|\S*)/gy;
    let m: RegExpExecArray | null;
    let pos = 0;
    while ((m = re.exec(text)) !== null) {
      tags.set(m[1], m[3] !== undefined ? m[3].replace(/\\(.)/g, '$1') : m[2]);
      pos = re.lastIndex;
    }
    if (text.slice(pos).trim()) throw new QueryError(`malformed 'tags' parameter: ${JSON.stringify(text)} (use key=value pairs or a JSON object)`);
  }
  for (const raw of params.getAll('tag')) {
    const i = raw.indexOf(':');
    if (i <= 0) throw new QueryError(`malformed 'tag' parameter: ${JSON.stringify(raw)} (use key:value)`);
    tags.set(raw.slice(0, i), raw.slice(i + 1));
  }
  return tags;
}

function intParam(params: URLSearchParams, name: string): number | undefined {
  const v = params.get(name);
  if (v === null || v.trim() === '') return undefined;
  if (!/^-?\d+$/.test(v.trim())) throw new QueryError(`'${name}' must be an integer: ${JSON.stringify(v)}`);
  return Number(v);
}

export interface TraceQuery {
  service?: string;
  operation?: string;
  tags: Map<string, string>;
  minDuration?: number;
  maxDuration?: number;
  start?: number;
  end?: number;
  limit: number;
}

export function parseTraceQuery(params: URLSearchParams): TraceQuery {
  const minD = params.get('minDuration');
  const maxD = params.get('maxDuration');
  const q: TraceQuery = {
    service: params.get('service') || undefined,
    operation: params.get('operation') || undefined,
    tags: parseTags(params),
    minDuration: minD ? parseDuration(minD) : undefined,
    maxDuration: maxD ? parseDuration(maxD) : undefined,
    start: intParam(params, 'start'),
    end: intParam(params, 'end'),
    limit: intParam(params, 'limit') || 20,
  };
  // Jaeger's page sends lookback (e.g. "1h") with start/end already computed; honour it alone too.
  const lookback = params.get('lookback');
  if (q.start === undefined && lookback && lookback !== 'custom') {
    q.start = (q.end ?? Date.now() * 1000) - parseDuration(lookback);
  }
  if (q.limit < 0) throw new QueryError("'limit' must not be negative");
  return q;
}

// ---------------------------------------------------------------- search

function tagText(v: Tag['value']): string {
  return String(v);
}

function hasTag(tags: Tag[], key: string, want: string): boolean {
  for (const t of tags) if (t.key === key && tagText(t.value) === want) return true;
  return false;
}

function spanMatches(span: Span, q: TraceQuery): boolean {
  if (q.service && span.process.serviceName !== q.service) return false;
  if (q.operation && span.operationName !== q.operation) return false;
  if (q.minDuration !== undefined && span.duration < q.minDuration) return false;
  if (q.maxDuration !== undefined && span.duration > q.maxDuration) return false;
  if (q.start !== undefined && span.startTime < q.start) return false;
  if (q.end !== undefined && span.startTime > q.end) return false;
  for (const [key, want] of q.tags) {
    if (hasTag(span.tags, key, want) || hasTag(span.process.tags, key, want)) continue;
    if (span.logs.some((l) => hasTag(l.fields, key, want))) continue;
    return false;
  }
  return true;
}

export function findTraces(store: Store, q: TraceQuery): Trace[] {
  const out: Trace[] = [];
  for (const trace of store.all()) {
    for (const span of trace.spans.values()) {
      if (spanMatches(span, q)) {
        out.push(trace);
        break;
      }
    }
    if (out.length >= q.limit) break;
  }
  return out;
}

// ---------------------------------------------------------------- rendering

/** A trace in Jaeger's JSON: spans by start time, processes deduplicated as p1, p2, … */
export function renderTrace(trace: Trace): unknown {
  const processIds = new Map<object, string>();
  const processes: Record<string, unknown> = {};
  const spans = [...trace.spans.values()].sort((a, b) => a.startTime - b.startTime || (a.spanID < b.spanID ? -1 : 1));
  return {
    traceID: jaegerTraceID(trace.id),
    spans: spans.map((s) => {
      let pid = processIds.get(s.process);
      if (!pid) {
        pid = `p${processIds.size + 1}`;
        processIds.set(s.process, pid);
        processes[pid] = { serviceName: s.process.serviceName, tags: s.process.tags };
      }
      return {
        traceID: jaegerTraceID(s.traceID),
        spanID: s.spanID,
        flags: s.flags,
        operationName: s.operationName,
        references: s.references.map((r) => ({ refType: r.refType, traceID: jaegerTraceID(r.traceID), spanID: r.spanID })),
        startTime: s.startTime,
        duration: s.duration,
        tags: s.tags,
        logs: s.logs,
        processID: pid,
        warnings: s.warnings,
      };
    }),
    processes,
    warnings: null,
  };
}

// ---------------------------------------------------------------- dependencies

/** What a client span without a traced callee called, when it says: a named peer or a database. */
function peerOf(span: Span): string | undefined {
  const kind = spanKind(span);
  if (kind !== 'client' && kind !== 'producer') return undefined;
  const v =
    tagValue(span.tags, 'peer.service') ?? tagValue(span.tags, 'db.system.name') ?? tagValue(span.tags, 'db.system') ?? tagValue(span.tags, 'messaging.system');
  return typeof v === 'string' && v ? v : undefined;
}

/**
 * Service-to-service call counts of the traces with a span in [endTs - lookback, endTs] (ms):
 * a span whose parent belongs to another service is one call parent → child (Jaeger's rule), or,
 * for a message (a CONSUMER span under a PRODUCER span), one call to the broker its
 * messaging.system names and one from it; a client or producer span with no child in the trace
 * that names its peer, database or broker adds a call to that.
 */
export function dependencies(store: Store, endTsMs: number, lookbackMs: number): Array<{ parent: string; child: string; callCount: number }> {
  const from = (endTsMs - lookbackMs) * 1000;
  const to = endTsMs * 1000;
  const counts = new Map<string, { parent: string; child: string; callCount: number }>();
  const count = (parent: string, child: string) => {
    const key = parent + '\0' + child;
    const e = counts.get(key);
    if (e) e.callCount++;
    else counts.set(key, { parent, child, callCount: 1 });
  };
  for (const trace of store.all()) {
    if (trace.end < from || trace.start > to) continue;
    const hasChild = new Set<string>();
    for (const span of trace.spans.values()) hasChild.add(parentSpanID(span));
    for (const span of trace.spans.values()) {
      const parent = trace.spans.get(parentSpanID(span));
      if (parent && parent.process.serviceName !== span.process.serviceName) {
        // A message through a broker: producer → broker → consumer, the broker a node of its own.
        const broker = spanKind(parent) === 'producer' && spanKind(span) === 'consumer' ? tagValue(parent.tags, 'messaging.system') : undefined;
        if (typeof broker === 'string' && broker) {
          count(parent.process.serviceName, broker);
          count(broker, span.process.serviceName);
        } else count(parent.process.serviceName, span.process.serviceName);
      }
      if (!hasChild.has(span.spanID)) {
        const peer = peerOf(span);
        if (peer && peer !== span.process.serviceName) count(span.process.serviceName, peer);
      }
    }
  }
  return [...counts.values()].sort((a, b) => (a.parent + a.child < b.parent + b.child ? -1 : 1));
}

// ---------------------------------------------------------------- routing

export function handleQuery(store: Store, pathname: string, params: URLSearchParams): ApiResponse {
  try {
    if (pathname === '/api/services') return { status: 200, body: envelope(store.services()) };
    let m = /^\/api\/services\/([^/]+)\/operations$/.exec(pathname);
    if (m) return { status: 200, body: envelope([...new Set(store.operations(decodeURIComponent(m[1])).map((o) => o.name))]) };
    if (pathname === '/api/operations') {
      const service = params.get('service');
      if (!service) return failure(400, "parameter 'service' is required");
      const kind = params.get('spanKind') || '';
      const ops = store.operations(service).filter((o) => !kind || o.spanKind === kind);
      return { status: 200, body: envelope(ops) };
    }
    if (pathname === '/api/traces') {
      const ids = params.getAll('traceID');
      if (ids.length) {
        const traces = ids.map((id) => store.get(normaliseTraceID(id))).filter((t): t is Trace => !!t);
        return { status: 200, body: envelope(traces.map(renderTrace)) };
      }
      const traces = findTraces(store, parseTraceQuery(params));
      return { status: 200, body: envelope(traces.map(renderTrace)) };
    }
    m = /^\/api\/traces\/([^/]+)$/.exec(pathname);
    if (m) {
      const id = normaliseTraceID(decodeURIComponent(m[1]));
      if (!id) return failure(400, `not a trace id: ${JSON.stringify(decodeURIComponent(m[1]))}`);
      const trace = store.get(id);
      if (!trace) return failure(404, 'trace not found');
      return { status: 200, body: envelope([renderTrace(trace)]) };
    }
    if (pathname === '/api/dependencies') {
      const endTs = intParam(params, 'endTs') ?? Date.now();
      const lookback = intParam(params, 'lookback') ?? 24 * 3600 * 1000;
      return { status: 200, body: envelope(dependencies(store, endTs, lookback)) };
    }
    if (pathname === '/api/stats') return { status: 200, body: { data: { ...store.stats(), version: store.lastVersion }, errors: null } };
    return failure(404, `no such endpoint: ${pathname}`);
  } catch (err) {
    if (err instanceof QueryError) return failure(400, err.message);
    // A path segment that is not valid percent-encoding (/api/traces/%E0%A4%A) is the client's error.
    if (err instanceof URIError) return failure(400, `malformed path: ${err.message}`);
    throw err;
  }
}

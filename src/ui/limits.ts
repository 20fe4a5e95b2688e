// What the viewer keeps of a span, whatever arrives: at most so many
// attributes, events and links (the OpenTelemetry SDK's defaults), values cut
// to a length, values nested at most so deep. The decoders apply these while
// they read, so what is over a limit is skipped on the wire and never becomes
// an object; what was left out is counted, for the partial-success answer.
//
// The store is bounded by the size of what it keeps, estimated from the
// decoded spans (see spanBytes), not by a count of traces.
import { DecodeError } from './protobuf';
import type { Process, Span, Tag } from './model';

export interface SpanLimits {
  /** attributes per span, per resource (process), per event */
  attributes: number;
  events: number;
  links: number;
  /** characters of a string value (and of a composite value's JSON text) */
  valueLength: number;
}

export const DEFAULT_LIMITS: SpanLimits = { attributes: 128, events: 128, links: 128, valueLength: 16 * 1024 };

/** Values nested deeper than this (arrays in arrays, kvlists in kvlists) make the request malformed. */
export const MAX_VALUE_DEPTH = 32;
/** Elements of one composite value (all levels together) kept; the rest are skipped. */
export const MAX_VALUE_ELEMENTS = 1024;

/** What decoding left out, for the answer and the counts. */
export class Trimmed {
  attributes = 0;
  events = 0;
  links = 0;
  values = 0;
  /** spans refused whole: over the request's or a trace's share of memory, or a trace's span limit */
  spans = 0;
  spansWhy = '';

  get any(): boolean {
    return this.attributes + this.events + this.links + this.values + this.spans > 0;
  }

  /** One sentence for OTLP's partialSuccess.errorMessage. */
  message(): string {
    const parts: string[] = [];
    if (this.spans) parts.push(`${this.spans} spans not kept (${this.spansWhy})`);
    if (this.attributes) parts.push(`${this.attributes} attributes over the limit dropped`);
    if (this.events) parts.push(`${this.events} events over the limit dropped`);
    if (this.links) parts.push(`${this.links} links over the limit dropped`);
    if (this.values) parts.push(`${this.values} values cut to the length limit`);
    return parts.join('; ');
  }

  rejectSpans(count: number, why: string): void {
    this.spans += count;
    this.spansWhy ||= why;
  }
}

/** A string cut to `limit` characters, in memory of its own (a slice would keep the whole original alive). */
export function cut(s: string, limit: number, trimmed: Trimmed): string {
  if (s.length <= limit) return s;
  trimmed.values++;
  return Buffer.from(s.slice(0, limit), 'utf8').toString('utf8');
}

/** Counts nesting and elements of one composite value while it is read. */
export class ValueBudget {
  elements = MAX_VALUE_ELEMENTS;
  depth = 0;

  enter(): void {
    if (++this.depth > MAX_VALUE_DEPTH) throw new DecodeError(`a value nested deeper than ${MAX_VALUE_DEPTH} levels`);
  }

  leave(): void {
    this.depth--;
  }
}

// Estimated bytes of what the store keeps: V8 objects and their fields, the
// strings' characters. What V8 needs beyond what is alive (its collector lets
// the heap grow to about twice that) is left to the share the store is given.
const SPAN_BYTES = 640;
const TAG_BYTES = 96;
const LOG_BYTES = 96;
const REFERENCE_BYTES = 160;

/** A string's bytes in V8: a header, and a byte per character (Latin-1; others take two, rare in span data). */
const str = (s: string) => 16 + s.length;

function tagsBytes(tags: Tag[]): number {
  let n = 0;
  for (const t of tags) n += TAG_BYTES + str(t.key) + (typeof t.value === 'string' ? str(t.value) : 16);
  return n;
}

/** The estimated bytes one span takes in the store (its process counted apart: see processBytes). */
export function spanBytes(span: Span): number {
  let n = SPAN_BYTES + str(span.operationName) + tagsBytes(span.tags) + span.references.length * REFERENCE_BYTES;
  for (const log of span.logs) n += LOG_BYTES + tagsBytes(log.fields);
  return n;
}

export function processBytes(process: Process): number {
  return 256 + str(process.serviceName) + tagsBytes(process.tags);
}

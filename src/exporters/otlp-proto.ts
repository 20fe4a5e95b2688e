// OTLP ExportTraceServiceRequest in protobuf, filled span by span as spans
// end (otlp-proto-span.ts writes each span): a batch waiting for export holds
// bytes, not span objects, so ended spans die young (no promotion to the old
// generation, less memory resident under load). finish() nests the spans into
// ResourceSpans and ScopeSpans.
//
// Field numbers: opentelemetry/proto/collector/trace/v1, trace/v1.

import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { scopeKey, type Resource, type Scope } from './otlp-common';
import { writeResource, writeScope, writeSpan } from './otlp-proto-span';
import { ProtoWriter } from './proto-writer';

// ExportTraceServiceRequest
const REQUEST_RESOURCE_SPANS = 0x0a; // 1, LEN
// ResourceSpans
const RESOURCE_SPANS_RESOURCE = 0x0a; // 1, LEN
const RESOURCE_SPANS_SCOPE_SPANS = 0x12; // 2, LEN
const RESOURCE_SPANS_SCHEMA_URL = 0x1a; // 3, LEN
// ScopeSpans
const SCOPE_SPANS_SCOPE = 0x0a; // 1, LEN
const SCOPE_SPANS_SCHEMA_URL = 0x1a; // 3, LEN

/** The spans of one resource and one scope (scopes equal in name, version and schema URL are one). */
interface Group {
  resource: Resource;
  scope: Scope;
  key: string;
}

const SPANS_SIZE = 16 * 1024;
/** Bytes of a request beyond its spans' (resource, scopes, nesting), as first guessed. */
const NESTING_SIZE = 4 * 1024;

/** One export request being filled span by span. */
export class ProtoBatch {
  count = 0;
  /** The spans' fields, one after another, in the order they were added. */
  private readonly spans = new ProtoWriter(SPANS_SIZE);
  private readonly groups: Group[] = [];
  /** Runs of consecutive spans of one group: group index, start, end; three numbers a run. */
  private readonly runs: number[] = [];
  // Consecutive spans usually share resource and scope: skip the lookup then.
  private lastResource: Resource | undefined;
  private lastScope: Scope | undefined;
  private lastGroup = -1;

  add(span: ReadableSpan): void {
    const group = this.groupOf(span.resource, span.instrumentationScope);
    const w = this.spans;
    const start = w.pos;
    try {
      writeSpan(w, span);
    } catch (err) {
      w.pos = start; // a span that cannot be encoded leaves nothing behind
      throw err;
    }
    const runs = this.runs;
    const last = runs.length - 3;
    if (last >= 0 && runs[last] === group) runs[last + 2] = w.pos;
    else runs.push(group, start, w.pos);
    this.count++;
  }

  private groupOf(resource: Resource, scope: Scope): number {
    if (resource === this.lastResource && scope === this.lastScope) return this.lastGroup;
    const key = scopeKey(scope);
    let index = this.groups.findIndex((g) => g.resource === resource && g.key === key);
    if (index === -1) index = this.groups.push({ resource, scope, key }) - 1;
    this.lastResource = resource;
    this.lastScope = scope;
    this.lastGroup = index;
    return index;
  }

  /**
   * The ExportTraceServiceRequest with every span added: ResourceSpans per
   * resource and ScopeSpans per scope, in the order first seen. The batch is
   * not used again; the request's memory goes back with giveBack() once sent.
   */
  finish(): Uint8Array {
    const out = new ProtoWriter(this.spans.pos + NESTING_SIZE);
    const spans = this.spans.buf;
    const groups = this.groups;
    const resources = Array.from(new Set(groups.map((g) => g.resource)));
    for (const resource of resources) {
      // (Three length bytes: up to 2 MiB, the usual size of a full batch; other lengths move the content.)
      const resourceSpans = out.beginField(REQUEST_RESOURCE_SPANS, 3);
      writeResource(out, RESOURCE_SPANS_RESOURCE, resource);
      for (let g = 0; g < groups.length; g++) {
        const group = groups[g];
        if (group.resource !== resource) continue;
        const scopeSpans = out.beginField(RESOURCE_SPANS_SCOPE_SPANS, 3);
        writeScope(out, SCOPE_SPANS_SCOPE, group.scope);
        const runs = this.runs;
        for (let r = 0; r < runs.length; r += 3) if (runs[r] === g) out.raw(spans.subarray(runs[r + 1], runs[r + 2]));
        if (group.scope.schemaUrl) out.stringField(SCOPE_SPANS_SCHEMA_URL, group.scope.schemaUrl);
        out.endField(scopeSpans, 3);
      }
      if (resource.schemaUrl) out.stringField(RESOURCE_SPANS_SCHEMA_URL, resource.schemaUrl);
      out.endField(resourceSpans, 3);
    }
    this.spans.release();
    return out.bytes();
  }
}

/** Encodes spans as an OTLP ExportTraceServiceRequest (protobuf), all at once. The result is the caller's to keep. */
export function encodeTraceRequest(spans: ReadableSpan[]): Uint8Array {
  const batch = new ProtoBatch();
  for (let i = 0; i < spans.length; i++) batch.add(spans[i]);
  return batch.finish();
}

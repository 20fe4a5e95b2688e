// OTLP nests spans by resource, then by instrumentation scope.
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';

export type SpanGroups = Map<ReadableSpan['resource'], Map<ReadableSpan['instrumentationScope'], ReadableSpan[]>>;

/** Groups spans by resource, then by scope (object identity), in first-seen order. */
export function groupSpans(spans: ReadableSpan[]): SpanGroups {
  const byResource: SpanGroups = new Map();
  for (const span of spans) {
    let byScope = byResource.get(span.resource);
    if (byScope === undefined) byResource.set(span.resource, (byScope = new Map()));
    let list = byScope.get(span.instrumentationScope);
    if (list === undefined) byScope.set(span.instrumentationScope, (list = []));
    list.push(span);
  }
  return byResource;
}

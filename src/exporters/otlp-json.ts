// OTLP ExportTraceServiceRequest in the OTLP/JSON mapping: lowerCamelCase
// names, ids as hex strings, enums as integers, 64-bit integers as strings.

import type { Attributes, AttributeValue, HrTime } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { groupSpans } from './group';

type AnyValue = { stringValue: string } | { boolValue: boolean } | { intValue: string } | { doubleValue: number } | { arrayValue: { values: AnyValue[] } } | Record<string, never>;

function nanos(t: HrTime): string {
  return (BigInt(t[0]) * 1000000000n + BigInt(t[1])).toString();
}

function anyValue(value: unknown): AnyValue {
  switch (typeof value) {
    case 'string':
      return { stringValue: value };
    case 'boolean':
      return { boolValue: value };
    case 'number':
      return Number.isInteger(value) ? { intValue: String(value) } : { doubleValue: value };
    default:
      return Array.isArray(value) ? { arrayValue: { values: value.map((v) => (v == null ? {} : anyValue(v))) } } : {};
  }
}

function attributes(attrs: Attributes | undefined): Array<{ key: string; value: AnyValue }> {
  const out: Array<{ key: string; value: AnyValue }> = [];
  for (const key in attrs) {
    const value = attrs[key] as AttributeValue | undefined;
    if (value != null) out.push({ key, value: anyValue(value) });
  }
  return out;
}

function flags(traceFlags: number, isRemote: boolean | undefined): number {
  return (traceFlags & 0xff) | 0x100 | (isRemote ? 0x200 : 0);
}

function span(s: ReadableSpan): object {
  const sc = s.spanContext();
  return {
    traceId: sc.traceId,
    spanId: sc.spanId,
    traceState: sc.traceState?.serialize() || undefined,
    parentSpanId: s.parentSpanContext?.spanId,
    flags: flags(sc.traceFlags, s.parentSpanContext?.isRemote),
    name: s.name,
    kind: s.kind + 1,
    startTimeUnixNano: nanos(s.startTime),
    endTimeUnixNano: nanos(s.endTime),
    attributes: attributes(s.attributes),
    droppedAttributesCount: s.droppedAttributesCount,
    events: s.events.map((e) => ({
      timeUnixNano: nanos(e.time),
      name: e.name,
      attributes: attributes(e.attributes),
      droppedAttributesCount: e.droppedAttributesCount ?? 0,
    })),
    droppedEventsCount: s.droppedEventsCount,
    links: s.links.map((l) => ({
      traceId: l.context.traceId,
      spanId: l.context.spanId,
      traceState: l.context.traceState?.serialize() || undefined,
      attributes: attributes(l.attributes),
      droppedAttributesCount: l.droppedAttributesCount ?? 0,
      flags: flags(l.context.traceFlags, l.context.isRemote),
    })),
    droppedLinksCount: s.droppedLinksCount,
    status: s.status.message ? { code: s.status.code, message: s.status.message } : { code: s.status.code },
  };
}

export function encodeTraceRequestJson(spans: ReadableSpan[]): string {
  const resourceSpans = [];
  for (const [resource, byScope] of groupSpans(spans)) {
    const scopeSpans = [];
    for (const [scope, list] of byScope) {
      scopeSpans.push({ scope: { name: scope.name, version: scope.version }, spans: list.map(span), schemaUrl: scope.schemaUrl });
    }
    resourceSpans.push({ resource: { attributes: attributes(resource.attributes as Attributes) }, scopeSpans });
  }
  return JSON.stringify({ resourceSpans });
}

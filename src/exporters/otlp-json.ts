// OTLP ExportTraceServiceRequest in the OTLP/JSON mapping (protobuf's JSON
// mapping with the OTLP exceptions): lowerCamelCase field names, trace and span
// ids as lowercase hex (not base64), enums as integers, 64-bit integers as
// decimal strings. Fields at their default value (0, "", empty) are omitted,
// as the mapping allows.
//
// The JSON text is built directly as strings (JSON.stringify only escapes the
// strings), without an intermediate object tree; the resource and scope parts
// are cached per object, since they repeat in every batch.

import type { Attributes, HrTime, Link, SpanContext } from '@opentelemetry/api';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace-base';
import { STATUS_UNSET } from '../otel-constants';
import { groupSpans, resourceAttributes, scopeKey, type Resource, type Scope } from './otlp-common';

const TWO_63 = 9223372036854775808;
// Span.flags bits 8 and 9: "is_remote is known", "is remote" (see otlp-proto.ts).
const FLAGS_HAS_IS_REMOTE = 0x100;
const FLAGS_IS_REMOTE = 0x200;

/** HrTime as a decimal string of nanoseconds, exactly (the digits of seconds, then nine of nanoseconds). */
function nanosJson(time: HrTime): string {
  const seconds = time[0];
  const nanos = time[1];
  if (Number.isSafeInteger(seconds) && seconds > 0 && Number.isInteger(nanos) && nanos >= 0 && nanos < 1e9) {
    const digits = String(nanos);
    return `"${seconds}${'000000000'.slice(digits.length)}${digits}"`;
  }
  return `"${BigInt.asUintN(64, BigInt(Math.trunc(seconds)) * 1000000000n + BigInt(Math.round(nanos)))}"`;
}

function idJson(hex: string): string {
  return `"${hex.toLowerCase()}"`;
}

function doubleJson(value: number): string {
  // proto3 JSON spells the non-finite doubles as strings.
  if (Number.isFinite(value)) return String(value);
  return Number.isNaN(value) ? '"NaN"' : value > 0 ? '"Infinity"' : '"-Infinity"';
}

function anyValueJson(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return `{"stringValue":${JSON.stringify(value)}}`;
    case 'boolean':
      return value ? '{"boolValue":true}' : '{"boolValue":false}';
    case 'number':
      // Integers within int64 are intValue (a string); fractions, NaN, ±Infinity and larger integers doubleValue.
      if (Number.isSafeInteger(value)) return `{"intValue":"${value}"}`;
      // Beyond 2^53 String() rounds to 17 significant digits: print the double's exact integer value.
      if (Number.isInteger(value) && value >= -TWO_63 && value < TWO_63) return `{"intValue":"${BigInt(value)}"}`;
      return `{"doubleValue":${doubleJson(value)}}`;
    case 'object':
      if (value === null) return '{}';
      if (Array.isArray(value)) {
        let values = '';
        for (let i = 0; i < value.length; i++) {
          const item: unknown = value[i];
          values += (i === 0 ? '' : ',') + (item === null || item === undefined ? '{}' : anyValueJson(item));
        }
        return `{"arrayValue":{"values":[${values}]}}`;
      }
      if (value instanceof Uint8Array) {
        return `{"bytesValue":"${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64')}"}`;
      }
      return `{"kvlistValue":{"values":${attributesJson(value as Attributes)}}}`;
    default:
      return '{}';
  }
}

// Attribute keys repeat in every span: keep each key's `{"key":…,"value":` prefix.
const keyPrefixCache = new Map<string, string>();
const MAX_CACHED_KEYS = 4096;

function keyPrefix(key: string): string {
  let prefix = keyPrefixCache.get(key);
  if (prefix === undefined) {
    prefix = `{"key":${JSON.stringify(key)},"value":`;
    if (keyPrefixCache.size < MAX_CACHED_KEYS) keyPrefixCache.set(key, prefix);
  }
  return prefix;
}

/** A JSON array of KeyValue for every defined attribute. */
function attributesJson(attributes: Attributes): string {
  let out = '';
  for (const key in attributes) {
    const value = attributes[key];
    if (value === undefined || value === null) continue;
    out += (out === '' ? '' : ',') + keyPrefix(key) + anyValueJson(value) + '}';
  }
  return `[${out}]`;
}

function spanFlags(traceFlags: number, isRemote: boolean | undefined): number {
  return (traceFlags & 0xff) | FLAGS_HAS_IS_REMOTE | (isRemote ? FLAGS_IS_REMOTE : 0);
}

function traceStateJson(context: SpanContext): string {
  const serialized = context.traceState?.serialize();
  return serialized ? `,"traceState":${JSON.stringify(serialized)}` : '';
}

function eventJson(event: TimedEvent): string {
  let out = `{"timeUnixNano":${nanosJson(event.time)},"name":${JSON.stringify(event.name)}`;
  if (event.attributes !== undefined) out += `,"attributes":${attributesJson(event.attributes)}`;
  if (event.droppedAttributesCount) out += `,"droppedAttributesCount":${event.droppedAttributesCount}`;
  return out + '}';
}

function linkJson(link: Link): string {
  const context = link.context;
  let out = `{"traceId":${idJson(context.traceId)},"spanId":${idJson(context.spanId)}${traceStateJson(context)}`;
  if (link.attributes !== undefined) out += `,"attributes":${attributesJson(link.attributes)}`;
  if (link.droppedAttributesCount) out += `,"droppedAttributesCount":${link.droppedAttributesCount}`;
  return out + `,"flags":${spanFlags(context.traceFlags, context.isRemote)}}`;
}

function spanJson(span: ReadableSpan): string {
  const context = span.spanContext();
  const parent = span.parentSpanContext;
  let out = `{"traceId":${idJson(context.traceId)},"spanId":${idJson(context.spanId)}${traceStateJson(context)}`;
  if (parent !== undefined) out += `,"parentSpanId":${idJson(parent.spanId)}`;
  out +=
    `,"flags":${spanFlags(context.traceFlags, parent?.isRemote)}` +
    `,"name":${JSON.stringify(span.name)}` +
    `,"kind":${span.kind + 1}` + // API SpanKind 0..4 → OTLP 1..5
    `,"startTimeUnixNano":${nanosJson(span.startTime)}` +
    `,"endTimeUnixNano":${nanosJson(span.endTime)}` +
    `,"attributes":${attributesJson(span.attributes)}`;
  if (span.droppedAttributesCount) out += `,"droppedAttributesCount":${span.droppedAttributesCount}`;
  if (span.events.length > 0) out += `,"events":[${span.events.map(eventJson).join(',')}]`;
  if (span.droppedEventsCount) out += `,"droppedEventsCount":${span.droppedEventsCount}`;
  if (span.links.length > 0) out += `,"links":[${span.links.map(linkJson).join(',')}]`;
  if (span.droppedLinksCount) out += `,"droppedLinksCount":${span.droppedLinksCount}`;
  const status = span.status;
  if (status.code !== STATUS_UNSET || status.message) {
    const message = status.message ? `"message":${JSON.stringify(status.message)}` : '';
    const code = status.code !== STATUS_UNSET ? `"code":${status.code}` : '';
    out += `,"status":{${message}${message && code ? ',' : ''}${code}}`;
  }
  return out + '}';
}

// ---------------------------------------------------------------------------
// Resources and scopes: their JSON is built once per object.

const resourceJsonCache = new WeakMap<object, string>();

function resourceJson(resource: Resource): string {
  let json = resourceJsonCache.get(resource);
  if (json === undefined) {
    json = `{"attributes":${attributesJson(resourceAttributes(resource))}}`;
    // A resource still waiting for async attributes will change: cache it once settled.
    if (!resource.asyncAttributesPending) resourceJsonCache.set(resource, json);
  }
  return json;
}

interface ScopeEntry {
  /** name, version and schema URL: scopes equal in these share one ScopeSpans. */
  key: string;
  json: string;
  schemaUrl: string | undefined;
}

const scopeCache = new WeakMap<object, ScopeEntry>();

function scopeEntry(scope: Scope): ScopeEntry {
  let entry = scopeCache.get(scope);
  if (entry === undefined) {
    const version = scope.version ? `,"version":${JSON.stringify(scope.version)}` : '';
    entry = {
      key: scopeKey(scope),
      json: `{"name":${JSON.stringify(scope.name)}${version}}`,
      schemaUrl: scope.schemaUrl || undefined,
    };
    scopeCache.set(scope, entry);
  }
  return entry;
}

/** Encodes spans as an OTLP ExportTraceServiceRequest in OTLP/JSON. */
export function encodeTraceRequestJson(spans: ReadableSpan[]): string {
  const resourceSpans: string[] = [];
  for (const [resource, byScope] of groupSpans(spans, scopeEntry)) {
    const scopeSpans: string[] = [];
    for (const { scope, spans: list } of byScope.values()) {
      const schemaUrl = scope.schemaUrl ? `,"schemaUrl":${JSON.stringify(scope.schemaUrl)}` : '';
      scopeSpans.push(`{"scope":${scope.json},"spans":[${list.map(spanJson).join(',')}]${schemaUrl}}`);
    }
    const schemaUrl = resource.schemaUrl ? `,"schemaUrl":${JSON.stringify(resource.schemaUrl)}` : '';
    resourceSpans.push(`{"resource":${resourceJson(resource)},"scopeSpans":[${scopeSpans.join(',')}]${schemaUrl}}`);
  }
  return `{"resourceSpans":[${resourceSpans.join(',')}]}`;
}

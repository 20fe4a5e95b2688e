// OTLP protobuf messages below the request: Span (with its events, links and
// status), KeyValue attributes and AnyValue, Resource and InstrumentationScope.
//
// Field numbers: opentelemetry/proto/{trace,common,resource}/v1
// (test/support/otlp.proto holds the same messages for the tests' decoder).

import type { Attributes, HrTime, Link, SpanContext } from '@opentelemetry/api';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace-base';
import { CLOCK_BASE_NANOS, CLOCK_BASE_SECONDS } from '../clock';
import { STATUS_UNSET } from '../otel-constants';
import { resourceAttributes, type Resource, type Scope } from './otlp-common';
import type { ProtoWriter } from './proto-writer';
import { isRawSpan, type RawSpan } from './types';

// Field tags: (field number << 3) | wire type. Wire types: 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32.

// ScopeSpans
const SCOPE_SPANS_SPAN = 0x12; // 2, LEN
// Resource
const RESOURCE_ATTRIBUTES = 0x0a; // 1, LEN
// InstrumentationScope
const SCOPE_NAME = 0x0a; // 1, LEN
const SCOPE_VERSION = 0x12; // 2, LEN
// Span
const SPAN_TRACE_ID = 0x0a; // 1, LEN
const SPAN_SPAN_ID = 0x12; // 2, LEN
const SPAN_TRACE_STATE = 0x1a; // 3, LEN
const SPAN_PARENT_SPAN_ID = 0x22; // 4, LEN
const SPAN_NAME = 0x2a; // 5, LEN
const SPAN_KIND = 0x30; // 6, VARINT
const SPAN_START_TIME = 0x39; // 7, FIXED64
const SPAN_END_TIME = 0x41; // 8, FIXED64
const SPAN_ATTRIBUTES = 0x4a; // 9, LEN
const SPAN_DROPPED_ATTRIBUTES = 0x50; // 10, VARINT
const SPAN_EVENT = 0x5a; // 11, LEN
const SPAN_DROPPED_EVENTS = 0x60; // 12, VARINT
const SPAN_LINK = 0x6a; // 13, LEN
const SPAN_DROPPED_LINKS = 0x70; // 14, VARINT
const SPAN_STATUS = 0x7a; // 15, LEN
const SPAN_FLAGS_TAG_0 = 0x85; // 16, FIXED32: the tag needs two varint bytes
const SPAN_FLAGS_TAG_1 = 0x01;
// Span.Event
const EVENT_TIME = 0x09; // 1, FIXED64
const EVENT_NAME = 0x12; // 2, LEN
const EVENT_ATTRIBUTES = 0x1a; // 3, LEN
const EVENT_DROPPED_ATTRIBUTES = 0x20; // 4, VARINT
// Span.Link
const LINK_TRACE_ID = 0x0a; // 1, LEN
const LINK_SPAN_ID = 0x12; // 2, LEN
const LINK_TRACE_STATE = 0x1a; // 3, LEN
const LINK_ATTRIBUTES = 0x22; // 4, LEN
const LINK_DROPPED_ATTRIBUTES = 0x28; // 5, VARINT
const LINK_FLAGS = 0x35; // 6, FIXED32
// Status
const STATUS_MESSAGE = 0x12; // 2, LEN
const STATUS_CODE = 0x18; // 3, VARINT
// KeyValue / KeyValueList / ArrayValue
const KEY_VALUE_KEY = 0x0a; // 1, LEN
const KEY_VALUE_VALUE = 0x12; // 2, LEN
const LIST_VALUES = 0x0a; // ArrayValue.values / KeyValueList.values: 1, LEN
// AnyValue
const ANY_STRING = 0x0a; // 1, LEN
const ANY_BOOL = 0x10; // 2, VARINT
const ANY_INT = 0x18; // 3, VARINT (int64)
const ANY_DOUBLE = 0x21; // 4, FIXED64
const ANY_ARRAY = 0x2a; // 5, LEN
const ANY_KVLIST = 0x32; // 6, LEN
const ANY_BYTES = 0x3a; // 7, LEN

// Span.flags: W3C trace flags in bits 0-7; bit 8 "is_remote of the parent
// (or link) context is known", bit 9 "it is remote" (SpanFlags in trace.proto).
const FLAGS_HAS_IS_REMOTE = 0x100;
const FLAGS_IS_REMOTE = 0x200;

/** Upper bound of the bytes any run of fixed-size fields writes between two ensure() calls. */
const FIXED_ROOM = 64;

const TWO_32 = 4294967296;
const TWO_63 = 9223372036854775808;

// ---------------------------------------------------------------------------
// Times, as fixed64 nanoseconds since the epoch, exactly: seconds·1e9 + nanos
// exceeds 2^53, so they are written as 32-bit halves.

/** HrTime [seconds, nanoseconds]. 1e9 = 1953125·2^9, and seconds·1953125 stays below 2^53 until the year 2116. */
function writeTime(w: ProtoWriter, time: HrTime): void {
  const seconds = time[0];
  const nanos = time[1];
  if (seconds >= 0 && seconds < 4611686018 && seconds % 1 === 0 && nanos >= 0 && nanos < 1e9 && nanos % 1 === 0) {
    const scaled = seconds * 1953125; // seconds·1e9 / 2^9, exact
    const scaledLow23 = scaled % 8388608;
    let low = scaledLow23 * 512 + nanos; // < 2^32 + 1e9
    let high = (scaled - scaledLow23) / 8388608;
    if (low >= TWO_32) {
      low -= TWO_32;
      high += 1;
    }
    w.fixed64(low, high);
    return;
  }
  // Unusual input (before 1970, fractional or unnormalised nanoseconds): exact through BigInt.
  const total = BigInt.asUintN(64, BigInt(Math.trunc(seconds)) * 1000000000n + BigInt(Math.round(nanos)));
  w.fixed64(Number(total & 0xffffffffn), Number(total >> 32n));
}

// The span clock's zero in nanoseconds since the epoch, in 32-bit halves.
const CLOCK_BASE = BigInt(CLOCK_BASE_SECONDS) * 1000000000n + BigInt(CLOCK_BASE_NANOS);
const CLOCK_BASE_LOW = Number(CLOCK_BASE & 0xffffffffn);
const CLOCK_BASE_HIGH = Number(CLOCK_BASE >> 32n);

/** A time on the span clock (a non-negative whole number of nanoseconds): its halves added to the zero's, where a [seconds, nanoseconds] split would cost float divisions. */
function writeClockTime(w: ProtoWriter, clock: number): void {
  const low = (clock >>> 0) + CLOCK_BASE_LOW; // < 2^33
  const high = Math.floor(clock / TWO_32) + CLOCK_BASE_HIGH + (low >= TWO_32 ? 1 : 0);
  w.fixed64(low >>> 0, high >>> 0);
}

// ---------------------------------------------------------------------------
// Attributes.

/** Repeated KeyValue field `tag` for every defined attribute. */
function writeAttributes(w: ProtoWriter, tag: number, attributes: Attributes): void {
  for (const key in attributes) {
    const value = attributes[key];
    if (value === undefined || value === null) continue;
    const keyValue = w.beginField(tag, 1);
    w.stringField(KEY_VALUE_KEY, key);
    writeAnyValueField(w, KEY_VALUE_VALUE, value);
    w.endField(keyValue, 1);
  }
}

/** An AnyValue message as field `tag` (KeyValue.value, or an array element). */
function writeAnyValueField(w: ProtoWriter, tag: number, value: unknown): void {
  const start = w.beginField(tag, 1);
  switch (typeof value) {
    case 'string':
      w.stringField(ANY_STRING, value);
      break;
    case 'number':
      w.ensure(11);
      if (Number.isInteger(value) && value >= -TWO_63 && value < TWO_63) {
        w.byte(ANY_INT);
        w.int64(value);
      } else {
        // Fractions, NaN, ±Infinity, and integers beyond int64.
        w.byte(ANY_DOUBLE);
        w.double(value);
      }
      break;
    case 'boolean':
      w.ensure(2);
      w.byte(ANY_BOOL);
      w.byte(value ? 1 : 0);
      break;
    case 'object':
      if (value !== null) writeCompositeValue(w, value);
      break;
    // Anything else (undefined, bigint, …) stays an empty AnyValue.
  }
  w.endField(start, 1);
}

/** Arrays, bytes, and (beyond the API's types, as other SDKs do) plain objects as kvlists. */
function writeCompositeValue(w: ProtoWriter, value: object): void {
  if (Array.isArray(value)) {
    const array = w.beginField(ANY_ARRAY, 1);
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      // null / undefined elements are kept as empty AnyValues, preserving positions.
      if (item === null || item === undefined) {
        w.ensure(2);
        w.byte(LIST_VALUES);
        w.byte(0);
      } else writeAnyValueField(w, LIST_VALUES, item);
    }
    w.endField(array, 1);
  } else if (value instanceof Uint8Array) {
    w.ensure(6);
    w.byte(ANY_BYTES);
    w.varint32(value.length);
    w.raw(value);
  } else {
    const list = w.beginField(ANY_KVLIST, 1);
    writeAttributes(w, LIST_VALUES, value as Attributes);
    w.endField(list, 1);
  }
}

// ---------------------------------------------------------------------------
// Spans.

function spanFlags(traceFlags: number, isRemote: boolean | undefined): number {
  return (traceFlags & 0xff) | FLAGS_HAS_IS_REMOTE | (isRemote ? FLAGS_IS_REMOTE : 0);
}

function writeTraceState(w: ProtoWriter, tag: number, context: SpanContext): void {
  const serialized = context.traceState?.serialize();
  if (serialized) w.stringField(tag, serialized);
}

/** A varint field when the count is not zero. */
function writeCount(w: ProtoWriter, tag: number, count: number): void {
  if (!count) return;
  w.ensure(6);
  w.byte(tag);
  w.varint32(count);
}

function writeEvent(w: ProtoWriter, event: TimedEvent): void {
  // Events (exceptions with their stack) are often longer than 127 bytes.
  const start = w.beginField(SPAN_EVENT, 2);
  w.ensure(9);
  w.byte(EVENT_TIME);
  writeTime(w, event.time);
  w.stringField(EVENT_NAME, event.name);
  if (event.attributes !== undefined) writeAttributes(w, EVENT_ATTRIBUTES, event.attributes);
  writeCount(w, EVENT_DROPPED_ATTRIBUTES, event.droppedAttributesCount ?? 0);
  w.endField(start, 2);
}

function writeLink(w: ProtoWriter, link: Link): void {
  const context = link.context;
  const start = w.beginField(SPAN_LINK, 1);
  w.hexIdField(LINK_TRACE_ID, context.traceId);
  w.hexIdField(LINK_SPAN_ID, context.spanId);
  writeTraceState(w, LINK_TRACE_STATE, context);
  if (link.attributes !== undefined) writeAttributes(w, LINK_ATTRIBUTES, link.attributes);
  writeCount(w, LINK_DROPPED_ATTRIBUTES, link.droppedAttributesCount ?? 0);
  w.ensure(5);
  w.byte(LINK_FLAGS);
  w.fixed32(spanFlags(context.traceFlags, context.isRemote));
  w.endField(start, 1);
}

/** Ids, trace state and parent id of a span that has them as words (the agent's); returns whether the parent is remote. */
function writeRawIds(w: ProtoWriter, span: RawSpan): boolean | undefined {
  const traceId = span.traceId;
  w.wordIdField(SPAN_TRACE_ID, traceId.word0, traceId.word1, traceId.word2, traceId.word3);
  w.wordIdField(SPAN_SPAN_ID, span.spanIdWord0, span.spanIdWord1);
  const traceState = span.traceState?.serialize();
  if (traceState) w.stringField(SPAN_TRACE_STATE, traceState);
  const local = span.localParent;
  if (local !== undefined) {
    w.wordIdField(SPAN_PARENT_SPAN_ID, local.spanIdWord0, local.spanIdWord1);
    return false;
  }
  const parent = span.parentSpanContext;
  if (parent === undefined) return undefined;
  w.hexIdField(SPAN_PARENT_SPAN_ID, parent.spanId);
  return parent.isRemote;
}

/** One ScopeSpans.spans field. */
export function writeSpan(w: ProtoWriter, span: ReadableSpan): void {
  // A span with a few attributes takes 128..16383 bytes: two length bytes.
  const start = w.beginField(SCOPE_SPANS_SPAN, 2);
  const raw = isRawSpan(span) ? span : undefined;
  let parentIsRemote: boolean | undefined;
  let traceFlags: number;
  if (raw !== undefined) {
    parentIsRemote = writeRawIds(w, raw);
    traceFlags = 1; // the agent's own spans are all sampled
  } else {
    const context = span.spanContext();
    const parent = span.parentSpanContext;
    w.hexIdField(SPAN_TRACE_ID, context.traceId);
    w.hexIdField(SPAN_SPAN_ID, context.spanId);
    writeTraceState(w, SPAN_TRACE_STATE, context);
    if (parent !== undefined) w.hexIdField(SPAN_PARENT_SPAN_ID, parent.spanId);
    parentIsRemote = parent?.isRemote;
    traceFlags = context.traceFlags;
  }
  w.stringField(SPAN_NAME, span.name);
  w.ensure(FIXED_ROOM);
  w.byte(SPAN_KIND);
  w.byte(span.kind + 1); // API SpanKind 0..4 → OTLP 1..5
  w.byte(SPAN_START_TIME);
  if (raw !== undefined) {
    writeClockTime(w, raw.startClock);
    w.byte(SPAN_END_TIME);
    if (raw.endClock < 0) writeTime(w, raw.endTime);
    else writeClockTime(w, raw.endClock);
  } else {
    writeTime(w, span.startTime);
    w.byte(SPAN_END_TIME);
    writeTime(w, span.endTime);
  }

  writeAttributes(w, SPAN_ATTRIBUTES, span.attributes);
  writeCount(w, SPAN_DROPPED_ATTRIBUTES, span.droppedAttributesCount);
  const events = span.events;
  for (let i = 0; i < events.length; i++) writeEvent(w, events[i]);
  writeCount(w, SPAN_DROPPED_EVENTS, span.droppedEventsCount);
  const links = span.links;
  for (let i = 0; i < links.length; i++) writeLink(w, links[i]);
  writeCount(w, SPAN_DROPPED_LINKS, span.droppedLinksCount);

  const status = span.status;
  if (status.code !== STATUS_UNSET || status.message) {
    const statusStart = w.beginField(SPAN_STATUS, 1);
    if (status.message) w.stringField(STATUS_MESSAGE, status.message);
    if (status.code !== STATUS_UNSET) {
      w.ensure(6);
      w.byte(STATUS_CODE);
      w.varint32(status.code);
    }
    w.endField(statusStart, 1);
  }

  w.ensure(6);
  w.byte(SPAN_FLAGS_TAG_0);
  w.byte(SPAN_FLAGS_TAG_1);
  w.fixed32(spanFlags(traceFlags, parentIsRemote));
  w.endField(start, 2);
}

// ---------------------------------------------------------------------------
// Resources and scopes.

/** A Resource message as field `tag` (ResourceSpans.resource). */
export function writeResource(w: ProtoWriter, tag: number, resource: Resource): void {
  const start = w.beginField(tag, 2);
  writeAttributes(w, RESOURCE_ATTRIBUTES, resourceAttributes(resource));
  w.endField(start, 2);
}

/** An InstrumentationScope message as field `tag` (ScopeSpans.scope). */
export function writeScope(w: ProtoWriter, tag: number, scope: Scope): void {
  const start = w.beginField(tag, 1);
  w.stringField(SCOPE_NAME, scope.name);
  if (scope.version) w.stringField(SCOPE_VERSION, scope.version);
  w.endField(start, 1);
}

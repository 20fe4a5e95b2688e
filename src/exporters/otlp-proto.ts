// OTLP ExportTraceServiceRequest in protobuf, written by hand for the hot path.
//
// Each span is written as it ends (ProtoBatch.add) into its scope's growing
// chunk; finish() nests the chunks into the request with exact lengths. Within
// a span, every length-delimited field reserves its length prefix (one byte,
// two for a span) and fixes it up at the end, moving the content only in the
// rare case the guess was short. No per-field objects or closures; ids are
// converted from hex without intermediate strings; the encoded Resource and
// InstrumentationScope messages are cached per object, since they repeat in
// every batch.
//
// Field numbers: opentelemetry/proto/{collector/trace,trace,common,resource}/v1
// (test/support/otlp.proto holds the same messages for the tests' decoder).

import type { Attributes, HrTime, Link, SpanContext } from '@opentelemetry/api';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace-base';
import { STATUS_UNSET, TRACE_FLAG_SAMPLED } from '../otel-constants';
import { AgentSpan, CLOCK_BASE_NANOS, CLOCK_BASE_SECONDS } from '../span';
import { resourceAttributes, scopeKey, type Resource, type Scope } from './otlp-common';

// ---------------------------------------------------------------------------
// Field tags: (field number << 3) | wire type, precomputed. Wire types:
// 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32.

// ExportTraceServiceRequest
const REQUEST_RESOURCE_SPANS = 0x0a; // 1, LEN
// ResourceSpans
const RESOURCE_SPANS_RESOURCE = 0x0a; // 1, LEN
const RESOURCE_SPANS_SCOPE_SPANS = 0x12; // 2, LEN
const RESOURCE_SPANS_SCHEMA_URL = 0x1a; // 3, LEN
// Resource
const RESOURCE_ATTRIBUTES = 0x0a; // 1, LEN
// ScopeSpans
const SCOPE_SPANS_SCOPE = 0x0a; // 1, LEN
const SCOPE_SPANS_SPAN = 0x12; // 2, LEN
const SCOPE_SPANS_SCHEMA_URL = 0x1a; // 3, LEN
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
// The output buffer and its write position, shared by the functions below.

const INITIAL_SIZE = 64 * 1024;
let buf: Buffer = Buffer.allocUnsafe(0);
/** The same memory, for writing 4 bytes in one store. */
let view = new DataView(buf.buffer, buf.byteOffset, 0);
let pos = 0;

function setBuffer(next: Buffer): void {
  buf = next;
  view = new DataView(next.buffer, next.byteOffset, next.length);
}

/** Makes room for `bytes` more bytes at pos. */
function ensure(bytes: number): void {
  if (pos + bytes > buf.length) grow(bytes);
}

function grow(bytes: number): void {
  let size = Math.max(buf.length * 2, INITIAL_SIZE);
  while (size < pos + bytes) size *= 2;
  const next = Buffer.allocUnsafe(size);
  buf.copy(next, 0, 0, pos);
  setBuffer(next);
}

/** Unsigned varint of a value below 2^32 (lengths, counts, enums). Room must be ensured. */
function writeVarint32(value: number): void {
  const b = buf;
  let v = value >>> 0;
  while (v > 0x7f) {
    b[pos++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  b[pos++] = v;
}

function varint32Size(value: number): number {
  return value < 0x80 ? 1 : value < 0x4000 ? 2 : value < 0x200000 ? 3 : value < 0x10000000 ? 4 : 5;
}

/** int64 varint of an integral number in [-2^63, 2^63): negatives take ten bytes (two's complement). */
function writeInt64(value: number): void {
  if (value >= 0 && value < TWO_32) {
    writeVarint32(value);
    return;
  }
  // Split into 32-bit halves; % and / by 2^32 are exact on doubles.
  let low = value % TWO_32;
  let high = (value - low) / TWO_32;
  if (low < 0) {
    low += TWO_32;
    high -= 1;
  }
  high >>>= 0; // two's complement of the high half
  const b = buf;
  while (high !== 0 || low > 0x7f) {
    b[pos++] = (low & 0x7f) | 0x80;
    low = ((low >>> 7) | (high << 25)) >>> 0;
    high >>>= 7;
  }
  b[pos++] = low;
}

function writeFixed32(value: number): void {
  view.setUint32(pos, value, true);
  pos += 4;
}

/**
 * HrTime [seconds, nanoseconds] as fixed64 nanoseconds since the epoch, exactly.
 * seconds·1e9 + nanos exceeds 2^53, so it is built from 32-bit halves:
 * 1e9 = 1953125·2^9, and seconds·1953125 stays below 2^53 until the year 2116.
 */
function writeTime(time: HrTime): void {
  writeEpochTime(time[0], time[1]);
}

// The span clock's zero as fixed64 nanoseconds since the epoch, in 32-bit halves.
const CLOCK_BASE = BigInt(CLOCK_BASE_SECONDS) * 1000000000n + BigInt(CLOCK_BASE_NANOS);
const CLOCK_BASE_LOW = Number(CLOCK_BASE & 0xffffffffn);
const CLOCK_BASE_HIGH = Number(CLOCK_BASE >> 32n);

/**
 * A time on the agent's span clock (see clockNow in span.ts: a non-negative
 * whole number of nanoseconds) as fixed64 nanoseconds since the epoch: the
 * clock's halves added to the base's, where a [seconds, nanoseconds] split
 * would cost float divisions.
 */
function writeClockTime(clock: number): void {
  const low = (clock >>> 0) + CLOCK_BASE_LOW; // < 2^33
  const high = Math.floor(clock / TWO_32) + CLOCK_BASE_HIGH + (low >= TWO_32 ? 1 : 0);
  writeFixed32(low >>> 0);
  writeFixed32(high >>> 0);
}

function writeEpochTime(seconds: number, nanos: number): void {
  if (seconds >= 0 && seconds < 4611686018 && seconds % 1 === 0 && nanos >= 0 && nanos < 1e9 && nanos % 1 === 0) {
    const scaled = seconds * 1953125; // seconds·1e9 / 2^9, exact
    const scaledLow23 = scaled % 8388608;
    let low = scaledLow23 * 512 + nanos; // < 2^32 + 1e9
    let high = (scaled - scaledLow23) / 8388608;
    if (low >= TWO_32) {
      low -= TWO_32;
      high += 1;
    }
    writeFixed32(low);
    writeFixed32(high);
    return;
  }
  // Unusual input (before 1970, fractional or unnormalised nanoseconds): exact through BigInt.
  const total = BigInt.asUintN(64, BigInt(Math.trunc(seconds)) * 1000000000n + BigInt(Math.round(nanos)));
  writeFixed32(Number(total & 0xffffffffn));
  writeFixed32(Number(total >> 32n));
}

/** A string field: tag, byte length, UTF-8 bytes. */
function writeStringField(tag: number, s: string): void {
  const n = s.length;
  if (n < 0x80) {
    // ASCII fast path: copy the char codes, bailing out at the first non-ASCII one.
    ensure(n + 2);
    const b = buf;
    const start = pos;
    let p = start + 2;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c > 0x7f) {
        writeUtf8Field(tag, s);
        return;
      }
      b[p++] = c;
    }
    b[start] = tag;
    b[start + 1] = n;
    pos = p;
    return;
  }
  writeUtf8Field(tag, s);
}

function writeUtf8Field(tag: number, s: string): void {
  const bytes = Buffer.byteLength(s, 'utf8');
  ensure(bytes + 6);
  buf[pos++] = tag;
  writeVarint32(bytes);
  pos += buf.write(s, pos, bytes, 'utf8');
}

// Hex digit values by char code ('0'-'9', 'a'-'f', 'A'-'F').
const HEX_VALUE = new Uint8Array(128);
for (let i = 0; i < 10; i++) HEX_VALUE[48 + i] = i;
for (let i = 0; i < 6; i++) HEX_VALUE[97 + i] = HEX_VALUE[65 + i] = 10 + i;

/** A bytes field holding a hex id (trace id, span id) as raw bytes. */
function writeIdField(tag: number, hex: string): void {
  const n = hex.length >>> 1;
  ensure(n + 2);
  const b = buf;
  let p = pos;
  b[p++] = tag;
  b[p++] = n;
  for (let i = 0; i < 2 * n; i += 2) {
    b[p++] = (HEX_VALUE[hex.charCodeAt(i) & 0x7f] << 4) | HEX_VALUE[hex.charCodeAt(i + 1) & 0x7f];
  }
  pos = p;
}

function writeBytes(bytes: Uint8Array): void {
  const n = bytes.length;
  ensure(n);
  if (n < 64) {
    // Short copies are cheaper in a loop than through a native call.
    const b = buf;
    for (let i = 0; i < n; i++) b[pos + i] = bytes[i];
  } else buf.set(bytes, pos);
  pos += n;
}

/**
 * Starts a length-delimited field, reserving `reserve` bytes for its length
 * (the likely varint size); returns where the content starts.
 */
function beginField(tag: number, reserve: number): number {
  ensure(reserve + 1);
  buf[pos] = tag;
  pos += reserve + 1;
  return pos;
}

/** Ends a field begun at `start` with `reserve` length bytes. */
function endField(start: number, reserve: number): void {
  const length = pos - start;
  if (reserve === 1 && length < 0x80) {
    buf[start - 1] = length;
    return;
  }
  if (reserve === 2 && length >= 0x80 && length < 0x4000) {
    buf[start - 2] = (length & 0x7f) | 0x80;
    buf[start - 1] = length >>> 7;
    return;
  }
  // The reservation was off: move the content to fit the real length.
  const shift = varint32Size(length) - reserve;
  if (shift !== 0) {
    if (shift > 0) ensure(shift);
    buf.copyWithin(start + shift, start, pos);
    pos += shift;
  }
  const end = pos;
  pos = start - reserve;
  writeVarint32(length);
  pos = end;
}

// ---------------------------------------------------------------------------
// Attributes.

// Attribute keys repeat in every span: keep each key's encoded KeyValue.key
// field, as 32-bit words plus a tail, copied with a quarter of the stores.
interface KeyField {
  words: Int32Array;
  tail: Uint8Array;
  size: number;
}
const keyFieldCache = new Map<string, KeyField>();
const MAX_CACHED_KEYS = 4096;

function encodeKeyField(key: string): KeyField {
  const bytes = Buffer.byteLength(key, 'utf8');
  const size = 1 + varint32Size(bytes) + bytes;
  const field = Buffer.alloc(size + 3);
  field[0] = KEY_VALUE_KEY;
  let at = 1;
  for (let v = bytes; ; v >>>= 7) {
    if (v < 0x80) {
      field[at++] = v;
      break;
    }
    field[at++] = (v & 0x7f) | 0x80;
  }
  field.write(key, at, 'utf8');
  const wordCount = size >>> 2;
  const words = new Int32Array(wordCount);
  for (let i = 0; i < wordCount; i++) words[i] = field.readInt32LE(4 * i);
  return { words, tail: field.subarray(4 * wordCount, size), size };
}

function keyField(key: string): KeyField {
  let field = keyFieldCache.get(key);
  if (field === undefined) {
    field = encodeKeyField(key);
    if (keyFieldCache.size < MAX_CACHED_KEYS) keyFieldCache.set(key, field);
  }
  return field;
}

function writeKeyField(field: KeyField): void {
  ensure(field.size);
  const words = field.words;
  const v = view;
  let p = pos;
  for (let i = 0; i < words.length; i++, p += 4) v.setInt32(p, words[i], true);
  const tail = field.tail;
  const b = buf;
  for (let i = 0; i < tail.length; i++) b[p++] = tail[i];
  pos = p;
}

// Spans of one kind from one scope mostly carry the same keys in the same
// order, and often the same values (method, scheme, host, port, status, …).
// A memo per attribute position keeps the last key there, its encoded key
// field, and the last value with its whole encoded KeyValue field: the same
// key (most often the very same string object) replaces the map lookup, and
// the same value too replaces encoding with a copy of a few words.
const MEMO_BYTES = 64;

interface AttributeMemo {
  key: string;
  keyField: KeyField;
  /** A string, number or boolean whose KeyValue field is in `words`; undefined when none is kept. */
  value: unknown;
  words: Int32Array;
  size: number;
}

/** Memos for one stream of similar spans (one scope's spans of one kind). */
type AttributeMemos = AttributeMemo[];

function writeSpanAttributes(attributes: Attributes, memos: AttributeMemos): void {
  let index = 0;
  for (const key in attributes) {
    const value = attributes[key];
    if (value === undefined || value === null) continue;
    let memo = memos[index];
    if (memo === undefined || memo.key !== key) {
      if (memo === undefined) memos[index] = memo = { key, keyField: keyField(key), value: undefined, words: new Int32Array(MEMO_BYTES / 4), size: 0 };
      else {
        memo.key = key;
        memo.keyField = keyField(key);
        memo.value = undefined;
      }
    }
    index++;
    if (memo.value === value) {
      // Seen here last time: copy its KeyValue field (whole words; only `size` bytes count).
      ensure(MEMO_BYTES);
      const words = memo.words;
      const v = view;
      for (let i = 0, p = pos; 4 * i < memo.size; i++, p += 4) v.setInt32(p, words[i], true);
      pos += memo.size;
      continue;
    }
    const at = pos;
    const keyValue = beginField(SPAN_ATTRIBUTES, 1);
    writeKeyField(memo.keyField);
    writeAnyValueField(KEY_VALUE_VALUE, value);
    endField(keyValue, 1);
    const size = pos - at;
    const type = typeof value;
    if (size <= MEMO_BYTES && (type === 'string' || type === 'number' || type === 'boolean')) {
      ensure(MEMO_BYTES); // the last word may read past pos
      const words = memo.words;
      for (let i = 0; 4 * i < size; i++) words[i] = view.getInt32(at + 4 * i, true);
      memo.value = value;
      memo.size = size;
    } else memo.value = undefined;
  }
}

/** Repeated KeyValue field `tag` for every defined attribute. */
function writeAttributes(tag: number, attributes: Attributes): void {
  for (const key in attributes) {
    const value = attributes[key];
    if (value === undefined || value === null) continue;
    const keyValue = beginField(tag, 1);
    writeKeyField(keyField(key));
    writeAnyValueField(KEY_VALUE_VALUE, value);
    endField(keyValue, 1);
  }
}

/** An AnyValue message as field `tag` (KeyValue.value, or an array element). */
function writeAnyValueField(tag: number, value: unknown): void {
  const start = beginField(tag, 1);
  switch (typeof value) {
    case 'string':
      writeStringField(ANY_STRING, value);
      break;
    case 'number':
      ensure(11);
      if (Number.isInteger(value) && value >= -TWO_63 && value < TWO_63) {
        buf[pos++] = ANY_INT;
        writeInt64(value);
      } else {
        // Fractions, NaN, ±Infinity, and integers beyond int64.
        buf[pos++] = ANY_DOUBLE;
        pos = buf.writeDoubleLE(value, pos);
      }
      break;
    case 'boolean':
      ensure(2);
      buf[pos++] = ANY_BOOL;
      buf[pos++] = value ? 1 : 0;
      break;
    case 'object':
      if (value !== null) writeCompositeValue(value);
      break;
    // Anything else (undefined, bigint, …) stays an empty AnyValue.
  }
  endField(start, 1);
}

/** Arrays, bytes, and (beyond the API's types, as other SDKs do) plain objects as kvlists. */
function writeCompositeValue(value: object): void {
  if (Array.isArray(value)) {
    const array = beginField(ANY_ARRAY, 1);
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      // null / undefined elements are kept as empty AnyValues, preserving positions.
      if (item === null || item === undefined) {
        ensure(2);
        buf[pos++] = LIST_VALUES;
        buf[pos++] = 0;
      } else writeAnyValueField(LIST_VALUES, item);
    }
    endField(array, 1);
  } else if (value instanceof Uint8Array) {
    ensure(6);
    buf[pos++] = ANY_BYTES;
    writeVarint32(value.length);
    writeBytes(value);
  } else {
    const list = beginField(ANY_KVLIST, 1);
    writeAttributes(LIST_VALUES, value as Attributes);
    endField(list, 1);
  }
}

// ---------------------------------------------------------------------------
// Spans.

function spanFlags(traceFlags: number, isRemote: boolean | undefined): number {
  return (traceFlags & 0xff) | FLAGS_HAS_IS_REMOTE | (isRemote ? FLAGS_IS_REMOTE : 0);
}

function writeTraceState(tag: number, context: SpanContext): void {
  const traceState = context.traceState;
  if (traceState === undefined) return;
  const serialized = traceState.serialize();
  if (serialized) writeStringField(tag, serialized);
}

function writeEvent(event: TimedEvent): void {
  // Events (exceptions with their stack) are often longer than 127 bytes.
  const start = beginField(SPAN_EVENT, 2);
  ensure(9);
  buf[pos++] = EVENT_TIME;
  writeTime(event.time);
  writeStringField(EVENT_NAME, event.name);
  if (event.attributes !== undefined) writeAttributes(EVENT_ATTRIBUTES, event.attributes);
  const dropped = event.droppedAttributesCount;
  if (dropped) {
    ensure(6);
    buf[pos++] = EVENT_DROPPED_ATTRIBUTES;
    writeVarint32(dropped);
  }
  endField(start, 2);
}

function writeLink(link: Link): void {
  const context = link.context;
  const start = beginField(SPAN_LINK, 1);
  writeIdField(LINK_TRACE_ID, context.traceId);
  writeIdField(LINK_SPAN_ID, context.spanId);
  writeTraceState(LINK_TRACE_STATE, context);
  if (link.attributes !== undefined) writeAttributes(LINK_ATTRIBUTES, link.attributes);
  ensure(FIXED_ROOM);
  const dropped = link.droppedAttributesCount;
  if (dropped) {
    buf[pos++] = LINK_DROPPED_ATTRIBUTES;
    writeVarint32(dropped);
  }
  buf[pos++] = LINK_FLAGS;
  writeFixed32(spanFlags(context.traceFlags, context.isRemote));
  endField(start, 1);
}

/** An id field from 32-bit words (the agent's own spans keep their ids so). */
function writeIdWords(tag: number, word0: number, word1: number, word2?: number, word3?: number): void {
  const long = word2 !== undefined;
  ensure(18);
  buf[pos++] = tag;
  buf[pos++] = long ? 16 : 8;
  const v = view;
  v.setInt32(pos, word0);
  v.setInt32(pos + 4, word1);
  pos += 8;
  if (long) {
    v.setInt32(pos, word2);
    v.setInt32(pos + 4, word3!);
    pos += 8;
  }
}

/** Ids, trace state and parent id of the agent's own span, from its words; returns whether the parent is remote. */
function writeAgentSpanIds(span: AgentSpan): boolean | undefined {
  const traceId = span.traceId;
  writeIdWords(SPAN_TRACE_ID, traceId.word0, traceId.word1, traceId.word2, traceId.word3);
  writeIdWords(SPAN_SPAN_ID, span.spanIdWord0, span.spanIdWord1);
  const traceState = span.traceState?.serialize();
  if (traceState) writeStringField(SPAN_TRACE_STATE, traceState);
  const parent = span.parent;
  if (parent instanceof AgentSpan) {
    writeIdWords(SPAN_PARENT_SPAN_ID, parent.spanIdWord0, parent.spanIdWord1);
    return false;
  }
  if (parent === undefined) return undefined;
  writeIdField(SPAN_PARENT_SPAN_ID, parent.spanId);
  return parent.isRemote;
}

function writeSpan(span: ReadableSpan, stream: SpanStream): void {
  const agentSpan = span instanceof AgentSpan ? span : undefined;
  const template = stream.template;
  if (agentSpan !== undefined && template !== undefined) {
    if (matchesTemplate(template, agentSpan)) {
      writeFromTemplate(template, agentSpan);
      return;
    }
    template.misses++;
  }
  const spanAt = pos;
  // A span with a few attributes takes 128..16383 bytes: two length bytes.
  const start = beginField(SCOPE_SPANS_SPAN, 2);
  let parentIsRemote: boolean | undefined;
  let traceFlags = TRACE_FLAG_SAMPLED; // the agent's own spans are all sampled
  if (agentSpan !== undefined) parentIsRemote = writeAgentSpanIds(agentSpan);
  else {
    const context = span.spanContext();
    const parent = span.parentSpanContext;
    writeIdField(SPAN_TRACE_ID, context.traceId);
    writeIdField(SPAN_SPAN_ID, context.spanId);
    writeTraceState(SPAN_TRACE_STATE, context);
    if (parent !== undefined) writeIdField(SPAN_PARENT_SPAN_ID, parent.spanId);
    parentIsRemote = parent?.isRemote;
    traceFlags = context.traceFlags;
  }
  writeStringField(SPAN_NAME, span.name);
  ensure(FIXED_ROOM);
  const b = buf;
  b[pos++] = SPAN_KIND;
  b[pos++] = span.kind + 1; // API SpanKind 0..4 → OTLP 1..5
  b[pos++] = SPAN_START_TIME;
  const startTimeAt = pos - spanAt;
  if (agentSpan !== undefined) {
    writeClockTime(agentSpan.startClock);
    buf[pos++] = SPAN_END_TIME;
    if (agentSpan.endGiven !== undefined) writeTime(agentSpan.endGiven);
    else writeClockTime(agentSpan.endClock);
  } else {
    writeTime(span.startTime);
    buf[pos++] = SPAN_END_TIME;
    writeTime(span.endTime);
  }

  writeSpanAttributes(span.attributes, stream.memos);
  const droppedAttributes = span.droppedAttributesCount;
  if (droppedAttributes) {
    ensure(6);
    buf[pos++] = SPAN_DROPPED_ATTRIBUTES;
    writeVarint32(droppedAttributes);
  }

  const events = span.events;
  for (let i = 0; i < events.length; i++) writeEvent(events[i]);
  const droppedEvents = span.droppedEventsCount;
  if (droppedEvents) {
    ensure(6);
    buf[pos++] = SPAN_DROPPED_EVENTS;
    writeVarint32(droppedEvents);
  }

  const links = span.links;
  for (let i = 0; i < links.length; i++) writeLink(links[i]);
  const droppedLinks = span.droppedLinksCount;
  if (droppedLinks) {
    ensure(6);
    buf[pos++] = SPAN_DROPPED_LINKS;
    writeVarint32(droppedLinks);
  }

  const status = span.status;
  if (status.code !== STATUS_UNSET || status.message) {
    const statusStart = beginField(SPAN_STATUS, 1);
    if (status.message) writeStringField(STATUS_MESSAGE, status.message);
    if (status.code !== STATUS_UNSET) {
      ensure(6);
      buf[pos++] = STATUS_CODE;
      writeVarint32(status.code);
    }
    endField(statusStart, 1);
  }

  ensure(6);
  buf[pos++] = SPAN_FLAGS_TAG_0;
  buf[pos++] = SPAN_FLAGS_TAG_1;
  writeFixed32(spanFlags(traceFlags, parentIsRemote));
  endField(start, 2);
  if (agentSpan !== undefined && (template === undefined || template.misses < TEMPLATE_MISSES_KEPT || template.misses % TEMPLATE_MISSES_KEPT === 0)) {
    keepTemplate(stream, agentSpan, spanAt, startTimeAt);
  }
}

// ---------------------------------------------------------------------------
// Span templates. A hook's spans often differ only in ids and times: the same
// name, kind, kind of parent, attributes and status (a server's requests to one
// route from one client, its queries of one statement). The last span of a
// stream is kept encoded; a span that matches it in everything but ids and
// times is its copy with those patched: one comparison per attribute and one
// copy, instead of encoding field by field.

/** Spans of one scope and kind: attribute memos, and the last span as a template. */
interface SpanStream {
  memos: AttributeMemos;
  template: SpanTemplate | undefined;
}

// A parent's id field is there or not, and the span's flags say whether it is remote.
const PARENT_NONE = 0;
const PARENT_LOCAL = 1; // an agent span, or a span context without isRemote (the app's SDK span)
const PARENT_REMOTE = 2;

interface SpanTemplate {
  /** The whole Span field (tag and two length bytes first); empty when none is kept. */
  bytes: Uint8Array;
  name: string;
  parent: number;
  statusCode: number;
  statusMessage: string | undefined;
  /** The defined attributes' keys and values, in order; all strings, numbers or booleans. */
  keys: string[];
  values: unknown[];
  /** Where the start time's 8 bytes are (the end time's follow its tag). */
  startTimeAt: number;
  /** Spans encoded in full since the last match. */
  misses: number;
}

/** Spans larger than this are not kept as templates. */
const TEMPLATE_MAX = 1024;
/** A stream whose spans keep missing its template keeps a new one every this many spans only. */
const TEMPLATE_MISSES_KEPT = 16;
/** Where a span field's ids start: after its tag and two length bytes. */
const IDS_AT = 3;

function parentKind(span: AgentSpan): number {
  const parent = span.parent;
  if (parent === undefined) return PARENT_NONE;
  return !(parent instanceof AgentSpan) && parent.isRemote ? PARENT_REMOTE : PARENT_LOCAL;
}

/** What a template leaves out: a span with any of these is encoded in full. */
function hasExtras(span: AgentSpan): boolean {
  return (
    span.traceState !== undefined ||
    span.endGiven !== undefined ||
    span.events.length !== 0 ||
    span.links.length !== 0 ||
    span.droppedAttributesCount !== 0 ||
    span.droppedEventsCount !== 0 ||
    span.droppedLinksCount !== 0
  );
}

function matchesTemplate(template: SpanTemplate, span: AgentSpan): boolean {
  if (template.bytes.length === 0 || span.name !== template.name || hasExtras(span)) return false;
  const status = span.status;
  if (status.code !== template.statusCode || status.message !== template.statusMessage || parentKind(span) !== template.parent) return false;
  const attributes = span.attributes;
  const keys = template.keys;
  const values = template.values;
  const count = keys.length;
  let i = 0;
  for (const key in attributes) {
    const value = attributes[key];
    if (value === undefined || value === null) continue;
    if (i === count || keys[i] !== key || values[i] !== value) return false;
    i++;
  }
  return i === count;
}

function writeFromTemplate(template: SpanTemplate, span: AgentSpan): void {
  const bytes = template.bytes;
  ensure(bytes.length);
  const start = pos;
  buf.set(bytes, start);
  // The ids over the template's (same layout: no trace state), then the times.
  pos = start + IDS_AT;
  writeAgentSpanIds(span);
  pos = start + template.startTimeAt;
  writeClockTime(span.startClock);
  pos++; // the end time's tag
  writeClockTime(span.endClock);
  pos = start + bytes.length;
  template.misses = 0;
}

/** Keeps the span just encoded at `start` as its stream's template, if it can be one. */
function keepTemplate(stream: SpanStream, span: AgentSpan, start: number, startTimeAt: number): void {
  const size = pos - start;
  const length = size - 3;
  // (A length that did not take exactly two bytes moved the content: the offsets would not hold.)
  if (length < 0x80 || size > TEMPLATE_MAX || hasExtras(span)) return;
  const template = (stream.template ??= {
    bytes: new Uint8Array(0),
    name: '',
    parent: 0,
    statusCode: 0,
    statusMessage: undefined,
    keys: [],
    values: [],
    startTimeAt: 0,
    misses: 0,
  });
  const attributes = span.attributes;
  let count = 0;
  for (const key in attributes) {
    const value = attributes[key];
    if (value === undefined || value === null) continue;
    const type = typeof value;
    if (type !== 'string' && type !== 'number' && type !== 'boolean') {
      template.bytes = new Uint8Array(0);
      return;
    }
    template.keys[count] = key;
    template.values[count] = value;
    count++;
  }
  template.keys.length = template.values.length = count;
  if (template.bytes.length !== size) template.bytes = new Uint8Array(size);
  template.bytes.set(buf.subarray(start, pos));
  template.name = span.name;
  template.parent = parentKind(span);
  template.statusCode = span.status.code;
  template.statusMessage = span.status.message;
  template.startTimeAt = startTimeAt;
}

// ---------------------------------------------------------------------------
// Resources and scopes: encoded once per object.

const resourceFieldCache = new WeakMap<object, Buffer>();

/** The ResourceSpans.resource field as bytes. Uses the shared buffer at pos, leaving pos as it was. */
function resourceField(resource: Resource): Buffer {
  const cached = resourceFieldCache.get(resource);
  if (cached !== undefined) return cached;
  const at = pos;
  const start = beginField(RESOURCE_SPANS_RESOURCE, 2);
  writeAttributes(RESOURCE_ATTRIBUTES, resourceAttributes(resource));
  endField(start, 2);
  const field = Buffer.from(buf.subarray(at, pos));
  pos = at;
  // A resource still waiting for async attributes will change: cache it once settled.
  if (!resource.asyncAttributesPending) resourceFieldCache.set(resource, field);
  return field;
}

interface ScopeEntry {
  /** name, version and schema URL: scopes equal in these share one ScopeSpans. */
  key: string;
  /** ScopeSpans.scope field, as bytes. */
  field: Buffer;
  schemaUrl: string | undefined;
  /** Memos and templates of this scope's spans, one stream per span kind. */
  streams: SpanStream[];
}

const scopeCache = new WeakMap<object, ScopeEntry>();

function scopeEntry(scope: Scope): ScopeEntry {
  let entry = scopeCache.get(scope);
  if (entry === undefined) {
    const saved = pos;
    const start = beginField(SCOPE_SPANS_SCOPE, 1);
    writeStringField(SCOPE_NAME, scope.name);
    if (scope.version) writeStringField(SCOPE_VERSION, scope.version);
    endField(start, 1);
    const field = Buffer.from(buf.subarray(saved, pos));
    pos = saved;
    entry = { key: scopeKey(scope), field, schemaUrl: scope.schemaUrl || undefined, streams: [] };
    scopeCache.set(scope, entry);
  }
  return entry;
}

// ---------------------------------------------------------------------------

// ---------------------------------------------------------------------------
// Encoding as spans end: a batch waiting for export holds bytes, not span
// objects, so ended spans die young (no promotion to the old generation, less
// memory resident under load). Spans of one scope go to one growing chunk;
// finish() nests the chunks into the request.

interface Chunk {
  scope: ScopeEntry;
  buf: Buffer;
  view: DataView;
  pos: number;
}

// Chunk and request buffers are reused, batch after batch: allocated anew,
// each (one per batch, 100+ KB) lived just long enough to reach the old
// generation, and ~8-10 MiB of them waited there for a full collection.
const SPARE_BUFFERS = 4;
const MAX_SPARE_SIZE = 4 * 1024 * 1024;
const spareBuffers: Buffer[] = [];
/** Memory this module allocated (a returned request is only taken back if it is one of these). */
const ownBuffers = new WeakSet<ArrayBuffer>();

/** A buffer of at least `size` bytes: a spare one if one is large enough. */
function takeBuffer(size: number): Buffer {
  for (let i = spareBuffers.length - 1; i >= 0; i--) {
    if (spareBuffers[i].length >= size) return spareBuffers.splice(i, 1)[0];
  }
  // (Never from Node's shared pool: the memory must be ours alone to reuse.)
  const fresh = Buffer.from(new ArrayBuffer(Math.max(size, 4096)));
  ownBuffers.add(fresh.buffer as ArrayBuffer);
  return fresh.subarray(0, size);
}

function giveBack(buffer: Buffer): void {
  if (spareBuffers.length < SPARE_BUFFERS && buffer.length <= MAX_SPARE_SIZE) spareBuffers.push(buffer);
}

/** Takes back a buffer from takeBuffer() (whole, whatever part of it was used). */
function giveBackOwn(part: Uint8Array): void {
  const memory = part.buffer as ArrayBuffer;
  if (part.byteOffset !== 0 || !ownBuffers.has(memory) || spareBuffers.some((b) => b.buffer === memory)) return;
  giveBack(Buffer.from(memory));
}

/** Takes back the memory of a request made by ProtoBatch.finish(), once it has been sent and will not be read again. */
export function releaseRequest(request: Uint8Array): void {
  giveBackOwn(request);
}

const CHUNK_SIZE = 16 * 1024;
/** A scope's chunk starts at the size its last one reached (bounded), so steady load does not regrow it. */
const chunkSizes = new Map<string, number>();
const MAX_PRESIZE = 1024 * 1024;

/** One export request being filled span by span (protobuf). */
export class ProtoBatch {
  count = 0;
  private readonly groups = new Map<Resource, Map<string, Chunk>>();
  // Consecutive spans usually share resource and scope: skip the lookups then.
  private lastResource: Resource | undefined;
  private lastScope: Scope | undefined;
  private lastChunk: Chunk | undefined;

  add(span: ReadableSpan): void {
    const chunk = this.chunkFor(span.resource, span.instrumentationScope);
    const sharedBuf = buf;
    const sharedView = view;
    const sharedPos = pos;
    buf = chunk.buf;
    view = chunk.view;
    pos = chunk.pos;
    try {
      const streams = chunk.scope.streams;
      const kind = span.kind >= 0 && span.kind <= 4 ? span.kind : 5;
      writeSpan(span, streams[kind] ?? (streams[kind] = { memos: [], template: undefined }));
      this.count++;
    } catch (err) {
      pos = chunk.pos; // a span that cannot be encoded leaves nothing behind
      throw err;
    } finally {
      chunk.buf = buf;
      chunk.view = view;
      chunk.pos = pos;
      buf = sharedBuf;
      view = sharedView;
      pos = sharedPos;
    }
  }

  private chunkFor(resource: Resource, scope: Scope): Chunk {
    if (resource === this.lastResource && scope === this.lastScope && this.lastChunk !== undefined) return this.lastChunk;
    if (buf.length === 0) setBuffer(Buffer.allocUnsafe(INITIAL_SIZE));
    let byScope = this.groups.get(resource);
    if (byScope === undefined) this.groups.set(resource, (byScope = new Map()));
    const entry = scopeEntry(scope);
    let chunk = byScope.get(entry.key);
    if (chunk === undefined) {
      const b = takeBuffer(chunkSizes.get(entry.key) ?? CHUNK_SIZE);
      chunk = { scope: entry, buf: b, view: new DataView(b.buffer, b.byteOffset, b.length), pos: 0 };
      byScope.set(entry.key, chunk);
    }
    this.lastResource = resource;
    this.lastScope = scope;
    this.lastChunk = chunk;
    return chunk;
  }

  /** The ExportTraceServiceRequest with every span added, in a buffer of its own. */
  finish(): Uint8Array {
    if (buf.length === 0) setBuffer(Buffer.allocUnsafe(INITIAL_SIZE));
    // Sizes first (every length is known), then one exact write.
    const plan: { resource: Buffer; schemaUrl: string | undefined; scopes: { chunk: Chunk; size: number }[]; size: number }[] = [];
    let total = 0;
    for (const byScope of this.groups.values()) {
      for (const chunk of byScope.values())
        if (chunkSizes.size < 256 || chunkSizes.has(chunk.scope.key)) chunkSizes.set(chunk.scope.key, Math.min(chunk.buf.length, MAX_PRESIZE));
    }
    for (const [resource, byScope] of this.groups) {
      const entry = { resource: resourceField(resource), schemaUrl: resource.schemaUrl || undefined, scopes: [] as { chunk: Chunk; size: number }[], size: 0 };
      let size = entry.resource.length;
      for (const chunk of byScope.values()) {
        const scopeSize = chunk.scope.field.length + chunk.pos + (chunk.scope.schemaUrl ? stringFieldSize(chunk.scope.schemaUrl) : 0);
        entry.scopes.push({ chunk, size: scopeSize });
        size += 1 + varint32Size(scopeSize) + scopeSize;
      }
      if (entry.schemaUrl) size += stringFieldSize(entry.schemaUrl);
      entry.size = size;
      total += 1 + varint32Size(size) + size;
      plan.push(entry);
    }
    const sharedBuf = buf;
    const sharedView = view;
    const sharedPos = pos;
    setBuffer(takeBuffer(total));
    pos = 0;
    try {
      for (const entry of plan) {
        buf[pos++] = REQUEST_RESOURCE_SPANS;
        writeVarint32(entry.size);
        writeBytes(entry.resource);
        for (const { chunk, size } of entry.scopes) {
          buf[pos++] = RESOURCE_SPANS_SCOPE_SPANS;
          writeVarint32(size);
          writeBytes(chunk.scope.field);
          chunk.buf.copy(buf, pos, 0, chunk.pos);
          pos += chunk.pos;
          if (chunk.scope.schemaUrl) writeStringField(SCOPE_SPANS_SCHEMA_URL, chunk.scope.schemaUrl);
        }
        if (entry.schemaUrl) writeStringField(RESOURCE_SPANS_SCHEMA_URL, entry.schemaUrl);
      }
      // (buf is the exact-size buffer, unless a size above was short and it grew.)
      return buf.subarray(0, pos);
    } finally {
      buf = sharedBuf;
      view = sharedView;
      pos = sharedPos;
      // The chunks are copied: their memory serves the next batch.
      for (const entry of plan) for (const { chunk } of entry.scopes) giveBackOwn(chunk.buf);
      this.groups.clear();
      this.lastChunk = undefined;
    }
  }
}

function stringFieldSize(s: string): number {
  const bytes = Buffer.byteLength(s);
  return 1 + varint32Size(bytes) + bytes;
}

/** Encodes spans as an OTLP ExportTraceServiceRequest (protobuf), all at once. The result is the caller's to keep. */
export function encodeTraceRequest(spans: ReadableSpan[]): Uint8Array {
  const batch = new ProtoBatch();
  for (let i = 0; i < spans.length; i++) batch.add(spans[i]);
  return batch.finish();
}

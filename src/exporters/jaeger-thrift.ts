// Jaeger's Thrift model (jaeger-idl thrift/jaeger.thrift, agent.thrift) in the
// Thrift binary protocol, written directly: a Batch for the collector's HTTP
// endpoint, an Agent.emitBatch message for the agent's UDP port.
//
// The mapping follows the OpenTelemetry specification's Jaeger mapping:
// resource attributes become the Process's tags (once per batch, not once per
// span), the scope becomes otel.scope.name/version, kind becomes span.kind,
// ERROR status becomes error=true plus otel.status_code/description, events
// become logs and links FOLLOWS_FROM references.

import type { AttributeValue, Attributes, HrTime } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { INVALID_SPAN_ID, STATUS_ERROR, STATUS_OK, STATUS_UNSET, TRACE_FLAG_SAMPLED } from '../otel-constants';

// Thrift binary protocol type ids.
const T_STOP = 0;
const T_BOOL = 2;
const T_DOUBLE = 4;
const T_I32 = 8;
const T_I64 = 10;
const T_STRING = 11;
const T_STRUCT = 12;
const T_LIST = 15;

// jaeger.thrift enums.
const TAG_STRING = 0;
const TAG_DOUBLE = 1;
const TAG_BOOL = 2;
const TAG_LONG = 3;
const REF_FOLLOWS_FROM = 1;

const SPAN_KIND = ['', 'server', 'client', 'producer', 'consumer'];

/** 0-15 for a hex digit (either case); 0 for anything else, including the end of a short string. */
function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return 0;
}

/** A growable buffer with the binary protocol's primitives (all big-endian). */
export class ThriftWriter {
  buf: Buffer;
  pos = 0;

  constructor(size = 4096) {
    this.buf = Buffer.allocUnsafe(size);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  byte(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }

  i16(v: number): void {
    this.ensure(2);
    this.buf[this.pos++] = (v >> 8) & 0xff;
    this.buf[this.pos++] = v & 0xff;
  }

  i32(v: number): void {
    this.ensure(4);
    const buf = this.buf;
    buf[this.pos++] = (v >>> 24) & 0xff;
    buf[this.pos++] = (v >>> 16) & 0xff;
    buf[this.pos++] = (v >>> 8) & 0xff;
    buf[this.pos++] = v & 0xff;
  }

  /** A non-negative whole number below 2^53 (times, durations). */
  u53(v: number): void {
    const hi = Math.floor(v / 4294967296);
    this.i32(hi);
    this.i32(v - hi * 4294967296);
  }

  /** Any safe integer, two's complement. */
  i64(v: number): void {
    if (v >= 0) return this.u53(v);
    this.ensure(8);
    this.buf.writeBigInt64BE(BigInt(v), this.pos);
    this.pos += 8;
  }

  /** 16 hex digits, written as the 8 bytes they spell (Jaeger ids are signed i64 of those bits). */
  i64Hex(hex: string): void {
    this.ensure(8);
    const buf = this.buf;
    for (let i = 0; i < 16; i += 2) buf[this.pos++] = (hexDigit(hex.charCodeAt(i)) << 4) | hexDigit(hex.charCodeAt(i + 1));
  }

  double(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleBE(v, this.pos);
    this.pos += 8;
  }

  string(s: string): void {
    // Most strings here are short ASCII: copied byte by byte, which beats
    // Buffer#write's per-call overhead several times over.
    const n = s.length;
    if (n <= 64) {
      this.ensure(4 + n);
      const buf = this.buf;
      let p = this.pos + 4;
      for (let i = 0; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) return this.stringUtf8(s);
        buf[p++] = c;
      }
      this.i32(n);
      this.pos = p;
      return;
    }
    this.stringUtf8(s);
  }

  private stringUtf8(s: string): void {
    const len = Buffer.byteLength(s);
    this.ensure(4 + len);
    this.i32(len);
    this.buf.write(s, this.pos, len, 'utf8');
    this.pos += len;
  }

  /** Bytes encoded earlier (a cached prefix). */
  raw(bytes: Uint8Array): void {
    const n = bytes.length;
    this.ensure(n);
    const buf = this.buf;
    if (n > 48) {
      buf.set(bytes, this.pos);
      this.pos += n;
      return;
    }
    let p = this.pos;
    for (let i = 0; i < n; i++) buf[p++] = bytes[i];
    this.pos = p;
  }

  field(type: number, id: number): void {
    this.ensure(3);
    const buf = this.buf;
    buf[this.pos++] = type;
    buf[this.pos++] = (id >> 8) & 0xff;
    buf[this.pos++] = id & 0xff;
  }

  listHeader(elementType: number, size: number): void {
    this.ensure(1);
    this.buf[this.pos++] = elementType;
    this.i32(size);
  }

  stop(): void {
    this.byte(T_STOP);
  }

  /** A copy of what has been written since `start`. */
  copy(start = 0, end = this.pos): Buffer {
    return Buffer.from(this.buf.subarray(start, end));
  }
}

function micros(t: HrTime): number {
  return t[0] * 1e6 + Math.round(t[1] / 1e3);
}

/** How far an encoding shortens values, for spans that would not fit a UDP packet. */
export interface Shortening {
  /** Longest string value kept, in characters. */
  maxStringLength: number;
  /** Most logs (events) kept. */
  maxLogs: number;
  /** Most tags (attributes) kept. */
  maxTags: number;
}

const NO_SHORTENING: Shortening = { maxStringLength: Infinity, maxLogs: Infinity, maxTags: Infinity };

function shorten(s: string, max: number): string {
  return s.length > max ? s.slice(0, max) : s;
}

// A tag's key field and vType field, encoded once per (key, type): attribute keys repeat in every span.
const PREFIXES: Array<Map<string, Uint8Array>> = [new Map(), new Map(), new Map(), new Map()];
const MAX_CACHED_KEYS = 2000;

function tagPrefix(w: ThriftWriter, key: string, type: number, valueType: number, valueId: number): void {
  const cache = PREFIXES[type];
  let prefix = cache.get(key);
  if (prefix === undefined) {
    const p = new ThriftWriter(key.length + 20);
    p.field(T_STRING, 1);
    p.string(key);
    p.field(T_I32, 2);
    p.i32(type);
    p.field(valueType, valueId);
    prefix = p.copy();
    if (cache.size < MAX_CACHED_KEYS) cache.set(key, prefix);
  }
  w.raw(prefix);
}

function tagString(w: ThriftWriter, key: string, value: string, max: number): void {
  tagPrefix(w, key, TAG_STRING, T_STRING, 3);
  w.string(max === Infinity ? value : shorten(value, max));
  w.stop();
}

function tagBool(w: ThriftWriter, key: string, value: boolean): void {
  tagPrefix(w, key, TAG_BOOL, T_BOOL, 5);
  w.byte(value ? 1 : 0);
  w.stop();
}

function tagLong(w: ThriftWriter, key: string, value: number): void {
  tagPrefix(w, key, TAG_LONG, T_I64, 6);
  w.i64(value);
  w.stop();
}

function tagDouble(w: ThriftWriter, key: string, value: number): void {
  tagPrefix(w, key, TAG_DOUBLE, T_DOUBLE, 4);
  w.double(value);
  w.stop();
}

/** One attribute as a Tag: numbers that are safe integers are LONG, other numbers DOUBLE, arrays JSON text. */
function tag(w: ThriftWriter, key: string, value: AttributeValue, max: number): void {
  switch (typeof value) {
    case 'string':
      tagString(w, key, value, max);
      break;
    case 'boolean':
      tagBool(w, key, value);
      break;
    case 'number':
      if (Number.isSafeInteger(value)) tagLong(w, key, value);
      else tagDouble(w, key, value);
      break;
    default:
      tagString(w, key, JSON.stringify(value), max);
  }
}

function countAttributes(attributes: Attributes, limit: number): number {
  let n = 0;
  for (const key in attributes) if (attributes[key] != null && n < limit) n++;
  return n;
}

function writeAttributes(w: ThriftWriter, attributes: Attributes, limit: number, max: number): void {
  let n = 0;
  for (const key in attributes) {
    const value = attributes[key];
    if (value == null) continue;
    if (n++ >= limit) break;
    tag(w, key, value, max);
  }
}

/** The Process struct: service name, and every other resource attribute as a tag. */
export function encodeProcess(w: ThriftWriter, serviceName: string, resource: Attributes, shortening: Shortening = NO_SHORTENING): void {
  w.field(T_STRING, 1);
  w.string(serviceName);
  let n = 0;
  for (const key in resource) if (key !== 'service.name' && resource[key] != null) n++;
  if (n > 0) {
    w.field(T_LIST, 2);
    w.listHeader(T_STRUCT, n);
    for (const key in resource) {
      const value = resource[key];
      if (key !== 'service.name' && value != null) tag(w, key, value, shortening.maxStringLength);
    }
  }
  w.stop();
}

/** One Span struct. Returns true when something was left out to honour `shortening`. */
export function encodeSpan(w: ThriftWriter, span: ReadableSpan, shortening: Shortening = NO_SHORTENING): boolean {
  const max = shortening.maxStringLength;
  let shortened = false;
  const sc = span.spanContext();
  const traceId = sc.traceId.length === 32 ? sc.traceId : sc.traceId.padStart(32, '0');
  w.field(T_I64, 1);
  w.i64Hex(traceId.slice(16));
  w.field(T_I64, 2);
  w.i64Hex(traceId.slice(0, 16));
  w.field(T_I64, 3);
  w.i64Hex(sc.spanId);
  w.field(T_I64, 4);
  w.i64Hex(span.parentSpanContext?.spanId ?? INVALID_SPAN_ID);
  w.field(T_STRING, 5);
  w.string(max === Infinity ? span.name : shorten(span.name, max));

  const links = span.links;
  if (links.length > 0) {
    w.field(T_LIST, 6);
    w.listHeader(T_STRUCT, links.length);
    for (const link of links) {
      const lt = link.context.traceId.padStart(32, '0');
      w.field(T_I32, 1);
      w.i32(REF_FOLLOWS_FROM);
      w.field(T_I64, 2);
      w.i64Hex(lt.slice(16));
      w.field(T_I64, 3);
      w.i64Hex(lt.slice(0, 16));
      w.field(T_I64, 4);
      w.i64Hex(link.context.spanId);
      w.stop();
    }
  }

  w.field(T_I32, 7);
  w.i32(sc.traceFlags & TRACE_FLAG_SAMPLED);
  w.field(T_I64, 8);
  w.u53(micros(span.startTime));
  w.field(T_I64, 9);
  w.u53(micros(span.duration));

  // Tags: the attributes, then what Jaeger reads from its own keys.
  const attributeCount = countAttributes(span.attributes, shortening.maxTags);
  const attributesLeftOut = countAttributes(span.attributes, Infinity) - attributeCount;
  if (attributesLeftOut > 0) shortened = true;
  const kind = SPAN_KIND[span.kind] ?? '';
  const scope = span.instrumentationScope;
  const scopeName = scope?.name || '';
  const scopeVersion = scope?.version || '';
  const status = span.status;
  const statusDescription = status.code === STATUS_ERROR && status.message ? status.message : '';
  const traceState = sc.traceState?.serialize() ?? '';
  const droppedAttributes = span.droppedAttributesCount + attributesLeftOut;
  const droppedEvents = span.droppedEventsCount + Math.max(0, span.events.length - shortening.maxLogs);
  const droppedLinks = span.droppedLinksCount;
  const tagCount =
    attributeCount +
    (kind ? 1 : 0) +
    (scopeName ? 1 : 0) +
    (scopeVersion ? 1 : 0) +
    (status.code === STATUS_UNSET ? 0 : status.code === STATUS_ERROR ? 2 + (statusDescription ? 1 : 0) : 1) +
    (traceState ? 1 : 0) +
    (droppedAttributes > 0 ? 1 : 0) +
    (droppedEvents > 0 ? 1 : 0) +
    (droppedLinks > 0 ? 1 : 0) +
    (shortening === NO_SHORTENING ? 0 : 1);
  if (tagCount > 0) {
    w.field(T_LIST, 10);
    w.listHeader(T_STRUCT, tagCount);
    writeAttributes(w, span.attributes, shortening.maxTags, max);
    if (kind) tagString(w, 'span.kind', kind, Infinity);
    if (scopeName) tagString(w, 'otel.scope.name', scopeName, Infinity);
    if (scopeVersion) tagString(w, 'otel.scope.version', scopeVersion, Infinity);
    if (status.code === STATUS_OK) tagString(w, 'otel.status_code', 'OK', Infinity);
    else if (status.code === STATUS_ERROR) {
      tagString(w, 'otel.status_code', 'ERROR', Infinity);
      tagBool(w, 'error', true);
      if (statusDescription) tagString(w, 'otel.status_description', statusDescription, max);
    }
    if (traceState) tagString(w, 'w3c.tracestate', traceState, Infinity);
    if (droppedAttributes > 0) tagLong(w, 'otel.dropped_attributes_count', droppedAttributes);
    if (droppedEvents > 0) tagLong(w, 'otel.dropped_events_count', droppedEvents);
    if (droppedLinks > 0) tagLong(w, 'otel.dropped_links_count', droppedLinks);
    if (shortening !== NO_SHORTENING) tagBool(w, 'tracing_agent.shortened', true);
  }

  const events = span.events;
  const logCount = Math.min(events.length, shortening.maxLogs);
  if (logCount < events.length) shortened = true;
  if (logCount > 0) {
    w.field(T_LIST, 11);
    w.listHeader(T_STRUCT, logCount);
    for (let i = 0; i < logCount; i++) {
      const event = events[i];
      w.field(T_I64, 1);
      w.u53(micros(event.time));
      const fieldCount = 1 + countAttributes(event.attributes ?? {}, shortening.maxTags) + (event.droppedAttributesCount ? 1 : 0);
      w.field(T_LIST, 2);
      w.listHeader(T_STRUCT, fieldCount);
      tagString(w, 'event', event.name, max);
      if (event.attributes) writeAttributes(w, event.attributes, shortening.maxTags, max);
      if (event.droppedAttributesCount) tagLong(w, 'otel.dropped_attributes_count', event.droppedAttributesCount);
      w.stop();
    }
  }
  w.stop();
  return shortened || shortening !== NO_SHORTENING;
}

/** Bytes that surround the spans of an Agent.emitBatch message, given the encoded Process. */
export function emitBatchOverhead(processBytes: number): number {
  // message header (4 + 4 + "emitBatch" + 4) + args field + batch: process field, spans field + list header, stop; args stop
  return 4 + 4 + 9 + 4 + 3 + 3 + processBytes + 3 + 5 + 1 + 1;
}

/** An Agent.emitBatch oneway message (strict binary protocol) around pre-encoded Process and Span structs. */
export function emitBatchMessage(process: Buffer, spans: Buffer[], seqId: number): Buffer {
  const w = new ThriftWriter(64);
  w.i32(0x80010004); // version 1, message type ONEWAY
  w.string('emitBatch');
  w.i32(seqId);
  w.field(T_STRUCT, 1); // emitBatch_args.batch
  w.field(T_STRUCT, 1); // Batch.process
  const head = w.copy();
  const w2 = new ThriftWriter(16);
  w2.field(T_LIST, 2); // Batch.spans
  w2.listHeader(T_STRUCT, spans.length);
  const mid = w2.copy();
  const tail = Buffer.from([T_STOP, T_STOP]); // Batch, emitBatch_args
  return Buffer.concat([head, process, mid, ...spans, tail]);
}

/** Starts a Batch struct (what the collector's /api/traces takes): the process, then `count` spans follow. */
export function beginBatch(w: ThriftWriter, process: Uint8Array, count: number): void {
  w.field(T_STRUCT, 1);
  w.raw(process);
  w.field(T_LIST, 2);
  w.listHeader(T_STRUCT, count);
}

/** Ends a Batch struct begun with beginBatch. */
export function endBatch(w: ThriftWriter): void {
  w.stop();
}

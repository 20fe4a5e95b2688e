// OTLP ExportTraceServiceRequest in protobuf, written by hand: one pass into a
// reused buffer, resource and scope messages cached, no per-field objects.
// Field numbers: opentelemetry/proto/{collector/trace,trace,common,resource}/v1.

import type { Attributes, AttributeValue, HrTime, Link } from '@opentelemetry/api';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace-base';
import { groupSpans } from './group';

const VARINT = 0;
const FIXED64 = 1;
const LEN = 2;
const FIXED32 = 5;

class Writer {
  buf: Buffer;
  pos = 0;

  constructor(size = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(size);
  }

  reset(): void {
    this.pos = 0;
  }

  ensure(extra: number): void {
    if (this.pos + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + extra) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  varint(value: number): void {
    this.ensure(10);
    const buf = this.buf;
    let v = value;
    while (v > 0x7f) {
      buf[this.pos++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    buf[this.pos++] = v;
  }

  tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  /** int64 as protobuf varint (negative numbers: ten bytes of two's complement). */
  int64(value: number): void {
    if (value >= 0 && value <= Number.MAX_SAFE_INTEGER) {
      this.varint(value);
      return;
    }
    let v = BigInt.asUintN(64, BigInt(Math.trunc(value)));
    this.ensure(10);
    while (v > 0x7fn) {
      this.buf[this.pos++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.pos++] = Number(v);
  }

  fixed32(value: number): void {
    this.ensure(4);
    this.buf.writeUInt32LE(value >>> 0, this.pos);
    this.pos += 4;
  }

  double(value: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(value, this.pos);
    this.pos += 8;
  }

  /** [seconds, nanoseconds] as fixed64 nanoseconds, exactly (no float rounding past 2^53). */
  hrTime(t: HrTime): void {
    this.ensure(8);
    const seconds = t[0];
    const nanos = t[1];
    // seconds * 1e9 + nanos, split so every step stays below 2^53.
    const high16 = Math.floor(seconds / 65536);
    const low16 = seconds - high16 * 65536;
    const a = high16 * 1e9; // times 2^16
    const b = low16 * 1e9 + nanos;
    const aLow = a % 65536;
    let lo = aLow * 65536 + (b % 4294967296);
    let hi = (a - aLow) / 65536 + Math.floor(b / 4294967296);
    if (lo >= 4294967296) {
      lo -= 4294967296;
      hi += 1;
    }
    this.buf.writeUInt32LE(lo, this.pos);
    this.buf.writeUInt32LE(hi >>> 0, this.pos + 4);
    this.pos += 8;
  }

  string(field: number, s: string): void {
    this.tag(field, LEN);
    const n = s.length;
    // ASCII fast path: one byte per char, length known up front.
    if (n < 128) {
      let ascii = true;
      for (let i = 0; i < n; i++) {
        if (s.charCodeAt(i) > 0x7f) {
          ascii = false;
          break;
        }
      }
      if (ascii) {
        this.ensure(n + 1);
        const buf = this.buf;
        buf[this.pos++] = n;
        for (let i = 0; i < n; i++) buf[this.pos++] = s.charCodeAt(i);
        return;
      }
    }
    const bytes = Buffer.byteLength(s);
    this.varint(bytes);
    this.ensure(bytes);
    this.buf.write(s, this.pos, 'utf8');
    this.pos += bytes;
  }

  /** Hex id (trace or span) as raw bytes. */
  hexBytes(field: number, hex: string): void {
    const n = hex.length >> 1;
    this.tag(field, LEN);
    this.ensure(n + 1);
    this.buf[this.pos++] = n;
    for (let i = 0; i < n; i++) {
      this.buf[this.pos++] = (hexValue(hex.charCodeAt(2 * i)) << 4) | hexValue(hex.charCodeAt(2 * i + 1));
    }
  }

  raw(bytes: Buffer): void {
    const n = bytes.length;
    this.ensure(n);
    if (n < 64) {
      // Short copies are cheaper by hand than through Buffer#copy's native call.
      const buf = this.buf;
      for (let i = 0; i < n; i++) buf[this.pos + i] = bytes[i];
    } else bytes.copy(this.buf, this.pos);
    this.pos += n;
  }

  /** Starts a length-delimited field; one byte is reserved for the length. */
  begin(field: number): number {
    this.tag(field, LEN);
    this.ensure(1);
    this.pos++;
    return this.pos;
  }

  /** Ends it: writes the length, moving the content when it needs more than one byte. */
  end(start: number): void {
    const length = this.pos - start;
    if (length < 0x80) {
      this.buf[start - 1] = length;
      return;
    }
    let extra = 0;
    for (let v = length >>> 7; v > 0; v >>>= 7) extra++;
    this.ensure(extra);
    this.buf.copyWithin(start + extra, start, this.pos);
    this.pos += extra;
    let at = start - 1;
    let v = length;
    while (v > 0x7f) {
      this.buf[at++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.buf[at] = v;
  }
}

function hexValue(c: number): number {
  // '0'-'9' → 0-9, 'a'-'f' / 'A'-'F' → 10-15
  return c <= 57 ? c - 48 : (c | 0x20) - 87;
}

function writeAnyValue(w: Writer, field: number, value: AttributeValue): void {
  const start = w.begin(field);
  writeAnyValueBody(w, value);
  w.end(start);
}

function writeAnyValueBody(w: Writer, value: unknown): void {
  switch (typeof value) {
    case 'string':
      w.string(1, value);
      break;
    case 'boolean':
      w.tag(2, VARINT);
      w.varint(value ? 1 : 0);
      break;
    case 'number':
      if (Number.isInteger(value)) {
        w.tag(3, VARINT);
        w.int64(value);
      } else {
        w.tag(4, FIXED64);
        w.double(value);
      }
      break;
    default:
      if (Array.isArray(value)) {
        const array = w.begin(5);
        for (const item of value) {
          const v = w.begin(1);
          if (item != null) writeAnyValueBody(w, item);
          w.end(v);
        }
        w.end(array);
      }
  }
}

// Attribute keys repeat in every span: keep each key's encoded field (tag, length, bytes).
const keyCache = new Map<string, Buffer>();
const MAX_CACHED_KEYS = 4096;

function writeKey(w: Writer, key: string): void {
  let bytes = keyCache.get(key);
  if (bytes === undefined) {
    const k = new Writer(key.length * 3 + 8);
    k.string(1, key);
    bytes = Buffer.from(k.buf.subarray(0, k.pos));
    if (keyCache.size < MAX_CACHED_KEYS) keyCache.set(key, bytes);
  }
  w.raw(bytes);
}

function writeAttributes(w: Writer, field: number, attributes: Attributes): void {
  for (const key in attributes) {
    const value = attributes[key];
    if (value === undefined || value === null) continue;
    const kv = w.begin(field);
    writeKey(w, key);
    writeAnyValue(w, 2, value);
    w.end(kv);
  }
}

function writeEvent(w: Writer, event: TimedEvent): void {
  const start = w.begin(11);
  w.tag(1, FIXED64);
  w.hrTime(event.time);
  w.string(2, event.name);
  if (event.attributes) writeAttributes(w, 3, event.attributes);
  if (event.droppedAttributesCount) {
    w.tag(4, VARINT);
    w.varint(event.droppedAttributesCount);
  }
  w.end(start);
}

function writeLink(w: Writer, link: Link): void {
  const start = w.begin(13);
  w.hexBytes(1, link.context.traceId);
  w.hexBytes(2, link.context.spanId);
  const state = link.context.traceState?.serialize();
  if (state) w.string(3, state);
  if (link.attributes) writeAttributes(w, 4, link.attributes);
  if (link.droppedAttributesCount) {
    w.tag(5, VARINT);
    w.varint(link.droppedAttributesCount);
  }
  w.tag(6, FIXED32);
  w.fixed32(spanFlags(link.context.traceFlags, link.context.isRemote));
  w.end(start);
}

// Span.flags: W3C trace flags in bits 0-7; bit 8 "parent is-remote known", bit 9 "is remote".
function spanFlags(traceFlags: number, isRemote: boolean | undefined): number {
  return (traceFlags & 0xff) | 0x100 | (isRemote ? 0x200 : 0);
}

function writeSpan(w: Writer, span: ReadableSpan): void {
  const sc = span.spanContext();
  const parent = span.parentSpanContext;
  const start = w.begin(2);
  w.hexBytes(1, sc.traceId);
  w.hexBytes(2, sc.spanId);
  const state = sc.traceState?.serialize();
  if (state) w.string(3, state);
  if (parent !== undefined) w.hexBytes(4, parent.spanId);
  w.string(5, span.name);
  w.tag(6, VARINT);
  w.varint(span.kind + 1);
  w.tag(7, FIXED64);
  w.hrTime(span.startTime);
  w.tag(8, FIXED64);
  w.hrTime(span.endTime);
  writeAttributes(w, 9, span.attributes);
  if (span.droppedAttributesCount) {
    w.tag(10, VARINT);
    w.varint(span.droppedAttributesCount);
  }
  for (const event of span.events) writeEvent(w, event);
  if (span.droppedEventsCount) {
    w.tag(12, VARINT);
    w.varint(span.droppedEventsCount);
  }
  for (const link of span.links) writeLink(w, link);
  if (span.droppedLinksCount) {
    w.tag(14, VARINT);
    w.varint(span.droppedLinksCount);
  }
  if (span.status.code !== 0 || span.status.message) {
    const status = w.begin(15);
    if (span.status.message) w.string(2, span.status.message);
    if (span.status.code !== 0) {
      w.tag(3, VARINT);
      w.varint(span.status.code);
    }
    w.end(status);
  }
  w.tag(16, FIXED32);
  w.fixed32(spanFlags(sc.traceFlags, parent?.isRemote));
  w.end(start);
}

// Resource and scope messages repeat in every batch: encode each once.
const resourceCache = new WeakMap<object, Buffer>();
const scopeCache = new WeakMap<object, Buffer>();
const scratch = new Writer();

function encodedResource(resource: ReadableSpan['resource']): Buffer {
  let bytes = resourceCache.get(resource);
  if (bytes === undefined) {
    scratch.reset();
    const start = scratch.begin(1);
    writeAttributes(scratch, 1, resource.attributes as Attributes);
    scratch.end(start);
    bytes = Buffer.from(scratch.buf.subarray(0, scratch.pos));
    // Resources with pending async attributes may still change: do not cache those.
    if (!(resource as { asyncAttributesPending?: boolean }).asyncAttributesPending) resourceCache.set(resource, bytes);
  }
  return bytes;
}

function encodedScope(scope: ReadableSpan['instrumentationScope']): Buffer {
  let bytes = scopeCache.get(scope);
  if (bytes === undefined) {
    scratch.reset();
    const start = scratch.begin(1);
    scratch.string(1, scope.name);
    if (scope.version) scratch.string(2, scope.version);
    scratch.end(start);
    bytes = Buffer.from(scratch.buf.subarray(0, scratch.pos));
    scopeCache.set(scope, bytes);
  }
  return bytes;
}

const writer = new Writer();

export function encodeTraceRequest(spans: ReadableSpan[]): Uint8Array {
  const w = writer;
  w.reset();
  for (const [resource, byScope] of groupSpans(spans)) {
    const rs = w.begin(1);
    w.raw(encodedResource(resource));
    for (const [scope, list] of byScope) {
      const ss = w.begin(2);
      w.raw(encodedScope(scope));
      for (const span of list) writeSpan(w, span);
      const schemaUrl = scope.schemaUrl;
      if (schemaUrl) w.string(3, schemaUrl);
      w.end(ss);
    }
    w.end(rs);
  }
  // The writer's buffer is reused by the next call: hand out a copy.
  return Buffer.from(w.buf.subarray(0, w.pos));
}

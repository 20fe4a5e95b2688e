// Jaeger's Thrift model in the binary protocol: a `Batch` as the collector's
// HTTP endpoint receives it (POST /api/traces, application/x-thrift), and the
// agent's UDP datagram (a binary-protocol message calling
// `Agent.emitBatch(1: Batch batch)`). Fields are read by id and unknown ones
// skipped, so newer IDL versions (Batch.seqNo, Batch.stats) decode too.
import { DecodeError } from './protobuf';
import { cut, DEFAULT_LIMITS, spanBytes, Trimmed, type SpanLimits } from './limits';
import type { Batch, Log, Process, Reference, Span, Tag } from './model';

/** The limits in force, and what they left out (see limits.ts). */
export interface ThriftContext {
  limits: SpanLimits;
  trimmed: Trimmed;
}

const defaultContext = (): ThriftContext => ({ limits: DEFAULT_LIMITS, trimmed: new Trimmed() });

const T_STOP = 0;
const T_BOOL = 2;
const T_BYTE = 3;
const T_DOUBLE = 4;
const T_I16 = 6;
const T_I32 = 8;
const T_I64 = 10;
const T_STRING = 11;
const T_STRUCT = 12;
const T_MAP = 13;
const T_SET = 14;
const T_LIST = 15;

const MAX_DEPTH = 32;

class ThriftReader {
  pos = 0;

  constructor(readonly buf: Buffer) {}

  private need(n: number): void {
    if (n < 0 || this.pos + n > this.buf.length) throw new DecodeError(`thrift: truncated at byte ${this.pos}`);
  }

  byte(): number {
    this.need(1);
    return this.buf.readInt8(this.pos++);
  }

  i16(): number {
    this.need(2);
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  i32(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  i64(): bigint {
    this.need(8);
    const v = this.buf.readBigInt64BE(this.pos);
    this.pos += 8;
    return v;
  }

  double(): number {
    this.need(8);
    const v = this.buf.readDoubleBE(this.pos);
    this.pos += 8;
    return v;
  }

  binary(): Buffer {
    const len = this.i32();
    this.need(len);
    const b = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return b;
  }

  string(): string {
    return this.binary().toString('utf8');
  }

  /** A list header; its size is checked against the bytes left (each element takes at least one). */
  list(): [number, number] {
    const type = this.byte();
    const size = this.i32();
    if (size < 0 || size > this.buf.length - this.pos) throw new DecodeError(`thrift: list of ${size} elements in ${this.buf.length - this.pos} bytes`);
    return [type, size];
  }

  skip(type: number, depth = 0): void {
    if (depth > MAX_DEPTH) throw new DecodeError('thrift: nested too deeply');
    switch (type) {
      case T_BOOL:
      case T_BYTE:
        this.need(1);
        this.pos += 1;
        return;
      case T_I16:
        this.need(2);
        this.pos += 2;
        return;
      case T_I32:
        this.need(4);
        this.pos += 4;
        return;
      case T_DOUBLE:
      case T_I64:
        this.need(8);
        this.pos += 8;
        return;
      case T_STRING:
        this.binary();
        return;
      case T_STRUCT:
        this.struct(() => false, depth + 1);
        return;
      case T_MAP: {
        const k = this.byte();
        const v = this.byte();
        const size = this.i32();
        if (size < 0 || size > this.buf.length - this.pos) throw new DecodeError('thrift: map size beyond the body');
        for (let i = 0; i < size; i++) {
          this.skip(k, depth + 1);
          this.skip(v, depth + 1);
        }
        return;
      }
      case T_SET:
      case T_LIST: {
        const [t, size] = this.list();
        for (let i = 0; i < size; i++) this.skip(t, depth + 1);
        return;
      }
      default:
        throw new DecodeError(`thrift: unknown field type ${type} at byte ${this.pos}`);
    }
  }

  /** Reads a struct: `onField(id, type)` consumes a field it knows and returns true, else it is skipped. */
  struct(onField: (id: number, type: number) => boolean, depth = 0): void {
    if (depth > MAX_DEPTH) throw new DecodeError('thrift: nested too deeply');
    for (;;) {
      const type = this.byte();
      if (type === T_STOP) return;
      const id = this.i16();
      if (!onField(id, type)) this.skip(type, depth);
    }
  }
}

// ---------------------------------------------------------------- the Jaeger model

const TAG_TYPES = ['string', 'float64', 'bool', 'int64', 'binary'] as const;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function hex64(v: bigint): string {
  return BigInt.asUintN(64, v).toString(16).padStart(16, '0');
}

function readTag(r: ThriftReader, ctx: ThriftContext): Tag {
  let key = '';
  let vType = 0;
  let str = '';
  let dbl = 0;
  let bool = false;
  let long = 0n;
  let bin: Buffer = Buffer.alloc(0);
  r.struct((id, type) => {
    if (id === 1 && type === T_STRING) key = cut(r.string(), ctx.limits.valueLength, ctx.trimmed);
    else if (id === 2 && type === T_I32) vType = r.i32();
    else if (id === 3 && type === T_STRING) str = readString(r, ctx);
    else if (id === 4 && type === T_DOUBLE) dbl = r.double();
    else if (id === 5 && type === T_BOOL) bool = r.byte() !== 0;
    else if (id === 6 && type === T_I64) long = r.i64();
    else if (id === 7 && type === T_STRING) bin = Buffer.from(r.binary().subarray(0, ctx.limits.valueLength));
    else return false;
    return true;
  });
  const t = TAG_TYPES[vType] || 'string';
  switch (t) {
    case 'float64':
      return { key, type: t, value: dbl };
    case 'bool':
      return { key, type: t, value: bool };
    case 'int64':
      return { key, type: t, value: long <= MAX_SAFE && long >= -MAX_SAFE ? Number(long) : long.toString() };
    case 'binary':
      return { key, type: t, value: bin.toString('base64') };
    default:
      return { key, type: 'string', value: str };
  }
}

/** A string value: only what is kept becomes a string. */
function readString(r: ThriftReader, ctx: ThriftContext): string {
  const b = r.binary();
  const limit = ctx.limits.valueLength;
  return cut(b.toString('utf8', 0, Math.min(b.length, limit * 4)), limit, ctx.trimmed);
}

/** Tags up to the attribute limit; the rest are skipped on the wire and counted. */
function readTags(r: ThriftReader, type: number, ctx: ThriftContext): Tag[] | null {
  if (type !== T_LIST) return null;
  const [t, size] = r.list();
  if (t !== T_STRUCT) {
    for (let i = 0; i < size; i++) r.skip(t);
    return [];
  }
  const tags: Tag[] = [];
  for (let i = 0; i < size; i++) {
    if (tags.length < ctx.limits.attributes) tags.push(readTag(r, ctx));
    else {
      r.skip(T_STRUCT);
      ctx.trimmed.attributes++;
    }
  }
  return tags;
}

function readProcess(r: ThriftReader, ctx: ThriftContext): Process {
  const p: Process = { serviceName: '', tags: [] };
  r.struct((id, type) => {
    if (id === 1 && type === T_STRING) p.serviceName = cut(r.string(), ctx.limits.valueLength, ctx.trimmed);
    else if (id === 2 && type === T_LIST) p.tags = readTags(r, type, ctx) || [];
    else return false;
    return true;
  });
  return p;
}

function readSpan(r: ThriftReader, process: Process, ctx: ThriftContext): Span {
  let traceLow = 0n;
  let traceHigh = 0n;
  let spanId = 0n;
  let parentId = 0n;
  const span: Span = {
    traceID: '',
    spanID: '',
    flags: 0,
    operationName: '',
    references: [],
    startTime: 0,
    duration: 0,
    tags: [],
    logs: [],
    process,
    warnings: null,
  };
  r.struct((id, type) => {
    switch (id) {
      case 1:
      case 2:
      case 3:
      case 4:
      case 8:
      case 9: {
        if (type !== T_I64) return false;
        const v = r.i64();
        if (id === 1) traceLow = v;
        else if (id === 2) traceHigh = v;
        else if (id === 3) spanId = v;
        else if (id === 4) parentId = v;
        else if (id === 8) span.startTime = Number(v);
        else span.duration = Number(v);
        return true;
      }
      case 5:
        if (type !== T_STRING) return false;
        span.operationName = cut(r.string(), ctx.limits.valueLength, ctx.trimmed);
        return true;
      case 6: {
        if (type !== T_LIST) return false;
        const [t, size] = r.list();
        for (let i = 0; i < size; i++) {
          if (t !== T_STRUCT || span.references.length >= ctx.limits.links) {
            if (t === T_STRUCT) ctx.trimmed.links++;
            r.skip(t);
            continue;
          }
          let refType = 0;
          let low = 0n;
          let high = 0n;
          let sid = 0n;
          r.struct((fid, ft) => {
            if (fid === 1 && ft === T_I32) refType = r.i32();
            else if (fid === 2 && ft === T_I64) low = r.i64();
            else if (fid === 3 && ft === T_I64) high = r.i64();
            else if (fid === 4 && ft === T_I64) sid = r.i64();
            else return false;
            return true;
          });
          const ref: Reference = { refType: refType === 1 ? 'FOLLOWS_FROM' : 'CHILD_OF', traceID: hex64(high) + hex64(low), spanID: hex64(sid) };
          span.references.push(ref);
        }
        return true;
      }
      case 7:
        if (type !== T_I32) return false;
        span.flags = r.i32();
        return true;
      case 10:
        if (type !== T_LIST) return false;
        span.tags = readTags(r, type, ctx) || [];
        return true;
      case 11: {
        if (type !== T_LIST) return false;
        const [t, size] = r.list();
        for (let i = 0; i < size; i++) {
          if (t !== T_STRUCT || span.logs.length >= ctx.limits.events) {
            if (t === T_STRUCT) ctx.trimmed.events++;
            r.skip(t);
            continue;
          }
          const log: Log = { timestamp: 0, fields: [] };
          r.struct((fid, ft) => {
            if (fid === 1 && ft === T_I64) log.timestamp = Number(r.i64());
            else if (fid === 2 && ft === T_LIST) log.fields = readTags(r, ft, ctx) || [];
            else return false;
            return true;
          });
          span.logs.push(log);
        }
        return true;
      }
      default:
        return false;
    }
  });
  span.traceID = hex64(traceHigh) + hex64(traceLow);
  span.spanID = hex64(spanId);
  // Jaeger: parentSpanId is an implicit CHILD_OF reference unless one is listed already.
  if (parentId !== 0n) {
    const parent = hex64(parentId);
    if (!span.references.some((ref) => ref.spanID === parent && ref.traceID === span.traceID)) {
      span.references.unshift({ refType: 'CHILD_OF', traceID: span.traceID, spanID: parent });
    }
  }
  return span;
}

/** A Batch's process, and where its list of spans is: the spans are read one by one afterwards. */
function readBatchOutline(r: ThriftReader, ctx: ThriftContext): { process: Process; spanStart: number; end: number } {
  let process: Process = { serviceName: '', tags: [] };
  let spanStart = -1;
  let sawProcess = false;
  r.struct((id, type) => {
    if (id === 1 && type === T_STRUCT) {
      process = readProcess(r, ctx);
      sawProcess = true;
      return true;
    }
    if (id === 2 && type === T_LIST) {
      // The spans reference the process, which may come after them on the wire: read them afterwards.
      spanStart = r.pos;
      r.skip(T_LIST);
      return true;
    }
    return false;
  });
  if (!sawProcess) throw new DecodeError('jaeger: Batch without a process');
  if (spanStart < 0) throw new DecodeError('jaeger: Batch without spans');
  if (!process.serviceName) process.serviceName = 'unknown_service';
  return { process, spanStart, end: r.pos };
}

function readCheckedSpan(r: ThriftReader, process: Process, ctx: ThriftContext): Span {
  const span = readSpan(r, process, ctx);
  if (!/[1-9a-f]/.test(span.traceID) || !/[1-9a-f]/.test(span.spanID)) throw new DecodeError('jaeger: span with a zero trace or span id');
  return span;
}

function readBatch(r: ThriftReader, ctx: ThriftContext): Batch {
  const { process, spanStart, end } = readBatchOutline(r, ctx);
  r.pos = spanStart;
  const [t, size] = r.list();
  if (size > 0 && t !== T_STRUCT) throw new DecodeError('jaeger: Batch.spans is not a list of Span');
  const spans: Span[] = [];
  for (let i = 0; i < size; i++) spans.push(readCheckedSpan(r, process, ctx));
  r.pos = end;
  return { process, spans };
}

/**
 * The body of a collector HTTP request, read span by span: `pause` lets other
 * work run between spans, and past `requestBytes` (estimated) the remaining
 * spans are skipped and counted as refused.
 */
export async function decodeJaegerBatchAsync(body: Buffer, ctx: ThriftContext, requestBytes: number, pause?: () => Promise<void> | undefined): Promise<Batch> {
  const r = new ThriftReader(body);
  const { process, spanStart, end } = readBatchOutline(r, ctx);
  if (end !== body.length) throw new DecodeError(`jaeger: ${body.length - end} bytes after the Batch`);
  r.pos = spanStart;
  const [t, size] = r.list();
  if (size > 0 && t !== T_STRUCT) throw new DecodeError('jaeger: Batch.spans is not a list of Span');
  const spans: Span[] = [];
  let bytes = 0;
  for (let i = 0; i < size; i++) {
    await pause?.();
    if (bytes > requestBytes) {
      r.skip(T_STRUCT);
      ctx.trimmed.rejectSpans(1, 'the request is over the memory one request may take');
      continue;
    }
    const span = readCheckedSpan(r, process, ctx);
    bytes += spanBytes(span);
    spans.push(span);
  }
  return { process, spans };
}

/** The body of a collector HTTP request: one `Batch` struct. */
export function decodeJaegerBatch(body: Buffer, ctx: ThriftContext = defaultContext()): Batch {
  const r = new ThriftReader(body);
  const batch = readBatch(r, ctx);
  if (r.pos !== body.length) throw new DecodeError(`jaeger: ${body.length - r.pos} bytes after the Batch`);
  return batch;
}

const VERSION_MASK = 0xffff0000 | 0;
const VERSION_1 = 0x80010000 | 0;
const CALL = 1;
const ONEWAY = 4;

/** A UDP datagram to the agent port: a binary-protocol `emitBatch` call (strict or old-style header). */
export function decodeJaegerAgentMessage(datagram: Buffer, ctx: ThriftContext = defaultContext()): Batch[] {
  const r = new ThriftReader(datagram);
  const first = r.i32();
  let name: string;
  let type: number;
  if (first < 0) {
    if ((first & VERSION_MASK) !== VERSION_1) throw new DecodeError(`thrift: bad message version ${(first >>> 0).toString(16)}`);
    type = first & 0xff;
    name = r.string();
  } else {
    r.pos = 0;
    name = r.string();
    type = r.byte();
  }
  r.i32(); // sequence id
  if (type !== CALL && type !== ONEWAY) throw new DecodeError(`thrift: message type ${type} is not a call`);
  if (name === 'emitZipkinBatch') throw new DecodeError('jaeger agent: emitZipkinBatch (Zipkin spans) is not supported; use emitBatch');
  if (name !== 'emitBatch') throw new DecodeError(`jaeger agent: unknown method ${JSON.stringify(name)}`);
  const batches: Batch[] = [];
  r.struct((id, ft) => {
    if (id === 1 && ft === T_STRUCT) {
      batches.push(readBatch(r, ctx));
      return true;
    }
    return false;
  });
  if (!batches.length) throw new DecodeError('jaeger agent: emitBatch without a batch');
  return batches;
}

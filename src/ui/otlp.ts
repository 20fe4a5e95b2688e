// OTLP trace requests (ExportTraceServiceRequest, protobuf or JSON) → the
// viewer's Jaeger-shaped spans, the way Jaeger itself translates them:
// attributes become typed tags, the span kind becomes `span.kind`, the status
// `otel.status_code` (+ `error=true`, `otel.status_description`), the scope
// `otel.scope.name`/`otel.scope.version`, events become logs (`event` = name),
// links FOLLOWS_FROM references, resource attributes the process's tags and
// `service.name` its serviceName.
import { DecodeError, ProtoReader, WIRE_FIXED32, WIRE_FIXED64, WIRE_LEN, WIRE_VARINT } from './protobuf';
import { cut, DEFAULT_LIMITS, spanBytes, Trimmed, ValueBudget, type SpanLimits } from './limits';
import type { Batch, Log, Process, Reference, Span, Tag } from './model';

export { DecodeError };

/** What Jaeger names a process whose resource has no service.name. */
export const NO_SERVICE_NAME = 'OTLPResourceNoServiceName';

const KINDS = ['', 'internal', 'server', 'client', 'producer', 'consumer'];
const KIND_NAMES: Record<string, number> = {
  SPAN_KIND_UNSPECIFIED: 0,
  SPAN_KIND_INTERNAL: 1,
  SPAN_KIND_SERVER: 2,
  SPAN_KIND_CLIENT: 3,
  SPAN_KIND_PRODUCER: 4,
  SPAN_KIND_CONSUMER: 5,
};
const STATUS_NAMES: Record<string, number> = { STATUS_CODE_UNSET: 0, STATUS_CODE_OK: 1, STATUS_CODE_ERROR: 2 };

export interface DecodeResult {
  batches: Batch[];
  /** spans left out (invalid ids), for OTLP's partial success answer */
  rejected: number;
  rejectReason: string;
  /** what the limits left out */
  trimmed: Trimmed;
}

export interface DecodeOptions {
  limits: SpanLimits;
  /** estimated bytes of decoded spans one request may keep; spans past it are refused */
  requestBytes: number;
  /** called between spans: resolves after letting other work run, when this request has had the thread long enough */
  pause?: () => Promise<void> | undefined;
}

export const DEFAULT_DECODE: DecodeOptions = { limits: DEFAULT_LIMITS, requestBytes: Infinity };

/** What one decoding carries along: the limits, what they left out, and the value being read. */
interface Ctx {
  limits: SpanLimits;
  trimmed: Trimmed;
  budget: ValueBudget;
}

// ---------------------------------------------------------------- the common intermediate shape

type Value = string | number | boolean | bigint | Buffer | Value[] | { [key: string]: Value } | null;

interface RawSpan {
  traceId: Buffer;
  spanId: Buffer;
  parentSpanId: Buffer;
  traceState: string;
  flags: number;
  name: string;
  kind: number;
  start: bigint;
  end: bigint;
  attributes: Array<[string, Value]>;
  events: Array<{ time: bigint; name: string; attributes: Array<[string, Value]> }>;
  links: Array<{ traceId: Buffer; spanId: Buffer }>;
  statusCode: number;
  statusMessage: string;
}

function emptySpan(): RawSpan {
  return {
    traceId: Buffer.alloc(0),
    spanId: Buffer.alloc(0),
    parentSpanId: Buffer.alloc(0),
    traceState: '',
    flags: 0,
    name: '',
    kind: 0,
    start: 0n,
    end: 0n,
    attributes: [],
    events: [],
    links: [],
    statusCode: 0,
    statusMessage: '',
  };
}

// ---------------------------------------------------------------- protobuf

function pbAnyValue(r: ProtoReader, ctx: Ctx): Value {
  let value: Value = null;
  const budget = ctx.budget;
  budget.enter();
  r.fields((field, wt) => {
    switch (field) {
      case 1: {
        if (wt !== WIRE_LEN) return false;
        const [start, end] = r.span();
        // Only as much as is kept is turned into a string.
        const limit = ctx.limits.valueLength;
        value = cut(r.buf.toString('utf8', start, Math.min(end, start + limit * 4)), limit, ctx.trimmed);
        return true;
      }
      case 2:
        if (wt !== WIRE_VARINT) return false;
        value = r.varint() !== 0;
        return true;
      case 3:
        if (wt !== WIRE_VARINT) return false;
        value = r.varint64();
        return true;
      case 4:
        if (wt !== WIRE_FIXED64) return false;
        value = r.double();
        return true;
      case 5: {
        if (wt !== WIRE_LEN) return false;
        const list: Value[] = [];
        const m = r.message();
        m.fields((f, w) => {
          if (f !== 1 || w !== WIRE_LEN) return false;
          if (budget.elements <= 0) {
            ctx.trimmed.values++;
            return false;
          }
          budget.elements--;
          list.push(pbAnyValue(m.message(), ctx));
          return true;
        });
        value = list;
        return true;
      }
      case 6: {
        if (wt !== WIRE_LEN) return false;
        const obj: { [key: string]: Value } = {};
        const m = r.message();
        m.fields((f, w) => {
          if (f !== 1 || w !== WIRE_LEN) return false;
          if (budget.elements <= 0) {
            ctx.trimmed.values++;
            return false;
          }
          budget.elements--;
          const [k, v] = pbKeyValue(m.message(), ctx);
          obj[k] = v;
          return true;
        });
        value = obj;
        return true;
      }
      case 7:
        if (wt !== WIRE_LEN) return false;
        value = Buffer.from(r.bytes().subarray(0, ctx.limits.valueLength));
        return true;
      default:
        return false;
    }
  });
  budget.leave();
  return value;
}

function pbKeyValue(r: ProtoReader, ctx: Ctx): [string, Value] {
  let key = '';
  let value: Value = null;
  r.fields((field, wt) => {
    if (wt !== WIRE_LEN) return false;
    if (field === 1) key = cut(r.string(), ctx.limits.valueLength, ctx.trimmed);
    else if (field === 2) value = pbAnyValue(r.message(), ctx);
    else return false;
    return true;
  });
  return [key, value];
}

/** An attribute, unless `list` is full: then it is skipped on the wire and counted. */
function pbAttribute(r: ProtoReader, list: Array<[string, Value]>, ctx: Ctx): boolean {
  if (list.length >= ctx.limits.attributes) {
    ctx.trimmed.attributes++;
    return false;
  }
  ctx.budget = new ValueBudget();
  list.push(pbKeyValue(r.message(), ctx));
  return true;
}

function pbSpan(r: ProtoReader, ctx: Ctx): RawSpan {
  const s = emptySpan();
  r.fields((field, wt) => {
    switch (field) {
      case 1:
      case 2:
      case 4: {
        if (wt !== WIRE_LEN) return false;
        const b = r.bytes();
        if (field === 1) s.traceId = b;
        else if (field === 2) s.spanId = b;
        else s.parentSpanId = b;
        return true;
      }
      case 3:
        if (wt !== WIRE_LEN) return false;
        s.traceState = cut(r.string(), ctx.limits.valueLength, ctx.trimmed);
        return true;
      case 5:
        if (wt !== WIRE_LEN) return false;
        s.name = cut(r.string(), ctx.limits.valueLength, ctx.trimmed);
        return true;
      case 6:
        if (wt !== WIRE_VARINT) return false;
        s.kind = r.varint();
        return true;
      case 7:
      case 8:
        if (wt !== WIRE_FIXED64) return false;
        if (field === 7) s.start = r.fixed64();
        else s.end = r.fixed64();
        return true;
      case 9:
        if (wt !== WIRE_LEN) return false;
        return pbAttribute(r, s.attributes, ctx);
      case 11: {
        if (wt !== WIRE_LEN) return false;
        if (s.events.length >= ctx.limits.events) {
          ctx.trimmed.events++;
          return false;
        }
        const e = { time: 0n, name: '', attributes: [] as Array<[string, Value]> };
        const m = r.message();
        m.fields((f, w) => {
          if (f === 1 && w === WIRE_FIXED64) e.time = m.fixed64();
          else if (f === 2 && w === WIRE_LEN) e.name = cut(m.string(), ctx.limits.valueLength, ctx.trimmed);
          else if (f === 3 && w === WIRE_LEN) return pbAttribute(m, e.attributes, ctx);
          else return false;
          return true;
        });
        s.events.push(e);
        return true;
      }
      case 13: {
        if (wt !== WIRE_LEN) return false;
        if (s.links.length >= ctx.limits.links) {
          ctx.trimmed.links++;
          return false;
        }
        const l: { traceId: Buffer; spanId: Buffer } = { traceId: Buffer.alloc(0), spanId: Buffer.alloc(0) };
        const m = r.message();
        m.fields((f, w) => {
          if (f === 1 && w === WIRE_LEN) l.traceId = m.bytes();
          else if (f === 2 && w === WIRE_LEN) l.spanId = m.bytes();
          else return false;
          return true;
        });
        s.links.push(l);
        return true;
      }
      case 15: {
        if (wt !== WIRE_LEN) return false;
        const m = r.message();
        m.fields((f, w) => {
          if (f === 2 && w === WIRE_LEN) s.statusMessage = cut(m.string(), ctx.limits.valueLength, ctx.trimmed);
          else if (f === 3 && w === WIRE_VARINT) s.statusCode = m.varint();
          else return false;
          return true;
        });
        return true;
      }
      case 16:
        if (wt !== WIRE_FIXED32) return false;
        s.flags = r.fixed32();
        return true;
      default:
        return false;
    }
  });
  return s;
}

/** A scope and where its spans are in the body (start, end pairs): spans are read one by one later. */
interface ScopeOutline {
  name: string;
  version: string;
  spans: number[];
}

function pbScope(r: ProtoReader, ctx: Ctx): ScopeOutline {
  const scope: ScopeOutline = { name: '', version: '', spans: [] };
  r.fields((field, wt) => {
    if (wt !== WIRE_LEN) return false;
    if (field === 1) {
      const m = r.message();
      m.fields((f, w) => {
        if (w !== WIRE_LEN) return false;
        if (f === 1) scope.name = cut(m.string(), ctx.limits.valueLength, ctx.trimmed);
        else if (f === 2) scope.version = cut(m.string(), ctx.limits.valueLength, ctx.trimmed);
        else return false;
        return true;
      });
    } else if (field === 2) scope.spans.push(...r.span());
    else return false;
    return true;
  });
  return scope;
}

function pbResourceSpans(r: ProtoReader, ctx: Ctx): { attributes: Array<[string, Value]>; scopes: ScopeOutline[] } {
  const res = { attributes: [] as Array<[string, Value]>, scopes: [] as ScopeOutline[] };
  r.fields((field, wt) => {
    if (wt !== WIRE_LEN) return false;
    if (field === 1) {
      const m = r.message();
      m.fields((f, w) => {
        if (f !== 1 || w !== WIRE_LEN) return false;
        return pbAttribute(m, res.attributes, ctx);
      });
    } else if (field === 2 || field === 1000) {
      // 1000: instrumentation_library_spans, from SDKs before OTLP 0.15
      res.scopes.push(pbScope(r.message(), ctx));
    } else return false;
    return true;
  });
  return res;
}

export async function decodeOtlpProtobuf(body: Buffer, options: DecodeOptions = DEFAULT_DECODE): Promise<DecodeResult> {
  const ctx: Ctx = { limits: options.limits, trimmed: new Trimmed(), budget: new ValueBudget() };
  const outline: Array<{ attributes: Array<[string, Value]>; scopes: ScopeOutline[] }> = [];
  const r = new ProtoReader(body);
  r.fields((field, wt) => {
    if (field !== 1 || wt !== WIRE_LEN) return false;
    outline.push(pbResourceSpans(r.message(), ctx));
    return true;
  });
  const out = new Output(options, ctx);
  for (const res of outline) {
    out.beginResource(res.attributes);
    for (const scope of res.scopes) {
      for (let i = 0; i < scope.spans.length; i += 2) {
        await options.pause?.();
        if (out.full()) continue;
        out.add(pbSpan(new ProtoReader(body, scope.spans[i], scope.spans[i + 1]), ctx), scope);
      }
    }
    out.endResource();
  }
  return out.result;
}

// ---------------------------------------------------------------- JSON

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A field under its lowerCamelCase name or its proto (snake_case) name. */
function get(o: Json, camel: string, snake?: string): unknown {
  const v = o[camel];
  return v !== undefined || !snake ? v : o[snake];
}

function list(o: Json, camel: string, snake?: string): unknown[] {
  const v = get(o, camel, snake);
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new DecodeError(`OTLP/JSON: ${camel} is not an array`);
  return v;
}

function jsonString(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function jsonInt(v: unknown, what: string): bigint {
  if (v === undefined || v === null || v === '') return 0n;
  if (typeof v === 'number' && Number.isFinite(v)) return BigInt(Math.trunc(v));
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return BigInt(v);
  throw new DecodeError(`OTLP/JSON: ${what} is not an integer: ${JSON.stringify(v)}`);
}

function jsonEnum(v: unknown, names: Record<string, number>): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return names[v] ?? (/^\d+$/.test(v) ? Number(v) : 0);
  return 0;
}

/** Ids are hex in OTLP/JSON; some encoders write the proto3 JSON default (base64): accept both. */
function jsonId(v: unknown): Buffer {
  if (typeof v !== 'string' || v === '') return Buffer.alloc(0);
  if (/^[0-9a-fA-F]+$/.test(v) && v.length % 2 === 0) return Buffer.from(v, 'hex');
  if (/^[A-Za-z0-9+/_-]+=*$/.test(v)) return Buffer.from(v, 'base64');
  return Buffer.alloc(0);
}

function jsonAnyValue(v: unknown, ctx: Ctx): Value {
  if (!isObject(v)) return null;
  if ('stringValue' in v || 'string_value' in v) return cut(jsonString(get(v, 'stringValue', 'string_value')), ctx.limits.valueLength, ctx.trimmed);
  if ('boolValue' in v || 'bool_value' in v) return get(v, 'boolValue', 'bool_value') === true;
  if ('intValue' in v || 'int_value' in v) return jsonInt(get(v, 'intValue', 'int_value'), 'intValue');
  if ('doubleValue' in v || 'double_value' in v) {
    const d = get(v, 'doubleValue', 'double_value');
    return typeof d === 'number' ? d : Number(d);
  }
  if ('arrayValue' in v || 'array_value' in v) {
    const a = get(v, 'arrayValue', 'array_value');
    if (!isObject(a)) return [];
    const out: Value[] = [];
    ctx.budget.enter();
    for (const item of list(a, 'values')) {
      if (ctx.budget.elements-- <= 0) {
        ctx.trimmed.values++;
        break;
      }
      out.push(jsonAnyValue(item, ctx));
    }
    ctx.budget.leave();
    return out;
  }
  if ('kvlistValue' in v || 'kvlist_value' in v) {
    const kv = get(v, 'kvlistValue', 'kvlist_value');
    const obj: { [key: string]: Value } = {};
    if (!isObject(kv)) return obj;
    ctx.budget.enter();
    for (const item of list(kv, 'values')) {
      if (ctx.budget.elements-- <= 0) {
        ctx.trimmed.values++;
        break;
      }
      if (isObject(item)) obj[cut(jsonString(item.key), ctx.limits.valueLength, ctx.trimmed)] = jsonAnyValue(item.value, ctx);
    }
    ctx.budget.leave();
    return obj;
  }
  if ('bytesValue' in v || 'bytes_value' in v)
    return Buffer.from(jsonString(get(v, 'bytesValue', 'bytes_value')).slice(0, Math.ceil((ctx.limits.valueLength * 4) / 3)), 'base64');
  return null;
}

function jsonAttributes(items: unknown[], ctx: Ctx): Array<[string, Value]> {
  const out: Array<[string, Value]> = [];
  for (const kv of items) {
    if (!isObject(kv)) continue;
    if (out.length >= ctx.limits.attributes) {
      ctx.trimmed.attributes++;
      continue;
    }
    ctx.budget = new ValueBudget();
    out.push([cut(jsonString(kv.key), ctx.limits.valueLength, ctx.trimmed), jsonAnyValue(kv.value, ctx)]);
  }
  return out;
}

function jsonSpan(o: Json, ctx: Ctx): RawSpan {
  const s = emptySpan();
  const limit = ctx.limits.valueLength;
  s.traceId = jsonId(get(o, 'traceId', 'trace_id'));
  s.spanId = jsonId(get(o, 'spanId', 'span_id'));
  s.parentSpanId = jsonId(get(o, 'parentSpanId', 'parent_span_id'));
  s.traceState = cut(jsonString(get(o, 'traceState', 'trace_state')), limit, ctx.trimmed);
  s.flags = Number(jsonInt(get(o, 'flags'), 'flags') & 0xffffffffn);
  s.name = cut(jsonString(o.name), limit, ctx.trimmed);
  s.kind = jsonEnum(o.kind, KIND_NAMES);
  s.start = jsonInt(get(o, 'startTimeUnixNano', 'start_time_unix_nano'), 'startTimeUnixNano');
  s.end = jsonInt(get(o, 'endTimeUnixNano', 'end_time_unix_nano'), 'endTimeUnixNano');
  s.attributes = jsonAttributes(list(o, 'attributes'), ctx);
  for (const e of list(o, 'events')) {
    if (!isObject(e)) continue;
    if (s.events.length >= ctx.limits.events) {
      ctx.trimmed.events++;
      continue;
    }
    s.events.push({
      time: jsonInt(get(e, 'timeUnixNano', 'time_unix_nano'), 'timeUnixNano'),
      name: cut(jsonString(e.name), limit, ctx.trimmed),
      attributes: jsonAttributes(list(e, 'attributes'), ctx),
    });
  }
  for (const l of list(o, 'links')) {
    if (!isObject(l)) continue;
    if (s.links.length >= ctx.limits.links) {
      ctx.trimmed.links++;
      continue;
    }
    s.links.push({ traceId: jsonId(get(l, 'traceId', 'trace_id')), spanId: jsonId(get(l, 'spanId', 'span_id')) });
  }
  if (isObject(o.status)) {
    s.statusCode = jsonEnum(o.status.code, STATUS_NAMES);
    s.statusMessage = cut(jsonString(o.status.message), limit, ctx.trimmed);
  }
  return s;
}

export async function decodeOtlpJson(body: Buffer, options: DecodeOptions = DEFAULT_DECODE): Promise<DecodeResult> {
  let request: unknown;
  try {
    request = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new DecodeError(`OTLP/JSON: ${(err as Error).message}`);
  }
  if (!isObject(request)) throw new DecodeError('OTLP/JSON: the body is not an ExportTraceServiceRequest object');
  const ctx: Ctx = { limits: options.limits, trimmed: new Trimmed(), budget: new ValueBudget() };
  const out = new Output(options, ctx);
  for (const rs of list(request, 'resourceSpans', 'resource_spans')) {
    if (!isObject(rs)) throw new DecodeError('OTLP/JSON: resourceSpans holds a non-object');
    const resource = rs.resource;
    out.beginResource(isObject(resource) ? jsonAttributes(list(resource, 'attributes'), ctx) : []);
    const scopes = [...list(rs, 'scopeSpans', 'scope_spans'), ...list(rs, 'instrumentationLibrarySpans', 'instrumentation_library_spans')];
    for (const ss of scopes) {
      if (!isObject(ss)) throw new DecodeError('OTLP/JSON: scopeSpans holds a non-object');
      const scopeObj = get(ss, 'scope') ?? get(ss, 'instrumentationLibrary', 'instrumentation_library');
      const scope = { name: '', version: '' };
      if (isObject(scopeObj)) {
        scope.name = cut(jsonString(scopeObj.name), ctx.limits.valueLength, ctx.trimmed);
        scope.version = cut(jsonString(scopeObj.version), ctx.limits.valueLength, ctx.trimmed);
      }
      for (const sp of list(ss, 'spans')) {
        if (!isObject(sp)) throw new DecodeError('OTLP/JSON: spans holds a non-object');
        await options.pause?.();
        if (out.full()) continue;
        out.add(jsonSpan(sp, ctx), scope);
      }
    }
    out.endResource();
  }
  return out.result;
}

// ---------------------------------------------------------------- → Jaeger model

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function tag(key: string, value: Value, ctx: Ctx): Tag {
  switch (typeof value) {
    case 'string':
      return { key, type: 'string', value };
    case 'boolean':
      return { key, type: 'bool', value };
    case 'number':
      return { key, type: 'float64', value };
    case 'bigint':
      // Jaeger's JSON writes int64 as a number; beyond 2^53 a number would lie, so keep the digits.
      return { key, type: 'int64', value: value <= MAX_SAFE && value >= -MAX_SAFE ? Number(value) : value.toString() };
    default:
      if (Buffer.isBuffer(value)) return { key, type: 'binary', value: value.toString('base64') };
      return { key, type: 'string', value: value === null ? '' : cut(JSON.stringify(plain(value)), ctx.limits.valueLength, ctx.trimmed) };
  }
}

function plain(value: Value): unknown {
  if (typeof value === 'bigint') return value <= MAX_SAFE && value >= -MAX_SAFE ? Number(value) : value.toString();
  if (Buffer.isBuffer(value)) return value.toString('base64');
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value)) out[k] = plain(value[k]);
    return out;
  }
  return value;
}

function micros(nanos: bigint): number {
  return Number(nanos / 1000n);
}

function validId(b: Buffer, length: number): boolean {
  if (b.length !== length) return false;
  for (const byte of b) if (byte !== 0) return true;
  return false;
}

/** Collects the converted spans of one request, resource by resource, up to the request's share of memory. */
class Output {
  readonly result: DecodeResult;
  private process: Process = { serviceName: NO_SERVICE_NAME, tags: [] };
  private spans: Span[] = [];
  private bytes = 0;

  constructor(
    private readonly options: DecodeOptions,
    private readonly ctx: Ctx,
  ) {
    this.result = { batches: [], rejected: 0, rejectReason: '', trimmed: ctx.trimmed };
  }

  beginResource(attributes: Array<[string, Value]>): void {
    const process: Process = { serviceName: NO_SERVICE_NAME, tags: [] };
    for (const [key, value] of attributes) {
      if (key === 'service.name' && typeof value === 'string' && value !== '') process.serviceName = value;
      else process.tags.push(tag(key, value, this.ctx));
    }
    this.process = process;
    this.spans = [];
  }

  /** Past the request's share of memory every further span is refused (counted, never decoded). */
  full(): boolean {
    if (this.bytes <= this.options.requestBytes) return false;
    this.ctx.trimmed.rejectSpans(1, 'the request is over the memory one request may take');
    return true;
  }

  add(raw: RawSpan, scope: { name: string; version: string }): void {
    if (!validId(raw.traceId, 16) || !validId(raw.spanId, 8)) {
      this.result.rejected++;
      this.result.rejectReason = `span "${raw.name}" has an invalid trace or span id`;
      return;
    }
    const span = toSpan(raw, scope, this.process, this.ctx);
    this.bytes += spanBytes(span);
    this.spans.push(span);
  }

  endResource(): void {
    if (this.spans.length) this.result.batches.push({ process: this.process, spans: this.spans });
    this.spans = [];
  }
}

function toSpan(raw: RawSpan, scope: { name: string; version: string }, process: Process, ctx: Ctx): Span {
  const traceID = raw.traceId.toString('hex');
  const references: Reference[] = [];
  if (validId(raw.parentSpanId, 8)) references.push({ refType: 'CHILD_OF', traceID, spanID: raw.parentSpanId.toString('hex') });
  for (const l of raw.links) {
    if (validId(l.traceId, 16) && validId(l.spanId, 8)) {
      references.push({ refType: 'FOLLOWS_FROM', traceID: l.traceId.toString('hex'), spanID: l.spanId.toString('hex') });
    }
  }
  const tags: Tag[] = [];
  let hasError = false;
  for (const [key, value] of raw.attributes) {
    if (key === 'error') hasError = true;
    tags.push(tag(key, value, ctx));
  }
  if (scope.name) tags.push({ key: 'otel.scope.name', type: 'string', value: scope.name });
  if (scope.version) tags.push({ key: 'otel.scope.version', type: 'string', value: scope.version });
  if (KINDS[raw.kind]) tags.push({ key: 'span.kind', type: 'string', value: KINDS[raw.kind] });
  if (raw.statusCode === 1) tags.push({ key: 'otel.status_code', type: 'string', value: 'OK' });
  else if (raw.statusCode === 2) {
    tags.push({ key: 'otel.status_code', type: 'string', value: 'ERROR' });
    if (!hasError) tags.push({ key: 'error', type: 'bool', value: true });
    if (raw.statusMessage) tags.push({ key: 'otel.status_description', type: 'string', value: raw.statusMessage });
  }
  if (raw.traceState) tags.push({ key: 'w3c.tracestate', type: 'string', value: raw.traceState });
  const logs: Log[] = raw.events.map((e) => {
    const fields: Tag[] = [];
    if (e.name) fields.push({ key: 'event', type: 'string', value: e.name });
    for (const [key, value] of e.attributes) fields.push(tag(key, value, ctx));
    return { timestamp: micros(e.time), fields };
  });
  const start = micros(raw.start);
  // From the nanosecond difference, to the nearest µs: JSON encoders that pass nanosecond
  // timestamps through a double (beyond 2^53) are a few hundred ns off at either end.
  const duration = raw.end > raw.start ? Number((raw.end - raw.start + 500n) / 1000n) : 0;
  return {
    traceID,
    spanID: raw.spanId.toString('hex'),
    flags: raw.flags & 0xff || 1,
    operationName: raw.name,
    references,
    startTime: start,
    duration,
    tags,
    logs,
    process,
    warnings: null,
  };
}

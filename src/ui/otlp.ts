// OTLP trace requests (ExportTraceServiceRequest, protobuf or JSON) → the
// viewer's Jaeger-shaped spans, the way Jaeger itself translates them:
// attributes become typed tags, the span kind becomes `span.kind`, the status
// `otel.status_code` (+ `error=true`, `otel.status_description`), the scope
// `otel.scope.name`/`otel.scope.version`, events become logs (`event` = name),
// links FOLLOWS_FROM references, resource attributes the process's tags and
// `service.name` its serviceName.
import { DecodeError, ProtoReader, WIRE_FIXED32, WIRE_FIXED64, WIRE_LEN, WIRE_VARINT } from './protobuf';
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

interface RawScope {
  name: string;
  version: string;
  spans: RawSpan[];
}

interface RawResource {
  attributes: Array<[string, Value]>;
  scopes: RawScope[];
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

function pbAnyValue(r: ProtoReader): Value {
  let value: Value = null;
  r.fields((field, wt) => {
    switch (field) {
      case 1:
        if (wt !== WIRE_LEN) return false;
        value = r.string();
        return true;
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
          list.push(pbAnyValue(m.message()));
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
          const [k, v] = pbKeyValue(m.message());
          obj[k] = v;
          return true;
        });
        value = obj;
        return true;
      }
      case 7:
        if (wt !== WIRE_LEN) return false;
        value = Buffer.from(r.bytes());
        return true;
      default:
        return false;
    }
  });
  return value;
}

function pbKeyValue(r: ProtoReader): [string, Value] {
  let key = '';
  let value: Value = null;
  r.fields((field, wt) => {
    if (wt !== WIRE_LEN) return false;
    if (field === 1) key = r.string();
    else if (field === 2) value = pbAnyValue(r.message());
    else return false;
    return true;
  });
  return [key, value];
}

function pbSpan(r: ProtoReader): RawSpan {
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
        s.traceState = r.string();
        return true;
      case 5:
        if (wt !== WIRE_LEN) return false;
        s.name = r.string();
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
        s.attributes.push(pbKeyValue(r.message()));
        return true;
      case 11: {
        if (wt !== WIRE_LEN) return false;
        const e = { time: 0n, name: '', attributes: [] as Array<[string, Value]> };
        const m = r.message();
        m.fields((f, w) => {
          if (f === 1 && w === WIRE_FIXED64) e.time = m.fixed64();
          else if (f === 2 && w === WIRE_LEN) e.name = m.string();
          else if (f === 3 && w === WIRE_LEN) e.attributes.push(pbKeyValue(m.message()));
          else return false;
          return true;
        });
        s.events.push(e);
        return true;
      }
      case 13: {
        if (wt !== WIRE_LEN) return false;
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
          if (f === 2 && w === WIRE_LEN) s.statusMessage = m.string();
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

function pbScope(r: ProtoReader): RawScope {
  const scope: RawScope = { name: '', version: '', spans: [] };
  r.fields((field, wt) => {
    if (wt !== WIRE_LEN) return false;
    if (field === 1) {
      const m = r.message();
      m.fields((f, w) => {
        if (w !== WIRE_LEN) return false;
        if (f === 1) scope.name = m.string();
        else if (f === 2) scope.version = m.string();
        else return false;
        return true;
      });
    } else if (field === 2) scope.spans.push(pbSpan(r.message()));
    else return false;
    return true;
  });
  return scope;
}

function pbResourceSpans(r: ProtoReader): RawResource {
  const res: RawResource = { attributes: [], scopes: [] };
  r.fields((field, wt) => {
    if (wt !== WIRE_LEN) return false;
    if (field === 1) {
      const m = r.message();
      m.fields((f, w) => {
        if (f !== 1 || w !== WIRE_LEN) return false;
        res.attributes.push(pbKeyValue(m.message()));
        return true;
      });
    } else if (field === 2 || field === 1000) {
      // 1000: instrumentation_library_spans, from SDKs before OTLP 0.15
      res.scopes.push(pbScope(r.message()));
    } else return false;
    return true;
  });
  return res;
}

export function decodeOtlpProtobuf(body: Buffer): DecodeResult {
  const resources: RawResource[] = [];
  const r = new ProtoReader(body);
  r.fields((field, wt) => {
    if (field !== 1 || wt !== WIRE_LEN) return false;
    resources.push(pbResourceSpans(r.message()));
    return true;
  });
  return toBatches(resources);
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

function jsonAnyValue(v: unknown): Value {
  if (!isObject(v)) return null;
  if ('stringValue' in v || 'string_value' in v) return jsonString(get(v, 'stringValue', 'string_value'));
  if ('boolValue' in v || 'bool_value' in v) return get(v, 'boolValue', 'bool_value') === true;
  if ('intValue' in v || 'int_value' in v) return jsonInt(get(v, 'intValue', 'int_value'), 'intValue');
  if ('doubleValue' in v || 'double_value' in v) {
    const d = get(v, 'doubleValue', 'double_value');
    return typeof d === 'number' ? d : Number(d);
  }
  if ('arrayValue' in v || 'array_value' in v) {
    const a = get(v, 'arrayValue', 'array_value');
    return isObject(a) ? list(a, 'values').map(jsonAnyValue) : [];
  }
  if ('kvlistValue' in v || 'kvlist_value' in v) {
    const kv = get(v, 'kvlistValue', 'kvlist_value');
    const obj: { [key: string]: Value } = {};
    if (isObject(kv)) for (const [k, val] of jsonAttributes(list(kv, 'values'))) obj[k] = val;
    return obj;
  }
  if ('bytesValue' in v || 'bytes_value' in v) return Buffer.from(jsonString(get(v, 'bytesValue', 'bytes_value')), 'base64');
  return null;
}

function jsonAttributes(items: unknown[]): Array<[string, Value]> {
  const out: Array<[string, Value]> = [];
  for (const kv of items) if (isObject(kv)) out.push([jsonString(kv.key), jsonAnyValue(kv.value)]);
  return out;
}

function jsonSpan(o: Json): RawSpan {
  const s = emptySpan();
  s.traceId = jsonId(get(o, 'traceId', 'trace_id'));
  s.spanId = jsonId(get(o, 'spanId', 'span_id'));
  s.parentSpanId = jsonId(get(o, 'parentSpanId', 'parent_span_id'));
  s.traceState = jsonString(get(o, 'traceState', 'trace_state'));
  s.flags = Number(jsonInt(get(o, 'flags'), 'flags') & 0xffffffffn);
  s.name = jsonString(o.name);
  s.kind = jsonEnum(o.kind, KIND_NAMES);
  s.start = jsonInt(get(o, 'startTimeUnixNano', 'start_time_unix_nano'), 'startTimeUnixNano');
  s.end = jsonInt(get(o, 'endTimeUnixNano', 'end_time_unix_nano'), 'endTimeUnixNano');
  s.attributes = jsonAttributes(list(o, 'attributes'));
  for (const e of list(o, 'events')) {
    if (!isObject(e)) continue;
    s.events.push({
      time: jsonInt(get(e, 'timeUnixNano', 'time_unix_nano'), 'timeUnixNano'),
      name: jsonString(e.name),
      attributes: jsonAttributes(list(e, 'attributes')),
    });
  }
  for (const l of list(o, 'links')) {
    if (isObject(l)) s.links.push({ traceId: jsonId(get(l, 'traceId', 'trace_id')), spanId: jsonId(get(l, 'spanId', 'span_id')) });
  }
  if (isObject(o.status)) {
    s.statusCode = jsonEnum(o.status.code, STATUS_NAMES);
    s.statusMessage = jsonString(o.status.message);
  }
  return s;
}

export function decodeOtlpJson(body: Buffer): DecodeResult {
  let request: unknown;
  try {
    request = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new DecodeError(`OTLP/JSON: ${(err as Error).message}`);
  }
  if (!isObject(request)) throw new DecodeError('OTLP/JSON: the body is not an ExportTraceServiceRequest object');
  const resources: RawResource[] = [];
  for (const rs of list(request, 'resourceSpans', 'resource_spans')) {
    if (!isObject(rs)) throw new DecodeError('OTLP/JSON: resourceSpans holds a non-object');
    const res: RawResource = { attributes: [], scopes: [] };
    const resource = rs.resource;
    if (isObject(resource)) res.attributes = jsonAttributes(list(resource, 'attributes'));
    const scopes = [...list(rs, 'scopeSpans', 'scope_spans'), ...list(rs, 'instrumentationLibrarySpans', 'instrumentation_library_spans')];
    for (const ss of scopes) {
      if (!isObject(ss)) throw new DecodeError('OTLP/JSON: scopeSpans holds a non-object');
      const scopeObj = get(ss, 'scope') ?? get(ss, 'instrumentationLibrary', 'instrumentation_library');
      const scope: RawScope = { name: '', version: '', spans: [] };
      if (isObject(scopeObj)) {
        scope.name = jsonString(scopeObj.name);
        scope.version = jsonString(scopeObj.version);
      }
      for (const sp of list(ss, 'spans')) {
        if (!isObject(sp)) throw new DecodeError('OTLP/JSON: spans holds a non-object');
        scope.spans.push(jsonSpan(sp));
      }
      res.scopes.push(scope);
    }
    resources.push(res);
  }
  return toBatches(resources);
}

// ---------------------------------------------------------------- → Jaeger model

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function tag(key: string, value: Value): Tag {
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
      return { key, type: 'string', value: value === null ? '' : JSON.stringify(plain(value)) };
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

function toBatches(resources: RawResource[]): DecodeResult {
  const result: DecodeResult = { batches: [], rejected: 0, rejectReason: '' };
  for (const res of resources) {
    const process: Process = { serviceName: NO_SERVICE_NAME, tags: [] };
    for (const [key, value] of res.attributes) {
      if (key === 'service.name' && typeof value === 'string' && value !== '') process.serviceName = value;
      else process.tags.push(tag(key, value));
    }
    const spans: Span[] = [];
    for (const scope of res.scopes) {
      for (const raw of scope.spans) {
        if (!validId(raw.traceId, 16) || !validId(raw.spanId, 8)) {
          result.rejected++;
          result.rejectReason = `span "${raw.name}" has an invalid trace or span id`;
          continue;
        }
        spans.push(toSpan(raw, scope, process));
      }
    }
    if (spans.length) result.batches.push({ process, spans });
  }
  return result;
}

function toSpan(raw: RawSpan, scope: RawScope, process: Process): Span {
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
    tags.push(tag(key, value));
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
    for (const [key, value] of e.attributes) fields.push(tag(key, value));
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

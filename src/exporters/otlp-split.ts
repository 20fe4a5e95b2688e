// Splits an encoded OTLP ExportTraceServiceRequest (protobuf) into two with
// half the spans each, for a collector that answered 413: the spans were
// encoded as they ended and their objects are gone, so the bytes are cut
// apart instead. Only the three nesting levels are read:
//   request { 1: ResourceSpans* }  ResourceSpans { 1: resource, 2: ScopeSpans*, 3: schema_url }
//   ScopeSpans { 1: scope, 2: Span*, 3: schema_url }

/** One length-delimited or other field: its whole bytes (tag included), and for fields of interest their content. */
interface Field {
  number: number;
  /** The field's bytes, tag and length included. */
  whole: Uint8Array;
  /** The content of a length-delimited field. */
  content: Uint8Array | undefined;
}

function readVarint(bytes: Uint8Array, at: { pos: number }): number {
  let result = 0;
  let shift = 0;
  for (;;) {
    if (at.pos >= bytes.length) throw new Error('truncated varint');
    const b = bytes[at.pos++];
    result += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return result;
    shift += 7;
    if (shift > 63) throw new Error('varint too long');
  }
}

function fields(bytes: Uint8Array): Field[] {
  const out: Field[] = [];
  const at = { pos: 0 };
  while (at.pos < bytes.length) {
    const start = at.pos;
    const key = readVarint(bytes, at);
    const wireType = key & 7;
    let content: Uint8Array | undefined;
    if (wireType === 0) readVarint(bytes, at);
    else if (wireType === 1) at.pos += 8;
    else if (wireType === 5) at.pos += 4;
    else if (wireType === 2) {
      const length = readVarint(bytes, at);
      content = bytes.subarray(at.pos, at.pos + length);
      at.pos += length;
    } else throw new Error(`wire type ${wireType}`);
    if (at.pos > bytes.length) throw new Error('truncated field');
    out.push({ number: Math.floor(key / 8), whole: bytes.subarray(start, at.pos), content });
  }
  return out;
}

function varint(value: number): number[] {
  const out: number[] = [];
  while (value > 0x7f) {
    out.push((value & 0x7f) | 0x80);
    value = Math.floor(value / 128);
  }
  out.push(value);
  return out;
}

/** A length-delimited field made of parts. */
function message(number: number, parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const head = [...varint(number * 8 + 2), ...varint(length)];
  const out = new Uint8Array(head.length + length);
  out.set(head, 0);
  let pos = head.length;
  for (const part of parts) {
    out.set(part, pos);
    pos += part.length;
  }
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  return Buffer.concat(parts);
}

interface Scope {
  other: Uint8Array[];
  spans: Uint8Array[];
}
interface ResourceGroup {
  other: Uint8Array[];
  scopes: Scope[];
}

/** The request's spans, grouped as they were. */
function parse(body: Uint8Array): ResourceGroup[] {
  const resources: ResourceGroup[] = [];
  for (const r of fields(body)) {
    if (r.number !== 1 || r.content === undefined) continue;
    const group: ResourceGroup = { other: [], scopes: [] };
    for (const f of fields(r.content)) {
      if (f.number !== 2 || f.content === undefined) {
        group.other.push(f.whole);
        continue;
      }
      const scope: Scope = { other: [], spans: [] };
      for (const s of fields(f.content)) (s.number === 2 ? scope.spans : scope.other).push(s.whole);
      group.scopes.push(scope);
    }
    resources.push(group);
  }
  return resources;
}

/** The request made of the spans numbered [from, to) in order. */
function build(resources: ResourceGroup[], from: number, to: number): Uint8Array {
  const out: Uint8Array[] = [];
  let index = 0;
  for (const group of resources) {
    const scopes: Uint8Array[] = [];
    for (const scope of group.scopes) {
      const spans = scope.spans.filter(() => {
        const i = index++;
        return i >= from && i < to;
      });
      if (spans.length > 0) scopes.push(message(2, [...scope.other, ...spans]));
    }
    if (scopes.length > 0) out.push(message(1, [...group.other, ...scopes]));
  }
  return concat(out);
}

/** The request cut in two halves by span count, with their counts; undefined when it holds fewer than two spans or cannot be read. */
export function splitTraceRequest(body: Uint8Array): [{ body: Uint8Array; count: number }, { body: Uint8Array; count: number }] | undefined {
  let resources: ResourceGroup[];
  try {
    resources = parse(body);
  } catch {
    return undefined;
  }
  let total = 0;
  for (const group of resources) for (const scope of group.scopes) total += scope.spans.length;
  if (total < 2) return undefined;
  const half = Math.floor(total / 2);
  return [
    { body: build(resources, 0, half), count: half },
    { body: build(resources, half, total), count: total - half },
  ];
}

'use strict';
// The OTLP encoders against an independent decoder: real SDK spans covering
// every field and attribute type, encoded as protobuf (decoded by protobufjs
// from test/support/otlp.proto) and as OTLP/JSON (JSON.parse), must come back
// exactly, nanoseconds included. Reads dist/ (`npm run build`).
const assert = require('node:assert/strict');
const http = require('node:http');
const zlib = require('node:zlib');
const api = require('@opentelemetry/api');
const { BasicTracerProvider } = require('@opentelemetry/sdk-trace-node');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { encodeTraceRequest, ProtoBatch } = require('../dist/exporters/otlp-proto');
const { encodeTraceRequestJson } = require('../dist/exporters/otlp-json');
const { startReceiver, normalize, ExportTraceServiceRequest, findSpan, spanTree } = require('./support/receiver');

const { SpanKind, SpanStatusCode, TraceFlags, ROOT_CONTEXT, trace, createTraceState } = api;

/**
 * The agent's own spans. Every one these tests start is sampled, so each is an
 * AgentSpan (startAgentSpan's declared Span also covers the unsampled kind),
 * whose recorded fields the tests read.
 * @type {(...args: Parameters<typeof import('../dist/span').startAgentSpan>) => import('../dist/span').AgentSpan}
 */
const startAgentSpan = /** @type {any} */ (require('../dist/span').startAgentSpan);

const TO_OBJECT = { longs: String, enums: Number, bytes: Buffer, defaults: false, arrays: true };
const decodeProto = (bytes) => ExportTraceServiceRequest.toObject(ExportTraceServiceRequest.decode(bytes), TO_OBJECT);
const protoSpans = (spans) => normalize(decodeProto(encodeTraceRequest(spans)), false);
const jsonSpans = (spans) => normalize(JSON.parse(encodeTraceRequestJson(spans)), true);

// OTLP span flags: W3C flags in bits 0-7, bit 8 "parent is_remote known", bit 9 "parent is remote".
const HAS_IS_REMOTE = 0x100;
const IS_REMOTE = 0x200;

const LIMITS = { attributeCountLimit: 64, eventCountLimit: 4, linkCountLimit: 3, attributePerEventCountLimit: 3, attributePerLinkCountLimit: 2 };

/** A provider whose ended spans land in the returned list. */
function provider(resource, spanLimits = LIMITS) {
  const ended = [];
  const tracerProvider = new BasicTracerProvider({
    resource,
    spanLimits,
    spanProcessors: [{ onStart() {}, onEnd: (s) => ended.push(s), forceFlush: async () => {}, shutdown: async () => {} }],
  });
  return { ended, getTracer: tracerProvider.getTracer.bind(tracerProvider) };
}

const hrNanos = (t) => BigInt(t[0]) * 1000000000n + BigInt(t[1]);

/** What an attribute value must decode to (the receiver's normalization). */
function expectedValue(v) {
  if (v === null || v === undefined) return null;
  if (Array.isArray(v)) return v.map(expectedValue);
  if (typeof v === 'number' && Number.isInteger(v) && v >= -(2 ** 63) && v < 2 ** 63) {
    return Number.isSafeInteger(v) ? v + 0 /* -0 → 0 */ : BigInt(v);
  }
  return v;
}

function expectedAttributes(attributes) {
  const out = {};
  for (const [k, v] of Object.entries(attributes || {})) if (v !== undefined && v !== null) out[k] = expectedValue(v);
  return out;
}

/** A span as the receiver normalizes it, computed straight from the SDK span (flags given by the test). */
function expectedSpan(span, { flags, linkFlags = [] }) {
  const ctx = span.spanContext();
  return {
    traceId: ctx.traceId,
    spanId: ctx.spanId,
    parentSpanId: span.parentSpanContext ? span.parentSpanContext.spanId : '',
    traceState: ctx.traceState ? ctx.traceState.serialize() : '',
    flags,
    name: span.name,
    kind: span.kind + 1,
    startTimeUnixNano: hrNanos(span.startTime),
    endTimeUnixNano: hrNanos(span.endTime),
    attributes: expectedAttributes(span.attributes),
    droppedAttributesCount: span.droppedAttributesCount,
    events: span.events.map((e) => ({
      name: e.name,
      timeUnixNano: hrNanos(e.time),
      attributes: expectedAttributes(e.attributes),
      droppedAttributesCount: e.droppedAttributesCount || 0,
    })),
    droppedEventsCount: span.droppedEventsCount,
    links: span.links.map((l, i) => ({
      traceId: l.context.traceId,
      spanId: l.context.spanId,
      traceState: l.context.traceState ? l.context.traceState.serialize() : '',
      attributes: expectedAttributes(l.attributes),
      droppedAttributesCount: l.droppedAttributesCount || 0,
      flags: linkFlags[i],
    })),
    droppedLinksCount: span.droppedLinksCount,
    status: { code: span.status.code, message: span.status.message || '' },
    resource: expectedAttributes(span.resource.attributes),
    resourceSchemaUrl: span.resource.schemaUrl || '',
    scope: { name: span.instrumentationScope.name, version: span.instrumentationScope.version || '' },
    scopeSchemaUrl: span.instrumentationScope.schemaUrl || '',
  };
}

/** Asserts both encoders round-trip `spans` to `expected` (in the encoders' grouped order, matched by span id). */
function assertRoundTrip(spans, expected) {
  /** @type {Array<[string, any[]]>} */
  const decodings = [
    ['protobuf', protoSpans(spans)],
    ['json', jsonSpans(spans)],
  ];
  for (const [format, decoded] of decodings) {
    assert.equal(decoded.length, expected.length, `${format}: span count`);
    for (const want of expected) {
      const got = decoded.find((s) => s.spanId === want.spanId);
      assert.ok(got, `${format}: span ${want.name} (${want.spanId}) is in the request`);
      assert.deepStrictEqual(got, want, `${format}: span ${want.name}`);
    }
  }
}

// Attribute values of every type, with the awkward cases of each.
const ALL_TYPES = {
  'str.plain': 'GET /orders/:id',
  'str.empty': '',
  'str.accents': 'héllo wörld — ¿qué?',
  'str.emoji': '🚀 launch 👩‍💻 done',
  'str.cjk': '追踪代理',
  'str.127': 'x'.repeat(127),
  'str.128': 'y'.repeat(128),
  'str.long.ascii': 'z'.repeat(5000),
  'str.long.utf8': 'é'.repeat(3000),
  'str.ascii.then.utf8': 'a'.repeat(126) + 'ü',
  'str.escapes': 'quote " backslash \\ newline \n tab \t nul \u0000 end',
  'ключ.non-ascii.key': 'value',
  'int.zero': 0,
  'int.small': 42,
  'int.127': 127,
  'int.128': 128,
  'int.negative': -7,
  'int.negative.zero': -0,
  'int.u32.max': 4294967295,
  'int.2^32': 4294967296,
  'int.max.safe': Number.MAX_SAFE_INTEGER,
  'int.min.safe': Number.MIN_SAFE_INTEGER,
  'int.2^60': 2 ** 60,
  'int.-2^63': -(2 ** 63),
  'int.beyond.int64': 2 ** 63, // not an int64: must travel as a double
  'double.pi': 3.141592653589793,
  'double.negative': -0.5,
  'double.tiny': 5e-324,
  'double.huge': 1.7976931348623157e308,
  'double.nan': NaN,
  'double.inf': Infinity,
  'double.-inf': -Infinity,
  'bool.true': true,
  'bool.false': false,
  'array.strings': ['a', '', 'ü', '🚀'],
  'array.ints': [1, -1, 0, 2 ** 53 - 1, -(2 ** 40)],
  'array.doubles': [1.5, -2.25, NaN],
  'array.mixed.numbers': [1, 2.5],
  'array.bools': [true, false],
  'array.empty': [],
  'array.with.nulls': ['a', null, 'c', undefined],
};

describe('OTLP encoding (protobuf and JSON) round-trips every field', function () {
  this.timeout(20000);

  const resourceA = resourceFromAttributes(
    { 'service.name': 'svc-a', 'service.version': '1.0.0', 'host.name': 'höst', 'process.pid': 4242, ratio: 0.25, flags: [true, false], unset: undefined },
    { schemaUrl: 'https://opentelemetry.io/schemas/1.26.0' },
  );
  const resourceB = resourceFromAttributes({ 'service.name': 'svc-b' });

  it('a span with attributes of every type, timestamps to the nanosecond', () => {
    const p = provider(resourceA);
    const tracer = p.getTracer('scope-a', '1.2.3');
    const span = tracer.startSpan('everything', { kind: SpanKind.SERVER, attributes: ALL_TYPES, startTime: [1700000000, 123456789] }, ROOT_CONTEXT);
    span.end([1700000001, 999999999]);
    const [ended] = p.ended;
    const expected = expectedSpan(ended, { flags: TraceFlags.SAMPLED | HAS_IS_REMOTE });
    assert.equal(expected.startTimeUnixNano, 1700000000123456789n);
    assert.equal(expected.attributes['int.2^60'], 1152921504606846976n);
    assert.equal(expected.attributes['int.-2^63'], -9223372036854775808n);
    assertRoundTrip(p.ended, [expected]);
  });

  it('timestamps: exact fixed64 nanoseconds across the range, including carries between 32-bit halves', () => {
    const p = provider(resourceA);
    const tracer = p.getTracer('scope-a', '1.2.3');
    // One [start, end] pair per line.
    // prettier-ignore
    /** @type {Array<[api.HrTime, api.HrTime]>} */
    const times = [
      [[0, 0], [0, 1]],
      [[1, 0], [1, 999999999]],
      [[4, 294967295], [4, 294967296]], // 2^32 - 1 ns, 2^32 ns
      [[1700000000, 0], [1700000000, 999999999]],
      [[1732442400, 500000000], [1732442401, 1]],
      [[4102444800, 999999999], [4294967295, 999999999]], // 2100, and the largest uint32 second count
      [[4611686018, 427387903], [9223372036, 854775807]], // 2^62 ns, 2^63 - 1 ns
    ];
    // And random ones.
    for (let i = 0; i < 200; i++) {
      const s = Math.floor(Math.random() * 4e9);
      const n = Math.floor(Math.random() * 1e9);
      times.push([
        [s, n],
        [s + Math.floor(Math.random() * 1000), Math.floor(Math.random() * 1e9)],
      ]);
    }
    for (const [start, end] of times) {
      const span = tracer.startSpan('t', { startTime: start }, ROOT_CONTEXT);
      span.end(end);
    }
    const expected = p.ended.map((s) => expectedSpan(s, { flags: TraceFlags.SAMPLED | HAS_IS_REMOTE }));
    assert.equal(expected[6].endTimeUnixNano, 9223372036854775807n);
    assertRoundTrip(p.ended, expected);
  });

  it('events, links, dropped counts, statuses, every kind, trace state and remote/local parents', () => {
    const p = provider(resourceA);
    const tracer = p.getTracer('scope-a', '1.2.3');
    const remoteParent = {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
      traceState: createTraceState('vendor=opaque-value,other=x'),
    };
    const remoteCtx = trace.setSpanContext(ROOT_CONTEXT, remoteParent);
    const linkedRemote = {
      traceId: 'aaaaaaaaaaaaaaaabbbbbbbbbbbbbbbb',
      spanId: 'cccccccccccccccc',
      traceFlags: TraceFlags.NONE,
      isRemote: true,
      traceState: createTraceState('k=v'),
    };
    const linkedLocal = { traceId: '11111111111111111111111111111111', spanId: '2222222222222222', traceFlags: TraceFlags.SAMPLED, isRemote: false };

    const server = tracer.startSpan(
      'GET /items',
      {
        kind: SpanKind.SERVER,
        attributes: { 'http.request.method': 'GET' },
        links: [
          { context: linkedLocal, attributes: { first: 'dropped: the oldest link goes past linkCountLimit' } },
          { context: linkedRemote, attributes: { 'link.reason': 'batch', 'link.n': 3, 'link.dropped': true } },
          { context: linkedLocal },
          { context: linkedLocal, attributes: { 'link.üñí': '✓' } },
        ],
      },
      remoteCtx,
    );
    server.addEvent(
      'exception',
      { 'exception.type': 'Error', 'exception.message': 'boom ✗', 'exception.stacktrace': 'Error: boom\n    at x (file.js:1:1)\n'.repeat(20), 'over.limit': 1 },
      [1700000000, 5],
    );
    server.addEvent('no-attributes', [1700000000, 6]);
    server.addEvent('with-array', { values: [1, 2, 3] }, [1700000000, 7]);
    server.addEvent('fourth', [1700000000, 8]);
    server.addEvent('fifth: drops the first', [1700000000, 9]);
    for (let i = 0; i < 70; i++) server.setAttribute(`extra.${i}`, i); // past attributeCountLimit
    server.setStatus({ code: SpanStatusCode.ERROR, message: 'failed: ünïcode ✗' });

    const localCtx = trace.setSpan(ROOT_CONTEXT, server);
    const kinds = [SpanKind.INTERNAL, SpanKind.CLIENT, SpanKind.PRODUCER, SpanKind.CONSUMER];
    const children = kinds.map((kind) => tracer.startSpan(`kind-${kind}`, { kind }, localCtx));
    children[0].setStatus({ code: SpanStatusCode.OK });
    children[1].setStatus({ code: SpanStatusCode.ERROR });
    for (const c of children) c.end();
    server.end();

    // The SDK keeps no message without an error code; other ReadableSpans may: a variant of one span carries one.
    const producer = p.ended.find((s) => s.name === `kind-${SpanKind.PRODUCER}`);
    const withMessageOnly = Object.create(producer, { status: { value: { code: SpanStatusCode.UNSET, message: 'message without a code' } } });
    const batch = p.ended.map((s) => (s === producer ? withMessageOnly : s));
    const byName = (name) => batch.find((s) => s.name === name);
    const serverSpan = byName('GET /items');
    assert.equal(serverSpan.droppedAttributesCount, 7, 'the SDK dropped attributes over the limit');
    assert.equal(serverSpan.droppedEventsCount, 1);
    assert.equal(serverSpan.droppedLinksCount, 1);
    assert.equal(serverSpan.events[0].name, 'no-attributes', 'the SDK dropped the oldest event');
    assert.equal(serverSpan.links[0].droppedAttributesCount, 1);
    assert.equal(serverSpan.spanContext().traceState.serialize(), 'vendor=opaque-value,other=x', 'trace state inherited from the remote parent');

    const expected = [
      expectedSpan(serverSpan, {
        flags: TraceFlags.SAMPLED | HAS_IS_REMOTE | IS_REMOTE,
        linkFlags: [TraceFlags.NONE | HAS_IS_REMOTE | IS_REMOTE, TraceFlags.SAMPLED | HAS_IS_REMOTE, TraceFlags.SAMPLED | HAS_IS_REMOTE],
      }),
      ...kinds.map((kind) => expectedSpan(byName(`kind-${kind}`), { flags: TraceFlags.SAMPLED | HAS_IS_REMOTE })),
    ];
    assert.equal(expected[0].parentSpanId, remoteParent.spanId);
    assert.deepEqual(
      expected.map((s) => s.kind),
      [2, 1, 3, 4, 5],
      'OTLP kinds: server 2, internal 1, client 3, producer 4, consumer 5',
    );
    assert.deepEqual(
      expected.map((s) => s.status),
      [
        { code: 2, message: 'failed: ünïcode ✗' },
        { code: 1, message: '' },
        { code: 2, message: '' },
        { code: 0, message: 'message without a code' },
        { code: 0, message: '' },
      ],
    );
    assertRoundTrip(batch, expected);
  });

  it('groups a mixed batch by resource, then by scope name + version + schema URL, in first-seen order', () => {
    const a1 = provider(resourceA);
    const a2 = provider(resourceA); // another provider, same resource object: its tracers' scopes are other objects
    const b = provider(resourceB);
    const scopeA1 = a1.getTracer('scope-a', '1.2.3');
    const scopeA2 = a2.getTracer('scope-a', '1.2.3');
    const scopeAschema = a1.getTracer('scope-a', '1.2.3', { schemaUrl: 'https://example.com/schema/2' });
    const scopeNoVersion = a1.getTracer('scope-no-version');
    const scopeB = b.getTracer('scope-a', '1.2.3');
    /** @type {Array<[api.Tracer, string]>} */
    const order = [
      [scopeA1, 'a1-1'],
      [scopeB, 'b-1'],
      [scopeA2, 'a2-1'],
      [scopeNoVersion, 'nv-1'],
      [scopeAschema, 'schema-1'],
      [scopeA1, 'a1-2'],
      [scopeB, 'b-2'],
    ];
    const batch = [];
    for (const [tracer, name] of order) {
      const before = a1.ended.length + a2.ended.length + b.ended.length;
      tracer.startSpan(name, {}, ROOT_CONTEXT).end();
      const all = [...a1.ended, ...a2.ended, ...b.ended];
      assert.equal(all.length, before + 1);
      batch.push(all.find((s) => s.name === name));
    }

    for (const [format, request] of [
      ['protobuf', decodeProto(encodeTraceRequest(batch))],
      ['json', JSON.parse(encodeTraceRequestJson(batch))],
    ]) {
      const shape = request.resourceSpans.map((rs) => ({
        service: rs.resource.attributes.find((kv) => kv.key === 'service.name').value.stringValue,
        schemaUrl: rs.schemaUrl || '',
        scopes: rs.scopeSpans.map((ss) => ({
          name: ss.scope.name,
          version: ss.scope.version || '',
          schemaUrl: ss.schemaUrl || '',
          spans: ss.spans.map((s) => s.name),
        })),
      }));
      assert.deepStrictEqual(
        shape,
        [
          {
            service: 'svc-a',
            schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
            scopes: [
              { name: 'scope-a', version: '1.2.3', schemaUrl: '', spans: ['a1-1', 'a2-1', 'a1-2'] },
              { name: 'scope-no-version', version: '', schemaUrl: '', spans: ['nv-1'] },
              { name: 'scope-a', version: '1.2.3', schemaUrl: 'https://example.com/schema/2', spans: ['schema-1'] },
            ],
          },
          { service: 'svc-b', schemaUrl: '', scopes: [{ name: 'scope-a', version: '1.2.3', schemaUrl: '', spans: ['b-1', 'b-2'] }] },
        ],
        format,
      );
    }
    assertRoundTrip(
      batch,
      batch.map((s) => expectedSpan(s, { flags: TraceFlags.SAMPLED | HAS_IS_REMOTE })),
    );
  });

  it('resource attributes: undefined skipped; async ones left out while pending, without an error logged', () => {
    const errors = [];
    api.diag.setLogger({ error: (...a) => errors.push(a.join(' ')), warn() {}, info() {}, debug() {}, verbose() {} }, api.DiagLogLevel.ERROR);
    try {
      const pending = resourceFromAttributes({ 'service.name': 'async-svc', 'cloud.region': new Promise(() => {}), plain: 1 });
      assert.equal(pending.asyncAttributesPending, true);
      const p = provider(pending);
      p.getTracer('s').startSpan('x', {}, ROOT_CONTEXT).end();
      for (const decoded of [protoSpans(p.ended), jsonSpans(p.ended)]) {
        assert.deepStrictEqual(decoded[0].resource, { 'service.name': 'async-svc', plain: 1 });
      }
      const q = provider(resourceA);
      q.getTracer('s').startSpan('y', {}, ROOT_CONTEXT).end();
      for (const decoded of [protoSpans(q.ended), jsonSpans(q.ended)]) {
        assert.deepStrictEqual(decoded[0].resource, {
          'service.name': 'svc-a',
          'service.version': '1.0.0',
          'host.name': 'höst',
          'process.pid': 4242,
          ratio: 0.25,
          flags: [true, false],
        });
      }
      assert.deepEqual(errors, []);
    } finally {
      api.diag.disable();
    }
  });

  it('protobuf: minimal encoding (protobufjs re-encodes the decoded request to the same length), stable across calls', () => {
    const p = provider(resourceA);
    const tracer = p.getTracer('scope-a', '1.2.3');
    // The SDK's Span, which is a ReadableSpan too. Under 128 bytes: one length byte.
    const tiny = /** @type {import('@opentelemetry/sdk-trace-base').Span} */ (tracer.startSpan('t', {}, ROOT_CONTEXT));
    tiny.end();
    const huge = tracer.startSpan('huge', { attributes: { blob: 'b'.repeat(20000), text: 'ü'.repeat(10000) } }, ROOT_CONTEXT); // over 16 KiB: three length bytes
    huge.end();
    const all = tracer.startSpan('all', { attributes: ALL_TYPES }, ROOT_CONTEXT);
    all.addEvent('e', { k: 'v'.repeat(300) });
    all.end();

    const first = encodeTraceRequest(p.ended);
    const reencoded = ExportTraceServiceRequest.encode(ExportTraceServiceRequest.decode(first)).finish();
    assert.equal(first.length, reencoded.length, 'no padded varints, no duplicate or default-valued fields');
    const copy = Buffer.from(first);
    const second = encodeTraceRequest(p.ended);
    assert.ok(Buffer.from(second).equals(copy), 'the same batch encodes to the same bytes');
    encodeTraceRequest([tiny]);
    assert.ok(Buffer.from(first).equals(copy), 'a result is not overwritten by later calls');
    assertRoundTrip(
      p.ended,
      p.ended.map((s) => expectedSpan(s, { flags: TraceFlags.SAMPLED | HAS_IS_REMOTE })),
    );
  });

  it('protobuf span by span (as spans end), over consecutive batches: each decodes to its spans, as the JSON encoding has them', () => {
    const a = provider(resourceA);
    const b = provider(resourceB);
    const tracers = [a.getTracer('scope-a', '1.2.3'), b.getTracer('scope-b'), a.getTracer('scope-s', '2', { schemaUrl: 'https://example.com/s' })];
    for (let i = 0; i < 3000; i++) {
      const span = tracers[i % 3].startSpan(
        `span-${i}`,
        { attributes: { i, note: 'ü'.repeat(i % 40), ...(i === 7 ? { blob: 'x'.repeat(40000) } : {}) } },
        ROOT_CONTEXT,
      );
      if (i % 100 === 0) span.addEvent('e', { k: 'v' });
      span.end();
    }
    const ended = [...a.ended, ...b.ended].sort((x, y) => Number(x.name.slice(5)) - Number(y.name.slice(5)));
    // Three batches from one stream of ends, of very different sizes.
    for (const spans of [ended.slice(0, 1000), ended.slice(1000, 1004), ended.slice(1004)]) {
      const batch = new ProtoBatch();
      for (const span of spans) batch.add(span);
      assert.equal(batch.count, spans.length);
      const decoded = normalize(decodeProto(batch.finish()), false);
      assert.equal(decoded.length, spans.length);
      assert.deepStrictEqual(decoded, jsonSpans(spans), `${spans.length} spans`);
    }
    assert.equal(new ProtoBatch().finish().length, 0, 'an empty batch is an empty request');
  });

  it('spans of one shape after another: repeated, changed, reordered and missing keys, changing types, long values', () => {
    const p = provider(resourceA, { ...LIMITS, attributeCountLimit: 128 });
    const tracer = p.getTracer('scope-memo', '1');
    const shapes = [
      { 'http.request.method': 'GET', 'url.scheme': 'http', 'server.port': 8080, ok: true },
      { 'http.request.method': 'GET', 'url.scheme': 'http', 'server.port': 8080, ok: true }, // all hits
      { 'http.request.method': 'POST', 'url.scheme': 'http', 'server.port': 8081, ok: false }, // value misses
      { 'url.scheme': 'http', 'http.request.method': 'POST', 'server.port': 8081, ok: false }, // keys swapped
      { 'http.request.method': 'POST', 'server.port': 8081 }, // a key missing: later positions shift
      { 'http.request.method': 1, 'url.scheme': '1', 'server.port': '8081', ok: 'true' }, // same text, other types
      { 'http.request.method': 1, 'url.scheme': '1', 'server.port': '8081', ok: 'true' },
      { 'http.request.method': 'x'.repeat(100), 'url.scheme': ['a', 'b'], 'server.port': 2 ** 40, ok: -0 }, // a long string, an array, a big int
      { 'http.request.method': 'x'.repeat(100), 'url.scheme': ['a', 'b'], 'server.port': 2 ** 40, ok: 0 },
      { 'http.request.method': 'ü', 'url.scheme': 'ü', 'server.port': NaN, ok: 1.5 },
      { 'http.request.method': 'ü', 'url.scheme': 'ü', 'server.port': NaN, ok: 1.5 },
      { 'http.request.method': 'GET', 'url.scheme': 'http', 'server.port': 8080, ok: true },
    ];
    for (const kind of [SpanKind.SERVER, SpanKind.CLIENT]) {
      for (const [i, attributes] of shapes.entries()) tracer.startSpan(`memo-${kind}-${i}`, { kind, attributes }, ROOT_CONTEXT).end();
    }
    // Interleave the kinds, as a server's and its clients' spans are.
    const spans = [];
    const half = shapes.length;
    for (let i = 0; i < half; i++) spans.push(p.ended[i], p.ended[half + i]);
    for (const round of [1, 2]) {
      const batch = new ProtoBatch();
      for (const span of spans) batch.add(span);
      const decoded = normalize(decodeProto(batch.finish()), false);
      assert.deepStrictEqual(decoded, jsonSpans(spans), `batch ${round}: every span decodes to its own attributes`);
      for (const got of decoded) {
        const want = spans.find((s) => s.spanContext().spanId === got.spanId);
        assert.deepStrictEqual(got.attributes, expectedAttributes(want.attributes), want.name);
      }
    }
  });

  it("the agent's own spans: ids kept as words encode to the hex their span contexts show; root, local, remote and app parents", () => {
    const { createSampler } = require('../dist/sampler');
    const ended = [];
    const limits = (overrides) => ({
      ...LIMITS,
      attributeValueLengthLimit: Infinity,
      attributePerEventCountLimit: 8,
      attributePerLinkCountLimit: 8,
      ...overrides,
    });
    const shared = (spanLimits) => ({
      resource: resourceA,
      scope: { name: 'tracing-agent/test', version: '9.9.9' },
      processor: { onStart() {}, onEnd: (s) => ended.push(s) },
      limits: spanLimits,
    });
    const plain = shared(limits({}));
    const capped = shared(limits({ attributeCountLimit: 2, attributeValueLengthLimit: 4 }));
    const sampler = createSampler({ name: 'parentbased_always_on', ratio: 1 });
    const remote = {
      traceId: '0AF7651916CD43DD8448EB211C80319C'.toLowerCase(),
      spanId: 'b7ad6b7169203331',
      traceFlags: 1,
      isRemote: true,
      traceState: createTraceState('vendor=v1'),
    };
    const appParent = { traceId: 'fedcba98765432100123456789abcdef', spanId: '0123456789abcdef', traceFlags: 1, isRemote: false };

    const root = startAgentSpan(plain, sampler, 'GET', SpanKind.SERVER, () => ({ 'http.request.method': 'GET', 'server.port': 8080 }), ROOT_CONTEXT);
    const child = startAgentSpan(
      plain,
      sampler,
      'SELECT',
      SpanKind.CLIENT,
      { 'db.system.name': 'postgresql', skipped: null },
      trace.setSpan(ROOT_CONTEXT, root),
    );
    const grandchild = startAgentSpan(plain, sampler, 'GET', SpanKind.CLIENT, () => ({ 'url.full': 'http://x/' }), trace.setSpan(ROOT_CONTEXT, child));
    const fromRemote = startAgentSpan(
      capped,
      sampler,
      'POST',
      SpanKind.SERVER,
      () => ({ a: 'abcdefgh', b: 'x', c: 'dropped' }),
      trace.setSpanContext(ROOT_CONTEXT, remote),
    );
    const fromApp = startAgentSpan(
      plain,
      sampler,
      'query',
      SpanKind.CLIENT,
      () => ({ n: 1, missing: undefined }),
      trace.setSpanContext(ROOT_CONTEXT, appParent),
    );
    const malformed = startAgentSpan(
      plain,
      sampler,
      'orphan',
      SpanKind.INTERNAL,
      {},
      trace.setSpanContext(ROOT_CONTEXT, { traceId: 'not-hex-'.repeat(4), spanId: 'zz'.repeat(8), traceFlags: 1 }),
    );
    root.setAttribute('http.response.status_code', 200);
    for (const s of [grandchild, child, root, fromRemote, malformed]) s.end();
    assert.equal(malformed.parentSpanContext, undefined, 'a parent with malformed ids starts a new trace (as the SDK does)');
    assert.match(malformed.spanContext().traceId, /^[0-9a-f]{32}$/);
    fromApp.end([fromApp.startTime[0] + 2, 999999999]); // an end time given by the caller is kept as given
    assert.deepEqual(fromApp.endTime, [fromApp.startTime[0] + 2, 999999999]);
    for (const s of [grandchild, child, root]) {
      const ns = hrNanos(s.endTime) - hrNanos(s.startTime);
      assert.ok(ns >= 0n && ns < 5000000000n, `${s.name}: started and ended on one clock`);
      assert.equal(BigInt(s.duration[0]) * 1000000000n + BigInt(s.duration[1]), ns);
    }

    assert.match(root.spanContext().traceId, /^[0-9a-f]{32}$/);
    assert.match(root.spanContext().spanId, /^[0-9a-f]{16}$/);
    assert.equal(child.spanContext().traceId, root.spanContext().traceId, 'a local child shares the trace');
    assert.equal(grandchild.parentSpanContext.spanId, child.spanContext().spanId);
    assert.equal(fromRemote.spanContext().traceId, remote.traceId);
    assert.equal(fromRemote.spanContext().traceState.serialize(), 'vendor=v1', 'trace state inherited from the remote parent');
    assert.equal(fromApp.spanContext().traceId, appParent.traceId);
    assert.equal(new Set([root, child, grandchild, fromRemote, fromApp, malformed].map((s) => s.spanContext().spanId)).size, 6);
    assert.deepEqual(fromRemote.attributes, { a: 'abcd', b: 'x' }, 'limits applied (copied, not adopted)');
    assert.equal(fromRemote.droppedAttributesCount, 1);
    assert.deepEqual(child.attributes, { 'db.system.name': 'postgresql' });
    assert.deepEqual(fromApp.attributes, { n: 1 }, 'a built object with an undefined value is copied without it');

    const expected = ended.map((s) =>
      expectedSpan(s, { flags: TraceFlags.SAMPLED | (s.parentSpanContext ? HAS_IS_REMOTE | (s.parentSpanContext.isRemote ? IS_REMOTE : 0) : HAS_IS_REMOTE) }),
    );
    assert.equal(expected.find((e) => e.name === 'POST').parentSpanId, remote.spanId);
    assert.equal(expected.find((e) => e.name === 'query').parentSpanId, appParent.spanId);
    assertRoundTrip(ended, expected);
    // Once more span by span, as the processor feeds the encoder.
    const batch = new ProtoBatch();
    for (const s of ended) batch.add(s);
    assert.deepStrictEqual(normalize(decodeProto(batch.finish()), false), protoSpans(ended));
  });

  it("the agent's spans alike but for ids and times: each keeps its own ids, parent, times, status and attributes", () => {
    const { createSampler } = require('../dist/sampler');
    const ended = [];
    const shared = {
      resource: resourceA,
      scope: { name: 'tracing-agent/template' },
      processor: { onStart() {}, onEnd: (s) => ended.push(s) },
      limits: { ...LIMITS, attributeValueLengthLimit: Infinity },
    };
    const sampler = createSampler({ name: 'parentbased_always_on', ratio: 1 });
    const remote = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1, isRemote: true };
    const otherRemote = { traceId: '1af7651916cd43dd8448eb211c80319d', spanId: 'c7ad6b7169203332', traceFlags: 1, isRemote: true };
    const appParent = { traceId: 'fedcba98765432100123456789abcdef', spanId: '0123456789abcdef', traceFlags: 1, isRemote: false };
    const withState = { ...remote, traceState: createTraceState('vendor=v1') };
    const attributes = () => ({
      'http.request.method': 'GET',
      'url.scheme': 'http',
      'url.path': '/orders',
      'server.address': 'shop.local',
      'server.port': 8080,
      'client.address': '10.0.0.7',
    });
    const start = (name, parent, extra = {}) => startAgentSpan(shared, sampler, name, SpanKind.SERVER, () => ({ ...attributes(), ...extra }), parent);
    const root = () => ROOT_CONTEXT;
    const under = (span) => trace.setSpan(ROOT_CONTEXT, span);
    const from = (context) => trace.setSpanContext(ROOT_CONTEXT, context);
    const local = startAgentSpan(shared, sampler, 'parent', SpanKind.INTERNAL, {}, ROOT_CONTEXT);
    const cases = [
      () => start('GET', root()),
      () => start('GET', root()), // the same but for ids and times
      () => start('GET', root()),
      () => start('GET', under(local)), // a local parent
      () => start('GET', under(local)),
      () => start('GET', from(remote)), // remote parents, one after another
      () => start('GET', from(otherRemote)),
      () => start('GET', from(appParent)), // a parent that is not remote
      () => start('GET', from(appParent)),
      () => start('GET', from(withState)), // trace state
      () => start('GET', from(remote)),
      () => start('POST', from(remote)), // another name
      () => start('POST', from(remote), { 'url.path': '/orders/7' }), // another value
      () => start('POST', from(remote), { 'url.path': '/orders/7' }),
      () => start('POST', from(remote), { 'url.path': ['/orders', '7'] }), // an array value
      () => start('POST', from(remote), { 'url.path': ['/orders', '7'] }),
      () => start('POST', from(remote), { 'url.path': '/orders/7', 'user_agent.original': 'curl' }), // one attribute more
      () => start('POST', from(remote), { 'url.path': '/orders/7' }), // one fewer
      () => start('POST', from(remote), { 'url.path': '/orders/7' }),
    ];
    const spans = cases.map((make) => make());
    spans[2].setStatus({ code: SpanStatusCode.ERROR, message: 'boom' }); // another status
    spans[4].addEvent('retry', { attempt: 2 }); // an event
    spans[10].setStatus({ code: SpanStatusCode.ERROR });
    spans.forEach((/** @type {any} */ span, i) => {
      // The test sets the span's clock readings, which are read-only to the agent's code.
      span.startClock = 1e9 * i + 7;
      span.end();
      span.endClock = span.startClock + 1000 + i;
    });
    spans.push(start('POST', from(remote), { 'url.path': '/orders/7' }));
    spans[spans.length - 1].end([spans[0].startTime[0] + 100, 5]); // an end time given
    local.end();
    const expected = ended.map((s) => expectedSpan(s, { flags: TraceFlags.SAMPLED | HAS_IS_REMOTE | (s.parentSpanContext?.isRemote ? IS_REMOTE : 0) }));
    for (const round of [1, 2]) {
      const batch = new ProtoBatch();
      for (const s of ended) batch.add(s);
      const decoded = normalize(decodeProto(batch.finish()), false);
      assert.equal(decoded.length, expected.length, `round ${round}: span count`);
      for (const want of expected)
        assert.deepStrictEqual(
          decoded.find((s) => s.spanId === want.spanId),
          want,
          `round ${round}: span ${want.name} ${want.spanId}`,
        );
    }
  });

  it("the agent's span clock: times written from the clock's 32-bit halves match [seconds, nanoseconds], carries included", () => {
    const { CLOCK_BASE_SECONDS, CLOCK_BASE_NANOS } = require('../dist/clock');
    const { createSampler } = require('../dist/sampler');
    const ended = [];
    const shared = {
      resource: resourceA,
      scope: { name: 'tracing-agent/test' },
      processor: { onStart() {}, onEnd: (s) => ended.push(s) },
      limits: { ...LIMITS, attributeValueLengthLimit: Infinity },
    };
    const sampler = createSampler({ name: 'always_on', ratio: 1 });
    const base = BigInt(CLOCK_BASE_SECONDS) * 1000000000n + BigInt(CLOCK_BASE_NANOS);
    // Clock readings that put the low half of base + clock just below, at and above 2^32 (a carry into the high half).
    const toCarry = Number(2n ** 32n - (base % 2n ** 32n));
    const clocks = [0, 1, toCarry - 1, toCarry, toCarry + 1, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + toCarry, 86400e9 * 100 + 7, 2 ** 53 - 2e9]; // (up to ~104 days of uptime)
    for (let i = 0; i < 100; i++) clocks.push(Math.floor(Math.random() * 2 ** 52));
    for (const clock of clocks) {
      // The test sets the span's clock readings, which are read-only to the agent's code.
      const span = /** @type {any} */ (startAgentSpan(shared, sampler, 't', SpanKind.INTERNAL, {}, ROOT_CONTEXT));
      span.startClock = clock;
      span.end();
      span.endClock = clock + 1;
    }
    const decoded = protoSpans(ended);
    ended.forEach((s, i) => {
      assert.equal(hrNanos(s.startTime), base + BigInt(clocks[i]));
      assert.equal(BigInt(decoded[i].startTimeUnixNano), base + BigInt(clocks[i]), `clock ${clocks[i]}`);
      assert.equal(BigInt(decoded[i].endTimeUnixNano), base + BigInt(clocks[i] + 1), `clock ${clocks[i]} + 1`);
    });
  });

  it('large batches grow the buffer; empty batches encode to an empty request', () => {
    const p = provider(resourceA);
    const tracer = p.getTracer('scope-a', '1.2.3');
    for (let i = 0; i < 5000; i++) tracer.startSpan(`span-${i}`, { attributes: { i, path: `/items/${i}`, note: 'ü'.repeat(i % 50) } }, ROOT_CONTEXT).end();
    const decoded = protoSpans(p.ended);
    assert.equal(decoded.length, 5000);
    assert.deepEqual(
      decoded.map((s) => s.attributes.i),
      p.ended.map((_, i) => i),
    );
    assert.equal(jsonSpans(p.ended).length, 5000);

    assert.equal(encodeTraceRequest([]).length, 0);
    assert.deepEqual(decodeProto(encodeTraceRequest([])), { resourceSpans: [] });
    assert.deepEqual(JSON.parse(encodeTraceRequestJson([])), { resourceSpans: [] });
  });

  it('OTLP/JSON follows the mapping: lowerCamelCase, hex ids, integer enums, int64 as strings', () => {
    const p = provider(resourceA);
    const tracer = p.getTracer('scope-a', '1.2.3');
    const parentCtx = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: 1,
      isRemote: true,
    });
    const span = tracer.startSpan(
      'json',
      { kind: SpanKind.CLIENT, attributes: { n: 7, big: 2 ** 60, d: 1.5, nan: NaN, s: 'x' }, startTime: [1700000000, 1] },
      parentCtx,
    );
    span.addEvent('e', { n: -3 }, [1700000000, 2]);
    span.setStatus({ code: SpanStatusCode.ERROR, message: 'bad' });
    span.end([1700000000, 3]);
    const request = JSON.parse(encodeTraceRequestJson(p.ended));

    const keys = new Set();
    (function walk(v) {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object')
        for (const [k, x] of Object.entries(v)) {
          keys.add(k);
          walk(x);
        }
    })(request);
    for (const k of keys) assert.match(k, /^[a-z][a-zA-Z]*$/, `field name ${k} is lowerCamelCase`);

    const s = request.resourceSpans[0].scopeSpans[0].spans[0];
    assert.equal(s.traceId, '0af7651916cd43dd8448eb211c80319c');
    assert.equal(s.parentSpanId, 'b7ad6b7169203331');
    assert.match(s.spanId, /^[0-9a-f]{16}$/);
    assert.equal(s.kind, 3);
    assert.equal(s.flags, 0x301);
    assert.equal(s.startTimeUnixNano, '1700000000000000001');
    assert.equal(s.endTimeUnixNano, '1700000000000000003');
    assert.equal(s.events[0].timeUnixNano, '1700000000000000002');
    assert.deepEqual(s.events[0].attributes, [{ key: 'n', value: { intValue: '-3' } }]);
    assert.deepEqual(s.status, { code: 2, message: 'bad' });
    assert.deepEqual(s.attributes, [
      { key: 'n', value: { intValue: '7' } },
      { key: 'big', value: { intValue: '1152921504606846976' } },
      { key: 'd', value: { doubleValue: 1.5 } },
      { key: 'nan', value: { doubleValue: 'NaN' } },
      { key: 's', value: { stringValue: 'x' } },
    ]);
    assert.deepEqual(request.resourceSpans[0].scopeSpans[0].scope, { name: 'scope-a', version: '1.2.3' });
  });
});

describe('test receiver', function () {
  this.timeout(20000);
  let receiver;
  afterEach(async () => receiver && receiver.close());

  function post(url, body, headers) {
    return new Promise((resolve, reject) => {
      const req = http.request(url, { method: 'POST', headers: { ...headers, 'content-length': body.length } }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  function someSpans() {
    const p = provider(resourceFromAttributes({ 'service.name': 'e2e' }));
    const tracer = p.getTracer('e2e-scope', '0.0.1');
    const root = tracer.startSpan('root', { kind: SpanKind.SERVER, attributes: { ü: '🚀', n: 1 } }, ROOT_CONTEXT);
    tracer.startSpan('child', {}, trace.setSpan(ROOT_CONTEXT, root)).end();
    root.end();
    return p.ended;
  }

  it('decodes gzip-compressed protobuf and JSON posts, answers an empty ExportTraceServiceResponse, records headers', async () => {
    receiver = await startReceiver();
    const spans = someSpans();
    const proto = await post(receiver.endpoint, zlib.gzipSync(encodeTraceRequest(spans)), {
      'content-type': 'application/x-protobuf',
      'content-encoding': 'gzip',
      'x-tenant': 'acme',
    });
    assert.equal(proto.status, 200);
    assert.equal(proto.body.length, 0);
    const json = await post(receiver.endpoint, zlib.gzipSync(encodeTraceRequestJson(spans)), {
      'content-type': 'application/json',
      'content-encoding': 'gzip',
    });
    assert.equal(json.status, 200);
    assert.equal(json.body.toString(), '{}');

    const received = await receiver.waitForSpans(4);
    const [fromProto, fromJson] = [received.slice(0, 2), received.slice(2)];
    for (const want of spans.map((s) => expectedSpan(s, { flags: TraceFlags.SAMPLED | HAS_IS_REMOTE }))) {
      assert.deepStrictEqual(
        fromProto.find((s) => s.spanId === want.spanId),
        want,
      );
    }
    assert.deepStrictEqual(fromJson, fromProto, 'JSON and protobuf decode alike');

    assert.deepEqual(
      receiver.requests.map((r) => [r.contentType, r.encoding, r.status, r.spanCount]),
      [
        ['application/x-protobuf', 'gzip', 200, 2],
        ['application/json', 'gzip', 200, 2],
      ],
    );
    assert.equal(receiver.requests[0].headers['x-tenant'], 'acme');

    const root = findSpan(fromProto, (s) => s.name === 'root');
    assert.equal(spanTree(fromProto).get(root.spanId)[0].name, 'child');
    assert.throws(() => findSpan(received, (s) => s.name === 'nope'), /expected one span, found 0 among: e2e:child\(1\), e2e:root\(2\)/);
  });

  it('answers the configured status without keeping those spans; waitForSpans times out listing what it saw', async () => {
    receiver = await startReceiver({ status: 503 });
    const body = encodeTraceRequest(someSpans());
    assert.equal((await post(receiver.endpoint, body, { 'content-type': 'application/x-protobuf' })).status, 503);
    assert.equal(receiver.spans.length, 0);
    assert.deepEqual(
      receiver.requests.map((r) => [r.status, r.spanCount]),
      [[503, 2]],
    );
    receiver.setStatus(200);
    assert.equal((await post(receiver.endpoint, body, { 'content-type': 'application/x-protobuf' })).status, 200);
    await assert.rejects(receiver.waitForSpans(3, 200), /waited 200 ms for 3 spans; got 2 spans in 2 requests: e2e:child\(1\), e2e:root\(2\)/);
    receiver.reset();
    assert.equal(receiver.spans.length + receiver.requests.length, 0);
  });

  it('rejects a body that does not decode (400) and waitForSpans reports it', async () => {
    receiver = await startReceiver();
    const res = await post(receiver.endpoint, Buffer.from([0x0a, 0xff, 0xff]), { 'content-type': 'application/x-protobuf' });
    assert.equal(res.status, 400);
    await assert.rejects(receiver.waitForSpans(1, 1000), /index out of range|invalid|offset/i);
  });
});

'use strict';
// OTEL_PROPAGATORS end to end: two real services run with the same setting;
// the test sends the first one a request carrying an upstream context in that
// format, the first calls the second with fetch and http.get, and the second
// echoes the headers it received. Checked: the header format on the wire, and
// that every span (read back over OTLP) joins the upstream trace.
const assert = require('node:assert/strict');
const { useReceiver } = require('./support/receiver');
const { agentEnv, startService, get, fixture } = require('./support/processes');

const SERVER = 2;
const CLIENT = 3;
const T = '4bf92f3577b34da6a3ce929d0e0e4736';
const T64 = 'a3ce929d0e0e4736';
const S = '00f067aa0ba902b7';

const CASES = [
  {
    title: 'tracecontext',
    propagators: 'tracecontext',
    incoming: { traceparent: `00-${T}-${S}-01` },
    traceId: T,
    check: (h, c) => {
      assert.equal(h.traceparent, `00-${T}-${c}-01`);
      assert.equal(h.b3 ?? h['x-b3-traceid'] ?? h['uber-trace-id'], undefined);
    },
  },
  {
    title: 'b3 (single header)',
    propagators: 'b3',
    incoming: { b3: `${T}-${S}-1` },
    traceId: T,
    check: (h, c) => {
      assert.equal(h.b3, `${T}-${c}-1`);
      assert.equal(h.traceparent, undefined);
    },
  },
  {
    title: 'b3 with a 64-bit trace id, padded to 128 bits',
    propagators: 'B3',
    incoming: { b3: `${T64}-${S}-1-${'1'.repeat(16)}` },
    traceId: '0'.repeat(16) + T64,
    check: (h, c) => assert.equal(h.b3, `${'0'.repeat(16)}${T64}-${c}-1`),
  },
  {
    title: 'b3multi',
    propagators: 'b3multi',
    incoming: { 'X-B3-TraceId': T, 'X-B3-SpanId': S, 'X-B3-Sampled': '1', 'X-B3-ParentSpanId': '1111111111111111' },
    traceId: T,
    check: (h, c) => {
      assert.equal(h['x-b3-traceid'], T);
      assert.equal(h['x-b3-spanid'], c);
      assert.equal(h['x-b3-sampled'], '1');
      assert.equal(h['x-b3-parentspanid'], undefined, 'ParentSpanId is not propagated');
      assert.equal(h.traceparent, undefined);
    },
  },
  {
    title: 'b3multi with the debug flag: sampled, and debug passed on',
    propagators: 'b3multi',
    incoming: { 'x-b3-traceid': T, 'x-b3-spanid': S, 'x-b3-flags': '1' },
    traceId: T,
    check: (h, c) => {
      assert.equal(h['x-b3-spanid'], c);
      assert.equal(h['x-b3-flags'], '1');
      assert.equal(h['x-b3-sampled'], undefined, 'debug implies sampled; both are not sent');
    },
  },
  {
    title: 'jaeger (uber-trace-id and uberctx- baggage)',
    propagators: 'jaeger',
    incoming: { 'uber-trace-id': `${T}:${S}:0:1`, 'uberctx-user': 'alice%20b' },
    traceId: T,
    check: (h, c) => {
      assert.equal(h['uber-trace-id'], `${T}:${c}:0:01`);
      assert.equal(h['uberctx-user'], 'alice%20b');
      assert.equal(h.traceparent, undefined);
    },
  },
  {
    title: 'jaeger, URL-encoded header with a short trace id',
    propagators: 'jaeger',
    incoming: { 'uber-trace-id': `${T64.replace(/^a/, '')}%3A${S.replace(/^00/, '')}%3A0%3A3` },
    traceId: T64.replace(/^a/, '').padStart(32, '0'),
    check: (h, c) => assert.equal(h['uber-trace-id'], `${T64.replace(/^a/, '').padStart(32, '0')}:${c}:0:01`),
  },
  {
    title: 'tracecontext,b3multi,jaeger: extracted from the one present, all injected',
    propagators: 'tracecontext, b3multi ,jaeger',
    incoming: { 'uber-trace-id': `${T}:${S}:0:1` },
    traceId: T,
    check: (h, c) => {
      assert.equal(h.traceparent, `00-${T}-${c}-01`);
      assert.equal(h['x-b3-traceid'], T);
      assert.equal(h['x-b3-spanid'], c);
      assert.equal(h['uber-trace-id'], `${T}:${c}:0:01`);
    },
  },
  {
    title: 'tracecontext,baggage',
    propagators: 'tracecontext,baggage',
    incoming: { traceparent: `00-${T}-${S}-01`, baggage: 'tenant=acme,user=alice%20b' },
    traceId: T,
    check: (h, c) => {
      assert.equal(h.traceparent, `00-${T}-${c}-01`);
      assert.equal(h.baggage, 'tenant=acme,user=alice%20b');
    },
  },
  {
    title: 'none: nothing read, nothing written',
    propagators: 'none',
    incoming: { traceparent: `00-${T}-${S}-01` },
    traceId: undefined,
    check: (h) => {
      for (const key of ['traceparent', 'tracestate', 'baggage', 'b3', 'x-b3-traceid', 'uber-trace-id']) assert.equal(h[key], undefined, key);
    },
  },
];

describe('propagators: two services joined by each format', function () {
  this.timeout(30000);
  let receiver;

  useReceiver((r) => (receiver = r));

  for (const c of CASES) {
    it(c.title, async () => {
      const env = (name, extra = {}) => agentEnv(receiver, { OTEL_SERVICE_NAME: name, OTEL_PROPAGATORS: c.propagators, ...extra });
      const backend = await startService(fixture('propagation.cjs'), { env: env('backend') });
      const frontend = await startService(fixture('propagation.cjs'), { env: env('frontend', { DOWNSTREAM_URL: backend.url }) });
      try {
        const res = await get(`${frontend.url}/call`, c.incoming);
        assert.equal(res.status, 200, res.body);
        const seen = JSON.parse(res.body);
        assert.ok(!/warning/.test(frontend.output().stderr), frontend.output().stderr);

        const spans = await receiver.waitForSpans(5);
        const front = spans.find((s) => s.resource['service.name'] === 'frontend' && s.kind === SERVER);
        const fetchSpan = spans.find((s) => s.scope.name === 'tracing-agent/fetch');
        const httpSpan = spans.find((s) => s.resource['service.name'] === 'frontend' && s.kind === CLIENT && s.scope.name === 'tracing-agent/http');
        const backs = spans.filter((s) => s.resource['service.name'] === 'backend' && s.kind === SERVER);
        assert.ok(front && fetchSpan && httpSpan && backs.length === 2, `spans: ${spans.map((s) => `${s.resource['service.name']}:${s.name}:${s.kind}`)}`);

        if (c.traceId === undefined) {
          // No propagation: a new trace in front, and a new one for each downstream call.
          assert.notEqual(front.traceId, T);
          assert.equal(front.parentSpanId, '');
          for (const b of backs) {
            assert.equal(b.parentSpanId, '');
            assert.notEqual(b.traceId, front.traceId);
          }
        } else {
          assert.equal(front.traceId, c.traceId, 'the upstream trace is joined');
          assert.equal(front.parentSpanId, S, 'under the upstream span');
          for (const s of spans) assert.equal(s.traceId, c.traceId, `${s.resource['service.name']}:${s.name} in the trace`);
          const byParent = new Map(backs.map((b) => [b.parentSpanId, b]));
          assert.ok(byParent.has(fetchSpan.spanId), 'the backend span under the fetch call');
          assert.ok(byParent.has(httpSpan.spanId), 'the backend span under the http call');
        }
        c.check(seen.fetch, fetchSpan.spanId);
        c.check(seen.http, httpSpan.spanId);
      } finally {
        await Promise.all([frontend.stop(), backend.stop()]);
      }
    });
  }
});

describe('propagators: parsing, good and malformed headers', () => {
  const { ROOT_CONTEXT, SPAN_KEY, BAGGAGE_KEY } = require('../dist/context');
  const { createPropagator } = require('../dist/propagation');
  const getter = { keys: (c) => Object.keys(c), get: (c, k) => c[k] };
  const extract = (names, headers) => {
    const ctx = createPropagator(names).extract(ROOT_CONTEXT, headers, getter);
    const span = /** @type {import('@opentelemetry/api').Span | undefined} */ (ctx.getValue(SPAN_KEY));
    return span ? span.spanContext() : undefined;
  };
  const S16 = 'b7ad6b7169203331';
  /** @type {Array<[string[], Record<string, string>, { traceId: string, spanId: string, traceFlags: number } | undefined]>} */
  const ROWS = [
    // [propagators, headers, expected {traceId, spanId, traceFlags} or undefined]
    [['b3'], { b3: `${T}-${S16}` }, { traceId: T, spanId: S16, traceFlags: 0 }],
    [['b3'], { b3: `${T}-${S16}-d` }, { traceId: T, spanId: S16, traceFlags: 1 }],
    [['b3'], { b3: `${T}-${S16}-0` }, { traceId: T, spanId: S16, traceFlags: 0 }],
    [['b3'], { b3: `${T}-${S16}-x` }, undefined],
    [['b3'], { b3: '1' }, undefined],
    [['b3'], { b3: `${'0'.repeat(32)}-${S16}-1` }, undefined],
    [['b3'], { b3: `${T}-${'0'.repeat(16)}-1` }, undefined],
    [['b3'], { b3: `${T.slice(0, 20)}-${S16}-1` }, undefined],
    [['b3'], { b3: `${T}-${S16}-1-zz` }, undefined],
    [['b3multi'], { 'x-b3-traceid': T, 'x-b3-spanid': S16, 'x-b3-sampled': 'true' }, { traceId: T, spanId: S16, traceFlags: 1 }],
    [['b3multi'], { 'x-b3-traceid': T, 'x-b3-spanid': S16 }, { traceId: T, spanId: S16, traceFlags: 0 }],
    [['b3multi'], { 'x-b3-traceid': T }, undefined],
    [['b3multi'], { 'x-b3-traceid': 'nothex', 'x-b3-spanid': S16, 'x-b3-sampled': '1' }, undefined],
    [['jaeger'], { 'uber-trace-id': `${T}:${S16}:0:0` }, { traceId: T, spanId: S16, traceFlags: 0 }],
    [['jaeger'], { 'uber-trace-id': `${T}:${S16}:0:2` }, { traceId: T, spanId: S16, traceFlags: 1 }],
    [['jaeger'], { 'uber-trace-id': `${T}:${S16}:0` }, undefined],
    [['jaeger'], { 'uber-trace-id': `${T}:${S16}:0:1:9` }, undefined],
    [['jaeger'], { 'uber-trace-id': `0:${S16}:0:1` }, undefined],
    [['jaeger'], { 'uber-trace-id': `${T}:${S16}:0:xyz` }, undefined],
    [['jaeger'], { 'uber-trace-id': '%E0%A4%A' }, undefined],
    [['tracecontext', 'b3'], { traceparent: `00-${T}-${S16}-01`, b3: 'garbage' }, { traceId: T, spanId: S16, traceFlags: 1 }],
    [['tracecontext', 'jaeger'], { traceparent: 'garbage', 'uber-trace-id': `${T}:${S16}:0:1` }, { traceId: T, spanId: S16, traceFlags: 1 }],
    [[], { traceparent: `00-${T}-${S16}-01` }, undefined],
  ];
  for (const [names, headers, expected] of ROWS) {
    it(`${names.join(',') || 'none'} ${JSON.stringify(headers)} → ${expected ? `${expected.traceFlags ? 'sampled' : 'unsampled'} parent` : 'no parent'}`, () => {
      const got = extract(names, headers);
      assert.deepEqual(got && { traceId: got.traceId, spanId: got.spanId, traceFlags: got.traceFlags }, expected);
      if (got) assert.equal(got.isRemote, true);
    });
  }

  it('jaeger baggage: uberctx- headers read into baggage, written back; keys that cannot be header names skipped', () => {
    const p = createPropagator(['jaeger']);
    const ctx = p.extract(ROOT_CONTEXT, { 'uberctx-Tenant': 'acme%20inc', 'uberctx-': 'x', other: 'y' }, getter);
    const baggage = /** @type {import('@opentelemetry/api').Baggage} */ (ctx.getValue(BAGGAGE_KEY));
    assert.deepEqual(
      baggage.getAllEntries().map(([k, e]) => [k, e.value]),
      [['tenant', 'acme inc']],
    );
    const out = {};
    p.inject(ctx.setValue(BAGGAGE_KEY, baggage.setEntry('bad key', { value: 'v' })), out, { set: (c, k, v) => (c[k] = v) });
    assert.deepEqual(out, { 'uberctx-tenant': 'acme%20inc' });
  });
});

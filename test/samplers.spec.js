'use strict';
// OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG, by counting what arrives:
// manual spans (the SDK's tracer) and hook spans (the agent's lean path) alike,
// then parent-based decisions on incoming sampled and unsampled traceparents.
const assert = require('node:assert/strict');
const { useReceiver } = require('./support/receiver');
const { agentEnv, runNode, startService, get, fixture } = require('./support/processes');

const ROOTS = 1000;
const REQUESTS = 200;
const SERVER = 2;

/** Accepts a binomial count within 6 standard deviations of n·p. */
function assertAbout(count, n, p, what) {
  const sd = Math.sqrt(n * p * (1 - p));
  assert.ok(Math.abs(count - n * p) <= 6 * sd + 1e-9, `${what}: ${count} of ${n}, expected about ${n * p}`);
}

describe('samplers: what arrives', function () {
  this.timeout(30000);
  let receiver;
  useReceiver((r) => (receiver = r));

  const CASES = [
    { sampler: 'always_on', arg: undefined, p: 1 },
    { sampler: 'always_off', arg: undefined, p: 0 },
    { sampler: 'traceidratio', arg: '0.25', p: 0.25 },
    { sampler: 'traceidratio', arg: '0', p: 0 },
    { sampler: 'traceidratio', arg: '1', p: 1 },
    { sampler: 'parentbased_always_on', arg: undefined, p: 1 },
    { sampler: 'parentbased_always_off', arg: undefined, p: 0 },
    { sampler: 'parentbased_traceidratio', arg: '0.5', p: 0.5 },
    { sampler: 'parentbased_traceidratio', arg: 'half', p: 1, warning: /OTEL_TRACES_SAMPLER_ARG="half" is not a ratio between 0 and 1; using 1/ },
  ];

  for (const c of CASES) {
    it(`${c.sampler}${c.arg === undefined ? '' : ` with OTEL_TRACES_SAMPLER_ARG=${c.arg}`}: ${c.p * 100}% of traces, whole`, async () => {
      const result = await runNode([fixture('sampling.cjs')], {
        flag: 'require',
        env: agentEnv(receiver, {
          OTEL_TRACES_SAMPLER: c.sampler,
          OTEL_TRACES_SAMPLER_ARG: c.arg,
          ROOTS: String(ROOTS),
          REQUESTS: String(REQUESTS),
          OTEL_BSP_MAX_QUEUE_SIZE: '8192',
          OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '2000',
        }),
      });
      assert.equal(result.code, 0, result.stderr);
      if (c.warning) assert.match(result.stderr, c.warning);
      else assert.equal(result.stderr, '');
      // Everything ended before exit and is delivered by then; allow a moment for the last request.
      await new Promise((r) => setTimeout(r, 100));
      const spans = receiver.spans;

      const roots = spans.filter((s) => s.name === 'root');
      const children = spans.filter((s) => s.name === 'child');
      const servers = spans.filter((s) => s.kind === SERVER);
      const clients = spans.filter((s) => s.scope.name === 'tracing-agent/http' && s.kind !== SERVER);
      if (c.p === 1) {
        assert.equal(roots.length, ROOTS);
        assert.equal(servers.length, REQUESTS);
      } else if (c.p === 0) {
        assert.equal(spans.length, 0, `nothing arrives, got ${spans.length}`);
      } else {
        assertAbout(roots.length, ROOTS, c.p, 'manual root spans');
        assertAbout(clients.length, REQUESTS, c.p, 'http traces');
      }
      // A trace is kept or dropped whole: a child exactly when its root, the server exactly when its client.
      assert.deepEqual(children.map((s) => s.traceId).sort(), roots.map((s) => s.traceId).sort());
      assert.deepEqual(servers.map((s) => s.traceId).sort(), clients.map((s) => s.traceId).sort());
    });
  }
});

describe('samplers: parent-based decisions on an incoming traceparent', function () {
  this.timeout(30000);
  let receiver;
  useReceiver((r) => (receiver = r));

  const T = '4bf92f3577b34da6a3ce929d0e0e4736';
  const traceparent = (flags) => `00-${T}-00f067aa0ba902b7-${flags}`;
  // For each sampler: is the request recorded with a sampled parent, an unsampled parent, no parent?
  const CASES = [
    { sampler: 'parentbased_always_on', sampled: true, unsampled: false, root: true },
    { sampler: 'parentbased_always_off', sampled: true, unsampled: false, root: false },
    { sampler: 'parentbased_traceidratio', arg: '0', sampled: true, unsampled: false, root: false },
    { sampler: 'always_on', sampled: true, unsampled: true, root: true },
    { sampler: 'always_off', sampled: false, unsampled: false, root: false },
  ];

  for (const c of CASES) {
    it(`${c.sampler}: sampled parent ${c.sampled ? 'kept' : 'dropped'}, unsampled parent ${c.unsampled ? 'kept' : 'dropped'}, no parent ${c.root ? 'kept' : 'dropped'}; the decision travels downstream`, async () => {
      const env = (name, extra = {}) =>
        agentEnv(receiver, { OTEL_SERVICE_NAME: name, OTEL_TRACES_SAMPLER: c.sampler, OTEL_TRACES_SAMPLER_ARG: c.arg, ...extra });
      const backend = await startService(fixture('propagation.cjs'), { env: env('backend') });
      const frontend = await startService(fixture('propagation.cjs'), { env: env('frontend', { DOWNSTREAM_URL: backend.url }) });
      try {
        for (const [label, headers, expected] of [
          ['sampled', { traceparent: traceparent('01') }, c.sampled],
          ['unsampled', { traceparent: traceparent('00') }, c.unsampled],
          ['root', {}, c.root],
        ]) {
          receiver.reset();
          const res = await get(`${frontend.url}/call`, headers);
          assert.equal(res.status, 200);
          const seen = JSON.parse(res.body);
          // Whatever was decided, the context still travels, with the decision in its flags.
          const m = /^00-([0-9a-f]{32})-([0-9a-f]{16})-(0[01])$/.exec(seen.fetch.traceparent);
          assert.ok(m, `${label}: traceparent sent downstream: ${seen.fetch.traceparent}`);
          if (label !== 'root') assert.equal(m[1], T, `${label}: the trace id travels`);
          assert.equal(m[3], expected ? '01' : '00', `${label}: the sampled flag travels`);
          if (expected) {
            const spans = await receiver.waitForSpans(5);
            assert.equal(spans.length, 5, `${label}: frontend server + 2 clients, backend 2 servers`);
            assert.equal(new Set(spans.map((s) => s.traceId)).size, 1);
          } else {
            // The backend follows the unsampled flag (its own sampler is parent-based or off) or samples anew (always_on).
            await new Promise((r) => setTimeout(r, 300));
            const front = receiver.spans.filter((s) => s.resource['service.name'] === 'frontend');
            assert.equal(front.length, 0, `${label}: nothing recorded in front`);
            const back = receiver.spans.filter((s) => s.resource['service.name'] === 'backend');
            assert.equal(back.length, 0, `${label}: backend follows`);
          }
        }
      } finally {
        await Promise.all([frontend.stop(), backend.stop()]);
      }
    });
  }
});

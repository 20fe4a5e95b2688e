'use strict';
// The core promise, end to end: real processes under the real preload flags,
// spans decoded by a real OTLP receiver.
const assert = require('node:assert/strict');
const { once } = require('node:events');
const { useReceiver } = require('./support/receiver');
const { agentEnv, runNode, startService, get, fixture } = require('./support/processes');
const { selfSignedCert } = require('./support/tls');

const SERVER = 2;
const CLIENT = 3;
const INTERNAL = 1;
const ERROR = 2;

function byId(spans) {
  return new Map(spans.map((s) => [s.spanId, s]));
}

function one(spans, predicate, what) {
  const found = spans.filter(predicate);
  assert.equal(
    found.length,
    1,
    `expected exactly one ${what}, found ${found.length}: ${spans.map((s) => `${s.resource['service.name']}:${s.name}`).join(', ')}`,
  );
  return found[0];
}

describe('core: one flag traces any Node app', function () {
  this.timeout(40000);
  let receiver;

  useReceiver((r) => (receiver = r));

  for (const moduleSystem of ['cjs', 'mjs']) {
    for (const flag of ['import', 'require']) {
      it(`${moduleSystem} app under --${flag}: client → server → manual span → fetch/http → second service, one trace`, async () => {
        const file = fixture(`service.${moduleSystem}`);
        const backend = await startService(file, { flag, env: agentEnv(receiver, { OTEL_SERVICE_NAME: 'backend' }) });
        const frontend = await startService(file, {
          flag,
          env: agentEnv(receiver, { OTEL_SERVICE_NAME: 'frontend', DOWNSTREAM_URL: backend.url }),
        });
        try {
          const client = await runNode([fixture('client.cjs')], {
            flag,
            env: agentEnv(receiver, { OTEL_SERVICE_NAME: 'client', TARGET_URL: `${frontend.url}/order` }),
          });
          assert.equal(client.code, 0, client.stderr);
          assert.match(client.stdout, /status 200 body stock:7 price:12/);
          const spans = await receiver.waitForSpans(7);
          assert.equal(new Set(spans.map((s) => s.traceId)).size, 1, 'all spans share one trace id');

          const clientSpan = one(spans, (s) => s.resource['service.name'] === 'client', 'client span');
          assert.equal(clientSpan.kind, CLIENT);
          assert.equal(clientSpan.parentSpanId, '');
          assert.equal(clientSpan.name, 'GET');
          assert.equal(clientSpan.attributes['http.request.method'], 'GET');
          assert.equal(clientSpan.attributes['url.full'], `${frontend.url}/order`);
          assert.equal(clientSpan.attributes['server.address'], '127.0.0.1');
          assert.equal(clientSpan.attributes['server.port'], frontend.port);
          assert.equal(clientSpan.attributes['http.response.status_code'], 200);
          assert.equal(clientSpan.scope.name, 'tracing-agent/http');

          const front = one(spans, (s) => s.resource['service.name'] === 'frontend' && s.kind === SERVER, 'frontend server span');
          assert.equal(front.parentSpanId, clientSpan.spanId);
          assert.equal(front.name, 'GET');
          assert.equal(front.attributes['url.path'], '/order');
          assert.equal(front.attributes['url.scheme'], 'http');
          assert.equal(front.attributes['server.port'], frontend.port);
          assert.equal(front.attributes['http.response.status_code'], 200);
          assert.equal(front.status.code, 0);

          const manual = one(spans, (s) => s.name === 'processOrder', 'manual span');
          assert.equal(manual.kind, INTERNAL);
          assert.equal(manual.parentSpanId, front.spanId);
          assert.equal(manual.scope.name, 'shop-app');
          assert.equal(manual.attributes['order.items'], 2);

          const fetchSpan = one(spans, (s) => s.scope.name === 'tracing-agent/fetch', 'fetch span');
          assert.equal(fetchSpan.kind, CLIENT);
          assert.equal(fetchSpan.parentSpanId, manual.spanId);
          assert.equal(fetchSpan.attributes['url.full'], `${backend.url}/stock?item=42`);
          assert.equal(fetchSpan.attributes['http.response.status_code'], 200);

          const httpSpan = one(
            spans,
            (s) => s.resource['service.name'] === 'frontend' && s.kind === CLIENT && s.scope.name === 'tracing-agent/http',
            'http.get span',
          );
          assert.equal(httpSpan.parentSpanId, manual.spanId);
          assert.equal(httpSpan.attributes['url.full'], `${backend.url}/price`);

          const stock = one(spans, (s) => s.resource['service.name'] === 'backend' && s.attributes['url.path'] === '/stock', 'backend /stock span');
          assert.equal(stock.kind, SERVER);
          assert.equal(stock.parentSpanId, fetchSpan.spanId);
          assert.equal(stock.attributes['url.query'], 'item=42');
          const price = one(spans, (s) => s.resource['service.name'] === 'backend' && s.attributes['url.path'] === '/price', 'backend /price span');
          assert.equal(price.parentSpanId, httpSpan.spanId);

          for (const s of spans) {
            assert.equal(s.resource['telemetry.sdk.language'], 'nodejs');
            assert.ok(s.endTimeUnixNano >= s.startTimeUnixNano);
          }
          // A child ends inside its parent (same process). The SDK stamps the app's
          // spans from Date.now(), to the millisecond, hence the 1 ms tolerance.
          const ids = byId(spans);
          const TOLERANCE_NS = 1000000n;
          for (const s of spans) {
            const parent = ids.get(s.parentSpanId);
            if (parent && parent.resource['service.name'] === s.resource['service.name']) {
              assert.ok(s.startTimeUnixNano + TOLERANCE_NS >= parent.startTimeUnixNano, `${s.name} starts inside its parent ${parent.name}`);
              assert.ok(s.endTimeUnixNano <= parent.endTimeUnixNano + TOLERANCE_NS, `${s.name} ends inside its parent ${parent.name}`);
            }
          }
        } finally {
          await frontend.stop();
          await backend.stop();
        }
      });
    }
  }

  for (const moduleSystem of ['cjs', 'mjs']) {
    it(`${moduleSystem} app that only uses https: its server and client spans, one trace, ended with their status`, async () => {
      const tls = selfSignedCert();
      try {
        const run = await runNode([fixture(`https-app.${moduleSystem}`)], {
          flag: 'import',
          env: agentEnv(receiver, { OTEL_SERVICE_NAME: 'secure', TLS_KEY: tls.key, TLS_CERT: tls.cert, NODE_EXTRA_CA_CERTS: tls.cert }),
        });
        assert.equal(run.code, 0, run.stderr);
        assert.match(run.stdout, /status 201/);
        const spans = await receiver.waitForSpans(2);
        const server = one(spans, (s) => s.kind === SERVER, 'https server span');
        const client = one(spans, (s) => s.kind === CLIENT, 'https client span');
        assert.equal(server.parentSpanId, client.spanId);
        assert.equal(server.traceId, client.traceId);
        assert.equal(server.attributes['url.scheme'], 'https');
        assert.equal(server.attributes['url.path'], '/secure');
        assert.equal(server.attributes['http.response.status_code'], 201);
        assert.ok(server.endTimeUnixNano > server.startTimeUnixNano, 'ended');
        assert.match(client.attributes['url.full'], /^https:\/\/localhost:\d+\/secure\?token=REDACTED$/);
        assert.equal(client.attributes['http.response.status_code'], 201);
      } finally {
        require('node:fs').rmSync(tls.dir, { recursive: true, force: true });
      }
    });
  }

  it('ESM app sending https requests through a named import: the first request too is traced and carries traceparent', async () => {
    const tls = selfSignedCert();
    const fs = require('node:fs');
    const seen = [];
    const server = require('node:https').createServer({ key: fs.readFileSync(tls.key), cert: fs.readFileSync(tls.cert) }, (req, res) => {
      seen.push({ path: req.url, traceparent: req.headers.traceparent });
      res.end('ok');
    });
    await once(server.listen(0, '127.0.0.1'), 'listening');
    try {
      const run = await runNode([fixture('https-client.mjs')], {
        flag: 'import',
        env: agentEnv(receiver, { OTEL_SERVICE_NAME: 'secure-client', HTTPS_URL: `https://localhost:${server.address().port}`, NODE_EXTRA_CA_CERTS: tls.cert }),
      });
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /first 200\nsecond 200/);
      const spans = await receiver.waitForSpans(2);
      assert.deepEqual(
        seen.map((s) => s.path),
        ['/first', '/second'],
      );
      for (const request of seen) {
        const span = one(spans, (s) => s.attributes['url.full']?.endsWith(request.path), `client span of ${request.path}`);
        assert.equal(span.kind, CLIENT);
        assert.equal(span.attributes['http.response.status_code'], 200);
        assert.equal(request.traceparent, `00-${span.traceId}-${span.spanId}-01`, `${request.path} carried its span's context`);
      }
    } finally {
      server.close();
      require('node:fs').rmSync(tls.dir, { recursive: true, force: true });
    }
  });

  it('keeps the request context in request body events (POST body, then a downstream call)', async () => {
    const backend = await startService(fixture('service.mjs'), { env: agentEnv(receiver, { OTEL_SERVICE_NAME: 'backend' }) });
    const frontend = await startService(fixture('service.mjs'), {
      env: agentEnv(receiver, { OTEL_SERVICE_NAME: 'frontend', DOWNSTREAM_URL: backend.url }),
    });
    try {
      const res = await fetch(`${frontend.url}/checkout`, { method: 'POST', body: 'x'.repeat(200000) });
      assert.equal(await res.text(), 'stock:7 size:200000');
      const spans = await receiver.waitForSpans(3);
      const server = one(spans, (s) => s.resource['service.name'] === 'frontend' && s.kind === SERVER, 'frontend server span');
      assert.equal(server.attributes['http.request.method'], 'POST');
      const call = one(spans, (s) => s.resource['service.name'] === 'frontend' && s.kind === CLIENT, 'downstream fetch');
      assert.equal(call.parentSpanId, server.spanId, 'the call made in the body end event is a child of the request');
      assert.equal(call.traceId, server.traceId);
    } finally {
      await frontend.stop();
      await backend.stop();
    }
  });

  it('an http client span ends when its response has been read, not when the connection closes later', async () => {
    // "Connection: close": the client closes the connection after the response, once the app yields.
    const server = require('node:http').createServer((req, res) => {
      res.setHeader('connection', 'close');
      res.end('ok');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const app = await runNode([fixture('client-in-span.cjs')], {
        flag: 'require',
        env: agentEnv(receiver, { TARGET_URL: `http://127.0.0.1:${server.address().port}/report` }),
      });
      assert.equal(app.code, 0, app.stderr);
      assert.match(app.stdout, /status 200/);
      const spans = await receiver.waitForSpans(2);
      const report = one(spans, (s) => s.name === 'fetchReport', "the app's span");
      const call = one(spans, (s) => s.kind === CLIENT, 'http.get span');
      assert.equal(call.parentSpanId, report.spanId);
      // Not when the connection closes, after the app's 50 ms of work (the app's clock is read to the millisecond).
      const after = Number(call.endTimeUnixNano - report.endTimeUnixNano) / 1e6;
      assert.ok(after < 20, `the GET ends with its response, not ${after.toFixed(1)} ms after the app ended its span`);
    } finally {
      server.close();
    }
  });

  it('records errors: 5xx server span, manual span exception and status', async () => {
    const svc = await startService(fixture('service.cjs'), { env: agentEnv(receiver, { OTEL_SERVICE_NAME: 'svc' }) });
    try {
      assert.equal((await get(`${svc.url}/fail`)).status, 500);
      const spans = await receiver.waitForSpans(2);
      const server = one(spans, (s) => s.kind === SERVER, 'server span');
      assert.equal(server.status.code, ERROR);
      assert.equal(server.attributes['error.type'], '500');
      assert.equal(server.attributes['http.response.status_code'], 500);
      const work = one(spans, (s) => s.name === 'failingWork', 'failingWork');
      assert.equal(work.status.code, ERROR);
      assert.equal(work.status.message, 'out of stock');
      const exception = work.events.find((e) => e.name === 'exception');
      assert.ok(exception, 'exception event recorded');
      assert.equal(exception.attributes['exception.message'], 'out of stock');
      assert.equal(work.parentSpanId, server.spanId);
    } finally {
      await svc.stop();
    }
  });

  it('joins an incoming traceparent and ignores malformed ones', async () => {
    const svc = await startService(fixture('service.mjs'), { env: agentEnv(receiver, { OTEL_SERVICE_NAME: 'svc' }) });
    try {
      const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
      const parentId = '00f067aa0ba902b7';
      await get(`${svc.url}/stock`, { traceparent: `00-${traceId}-${parentId}-01`, tracestate: 'vendor=abc' });
      const malformed = [
        'garbage',
        `00-${'0'.repeat(32)}-${parentId}-01`,
        `ff-${traceId}-${parentId}-01`,
        `00-${traceId}-${parentId}-01-extra`,
        `00-${traceId.toUpperCase()}-${parentId}-01`,
      ];
      for (const tp of malformed) await get(`${svc.url}/price`, { traceparent: tp });
      const spans = await receiver.waitForSpans(1 + malformed.length);
      const joined = one(spans, (s) => s.attributes['url.path'] === '/stock', 'joined span');
      assert.equal(joined.traceId, traceId);
      assert.equal(joined.parentSpanId, parentId);
      assert.equal(joined.traceState, 'vendor=abc');
      const fresh = spans.filter((s) => s.attributes['url.path'] === '/price');
      assert.equal(fresh.length, malformed.length);
      for (const s of fresh) {
        assert.equal(s.parentSpanId, '', 'a malformed traceparent starts a new root');
        assert.notEqual(s.traceId, traceId);
      }
      assert.equal(new Set(fresh.map((s) => s.traceId)).size, malformed.length);
    } finally {
      await svc.stop();
    }
  });

  it('keeps 100 concurrent requests in 100 separate traces', async () => {
    const backend = await startService(fixture('service.cjs'), { env: agentEnv(receiver, { OTEL_SERVICE_NAME: 'backend' }) });
    const frontend = await startService(fixture('service.cjs'), {
      env: agentEnv(receiver, { OTEL_SERVICE_NAME: 'frontend', DOWNSTREAM_URL: backend.url }),
    });
    try {
      const results = await Promise.all(Array.from({ length: 100 }, () => get(`${frontend.url}/order`)));
      assert.ok(results.every((r) => r.status === 200));
      const spans = await receiver.waitForSpans(600, 20000);
      const roots = spans.filter((s) => s.resource['service.name'] === 'frontend' && s.kind === SERVER);
      assert.equal(roots.length, 100);
      assert.equal(new Set(roots.map((s) => s.traceId)).size, 100, '100 distinct traces');
      const ids = byId(spans);
      for (const s of spans) {
        if (s === undefined || roots.includes(s)) continue;
        const parent = ids.get(s.parentSpanId);
        assert.ok(parent, `${s.name} has its parent in the batch`);
        assert.equal(parent.traceId, s.traceId, 'parent and child share a trace');
      }
      for (const root of roots) {
        const inTrace = spans.filter((s) => s.traceId === root.traceId);
        assert.equal(inTrace.length, 6, 'server, manual span, two clients, two backend spans');
      }
    } finally {
      await frontend.stop();
      await backend.stop();
    }
  });

  it('exports OTLP/JSON with gzip and custom headers when configured', async () => {
    const result = await runNode([fixture('client.cjs')], {
      flag: 'import',
      env: agentEnv(null, {
        OTEL_SERVICE_NAME: 'client',
        TARGET_URL: `${receiver.url}/not-traced-here`,
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip',
        OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=s%20ecret,x-tenant=acme',
      }),
    });
    assert.equal(result.code, 0, result.stderr);
    const [span] = await receiver.waitForSpans(1);
    assert.equal(span.kind, CLIENT);
    const request = receiver.requests.find((r) => r.contentType.startsWith('application/json'));
    assert.ok(request, 'a JSON export arrived');
    assert.equal(request.encoding, 'gzip');
    assert.equal(request.headers['x-api-key'], 's ecret');
    assert.equal(request.headers['x-tenant'], 'acme');
  });

  it('warns once per malformed variable and falls back to the default', async () => {
    const result = await runNode([fixture('client.cjs')], {
      flag: 'require',
      env: agentEnv(receiver, {
        OTEL_SERVICE_NAME: 'client',
        TARGET_URL: `${receiver.url}/x`,
        OTEL_BSP_SCHEDULE_DELAY: 'soon',
        OTEL_TRACES_SAMPLER: 'sometimes',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'carrier-pigeon',
        OTEL_EXPORTER_OTLP_TIMEOUT: '-5',
        OTEL_PROPAGATORS: 'tracecontext,smoke-signals',
      }),
    });
    assert.equal(result.code, 0);
    for (const name of ['OTEL_BSP_SCHEDULE_DELAY', 'OTEL_TRACES_SAMPLER', 'OTEL_EXPORTER_OTLP_PROTOCOL', 'OTEL_EXPORTER_OTLP_TIMEOUT', 'OTEL_PROPAGATORS']) {
      const lines = result.stderr.split('\n').filter((l) => l.includes(name));
      assert.equal(lines.length, 1, `one warning for ${name}:\n${result.stderr}`);
      assert.match(lines[0], /^tracing-agent warning: /);
    }
    // Defaults in force: the span still arrives, sampled, over protobuf.
    const [span] = await receiver.waitForSpans(1);
    assert.equal(span.kind, CLIENT);
    assert.ok(receiver.requests.every((r) => r.contentType === 'application/x-protobuf'));
  });

  it('OTEL_SDK_DISABLED=true installs nothing: no spans, no injected headers', async () => {
    const svc = await startService(fixture('service.cjs'), { env: agentEnv(receiver, { OTEL_SDK_DISABLED: 'true' }) });
    const front = await startService(fixture('service.cjs'), {
      env: agentEnv(receiver, { OTEL_SDK_DISABLED: 'TRUE', DOWNSTREAM_URL: svc.url }),
    });
    try {
      assert.equal((await get(`${front.url}/order`)).body, 'stock:7 price:12');
      const client = await runNode([fixture('client.cjs')], {
        flag: 'import',
        env: agentEnv(receiver, { OTEL_SDK_DISABLED: 'true', TARGET_URL: `${svc.url}/echo-traceparent` }),
      });
      assert.match(client.stdout, /body undefined/);
      assert.equal(client.stderr, '');
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(receiver.spans.length, 0);
    } finally {
      await front.stop();
      await svc.stop();
    }
  });

  it('traces child processes that inherit NODE_OPTIONS, and loading the agent twice is harmless', async () => {
    const svc = await startService(fixture('service.cjs'), { env: agentEnv(receiver, { OTEL_SERVICE_NAME: 'svc' }) });
    try {
      const result = await runNode(['-r', 'tracing-agent/register', fixture('spawner.cjs')], {
        env: agentEnv(receiver, {
          OTEL_SERVICE_NAME: 'parent',
          TARGET_URL: `${svc.url}/echo-traceparent`,
          NODE_OPTIONS: '--import tracing-agent/register',
        }),
      });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stderr, '');
      const spans = await receiver.waitForSpans(4);
      const clients = spans.filter((s) => s.kind === CLIENT);
      assert.deepEqual(clients.map((s) => s.resource['service.name']).sort(), ['child', 'parent'], 'one client span per process, not two');
      assert.notEqual(clients[0].resource['process.pid'], clients[1].resource['process.pid']);
      assert.match(result.stdout, /body 00-[0-9a-f]{32}-[0-9a-f]{16}-01/);
    } finally {
      await svc.stop();
    }
  });
});

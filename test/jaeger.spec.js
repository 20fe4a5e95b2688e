'use strict';
// OTEL_TRACES_EXPORTER=jaeger, end to end: real processes under the preload
// flag send to a receiver that decodes Jaeger Thrift with thriftrw and the IDL
// files of jaeger-client, over UDP (Agent.emitBatch) and HTTP (/api/traces).
const assert = require('node:assert/strict');
const { once } = require('node:events');
const { startJaegerReceiver } = require('./support/jaeger-receiver');
const { startReceiver } = require('./support/receiver');
const { agentEnv, runNode, startService, fixture } = require('./support/processes');
const { version: VERSION } = require('../package.json');

const ZERO_ID = '0000000000000000';

function one(spans, predicate, what) {
  const found = spans.filter(predicate);
  assert.equal(
    found.length,
    1,
    `expected exactly one ${what}, found ${found.length}: ${spans.map((s) => `${s.process.serviceName}:${s.operationName}`).join(', ')}`,
  );
  return found[0];
}

/** Environment that exports to the Jaeger receiver over `transport`, and nowhere else. */
function jaegerEnv(receiver, transport, extra = {}) {
  /** @type {Record<string, string>} */
  const env = { OTEL_TRACES_EXPORTER: 'jaeger', ...extra };
  if (transport === 'udp') {
    env.OTEL_EXPORTER_JAEGER_AGENT_HOST = '127.0.0.1';
    env.OTEL_EXPORTER_JAEGER_AGENT_PORT = String(receiver.udpPort);
  } else {
    env.OTEL_EXPORTER_JAEGER_ENDPOINT = receiver.endpoint;
  }
  return agentEnv(null, env);
}

describe('jaeger exporter: what Jaeger receives', function () {
  this.timeout(30000);
  let receiver;

  before(async () => {
    receiver = await startJaegerReceiver();
  });
  after(async () => receiver && receiver.close());
  beforeEach(() => receiver.reset());

  for (const transport of ['udp', 'http']) {
    it(`${transport}: a trace across three services, as Jaeger sees it`, async () => {
      const file = fixture('service.cjs');
      const backend = await startService(file, { env: jaegerEnv(receiver, transport, { OTEL_SERVICE_NAME: 'backend' }) });
      const frontend = await startService(file, {
        env: jaegerEnv(receiver, transport, {
          OTEL_SERVICE_NAME: 'frontend',
          DOWNSTREAM_URL: backend.url,
          OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=test,team=shop%20floor',
        }),
      });
      const before = Date.now() * 1000;
      try {
        const client = await runNode([fixture('client.cjs')], {
          flag: 'import',
          env: jaegerEnv(receiver, transport, { OTEL_SERVICE_NAME: 'client', TARGET_URL: `${frontend.url}/order` }),
        });
        assert.equal(client.code, 0, client.stderr);
        const spans = await receiver.waitForSpans(7);
        const after = Date.now() * 1000;
        assert.equal(spans.length, 7);
        assert.ok(spans.every((s) => s.transport === transport));

        // 128-bit trace ids, one trace.
        assert.equal(new Set(spans.map((s) => s.traceId)).size, 1, 'one trace');
        const traceId = spans[0].traceId;
        assert.match(traceId, /^[0-9a-f]{32}$/);
        assert.notEqual(spans[0].traceIdHigh, ZERO_ID, 'the high 64 bits are sent');
        for (const s of spans) {
          assert.equal(s.flags, 1, 'sampled');
          assert.ok(s.startTime >= before - 1000 && s.startTime <= after, `startTime in µs: ${s.startTime}`);
          assert.ok(s.duration >= 0 && s.duration < 10e6, `duration in µs: ${s.duration}`);
          // Resource attributes belong to the process, never to every span.
          for (const key of ['service.name', 'telemetry.sdk.name', 'host.name', 'process.pid', 'deployment.environment.name'])
            assert.ok(!(key in s.tags), `span ${s.operationName} carries resource attribute ${key}`);
          assert.notEqual(s.tags['otel.scope.version'], 'undefined');
        }

        // Processes: the service name and the resource attributes as typed tags.
        const frontProcess = spans.find((s) => s.process.serviceName === 'frontend').process;
        assert.equal(frontProcess.tags['deployment.environment.name'], 'test');
        assert.equal(frontProcess.tags.team, 'shop floor');
        assert.equal(frontProcess.tags['telemetry.sdk.language'], 'nodejs');
        assert.equal(frontProcess.tags['telemetry.distro.name'], 'tracing-agent');
        assert.equal(frontProcess.tags['telemetry.distro.version'], VERSION);
        assert.equal(frontProcess.tagTypes['process.pid'], 'LONG');
        assert.equal(frontProcess.tags['process.pid'], frontend.child.pid);
        assert.ok(!('service.name' in frontProcess.tags), 'service.name is the serviceName, not a tag');
        assert.deepEqual(new Set(spans.map((s) => s.process.serviceName)), new Set(['client', 'frontend', 'backend']));

        // The tree, by parent ids.
        const clientSpan = one(spans, (s) => s.process.serviceName === 'client', 'client span');
        assert.equal(clientSpan.parentSpanId, ZERO_ID);
        assert.equal(clientSpan.operationName, 'GET');
        assert.equal(clientSpan.tags['span.kind'], 'client');
        assert.equal(clientSpan.tags['otel.scope.name'], 'tracing-agent/http');
        assert.equal(clientSpan.tags['otel.scope.version'], VERSION);
        assert.equal(clientSpan.tags['http.response.status_code'], 200);
        assert.equal(clientSpan.tagTypes['http.response.status_code'], 'LONG');
        assert.equal(clientSpan.tags['url.full'], `${frontend.url}/order`);

        const front = one(spans, (s) => s.process.serviceName === 'frontend' && s.tags['span.kind'] === 'server', 'frontend server span');
        assert.equal(front.parentSpanId, clientSpan.spanId);
        assert.equal(front.tags['url.path'], '/order');
        assert.ok(!('error' in front.tags) && !('otel.status_code' in front.tags), 'UNSET status adds no tags');

        const manual = one(spans, (s) => s.operationName === 'processOrder', 'manual span');
        assert.equal(manual.parentSpanId, front.spanId);
        assert.ok(!('span.kind' in manual.tags), 'INTERNAL spans have no span.kind');
        assert.equal(manual.tags['otel.scope.name'], 'shop-app');
        assert.equal(manual.tags['otel.scope.version'], '1.0.0');
        assert.equal(manual.tags['order.items'], 2);

        const fetchSpan = one(spans, (s) => s.tags['otel.scope.name'] === 'tracing-agent/fetch', 'fetch span');
        const httpSpan = one(
          spans,
          (s) => s.process.serviceName === 'frontend' && s.tags['span.kind'] === 'client' && s.tags['otel.scope.name'] === 'tracing-agent/http',
          'http client span',
        );
        assert.equal(fetchSpan.parentSpanId, manual.spanId);
        assert.equal(httpSpan.parentSpanId, manual.spanId);
        const stock = one(spans, (s) => s.process.serviceName === 'backend' && s.tags['url.path'] === '/stock', 'backend /stock');
        const price = one(spans, (s) => s.process.serviceName === 'backend' && s.tags['url.path'] === '/price', 'backend /price');
        assert.equal(stock.parentSpanId, fetchSpan.spanId);
        assert.equal(price.parentSpanId, httpSpan.spanId);
        assert.equal(stock.tags['span.kind'], 'server');
        assert.equal(new Set(spans.map((s) => s.spanId)).size, 7, 'span ids are unique');
      } finally {
        await Promise.all([frontend.stop(), backend.stop()]);
      }
      if (transport === 'http') {
        assert.ok(receiver.requests.every((r) => r.headers['content-type'] === 'application/x-thrift'));
        assert.ok(
          receiver.requests.every((r) => r.headers.authorization === undefined),
          'no authentication unless configured',
        );
      }
    });

    it(`${transport}: errors, events, links, typed tags and scopes`, async () => {
      const result = await runNode([fixture('jaeger-features.cjs')], {
        flag: 'require',
        env: jaegerEnv(receiver, transport, { OTEL_SERVICE_NAME: 'features' }),
      });
      assert.equal(result.code, 0, result.stderr);
      const spans = await receiver.waitForSpans(4);
      assert.equal(spans.length, 4, spans.map((s) => s.operationName).join(','));
      const earlier = one(spans, (s) => s.operationName === 'earlier', 'earlier');
      const job = one(spans, (s) => s.operationName === 'job', 'job');
      const work = one(spans, (s) => s.operationName === 'work', 'work');
      const ok = one(spans, (s) => s.operationName === 'ok-step', 'ok-step');

      assert.equal(job.tags['span.kind'], 'consumer');
      assert.equal(work.tags['span.kind'], 'producer');
      assert.equal(work.parentSpanId, job.spanId);
      assert.equal(ok.parentSpanId, job.spanId);
      assert.equal(earlier.parentSpanId, ZERO_ID);

      // Attributes keep their types.
      assert.deepEqual(
        { values: pick(work.tags, /^app\./), types: pick(work.tagTypes, /^app\./) },
        {
          values: { 'app.text': 'text', 'app.count': 42, 'app.negative': -7, 'app.ratio': 2.5, 'app.flag': false, 'app.list': '["a","b"]' },
          types: { 'app.text': 'STRING', 'app.count': 'LONG', 'app.negative': 'LONG', 'app.ratio': 'DOUBLE', 'app.flag': 'BOOL', 'app.list': 'STRING' },
        },
      );

      // ERROR status: error=true plus the OpenTelemetry status tags.
      assert.equal(work.tags.error, true);
      assert.equal(work.tagTypes.error, 'BOOL');
      assert.equal(work.tags['otel.status_code'], 'ERROR');
      assert.equal(work.tags['otel.status_description'], 'out of stock');
      // OK status: the status code, no error.
      assert.equal(ok.tags['otel.status_code'], 'OK');
      assert.ok(!('error' in ok.tags));

      // Events as logs, the name in the `event` field.
      assert.equal(work.logs.length, 2);
      assert.deepEqual(work.logs[0].fields, { event: 'cache.miss', 'cache.key': 'user:1', 'cache.size': 3 });
      assert.equal(work.logs[1].fields.event, 'exception');
      assert.equal(work.logs[1].fields['exception.message'], 'out of stock');
      assert.match(work.logs[1].fields['exception.stacktrace'], /jaeger-features\.cjs/);
      assert.ok(work.logs[0].timestamp >= work.startTime && work.logs[1].timestamp <= work.startTime + work.duration);

      // Links as FOLLOWS_FROM references.
      assert.deepEqual(work.references, [{ refType: 'FOLLOWS_FROM', traceId: earlier.traceId, spanId: earlier.spanId }]);
      assert.deepEqual(job.references, []);

      // Scopes: name and version; no version tag at all when there is none.
      assert.equal(work.tags['otel.scope.name'], 'features-app');
      assert.equal(work.tags['otel.scope.version'], '2.3.4');
      assert.equal(ok.tags['otel.scope.name'], 'no-version-lib');
      assert.ok(!('otel.scope.version' in ok.tags), `ok-step has otel.scope.version ${ok.tags['otel.scope.version']}`);
      assert.equal(ok.process.serviceName, 'features');
    });

    it(`${transport}: spans reach Jaeger when the app calls process.exit()`, async () => {
      const result = await runNode([fixture('jaeger-features.cjs')], {
        flag: 'require',
        env: jaegerEnv(receiver, transport, { OTEL_SERVICE_NAME: 'exiting', EXIT: 'process.exit', OTEL_BSP_SCHEDULE_DELAY: '5000' }),
      });
      assert.equal(result.code, 3, 'exit status unchanged');
      const spans = await receiver.waitForSpans(4, 5000);
      assert.deepEqual(spans.map((s) => s.operationName).sort(), ['earlier', 'job', 'ok-step', 'work']);
    });
  }

  it('udp: what the span limits dropped is counted in otel.dropped_* tags', async () => {
    const result = await runNode([fixture('jaeger-features.cjs')], {
      flag: 'require',
      env: jaegerEnv(receiver, 'udp', { OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT: '2', OTEL_SPAN_EVENT_COUNT_LIMIT: '1', OTEL_SPAN_LINK_COUNT_LIMIT: '0' }),
    });
    assert.equal(result.code, 0, result.stderr);
    const spans = await receiver.waitForSpans(4);
    const work = one(spans, (s) => s.operationName === 'work', 'work');
    assert.equal(work.tags['otel.dropped_attributes_count'], 4);
    assert.equal(work.tags['otel.dropped_events_count'], 1);
    assert.equal(work.tags['otel.dropped_links_count'], 1);
    assert.equal(work.logs.length, 1);
    assert.deepEqual(work.references, []);
    const job = one(spans, (s) => s.operationName === 'job', 'job');
    assert.ok(!Object.keys(job.tags).some((k) => k.startsWith('otel.dropped')), 'no drop tags when nothing was dropped');
  });

  it('udp: batches stay under the 65000-byte packet limit, an oversize span is shortened, an impossible one dropped and logged', async () => {
    const result = await runNode([fixture('jaeger-features.cjs')], {
      flag: 'require',
      env: jaegerEnv(receiver, 'udp', { OTEL_SERVICE_NAME: 'big', BIG: '100000', HUGE_KEY: '70000', MANY: '150', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '512' }),
    });
    assert.equal(result.code, 0, result.stderr);
    // 4 feature spans + big + 150 many; huge-key cannot be sent.
    const spans = await receiver.waitForSpans(155);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(receiver.spans.length, 155, 'nothing else arrives');
    assert.ok(receiver.datagrams.length >= 3, `150 KB of spans needs several datagrams, got ${receiver.datagrams.length}`);
    for (const d of receiver.datagrams) assert.ok(d.bytes <= 65000, `datagram of ${d.bytes} bytes`);

    const big = one(spans, (s) => s.operationName === 'big', 'big span');
    assert.equal(big.tags['tracing_agent.shortened'], true);
    assert.equal(big.tags.blob, 'x'.repeat(1024));
    assert.ok(!spans.some((s) => s.operationName === 'huge-key'));
    assert.equal(spans.filter((s) => s.operationName.startsWith('many-')).length, 150);
    assert.equal(spans.filter((s) => 'tracing_agent.shortened' in s.tags).length, 1, 'only the oversize span is shortened');

    assert.match(result.stderr, /span "big" took \d+ bytes, over the 65000-byte UDP packet limit; sent shortened/);
    assert.match(
      result.stderr,
      /1 spans dropped: 1 too large \(a span of \d+ bytes does not fit a 65000-byte UDP packet even shortened; OTEL_EXPORTER_JAEGER_ENDPOINT sends to the HTTP collector/,
    );
  });

  it('http: basic authentication, and a collector that refuses is logged once', async () => {
    const result = await runNode([fixture('jaeger-features.cjs')], {
      flag: 'require',
      env: jaegerEnv(receiver, 'http', { OTEL_SERVICE_NAME: 'auth', OTEL_EXPORTER_JAEGER_USER: 'jaeger-user', OTEL_EXPORTER_JAEGER_PASSWORD: 's3cr:et' }),
    });
    assert.equal(result.code, 0, result.stderr);
    await receiver.waitForSpans(4);
    const auth = receiver.requests[0].headers.authorization;
    assert.equal(auth, `Basic ${Buffer.from('jaeger-user:s3cr:et').toString('base64')}`);

    const refusing = await startJaegerReceiver({ status: 503 });
    try {
      const refused = await runNode([fixture('jaeger-features.cjs')], {
        flag: 'require',
        env: agentEnv(null, {
          OTEL_TRACES_EXPORTER: 'jaeger',
          OTEL_EXPORTER_JAEGER_ENDPOINT: refusing.url,
          OTEL_EXPORTER_JAEGER_PASSWORD: 'pw',
          OTEL_EXPORTER_JAEGER_USER: 'u',
        }),
      });
      assert.equal(refused.code, 0);
      assert.equal(refusing.requests[0].url, '/api/traces', 'a bare collector URL gets /api/traces');
      const lines = refused.stderr.split('\n').filter((l) => l.includes('dropped'));
      assert.equal(lines.length, 1, refused.stderr);
      assert.match(
        lines[0],
        /^tracing-agent warning: 4 spans dropped: 4 unavailable \(HTTP 503 from jaeger http:\/\/127\.0\.0\.1:\d+\/api\/traces\); 4 in all$/,
      );
      assert.ok(!refused.stderr.includes('pw'), 'the password never appears');
    } finally {
      await refusing.close();
    }
  });

  it('http: a collector that never answers costs at most OTEL_EXPORTER_JAEGER_TIMEOUT', async () => {
    const silent = require('node:http').createServer(() => {});
    await once(silent.listen(0, '127.0.0.1'), 'listening');
    try {
      const result = await runNode([fixture('jaeger-features.cjs')], {
        flag: 'require',
        env: agentEnv(null, {
          OTEL_TRACES_EXPORTER: 'jaeger',
          OTEL_EXPORTER_JAEGER_ENDPOINT: `http://127.0.0.1:${silent.address().port}/api/traces`,
          OTEL_EXPORTER_JAEGER_TIMEOUT: '300',
        }),
      });
      assert.equal(result.code, 0);
      assert.ok(result.ms < 2500, `took ${result.ms} ms`);
      assert.match(result.stderr, /spans dropped: \d+ timeout \(no answer within 300 ms from jaeger http:\/\/127\.0\.0\.1:\d+\/api\/traces\)/);
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });
});

describe('several exporters at once', function () {
  this.timeout(20000);
  let jaeger;
  let otlp;
  before(async () => {
    [jaeger, otlp] = await Promise.all([startJaegerReceiver(), startReceiver()]);
  });
  after(async () => Promise.all([jaeger && jaeger.close(), otlp && otlp.close()]));

  it('otlp,jaeger,console: every span goes to each', async () => {
    const result = await runNode([fixture('jaeger-features.cjs')], {
      flag: 'import',
      env: agentEnv(otlp, {
        OTEL_SERVICE_NAME: 'fanout',
        OTEL_TRACES_EXPORTER: 'otlp, Jaeger ,console',
        OTEL_EXPORTER_JAEGER_AGENT_HOST: '127.0.0.1',
        OTEL_EXPORTER_JAEGER_AGENT_PORT: String(jaeger.udpPort),
      }),
    });
    assert.equal(result.code, 0, result.stderr);
    const [viaOtlp, viaJaeger] = await Promise.all([otlp.waitForSpans(4), jaeger.waitForSpans(4)]);
    const printed = result.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l));
    const ids = (list) => list.map((s) => s.spanId).sort();
    assert.deepEqual(ids(viaJaeger), ids(viaOtlp));
    assert.deepEqual(ids(printed), ids(viaOtlp));
    assert.equal(result.stderr, '');
  });

  it('none: nothing is exported, the app runs as usual', async () => {
    otlp.reset();
    jaeger.reset();
    const result = await runNode([fixture('jaeger-features.cjs')], {
      flag: 'import',
      env: agentEnv(otlp, { OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_JAEGER_AGENT_PORT: String(jaeger.udpPort) }),
    });
    assert.equal(result.code, 0);
    assert.equal(result.stdout, 'done\n');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(otlp.spans.length + jaeger.spans.length, 0);
  });
});

function pick(object, re) {
  return Object.fromEntries(Object.entries(object).filter(([k]) => re.test(k)));
}

'use strict';
// The exporter against collectors that say "later" (429 with Retry-After, 503),
// refuse a batch as too large (413), refuse for good (400), stream without
// end, cannot be named (a malformed endpoint), or cannot be reached over UDP:
// every span arrives once the collector recovers, and every span given up on is
// counted by cause, said on stderr without flooding it, and readable through
// the programmatic API (exportStats()).
const assert = require('node:assert/strict');
const http = require('node:http');
const { post1 } = require('../dist/exporters/http1');
const { ExportTraceServiceRequest, startReceiver } = require('./support/receiver');
const { agentEnv, runNode, fixture } = require('./support/processes');

const LOAD = fixture('export-load.cjs');

/** Runs the load fixture against `receiver`; resolves { code, stderr, stats }. */
async function load(receiver, env) {
  const result = await runNode([LOAD], { flag: 'require', env: agentEnv(receiver, { OTEL_TRACES_EXPORTER: 'otlp', ...env }), timeoutMs: 60000 });
  const line = result.stdout.trim().split('\n').pop();
  let stats;
  try {
    stats = JSON.parse(line);
  } catch {
    throw new Error(`no stats printed (code ${result.code})\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
  }
  return { ...result, stats };
}

const names = (spans) => new Set(spans.map((s) => s.name));

describe('exporter: retries, 413 splits and drop accounting', function () {
  this.timeout(90000);
  const receivers = [];
  const receiver = async (opts) => {
    const r = await startReceiver(opts);
    receivers.push(r);
    return r;
  };
  afterEach(async () => {
    while (receivers.length) await receivers.pop().close();
  });

  it('429 with Retry-After, three times: waits as asked, then every span arrives once', async () => {
    const asked = [];
    const r = await receiver({
      answer: (request, rec) => {
        asked.push(Date.now());
        return rec.requests.length <= 3 ? { status: 429, headers: { 'retry-after': '1' } } : undefined;
      },
    });
    const { code, stderr, stats } = await load(r, { SPANS: '3000', OTEL_BSP_MAX_QUEUE_SIZE: '10000' });
    assert.equal(code, 0, stderr);
    assert.equal(r.spans.length, 3000, `every span once: ${r.spans.length}`);
    assert.equal(names(r.spans).size, 3000);
    assert.equal(stats.dropped, 0, JSON.stringify(stats));
    assert.equal(stats.exported, 3000, JSON.stringify(stats));
    // The three batches answered 429 were sent again about a second later, as Retry-After said (not at once).
    const late = asked.filter((t) => t - asked[0] >= 900);
    assert.equal(late.length, 3, `requests at ${asked.map((t) => t - asked[0]).join(', ')} ms`);
    assert.doesNotMatch(stderr, /dropped/);
  });

  it('503 for two seconds, then 502 and 504 once each: retried with backoff (not a tight loop), every span arrives, nothing counted as dropped', async () => {
    const started = Date.now();
    const statuses = [502, 504];
    const r = await receiver({
      answer: () => (Date.now() - started < 2000 ? { status: 503 } : statuses.length ? { status: statuses.shift() } : undefined),
    });
    const { code, stderr, stats } = await load(r, { SPANS: '1500', OTEL_BSP_MAX_QUEUE_SIZE: '10000' });
    assert.equal(code, 0, stderr);
    assert.equal(r.spans.length, 1500);
    assert.equal(stats.dropped, 0);
    const attempts = r.requests.filter((q) => q.status === 503).length;
    assert.ok(attempts < 40, `backoff, not a tight loop: ${attempts} attempts in two seconds`);
  });

  it('413 for any body over 100 KB: the batch is split and resent in halves until each fits; every span arrives', async () => {
    const r = await receiver({ answer: (request) => (request.bytes > 100 * 1024 ? { status: 413 } : undefined) });
    const { code, stderr, stats } = await load(r, { SPANS: '1200', PAD: '2000', OTEL_BSP_MAX_QUEUE_SIZE: '10000' });
    assert.equal(code, 0, stderr);
    assert.equal(r.spans.length, 1200, `${r.spans.length} of 1200`);
    assert.equal(names(r.spans).size, 1200);
    assert.equal(stats.dropped, 0);
    assert.ok(r.requests.some((q) => q.status === 413));
    assert.ok(r.requests.filter((q) => q.status === 200).every((q) => q.bytes <= 100 * 1024));
  });

  it('413 over OTLP/JSON too: the spans are re-encoded in halves', async () => {
    const r = await receiver({ answer: (request) => (request.bytes > 100 * 1024 ? { status: 413 } : undefined) });
    const { code, stderr } = await load(r, { SPANS: '600', PAD: '2000', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_BSP_MAX_QUEUE_SIZE: '10000' });
    assert.equal(code, 0, stderr);
    assert.equal(r.spans.length, 600);
  });

  it('a collector that refuses for good (400): dropped as rejected, one line while it lasts, a total at exit, counts in exportStats()', async () => {
    const r = await receiver({ status: 400 });
    const { code, stderr, stats } = await load(r, { SPANS: '200', ROUNDS: '10', PAUSE: '150' });
    assert.equal(code, 0, stderr);
    assert.equal(stats.dropped, 2000, JSON.stringify(stats));
    assert.equal(stats.droppedBy.rejected, 2000);
    const lines = stderr.split('\n').filter((l) => /spans dropped/.test(l));
    assert.equal(lines.length, 2, `one line while drops continue (within the interval), one total at exit:\n${stderr}`);
    assert.match(lines[0], /^tracing-agent warning: \d+ spans dropped: \d+ rejected \(HTTP 400 from otlp http:\/\/127\.0\.0\.1:\d+\/v1\/traces\)/);
    assert.match(lines[1], /^tracing-agent warning: 2000 spans dropped in all while this process ran: 2000 rejected$/);
  });

  it('a full queue: dropped as queue_full, counted, and a warning when export works again', async () => {
    let answered = 0;
    const r = await receiver({ answer: () => (answered++ < 1 ? { status: 503, headers: { 'retry-after': '1' } } : undefined) });
    const { code, stderr, stats } = await load(r, {
      SPANS: '600',
      ROUNDS: '2',
      PAUSE: '100',
      OTEL_BSP_MAX_QUEUE_SIZE: '100',
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '100',
    });
    assert.equal(code, 0, stderr);
    assert.ok(stats.droppedBy.queue_full > 0, JSON.stringify(stats));
    assert.equal(stats.exported + stats.dropped, 1200, `every span accounted for: ${JSON.stringify(stats)}`);
    assert.equal(r.spans.length, stats.exported);
    assert.match(stderr, /tracing-agent warning: export to otlp http:\/\/127\.0\.0\.1:\d+\/v1\/traces works again \(\d+ spans dropped meanwhile\)/);
  });

  it('a collector that cannot be reached: connection failures are retried, then counted as unavailable; the exit is not held up', async () => {
    const { code, stderr, stats, ms } = await load({ url: 'http://127.0.0.1:9' }, { SPANS: '50', FLUSH: '1', OTEL_BSP_EXPORT_TIMEOUT: '1500' });
    assert.equal(code, 0, stderr);
    assert.equal(stats.droppedBy.unavailable, 50, JSON.stringify(stats));
    assert.match(stderr, /50 unavailable \(ECONNREFUSED from otlp http:\/\/127\.0\.0\.1:9\/v1\/traces\)/);
    assert.ok(ms < 6000, `${ms} ms`);
  });

  it('a malformed endpoint is an error line naming it, and that exporter is off: nothing is sent to a default', async () => {
    for (const endpoint of ['ftp://collector:4318', 'collector:4318', 'http//collector']) {
      const result = await runNode([LOAD], {
        flag: 'require',
        env: agentEnv(null, { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_LOG_LEVEL: 'info', SPANS: '5' }),
      });
      assert.equal(result.code, 0, result.stderr);
      assert.ok(
        result.stderr.includes(`tracing-agent error: OTEL_EXPORTER_OTLP_ENDPOINT="${endpoint}" is not an http(s) URL; the otlp exporter is off`),
        result.stderr,
      );
      assert.match(result.stderr, /tracing-agent info: tracing unknown_service:node: export none,/);
    }
  });

  it('Jaeger over UDP: datagrams that cannot be sent are counted and reported', async () => {
    const result = await runNode([LOAD], {
      flag: 'require',
      env: agentEnv(null, { OTEL_TRACES_EXPORTER: 'jaeger', OTEL_EXPORTER_JAEGER_AGENT_HOST: 'no-such-host.invalid', SPANS: '20' }),
    });
    assert.equal(result.code, 0, result.stderr);
    const stats = JSON.parse(result.stdout.trim().split('\n').pop());
    assert.equal(stats.droppedBy.unavailable, 20, JSON.stringify(stats));
    assert.match(result.stderr, /20 unavailable \((ENOTFOUND|EAI_AGAIN) sending UDP to jaeger no-such-host\.invalid:6832\)/);
    // The total: in the line at exit, or in the only line when one said it all.
    assert.match(result.stderr, /(20 spans dropped in all while this process ran: 20 unavailable|; 20 in all)\n$/);
  });
});

describe('exporter: what it reads of a response is bounded', function () {
  this.timeout(20000);

  it('a collector that streams a body without end: the answer counts once its head is in, the connection is closed, the request does not wait', async () => {
    const server = http.createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/x-protobuf' });
      const chunk = Buffer.alloc(16 * 1024, 0x41);
      const timer = setInterval(() => res.write(chunk), 1);
      res.on('close', () => clearInterval(timer));
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
    try {
      const started = Date.now();
      const result = await post1({ url: `http://127.0.0.1:${server.address().port}/v1/traces`, headers: {}, body: Buffer.from('x'), timeoutMs: 5000 });
      assert.equal(result.ok, true, JSON.stringify(result));
      assert.ok(Date.now() - started < 1000, `${Date.now() - started} ms`);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('Retry-After is read in seconds and as an HTTP date', async () => {
    const server = http.createServer((req, res) => {
      req.resume();
      res.writeHead(429, { 'retry-after': req.url === '/date' ? new Date(Date.now() + 5000).toUTCString() : '7' }).end();
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
    try {
      const base = `http://127.0.0.1:${server.address().port}`;
      const seconds = await post1({ url: `${base}/s`, headers: {}, body: Buffer.from('x'), timeoutMs: 2000 });
      assert.equal(seconds.status, 429);
      assert.equal(seconds.retryAfterMs, 7000);
      const date = await post1({ url: `${base}/date`, headers: {}, body: Buffer.from('x'), timeoutMs: 2000 });
      assert.ok(date.retryAfterMs > 3000 && date.retryAfterMs <= 5000, String(date.retryAfterMs));
    } finally {
      server.close();
    }
  });

  it('an encoded request splits into two that hold every span once, grouping kept', () => {
    const { splitTraceRequest } = require('../dist/exporters/otlp-split');
    const request = ExportTraceServiceRequest.encode(
      ExportTraceServiceRequest.fromObject({
        resourceSpans: [
          {
            resource: { attributes: [{ key: 'service.name', value: { stringValue: 'a' } }] },
            scopeSpans: [{ scope: { name: 's1' }, spans: [1, 2, 3].map((i) => ({ name: `a${i}` })) }],
          },
          {
            resource: { attributes: [{ key: 'service.name', value: { stringValue: 'b' } }] },
            scopeSpans: [{ scope: { name: 's2' }, spans: [4, 5].map((i) => ({ name: `b${i}` })) }],
          },
        ],
      }),
    ).finish();
    const [first, second] = splitTraceRequest(request);
    assert.equal(first.count + second.count, 5);
    const decode = (part) => ExportTraceServiceRequest.toObject(ExportTraceServiceRequest.decode(part.body));
    const spansOf = (decoded) =>
      decoded.resourceSpans.flatMap((r) =>
        r.scopeSpans.flatMap((s) => s.spans.map((sp) => `${r.resource.attributes[0].value.stringValue}/${s.scope.name}/${sp.name}`)),
      );
    assert.deepEqual([...spansOf(decode(first)), ...spansOf(decode(second))], ['a/s1/a1', 'a/s1/a2', 'a/s1/a3', 'b/s2/b4', 'b/s2/b5']);
    assert.equal(splitTraceRequest(ExportTraceServiceRequest.encode({ resourceSpans: [] }).finish()), undefined);
  });
});

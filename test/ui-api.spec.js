'use strict';
// `tracing-agent ui`, end to end over the wire: the real command's process,
// spans sent by foreign clients (the official OpenTelemetry OTLP exporters,
// protobuf and JSON, gzip or not; Jaeger Thrift encoded by thriftrw over HTTP
// and UDP) and by the agent itself (the demo's services), then read back
// through the Jaeger-compatible query API.
const assert = require('node:assert/strict');
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const vm = require('node:vm');
const zlib = require('node:zlib');
const { ROOT, BIN, startViewer, getJson, eventually } = require('./support/ui-viewer');
const { hexId, sendOtlp, jaegerBatch, encodeBatch, encodeEmitBatch, postJaeger, sendUdp } = require('./support/ui-senders');

const MS = 1000; // µs per ms

async function post(url, body, headers) {
  const res = await fetch(url, { method: 'POST', headers, body });
  return { status: res.status, type: res.headers.get('content-type'), body: Buffer.from(await res.arrayBuffer()) };
}

const tagsOf = (list) => Object.fromEntries(list.map((t) => [t.key, t.value]));
const typed = (list, key) => list.find((t) => t.key === key);

async function traceById(viewer, id, minSpans = 1) {
  return eventually(async () => {
    const r = await getJson(`${viewer.ui}/api/traces/${id}`);
    return r.status === 200 && r.body.data[0].spans.length >= minSpans ? r.body.data[0] : null;
  });
}

/** `npm run demo -- --once` sending to `viewer`, which stays up after it. */
function runDemoOnce(viewer) {
  const demo = spawnSync(process.execPath, [path.join(ROOT, 'demo', 'run.js'), '--once', '--viewer', viewer.ui, '--otlp', viewer.otlp], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
    timeout: 45000,
  });
  assert.equal(demo.status, 0, demo.stdout + demo.stderr);
  return demo;
}

describe('ui: the viewer command', function () {
  this.timeout(30000);

  it('prints exactly its four lines, ports of 0 resolved, and stops cleanly on SIGINT and SIGTERM', async () => {
    for (const signal of ['SIGINT', 'SIGTERM']) {
      const viewer = await startViewer();
      assert.equal(viewer.lines.length, 4, viewer.lines.join('\n'));
      assert.match(viewer.lines[0], /^ui http:\/\/127\.0\.0\.1:\d+$/);
      assert.match(viewer.lines[1], /^otlp http:\/\/127\.0\.0\.1:\d+$/);
      assert.match(viewer.lines[2], /^jaeger-http http:\/\/127\.0\.0\.1:\d+\/api\/traces$/);
      assert.match(viewer.lines[3], /^jaeger-udp udp:\/\/127\.0\.0\.1:\d+$/);
      for (const line of viewer.lines) assert.doesNotMatch(line, /:0(\/|$)/);
      const { status } = await getJson(`${viewer.ui}/api/services`);
      assert.equal(status, 200);
      // An open live stream must not keep it from stopping.
      const controller = new AbortController();
      const live = await fetch(`${viewer.ui}/api/live`, { signal: controller.signal });
      assert.equal(live.headers.get('content-type'), 'text/event-stream');
      const { code, signal: sig } = await viewer.stop(signal);
      controller.abort();
      assert.equal(code, 0, `${signal}: ${viewer.output().stderr}`);
      assert.equal(sig, null);
      assert.equal(viewer.output().stdout, viewer.lines.join('\n') + '\n', 'nothing else on stdout');
    }
  });

  it('documents its options; a bad option or command is a usage error (status 2)', () => {
    const help = spawnSync(process.execPath, [BIN, 'ui', '--help'], { encoding: 'utf8' });
    assert.equal(help.status, 0);
    for (const flag of ['--host', '--port', '--otlp-port', '--jaeger-port', '--jaeger-agent-port', '--max-traces', '--data'])
      assert.match(help.stdout, new RegExp(flag));
    assert.match(help.stdout, /default 16686/);
    assert.match(help.stdout, /default 4318/);
    assert.match(help.stdout, /default 14268/);
    assert.match(help.stdout, /default 6832/);
    const top = spawnSync(process.execPath, [BIN, '--help'], { encoding: 'utf8' });
    assert.equal(top.status, 0);
    assert.match(top.stdout, /^\s+ui\s/m);
    assert.match(top.stdout, /^\s+config\s/m);
    const bad = spawnSync(process.execPath, [BIN, 'ui', '--port', 'eighty'], { encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--port must be a port number/);
    assert.match(bad.stderr, /usage: tracing-agent ui/);
    const unknown = spawnSync(process.execPath, [BIN, 'frobnicate'], { encoding: 'utf8' });
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /unknown command "frobnicate"/);
    assert.match(unknown.stderr, /usage: tracing-agent/);
    assert.equal(unknown.stdout, '');
  });

  it('says which port is taken and exits 1', async () => {
    const first = await startViewer();
    try {
      const port = new URL(first.otlp).port;
      const second = spawnSync(process.execPath, [BIN, 'ui', '--port', '0', '--otlp-port', port, '--jaeger-port', '0', '--jaeger-agent-port', '0'], {
        encoding: 'utf8',
        timeout: 10000,
      });
      assert.equal(second.status, 1);
      assert.match(second.stderr, new RegExp(`127\\.0\\.0\\.1:${port} \\(--otlp-port\\): the port is in use`));
      assert.equal(second.stdout, '');
    } finally {
      await first.stop();
    }
  });
});

describe('ui: receivers and the Jaeger query API', function () {
  this.timeout(30000);
  let viewer;
  const now = Date.now();
  // One trace through three services and three protocols, with exactly known ids and times.
  const t1 = hexId(16);
  const ids = { root: hexId(8), app: hexId(8), db: hexId(8), jaeger: hexId(8), udp: hexId(8), linked: hexId(8) };
  const t0 = now - 60000; // a minute ago, in ms
  const linkTrace = hexId(16);

  before(async () => {
    viewer = await startViewer();
    // frontend, OTLP protobuf (official exporter), uncompressed
    await sendOtlp(
      viewer.otlp,
      [
        {
          traceId: t1,
          spanId: ids.root,
          name: 'GET /order',
          kind: 'server',
          startMs: t0,
          durationMs: 42.5,
          attributes: {
            'http.request.method': 'GET',
            'http.route': '/order',
            'http.response.status_code': 200,
            'sample.ratio': 0.25,
            'cache.hit': false,
            'list.attr': ['a', 'b'],
          },
          resource: { 'service.name': 'frontend', 'host.name': 'web-1', 'process.pid': 1234 },
          scope: { name: 'tracing-agent/http', version: '0.1.0' },
        },
        {
          traceId: t1,
          spanId: ids.app,
          parentSpanId: ids.root,
          name: 'processOrder',
          kind: 'internal',
          startMs: t0 + 1,
          durationMs: 40,
          attributes: { 'order.items': 3 },
          events: [{ name: 'validated', atMs: t0 + 2.5, attributes: { 'order.valid': true } }],
          status: { code: 2, message: 'card declined' },
          links: [{ traceId: linkTrace, spanId: ids.linked }],
          resource: { 'service.name': 'frontend', 'host.name': 'web-1', 'process.pid': 1234 },
        },
      ],
      { protocol: 'proto' },
    );
    // backend, OTLP/JSON (official exporter), gzip
    await sendOtlp(
      viewer.otlp,
      [
        {
          traceId: t1,
          spanId: ids.db,
          parentSpanId: ids.app,
          name: 'SELECT orders',
          kind: 'client',
          startMs: t0 + 5,
          durationMs: 1.2,
          attributes: { 'db.system.name': 'postgresql', 'db.query.text': 'SELECT * FROM orders WHERE id = $1' },
          resource: { 'service.name': 'backend' },
        },
      ],
      { protocol: 'json', compression: 'gzip' },
    );
    // inventory, Jaeger Thrift over the collector's HTTP endpoint
    const httpRes = await postJaeger(
      viewer.jaegerHttp,
      encodeBatch(
        jaegerBatch({
          serviceName: 'inventory',
          tags: { hostname: 'inv-2', 'jaeger.version': 'Node-3.19.0', 'client-uuid': 'x1' },
          spans: [
            {
              traceId: t1,
              spanId: ids.jaeger,
              parentSpanId: ids.app,
              name: 'reserve',
              startMs: t0 + 10,
              durationMs: 20,
              tags: { 'span.kind': 'server', 'stock.left': 7, 'weight.kg': 1.5, error: true, 'peer.name': 'frontend' },
              logs: [{ atMs: t0 + 15, fields: { event: 'retry', attempt: 2 } }],
            },
          ],
        }),
      ),
    );
    assert.equal(httpRes.status, 202, httpRes.body);
    // shipping, Jaeger Thrift over the agent's UDP port (emitBatch)
    await sendUdp(
      viewer.jaegerUdp,
      encodeEmitBatch(
        jaegerBatch({
          serviceName: 'shipping',
          spans: [{ traceId: t1, spanId: ids.udp, parentSpanId: ids.root, name: 'quote', startMs: t0 + 30, durationMs: 0.5, tags: { 'span.kind': 'server' } }],
        }),
      ),
    );
    await traceById(viewer, t1, 5);
  });

  after(async () => viewer && viewer.stop());

  it("merges the spans of one trace whatever protocol and service they came in, in Jaeger's JSON shape", async () => {
    const r = await getJson(`${viewer.ui}/api/traces/${t1}`);
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(r.body).sort(), ['data', 'errors', 'limit', 'offset', 'total']);
    assert.equal(r.body.errors, null);
    const trace = r.body.data[0];
    assert.equal(trace.traceID, t1);
    assert.equal(trace.spans.length, 5, 'root, app, db (OTLP); jaeger (HTTP); udp');
    const services = Object.values(trace.processes)
      .map((p) => p.serviceName)
      .sort();
    assert.deepEqual(services, ['backend', 'frontend', 'inventory', 'shipping'], 'one process per service, shared by its spans');
    for (const span of trace.spans) {
      assert.deepEqual(Object.keys(span).sort(), [
        'duration',
        'flags',
        'logs',
        'operationName',
        'processID',
        'references',
        'spanID',
        'startTime',
        'tags',
        'traceID',
        'warnings',
      ]);
      assert.equal(span.traceID, t1);
      assert.ok(trace.processes[span.processID], `process ${span.processID} listed`);
    }
    const starts = trace.spans.map((s) => s.startTime);
    assert.deepEqual(
      starts,
      [...starts].sort((a, b) => a - b),
      'spans by start time',
    );
  });

  it('turns OTLP spans into Jaeger spans: typed tags, kind, status, scope, events as logs, links, resource as process', async () => {
    const trace = (await getJson(`${viewer.ui}/api/traces/${t1}`)).body.data[0];
    const byId = new Map(trace.spans.map((s) => [s.spanID, s]));
    const root = byId.get(ids.root);
    assert.equal(root.operationName, 'GET /order');
    assert.equal(root.startTime, t0 * MS);
    assert.equal(root.duration, 42500);
    assert.deepEqual(root.references, []);
    assert.deepEqual(typed(root.tags, 'http.request.method'), { key: 'http.request.method', type: 'string', value: 'GET' });
    assert.deepEqual(typed(root.tags, 'http.response.status_code'), { key: 'http.response.status_code', type: 'int64', value: 200 });
    assert.deepEqual(typed(root.tags, 'sample.ratio'), { key: 'sample.ratio', type: 'float64', value: 0.25 });
    assert.deepEqual(typed(root.tags, 'cache.hit'), { key: 'cache.hit', type: 'bool', value: false });
    assert.deepEqual(typed(root.tags, 'list.attr'), { key: 'list.attr', type: 'string', value: '["a","b"]' });
    assert.deepEqual(typed(root.tags, 'span.kind'), { key: 'span.kind', type: 'string', value: 'server' });
    assert.equal(tagsOf(root.tags)['otel.scope.name'], 'tracing-agent/http');
    assert.equal(tagsOf(root.tags)['otel.scope.version'], '0.1.0');
    assert.equal(tagsOf(root.tags).error, undefined);
    const proc = trace.processes[root.processID];
    assert.equal(proc.serviceName, 'frontend');
    assert.deepEqual(typed(proc.tags, 'host.name'), { key: 'host.name', type: 'string', value: 'web-1' });
    assert.deepEqual(typed(proc.tags, 'process.pid'), { key: 'process.pid', type: 'int64', value: 1234 });
    assert.equal(typed(proc.tags, 'service.name'), undefined, 'service.name is the serviceName, not a tag');

    const app = byId.get(ids.app);
    assert.deepEqual(app.references, [
      { refType: 'CHILD_OF', traceID: t1, spanID: ids.root },
      { refType: 'FOLLOWS_FROM', traceID: linkTrace, spanID: ids.linked },
    ]);
    assert.equal(tagsOf(app.tags)['span.kind'], 'internal');
    assert.deepEqual(typed(app.tags, 'otel.status_code'), { key: 'otel.status_code', type: 'string', value: 'ERROR' });
    assert.deepEqual(typed(app.tags, 'error'), { key: 'error', type: 'bool', value: true });
    assert.equal(tagsOf(app.tags)['otel.status_description'], 'card declined');
    assert.deepEqual(app.logs, [
      {
        timestamp: (t0 + 2.5) * MS,
        fields: [
          { key: 'event', type: 'string', value: 'validated' },
          { key: 'order.valid', type: 'bool', value: true },
        ],
      },
    ]);
    assert.equal(app.processID, root.processID);

    const db = byId.get(ids.db);
    assert.equal(trace.processes[db.processID].serviceName, 'backend');
    assert.equal(db.duration, 1200);
    assert.equal(tagsOf(db.tags)['db.query.text'], 'SELECT * FROM orders WHERE id = $1');
  });

  it('reads Jaeger Thrift batches: process tags, typed tags, logs, the implicit CHILD_OF parent', async () => {
    const trace = (await getJson(`${viewer.ui}/api/traces/${t1}`)).body.data[0];
    const span = trace.spans.find((s) => s.spanID === ids.jaeger);
    assert.equal(span.operationName, 'reserve');
    assert.equal(span.startTime, (t0 + 10) * MS);
    assert.equal(span.duration, 20000);
    assert.equal(span.flags, 1);
    assert.deepEqual(span.references, [{ refType: 'CHILD_OF', traceID: t1, spanID: ids.app }]);
    assert.deepEqual(typed(span.tags, 'stock.left'), { key: 'stock.left', type: 'int64', value: 7 });
    assert.deepEqual(typed(span.tags, 'weight.kg'), { key: 'weight.kg', type: 'float64', value: 1.5 });
    assert.deepEqual(typed(span.tags, 'error'), { key: 'error', type: 'bool', value: true });
    assert.deepEqual(span.logs, [
      {
        timestamp: (t0 + 15) * MS,
        fields: [
          { key: 'event', type: 'string', value: 'retry' },
          { key: 'attempt', type: 'int64', value: 2 },
        ],
      },
    ]);
    const proc = trace.processes[span.processID];
    assert.equal(proc.serviceName, 'inventory');
    assert.equal(tagsOf(proc.tags).hostname, 'inv-2');
    const udp = trace.spans.find((s) => s.spanID === ids.udp);
    assert.equal(trace.processes[udp.processID].serviceName, 'shipping');
    assert.equal(udp.duration, 500);
    assert.deepEqual(udp.references, [{ refType: 'CHILD_OF', traceID: t1, spanID: ids.root }]);
  });

  it('lists services, operations (with span kinds) like Jaeger', async () => {
    const services = await getJson(`${viewer.ui}/api/services`);
    assert.deepEqual(services.body, { data: ['backend', 'frontend', 'inventory', 'shipping'], total: 4, limit: 0, offset: 0, errors: null });
    const ops = await getJson(`${viewer.ui}/api/services/frontend/operations`);
    assert.deepEqual(ops.body.data, ['GET /order', 'processOrder']);
    const all = await getJson(`${viewer.ui}/api/operations?service=frontend`);
    assert.deepEqual(all.body.data, [
      { name: 'GET /order', spanKind: 'server' },
      { name: 'processOrder', spanKind: 'internal' },
    ]);
    const servers = await getJson(`${viewer.ui}/api/operations?service=frontend&spanKind=server`);
    assert.deepEqual(servers.body.data, [{ name: 'GET /order', spanKind: 'server' }]);
    const missing = await getJson(`${viewer.ui}/api/operations`);
    assert.equal(missing.status, 400);
    assert.match(missing.body.errors[0].msg, /service/);
    const none = await getJson(`${viewer.ui}/api/services/nobody/operations`);
    assert.deepEqual(none.body.data, []);
  });

  describe('search', () => {
    // Three more traces with known durations and times, for the filters.
    const fast = hexId(16);
    const slow = hexId(16);
    const old = hexId(16);
    before(async () => {
      const at = Date.now() - 5000;
      await sendOtlp(
        viewer.otlp,
        [
          {
            traceId: fast,
            spanId: hexId(8),
            name: 'GET /health',
            kind: 'server',
            startMs: at,
            durationMs: 0.4,
            attributes: { 'http.route': '/health', 'http.response.status_code': 200 },
            resource: { 'service.name': 'frontend', 'deployment.environment': 'staging' },
          },
        ],
        { protocol: 'proto', compression: 'gzip' },
      );
      await sendOtlp(
        viewer.otlp,
        [
          {
            traceId: slow,
            spanId: hexId(8),
            name: 'GET /report',
            kind: 'server',
            startMs: at + 1,
            durationMs: 2500,
            attributes: { 'http.route': '/report', 'http.response.status_code': 500 },
            status: { code: 2 },
            resource: { 'service.name': 'frontend' },
          },
        ],
        { protocol: 'json' },
      );
      await sendOtlp(
        viewer.otlp,
        [
          {
            traceId: old,
            spanId: hexId(8),
            name: 'GET /order',
            kind: 'server',
            startMs: Date.now() - 3 * 3600 * 1000,
            durationMs: 3,
            resource: { 'service.name': 'frontend' },
          },
        ],
        { protocol: 'proto' },
      );
      await traceById(viewer, old);
      await traceById(viewer, slow);
      await traceById(viewer, fast);
    });
    const find = async (query) => {
      const r = await getJson(`${viewer.ui}/api/traces?${query}`);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body.data.map((t) => t.traceID);
    };

    it('by service and operation, most recent first', async () => {
      assert.deepEqual(await find('service=frontend'), [slow, fast, t1, old]);
      assert.deepEqual(await find('service=frontend&operation=GET%20%2Forder'), [t1, old]);
      assert.deepEqual(await find('service=shipping'), [t1]);
      assert.deepEqual(await find('service=nobody'), []);
      const r = await getJson(`${viewer.ui}/api/traces?service=frontend&limit=2`);
      assert.equal(r.body.data.length, 2);
      assert.equal(r.body.total, 2);
    });

    it("by tags: a JSON object, key=value pairs (quoted values too), Jaeger's tag=key:value; span, process and log fields", async () => {
      assert.deepEqual(await find(`tags=${encodeURIComponent('{"http.response.status_code":"500"}')}`), [slow]);
      assert.deepEqual(await find(`tags=${encodeURIComponent('{"error":"true"}')}&service=frontend`), [slow, t1]);
      assert.deepEqual(await find(`tags=${encodeURIComponent('error=true http.route=/report')}`), [slow]);
      assert.deepEqual(await find(`tags=${encodeURIComponent('otel.status_description="card declined"')}`), [t1]);
      assert.deepEqual(await find('tag=deployment.environment:staging'), [fast], 'process tags match');
      assert.deepEqual(await find(`tags=${encodeURIComponent('{"event":"retry"}')}`), [t1], 'log fields match');
      assert.deepEqual(await find(`tags=${encodeURIComponent('{"stock.left":"7"}')}`), [t1], 'numbers match as text');
      assert.deepEqual(await find(`tags=${encodeURIComponent('{"error":"true","http.route":"/health"}')}`), [], 'all tags on one span');
      const bad = await getJson(`${viewer.ui}/api/traces?tags=${encodeURIComponent('{"unterminated')}`);
      assert.equal(bad.status, 400);
      assert.match(bad.body.errors[0].msg, /tags/);
      assert.equal(bad.body.data, null);
    });

    it('by duration (Jaeger duration strings) and time window (µs)', async () => {
      assert.deepEqual(await find('service=frontend&minDuration=2s'), [slow]);
      assert.deepEqual(await find('service=frontend&maxDuration=500us'), [fast]);
      assert.deepEqual(await find('service=frontend&minDuration=1.2ms&maxDuration=1s'), [t1, old]);
      assert.deepEqual(await find('service=backend&minDuration=1.2ms&maxDuration=1.2ms'), [t1]);
      assert.deepEqual(await find('minDuration=1m'), []);
      const end = Date.now() * MS;
      assert.deepEqual(await find(`service=frontend&start=${end - 3600 * 1000 * MS}&end=${end}`), [slow, fast, t1]);
      assert.deepEqual(await find(`service=frontend&start=${end - 4 * 3600 * 1000 * MS}&end=${end - 2 * 3600 * 1000 * MS}`), [old]);
      assert.deepEqual(await find(`service=frontend&lookback=1h&end=${end}`), [slow, fast, t1]);
      const bad = await getJson(`${viewer.ui}/api/traces?minDuration=soon`);
      assert.equal(bad.status, 400);
      assert.match(bad.body.errors[0].msg, /not a duration: "soon"/);
    });

    it('by id: /api/traces/{id} and ?traceID=; a missing one is a 404 in the envelope', async () => {
      const upper = await getJson(`${viewer.ui}/api/traces/${fast.toUpperCase()}`);
      assert.equal(upper.status, 200);
      assert.equal(upper.body.data[0].traceID, fast);
      const several = await getJson(`${viewer.ui}/api/traces?traceID=${fast}&traceID=${slow}`);
      assert.deepEqual(several.body.data.map((t) => t.traceID).sort(), [fast, slow].sort());
      const missing = await getJson(`${viewer.ui}/api/traces/${hexId(16)}`);
      assert.equal(missing.status, 404);
      assert.deepEqual(missing.body, { data: null, total: 0, limit: 0, offset: 0, errors: [{ code: 404, msg: 'trace not found' }] });
      const notId = await getJson(`${viewer.ui}/api/traces/not-an-id`);
      assert.equal(notId.status, 400);
    });

    it('accepts 64-bit Jaeger trace ids and prints them as Jaeger does (16 digits)', async () => {
      const short = hexId(8);
      const res = await postJaeger(
        viewer.jaegerHttp,
        encodeBatch(
          jaegerBatch({
            serviceName: 'legacy',
            spans: [{ traceId: '0'.repeat(16) + short, spanId: hexId(8), name: 'old-client op', startMs: Date.now() - 10, durationMs: 1 }],
          }),
        ),
      );
      assert.equal(res.status, 202);
      const r = await eventually(async () => {
        const x = await getJson(`${viewer.ui}/api/traces/${short}`);
        return x.status === 200 && x;
      });
      assert.equal(r.body.data[0].traceID, short);
      assert.equal(r.body.data[0].spans[0].traceID, short);
    });
  });

  it('derives the dependency links: service to service, and to databases; endTs/lookback (ms) window', async () => {
    const r = await getJson(`${viewer.ui}/api/dependencies?endTs=${Date.now()}&lookback=${3600 * 1000}`);
    assert.equal(r.status, 200);
    const links = r.body.data;
    for (const l of links) assert.deepEqual(Object.keys(l).sort(), ['callCount', 'child', 'parent']);
    const find = (p, c) => links.find((l) => l.parent === p && l.child === c);
    assert.deepEqual(find('frontend', 'backend'), { parent: 'frontend', child: 'backend', callCount: 1 });
    assert.deepEqual(find('frontend', 'inventory'), { parent: 'frontend', child: 'inventory', callCount: 1 });
    assert.deepEqual(find('frontend', 'shipping'), { parent: 'frontend', child: 'shipping', callCount: 1 });
    assert.deepEqual(find('backend', 'postgresql'), { parent: 'backend', child: 'postgresql', callCount: 1 }, 'a database client span with no callee span');
    const earlier = await getJson(`${viewer.ui}/api/dependencies?endTs=${Date.now() - 2 * 3600 * 1000}&lookback=60000`);
    assert.deepEqual(earlier.body.data, []);
  });

  it("pushes an update to the page's live stream when spans arrive", async () => {
    const controller = new AbortController();
    const res = await fetch(`${viewer.ui}/api/live`, { signal: controller.signal });
    const reader = res.body.getReader();
    let text = '';
    const id = hexId(16);
    const read = (async () => {
      while (!text.includes(id)) {
        const { value, done } = await reader.read();
        if (done) break;
        text += Buffer.from(value).toString();
      }
    })();
    await new Promise((r) => setTimeout(r, 100));
    await sendOtlp(viewer.otlp, [{ traceId: id, spanId: hexId(8), name: 'live', resource: { 'service.name': 'live' } }], { protocol: 'json' });
    await Promise.race([read, new Promise((_, rej) => setTimeout(() => rej(new Error(`no update event: ${text}`)), 5000))]);
    controller.abort();
    assert.match(text, /event: hello/);
    assert.match(text, new RegExp(`event: update\\ndata: .*"${id}"`));
  });

  describe('bad requests get a 4xx with a message and the viewer stays up', () => {
    const otlp = (p, body, headers) => post(`${viewer.otlp}${p}`, body, headers);

    it('OTLP: malformed protobuf and JSON 400, wrong media type 415, unknown path 404, GET 405', async () => {
      let r = await otlp('/v1/traces', Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]), { 'Content-Type': 'application/x-protobuf' });
      assert.equal(r.status, 400);
      assert.match(r.body.toString('latin1'), /malformed OTLP request: protobuf: truncated/);
      r = await otlp('/v1/traces', Buffer.from('{"resourceSpans": [ {'), { 'Content-Type': 'application/json' });
      assert.equal(r.status, 400);
      assert.equal(r.type, 'application/json');
      assert.equal(JSON.parse(r.body.toString()).code, 3);
      assert.match(JSON.parse(r.body.toString()).message, /OTLP\/JSON/);
      r = await otlp('/v1/traces', Buffer.from('{"resourceSpans": 7}'), { 'Content-Type': 'application/json' });
      assert.equal(r.status, 400);
      assert.match(JSON.parse(r.body.toString()).message, /resourceSpans is not an array/);
      r = await otlp('/v1/traces', Buffer.from('<xml/>'), { 'Content-Type': 'text/xml' });
      assert.equal(r.status, 415);
      r = await otlp('/v1/traces', Buffer.from('not gzip'), { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' });
      assert.equal(r.status, 400);
      assert.match(JSON.parse(r.body.toString()).message, /gzip/);
      r = await otlp('/v1/metrics', Buffer.from('{}'), { 'Content-Type': 'application/json' });
      assert.equal(r.status, 404);
      assert.match(JSON.parse(r.body.toString()).message, /traces only/);
      const get = await fetch(`${viewer.otlp}/v1/traces`);
      assert.equal(get.status, 405);
    });

    it('OTLP: spans with invalid ids are rejected as a partial success', async () => {
      const body = JSON.stringify({
        resourceSpans: [
          {
            resource: { attributes: [{ key: 'service.name', value: { stringValue: 'partial' } }] },
            scopeSpans: [
              {
                spans: [
                  { traceId: '00', spanId: 'zz', name: 'bad' },
                  {
                    traceId: hexId(16),
                    spanId: hexId(8),
                    name: 'good',
                    startTimeUnixNano: String(Date.now() * 1e6),
                    endTimeUnixNano: String(Date.now() * 1e6 + 1000),
                  },
                ],
              },
            ],
          },
        ],
      });
      const r = await otlp('/v1/traces', body, { 'Content-Type': 'application/json' });
      assert.equal(r.status, 200);
      assert.deepEqual(JSON.parse(r.body.toString()).partialSuccess.rejectedSpans, '1');
      const ops = await getJson(`${viewer.ui}/api/services/partial/operations`);
      assert.deepEqual(ops.body.data, ['good']);
    });

    it('Jaeger: malformed Thrift 400, compact protocol 415, wrong path 404; bad UDP datagrams dropped', async () => {
      const good = encodeBatch(
        jaegerBatch({ serviceName: 'x', spans: [{ traceId: hexId(16), spanId: hexId(8), name: 'y', startMs: Date.now(), durationMs: 1 }] }),
      );
      let r = await postJaeger(viewer.jaegerHttp, good.subarray(0, good.length - 9));
      assert.equal(r.status, 400);
      assert.match(r.body, /Unable to process request body: thrift: truncated/);
      r = await postJaeger(viewer.jaegerHttp, Buffer.from([0x0f, 0x00, 0x01, 0x0c, 0x7f, 0xff, 0xff, 0xff]));
      assert.equal(r.status, 400);
      r = await postJaeger(viewer.jaegerHttp, good, { 'Content-Type': 'application/vnd.apache.thrift.compact' });
      assert.equal(r.status, 415);
      r = await postJaeger(viewer.jaegerHttp.replace('/api/traces', '/elsewhere'), good);
      assert.equal(r.status, 404);
      await sendUdp(viewer.jaegerUdp, Buffer.from('definitely not thrift'));
      await sendUdp(viewer.jaegerUdp, encodeEmitBatch(jaegerBatch({ serviceName: 'x', spans: [] })).subarray(0, 12));
      await eventually(() => /dropped a UDP datagram/.test(viewer.output().stderr));
    });

    it('oversize bodies 413, also when only the gzip-decompressed size is over the limit', async () => {
      const small = await startViewer(['--max-body-size', '64k']);
      try {
        let r = await post(`${small.otlp}/v1/traces`, Buffer.alloc(100 * 1024, 0x20), { 'Content-Type': 'application/json' });
        assert.equal(r.status, 413);
        assert.match(JSON.parse(r.body.toString()).message, /over the limit of 65536 bytes/);
        const bomb = zlib.gzipSync(Buffer.alloc(1024 * 1024, 0x20));
        assert.ok(bomb.length < 64 * 1024);
        r = await post(`${small.otlp}/v1/traces`, bomb, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' });
        assert.equal(r.status, 413);
        assert.equal((await postJaeger(small.jaegerHttp, Buffer.alloc(100 * 1024))).status, 413);
        // Still up, still receiving.
        const id = hexId(16);
        await sendOtlp(small.otlp, [{ traceId: id, spanId: hexId(8), name: 'after', resource: { 'service.name': 'survivor' } }]);
        assert.equal((await getJson(`${small.ui}/api/traces/${id}`)).status, 200);
      } finally {
        await small.stop();
      }
    });

    it('is still up and answering after all of them', async () => {
      const r = await getJson(`${viewer.ui}/api/services`);
      assert.equal(r.status, 200);
      assert.ok(r.body.data.includes('frontend'));
      assert.equal(viewer.child.exitCode, null);
    });
  });

  it('serves the page, its script and stylesheet itself: nothing from a CDN, the script parses', async () => {
    for (const p of ['/', '/search?service=frontend', `/trace/${t1}`, '/dependencies']) {
      const res = await fetch(viewer.ui + p);
      assert.equal(res.status, 200, p);
      assert.match(res.headers.get('content-type'), /text\/html/);
      const html = await res.text();
      assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//, 'no external resources');
    }
    const js = await fetch(`${viewer.ui}/static/app.js`);
    assert.match(js.headers.get('content-type'), /javascript/);
    const code = await js.text();
    assert.doesNotThrow(() => new vm.Script(code, { filename: 'app.js' }));
    assert.doesNotMatch(code, /https:\/\/|\/\/cdn|unpkg|jsdelivr/i, 'the script loads nothing from elsewhere');
    const css = await fetch(`${viewer.ui}/static/style.css`);
    assert.match(css.headers.get('content-type'), /text\/css/);
    assert.equal((await fetch(`${viewer.ui}/nope`)).status, 404);
  });
});

describe('ui: the store', function () {
  this.timeout(30000);

  it('keeps at most --max-traces traces, dropping the oldest', async () => {
    const viewer = await startViewer(['--max-traces', '3']);
    try {
      const ids = [];
      for (let i = 0; i < 5; i++) {
        const id = hexId(16);
        ids.push(id);
        await sendOtlp(viewer.otlp, [
          { traceId: id, spanId: hexId(8), name: `op${i}`, startMs: Date.now() - 1000 + i, resource: { 'service.name': 'bounded' } },
        ]);
      }
      const r = await getJson(`${viewer.ui}/api/traces?service=bounded&limit=100`);
      assert.deepEqual(r.body.data.map((t) => t.traceID).sort(), ids.slice(2).sort());
      assert.equal((await getJson(`${viewer.ui}/api/traces/${ids[0]}`)).status, 404);
      // A late span of a kept trace merges into it and evicts nothing.
      await sendOtlp(viewer.otlp, [{ traceId: ids[4], spanId: hexId(8), name: 'late', resource: { 'service.name': 'bounded' } }]);
      assert.equal((await getJson(`${viewer.ui}/api/traces/${ids[4]}`)).body.data[0].spans.length, 2);
      assert.equal((await getJson(`${viewer.ui}/api/traces/${ids[2]}`)).status, 200);
    } finally {
      await viewer.stop();
    }
  });

  it('with --data FILE, a restart keeps what was seen', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ta-ui-'));
    const file = path.join(dir, 'traces.jsonl');
    const id = hexId(16);
    try {
      let viewer = await startViewer(['--data', file]);
      await sendOtlp(viewer.otlp, [
        {
          traceId: id,
          spanId: hexId(8),
          name: 'remembered',
          startMs: Date.now() - 100,
          durationMs: 7,
          attributes: { answer: 42 },
          resource: { 'service.name': 'persistent' },
        },
      ]);
      await postJaeger(
        viewer.jaegerHttp,
        encodeBatch(
          jaegerBatch({ serviceName: 'persistent-jaeger', spans: [{ traceId: id, spanId: hexId(8), name: 'also', startMs: Date.now() - 90, durationMs: 1 }] }),
        ),
      );
      const before = (await getJson(`${viewer.ui}/api/traces/${id}`)).body;
      assert.equal((await viewer.stop()).code, 0);
      assert.ok(fs.statSync(file).size > 0);
      fs.appendFileSync(file, 'this line is damaged\n');

      viewer = await startViewer(['--data', file]);
      try {
        const after = (await getJson(`${viewer.ui}/api/traces/${id}`)).body;
        assert.deepEqual(after, before);
        assert.deepEqual((await getJson(`${viewer.ui}/api/services`)).body.data, ['persistent', 'persistent-jaeger']);
        assert.match(viewer.output().stderr, /1 unreadable line/);
      } finally {
        await viewer.stop();
      }
      assert.doesNotMatch(fs.readFileSync(file, 'utf8'), /damaged/, 'rewritten compactly');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('ui: the agent → viewer → query API', function () {
  this.timeout(60000);

  it('one trace from three processes exporting OTLP, Jaeger UDP and Jaeger HTTP, merged', async () => {
    const { agentEnv, runNode, startService, fixture } = require('./support/processes');
    const viewer = await startViewer();
    const udpPort = new URL(viewer.jaegerUdp).port;
    let backend;
    let frontend;
    try {
      backend = await startService(fixture('service.cjs'), {
        env: agentEnv(null, { OTEL_SERVICE_NAME: 'backend', OTEL_TRACES_EXPORTER: 'jaeger', OTEL_EXPORTER_JAEGER_ENDPOINT: viewer.jaegerHttp }),
      });
      frontend = await startService(fixture('service.cjs'), {
        env: agentEnv(null, {
          OTEL_SERVICE_NAME: 'frontend',
          OTEL_TRACES_EXPORTER: 'jaeger',
          OTEL_EXPORTER_JAEGER_AGENT_HOST: '127.0.0.1',
          OTEL_EXPORTER_JAEGER_AGENT_PORT: udpPort,
          DOWNSTREAM_URL: backend.url,
        }),
      });
      const client = await runNode([fixture('client.cjs')], {
        flag: 'import',
        env: agentEnv({ url: viewer.otlp }, { OTEL_SERVICE_NAME: 'client', TARGET_URL: `${frontend.url}/order` }),
      });
      assert.equal(client.code, 0, client.stderr);
      await Promise.all([frontend.stop(), backend.stop()]);
      const trace = await eventually(
        async () => {
          const r = (await getJson(`${viewer.ui}/api/traces?service=client`)).body.data;
          const t = r[0];
          return t && new Set(Object.values(t.processes).map((p) => p.serviceName)).size === 3 && t.spans.length >= 7 ? t : null;
        },
        { timeoutMs: 10000 },
      );
      const svc = (s) => trace.processes[s.processID].serviceName;
      const byId = new Map(trace.spans.map((s) => [s.spanID, s]));
      const parentOf = (s) => byId.get((s.references.find((r) => r.refType === 'CHILD_OF') || {}).spanID);
      const app = trace.spans.find((s) => s.operationName === 'processOrder');
      assert.equal(svc(app), 'frontend');
      assert.equal(svc(parentOf(app)), 'frontend');
      assert.equal(svc(parentOf(parentOf(app))), 'client', "the frontend server span is the client span's child");
      const backendServers = trace.spans.filter((s) => svc(s) === 'backend');
      assert.equal(backendServers.length, 2);
      for (const s of backendServers) assert.equal(parentOf(parentOf(s)), app, 'backend spans under the frontend client calls under processOrder');
      const deps = (await getJson(`${viewer.ui}/api/dependencies`)).body.data;
      assert.deepEqual(
        deps.map((d) => `${d.parent}>${d.child}:${d.callCount}`),
        ['client>frontend:1', 'frontend>backend:2'],
      );
    } finally {
      if (frontend) await frontend.stop();
      if (backend) await backend.stop();
      await viewer.stop();
    }
  });

  it('`npm run demo -- --once` traces two services and a database into its own viewer, and exits 0', async () => {
    const result = await new Promise((resolve) => {
      const child = spawn(process.execPath, [path.join(ROOT, 'demo', 'run.js'), '--once', '--port', '0'], {
        cwd: ROOT,
        env: { PATH: process.env.PATH, HOME: process.env.HOME },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
      child.on('close', (code) => resolve({ code, out }));
    });
    assert.equal(result.code, 0, result.out);
    assert.match(result.out, /GET \/checkout\s+→ 502/);
    // One trace per request, and the backend's setup as one of its own.
    assert.match(result.out, /The viewer holds 7 traces \(\d+ spans, 1 with errors\): one for each request above, and the backend's `startup`\./);
    // Its own viewer is closed when --once ends: no address of it is printed to open.
    assert.match(result.out, /viewer\s+its own, for this run only/);
    assert.doesNotMatch(result.out.slice(result.out.indexOf('The viewer holds')), /http:\/\//);
  });

  it('the number of traces `npm run demo` prints is the number the viewer holds', async () => {
    const viewer = await startViewer();
    try {
      const demo = runDemoOnce(viewer);
      const printed = /The viewer holds (\d+) traces \((\d+) spans/.exec(demo.stdout);
      assert.ok(printed, demo.stdout);
      const ids = new Set();
      let spans = 0;
      for (const service of (await getJson(`${viewer.ui}/api/services`)).body.data)
        for (const trace of (await getJson(`${viewer.ui}/api/traces?service=${encodeURIComponent(service)}&limit=100000`)).body.data)
          if (!ids.has(trace.traceID)) {
            ids.add(trace.traceID);
            spans += trace.spans.length;
          }
      assert.equal(Number(printed[1]), ids.size, demo.stdout);
      assert.equal(Number(printed[2]), spans, demo.stdout);
      // The viewer stays up after the demo: its address is the one to open.
      assert.match(demo.stdout, new RegExp(`the traces are in ${viewer.ui.replace(/[.]/g, '\\.')}`));
    } finally {
      await viewer.stop();
    }
  });

  it("spans from the agent in the demo's services read back with HTTP and SQL detail", async () => {
    const viewer = await startViewer();
    try {
      runDemoOnce(viewer);
      const failed = (await getJson(`${viewer.ui}/api/traces?service=frontend&tags=${encodeURIComponent('{"error":"true"}')}`)).body.data;
      assert.equal(failed.length, 1);
      const spans = failed[0].spans;
      const svc = (s) => failed[0].processes[s.processID].serviceName;
      const server = spans.find((s) => svc(s) === 'frontend' && tagsOf(s.tags)['span.kind'] === 'server');
      assert.equal(tagsOf(server.tags)['url.path'], '/checkout');
      assert.equal(tagsOf(server.tags)['http.response.status_code'], 502);
      const sql = spans.find((s) => svc(s) === 'backend' && tagsOf(s.tags)['db.system.name'] === 'sqlite');
      assert.ok(sql, `a SQLite span in ${spans.map((s) => s.operationName)}`);
      assert.match(String(tagsOf(sql.tags)['db.query.text']), /UPDATE accounts/);
      assert.equal(tagsOf(sql.tags).error, true);
      const deps = (await getJson(`${viewer.ui}/api/dependencies?endTs=${Date.now()}&lookback=600000`)).body.data;
      assert.ok(
        deps.some((d) => d.parent === 'frontend' && d.child === 'backend' && d.callCount >= 6),
        JSON.stringify(deps),
      );
      assert.ok(
        deps.some((d) => d.parent === 'backend' && d.child === 'sqlite'),
        JSON.stringify(deps),
      );
      // The queue hop (RabbitMQ runs wherever the tests do): the broker a node between the two services.
      assert.ok(
        deps.some((d) => d.parent === 'frontend' && d.child === 'rabbitmq' && d.callCount >= 5),
        JSON.stringify(deps),
      );
      assert.ok(
        deps.some((d) => d.parent === 'rabbitmq' && d.child === 'worker' && d.callCount >= 5),
        JSON.stringify(deps),
      );
      assert.ok(!deps.some((d) => d.parent === 'frontend' && d.child === 'worker'), 'no edge around the broker');
      assert.ok(
        deps.some((d) => d.parent === 'worker' && d.child === 'postgresql'),
        JSON.stringify(deps),
      );
      const ops = (await getJson(`${viewer.ui}/api/operations?service=frontend&spanKind=internal`)).body.data.map((o) => o.name);
      assert.deepEqual(ops, ['processOrder', 'processPayment']);
    } finally {
      await viewer.stop();
    }
  });
});

'use strict';
// The app's own @opentelemetry/api, whichever version it installed, binds to
// the agent: the README's own-span pattern (startActiveSpan, a child span,
// recordException, setStatus, an http call inside) exports one trace under the
// request, from the oldest supported copy to the newest on the registry, and to
// a minor newer than any published (made from the newest copy), CommonJS and ESM.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startReceiver } = require('./support/receiver');
const { agentEnv, startService, get, fixture } = require('./support/processes');
const { packageAt, newest, OLDEST } = require('./support/deps');

const SERVER = 2;
const INTERNAL = 1;
const CLIENT = 3;
const ERROR = 2;

/** A folder holding `app` beside node_modules/@opentelemetry/api (the copy at `apiDir`). */
function appWithApi(app, apiDir) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ta-api-app-'));
  fs.mkdirSync(path.join(dir, 'node_modules', '@opentelemetry'), { recursive: true });
  fs.cpSync(apiDir, path.join(dir, 'node_modules', '@opentelemetry', 'api'), { recursive: true });
  for (const file of [app, 'otel-api-server.cjs']) fs.copyFileSync(fixture(file), path.join(dir, file));
  return { dir, file: path.join(dir, app) };
}

/** A copy of `apiDir` claiming a minor nobody has published: its package.json and its VERSION constant. */
function futureApi(apiDir, version) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ta-api-future-'));
  fs.cpSync(apiDir, dir, { recursive: true });
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  const old = pkg.version;
  pkg.version = version;
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(pkg));
  let rewritten = 0;
  const walk = (d) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (/^version\.(c|m)?js$/.test(entry.name)) {
        fs.writeFileSync(p, fs.readFileSync(p, 'utf8').replace(JSON.stringify(old), JSON.stringify(version)).replace(`'${old}'`, `'${version}'`));
        rewritten++;
      }
    }
  };
  walk(dir);
  assert.ok(rewritten > 0, 'the copy has a VERSION constant to rewrite');
  return dir;
}

const NEWEST = newest('@opentelemetry/api');
const [MAJOR, MINOR] = NEWEST.split('.').map(Number);
const FUTURE = `${MAJOR}.${MINOR + 1}.0`;
const COPIES = [
  { label: `${OLDEST['@opentelemetry/api']} (oldest supported)`, version: OLDEST['@opentelemetry/api'] },
  { label: '1.9.0', version: '1.9.0' },
  { label: '1.10.0', version: '1.10.0' },
  { label: `${NEWEST} (newest on the registry)`, version: NEWEST },
  { label: `${FUTURE} (a minor newer than any published, made from ${NEWEST})`, version: NEWEST, future: FUTURE },
];

describe("the app's own @opentelemetry/api, any version", function () {
  this.timeout(60000);
  let receiver;
  const temp = [];

  before(async () => {
    receiver = await startReceiver();
    for (const copy of COPIES) {
      copy.dir = packageAt('@opentelemetry/api', copy.version);
      if (copy.future) {
        copy.dir = futureApi(copy.dir, copy.future);
        temp.push(copy.dir);
      }
    }
  });
  after(async () => {
    if (receiver) await receiver.close();
    for (const dir of temp) fs.rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => receiver.reset());

  for (const copy of COPIES) {
    for (const [app, flag] of [
      ['otel-api-app.cjs', 'require'],
      ['otel-api-app.mjs', 'import'],
    ]) {
      it(`@opentelemetry/api ${copy.label}, ${app} under --${flag}: startActiveSpan, a child, an error and an http call nest under the request`, async () => {
        const { dir, file } = appWithApi(app, copy.dir);
        temp.push(dir);
        const svc = await startService(file, { flag, env: agentEnv(receiver, { OTEL_SERVICE_NAME: 'api-app' }) });
        try {
          const { body: traceId } = await get(`${svc.url}/order`);
          assert.match(traceId, /^[0-9a-f]{32}$/);
          assert.notEqual(traceId, '0'.repeat(32), 'the app got a recording span, not the no-op one');
          const spans = await receiver.waitForSpans((s) => s.some((x) => x.name === 'processOrder') && s.filter((x) => x.kind === SERVER).length >= 2);
          const trace = spans.filter((s) => s.traceId === traceId);
          const server = trace.find((s) => s.kind === SERVER && s.attributes['url.path'] === '/order');
          const order = trace.find((s) => s.name === 'processOrder');
          const charge = trace.find((s) => s.name === 'chargeCard');
          const client = trace.find((s) => s.kind === CLIENT);
          assert.ok(server && order && charge && client, `one trace holds them all: ${trace.map((s) => s.name).join(', ')}`);
          assert.equal(order.kind, INTERNAL);
          assert.equal(order.parentSpanId, server.spanId, 'processOrder under the request');
          assert.equal(charge.parentSpanId, order.spanId, 'chargeCard under processOrder');
          assert.equal(client.parentSpanId, order.spanId, 'the http call under processOrder');
          assert.equal(order.scope.name, 'shop');
          assert.equal(order.status.code, ERROR);
          assert.equal(order.status.message, 'card declined');
          const exception = order.events.find((e) => e.name === 'exception');
          assert.equal(exception.attributes['exception.message'], 'card declined');
          assert.match(exception.attributes['exception.stacktrace'], /card declined/);
          assert.equal(svc.output().stderr, '', 'no warning from the agent or the API');
        } finally {
          await svc.stop();
        }
      });
    }
  }
});

'use strict';
// Log correlation: pino, winston and bunyan records written inside a request
// carry the ids of the server span the receiver got (trace_id, span_id,
// trace_flags); nothing outside a span; the app's own fields (in the call, in
// a child logger's bindings) kept; nothing at all with
// TRACING_AGENT_LOG_CORRELATION=false. Oldest and newest of each range.
const assert = require('node:assert/strict');
const { startReceiver } = require('./support/receiver');
const { agentEnv, startService, get, fixture } = require('./support/processes');
const { oldestAndNewest, packageAt } = require('./support/deps');

const SERVER = 2;

/** The JSON lines of the app's stdout, by their `event` field. */
function records(stdout) {
  const byEvent = {};
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    const record = JSON.parse(line);
    byEvent[record.event] = { record, line };
  }
  return byEvent;
}

async function until(check, what, timeoutMs = 5000) {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`waited ${timeoutMs} ms for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('log correlation', function () {
  this.timeout(60000);
  let receiver;
  const variants = [];
  for (const name of ['pino', 'winston', 'bunyan']) {
    const [oldest, newest] = oldestAndNewest(name);
    variants.push({ ...oldest, file: 'log-app.cjs', flag: 'require' }, { ...newest, file: 'log-app.mjs', flag: 'import' });
    // pino 9, the major before the newest.
    if (name === 'pino') variants.push({ name, label: 'pino 9 (newest 9.x)', version: '9', skip: '', file: 'log-app.cjs', flag: 'import' });
  }

  before(async function () {
    this.timeout(300000);
    receiver = await startReceiver();
    for (const v of variants) if (!v.skip) packageAt(v.name, v.version);
  });
  after(async () => receiver && receiver.close());
  beforeEach(() => receiver.reset());

  for (const v of variants) {
    const title = `${v.label}, ${v.file.endsWith('.mjs') ? 'ESM' : 'CommonJS'} under ${v.flag === 'import' ? '--import' : '-r'}: records inside a request carry its server span's ids, the app's own fields kept, none outside a span`;
    if (v.skip) {
      it.skip(`${title} (skipped: ${v.skip})`, () => {});
      continue;
    }
    it(title, async () => {
      const env = agentEnv(receiver, { OTEL_SERVICE_NAME: 'log-app', LOGGER: v.name, LOGGER_MODULE: packageAt(v.name, v.version) });
      const svc = await startService(fixture(`web/${v.file}`), { flag: v.flag, env });
      try {
        assert.equal((await get(`${svc.url}/log`)).body, 'ok');
        const [server] = (await receiver.waitForSpans((s) => s.some((x) => x.kind === SERVER))).filter((s) => s.kind === SERVER);
        await until(() => records(svc.output().stdout).own, 'the log lines');
        const logs = records(svc.output().stdout);
        assert.equal(logs.started.record.trace_id, undefined, 'nothing outside a span');
        assert.equal(logs.started.record.span_id, undefined);
        const plain = logs.plain.record;
        assert.equal(plain.trace_id, server.traceId, 'the trace id of the exported server span');
        assert.equal(plain.span_id, server.spanId, 'its span id');
        assert.equal(plain.trace_flags, '01');
        const own = logs.own.record;
        assert.equal(own.trace_id, 'the-apps-own', "the app's own field is kept");
        assert.equal(own.span_id, server.spanId);
        // pino before 8.14 does not tell the mixin which logger is writing (README): its child bindings are not seen.
        const seesBindings = !(v.name === 'pino' && /^8\.(\d|1[0-3])\./.test(v.version));
        if (logs.child && seesBindings) {
          assert.equal(logs.child.record.span_id, 'bound-by-child', "a child logger's binding is kept");
          assert.equal(logs.child.line.match(/"span_id"/g).length, 1, `one span_id in ${logs.child.line}`);
          assert.equal(logs.child.record.trace_id, server.traceId);
        }
      } finally {
        await svc.stop();
      }
    });
  }

  it('TRACING_AGENT_LOG_CORRELATION=false: no ids in any record (pino, winston and bunyan, newest)', async () => {
    for (const name of ['pino', 'winston', 'bunyan']) {
      const env = agentEnv(receiver, {
        OTEL_SERVICE_NAME: 'log-app',
        LOGGER: name,
        LOGGER_MODULE: packageAt(name, 'latest'),
        TRACING_AGENT_LOG_CORRELATION: 'false',
      });
      const svc = await startService(fixture('web/log-app.cjs'), { flag: 'import', env });
      try {
        assert.equal((await get(`${svc.url}/log`)).body, 'ok');
        await until(() => records(svc.output().stdout).own, 'the log lines');
        const logs = records(svc.output().stdout);
        assert.equal(logs.plain.record.trace_id, undefined, name);
        assert.equal(logs.plain.record.span_id, undefined, name);
        assert.equal(logs.plain.record.trace_flags, undefined, name);
      } finally {
        await svc.stop();
      }
    }
  });
});

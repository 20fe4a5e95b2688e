'use strict';
// How modules are found and patched, whichever way an app loads them: by
// another path to a package's main file, a declared file inside a package,
// process.getBuiltinModule, a package requiring itself while loading, exports a
// hook replaces, ES-module-only packages (watched only when the app has them
// installed in a declared version), and a library loaded before a programmatic start.
const assert = require('node:assert/strict');
const { startReceiver } = require('./support/receiver');
const { agentEnv, runNode, startService, get, fixture } = require('./support/processes');

const { supportsSyncHooks } = require('import-in-the-middle/supports-sync-hooks.mjs');

const IN_THREAD_HOOKS = supportsSyncHooks();
const SERVER = 2;
const CLIENT = 3;

describe('the loader', function () {
  this.timeout(30000);
  let receiver;
  before(async () => (receiver = await startReceiver()));
  after(async () => receiver && receiver.close());
  beforeEach(() => receiver.reset());

  for (const flag of ['require', 'import']) {
    it(`require('pg/lib/index.js') and require('mysql2/promise.js') are traced (--${flag})`, async () => {
      const svc = await startService(fixture('loader-paths.cjs'), { flag, env: agentEnv(receiver, { OTEL_SERVICE_NAME: 'paths' }) });
      try {
        assert.equal((await get(`${svc.url}/q`)).body, '1 2');
        const spans = await receiver.waitForSpans((s) => s.some((x) => x.kind === SERVER) && s.filter((x) => x.kind === CLIENT).length >= 2);
        const server = spans.find((s) => s.kind === SERVER);
        const pg = spans.find((s) => s.attributes['db.system.name'] === 'postgresql' && s.attributes['db.query.text'] === 'SELECT ? AS one');
        const maria = spans.find((s) => s.attributes['db.query.text'] === 'SELECT ? AS two');
        assert.ok(pg, 'the pg query is a span');
        assert.ok(maria, 'the mysql2 query is a span');
        assert.equal(pg.parentSpanId, server.spanId);
        assert.equal(maria.parentSpanId, server.spanId);
      } finally {
        await svc.stop();
      }
    });
  }

  it("process.getBuiltinModule('http'): the first outgoing request already carries traceparent", async () => {
    const run = await runNode([fixture('builtin-module.cjs')], { flag: 'require', env: agentEnv(receiver, { OTEL_SERVICE_NAME: 'builtin' }) });
    assert.equal(run.code, 0, run.stderr);
    const traceparent = run.stdout.trim();
    assert.match(traceparent, /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    const spans = await receiver.waitForSpans((s) => s.some((x) => x.kind === CLIENT) && s.some((x) => x.kind === SERVER));
    const client = spans.find((s) => s.kind === CLIENT);
    assert.equal(traceparent, `00-${client.traceId}-${client.spanId}-01`, 'the header names the exported client span');
    assert.equal(spans.find((s) => s.kind === SERVER).parentSpanId, client.spanId);
  });

  it('a package requiring itself while loading is patched once, complete, with no warning from Node; a declared file inside a package is patched; exports a hook replaces are what every later require gets; an ES-module-only package and a file inside it are patched where in-thread hooks run, one out of the declared range is not', async () => {
    const run = await runNode([fixture('loader/cases.cjs')], { env: agentEnv(undefined, {}) });
    assert.equal(run.code, 0, run.stderr);
    // Node warns when a circular module's missing export is read; without in-thread hooks the loader says once that esm-lib goes untraced.
    assert.deepEqual(
      run.stderr.split('\n').filter(Boolean),
      IN_THREAD_HOOKS
        ? []
        : [
            `tracing-agent info: esm-lib: ES modules only, whose imports Node ${process.version} cannot watch (it can from 22.22.3, 24.11.1 and 25.1); left unhooked`,
          ],
    );
    const result = JSON.parse(run.stdout);
    assert.deepEqual(
      result.calls.filter((c) => c.name === 'circ-lib'),
      [{ name: 'circ-lib', version: '1.2.3', complete: true }],
      'patched once, after it finished loading',
    );
    assert.deepEqual(
      result.calls.filter((c) => c.name === 'circ-lib/lib/inner'),
      [{ name: 'circ-lib/lib/inner', hasInner: true }],
    );
    assert.equal(result.greet, 'hello');
    assert.equal(result.inner, 'patched inner', 'the declared file was patched by declaration');
    assert.deepEqual(result.swap, [true, true, true], 'require, require again, require by path: the replacement each time');
    // ES-module-only packages are hooked through import-in-the-middle, where the runtime has in-thread hooks.
    const patched = IN_THREAD_HOOKS ? 'patched ' : '';
    assert.deepEqual(
      result.esm,
      { greet: `${patched}hello`, inner: `${patched}inner`, old: 'hello' },
      'esm-lib and its lib/inner.js patched; esm-old 0.5.0 is outside its declared range',
    );
    assert.equal(result.importInTheMiddle, IN_THREAD_HOOKS);
  });

  it('ES-module-only packages declared but not installed in a declared version: no import-in-the-middle hooks, nothing said', async () => {
    const run = await runNode([fixture('loader/cases.cjs')], { env: agentEnv(undefined, { LOADER_ESM: 'absent' }) });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr, '');
    const result = JSON.parse(run.stdout);
    assert.deepEqual(result.esm, { greet: 'hello', inner: 'inner', old: 'hello' });
    assert.equal(result.importInTheMiddle, false, 'import-in-the-middle is not even loaded');
  });

  it('a traced library loaded before a programmatic start(): one clear warning naming each', async () => {
    const run = await runNode([fixture('start-late.cjs')], { env: agentEnv(receiver, {}) });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout.trim(), 'started');
    const lines = run.stderr.trim().split('\n');
    assert.equal(lines.length, 2, run.stderr);
    for (const name of ['pg', 'mysql2']) {
      assert.equal(
        lines.filter((l) => l.startsWith(`tracing-agent warning: ${name} was loaded before tracing-agent started`)).length,
        1,
        `one warning for ${name}`,
      );
    }
  });
});

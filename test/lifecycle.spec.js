'use strict';
// However a process ends, its spans arrive, and it ends exactly as it would
// have without the agent: each case runs bare and traced, and the two are compared.
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const { startReceiver } = require('./support/receiver');
const { agentEnv, runNode, fixture, ROOT, FLAGS } = require('./support/processes');

const ERROR = 2;
const FILE = fixture('exit-cases.cjs');

/** Node's report names the Node version and paths the same way in both runs; compare it line by line. */
function sameStderr(bare, traced) {
  const withoutPid = (text) => text.replace(/\(node:\d+\)/g, '(node:PID)');
  assert.equal(withoutPid(traced), withoutPid(bare), 'stderr is exactly what the app prints without the agent');
}

async function compare(receiver, exitCase, { nodeArgs = [], flag = 'import' } = {}) {
  const env = { PATH: process.env.PATH, EXIT_CASE: exitCase };
  const [bare, traced] = await Promise.all([
    runNode([...nodeArgs, FILE], { env }),
    runNode([...nodeArgs, FILE], { flag, env: agentEnv(receiver, { ...env, OTEL_SERVICE_NAME: `exit-${exitCase}`, OTEL_BSP_SCHEDULE_DELAY: '60000' }) }),
  ]);
  assert.equal(traced.code, bare.code, `exit status: ${traced.stderr}`);
  assert.equal(traced.signal, bare.signal);
  sameStderr(bare.stderr, traced.stderr);
  assert.equal(traced.stdout, bare.stdout);
  return traced;
}

function spansOf(receiver, service) {
  return receiver.spans.filter((s) => s.resource['service.name'] === service);
}

/** Starts a fixture that listens, sends it a request that never gets an answer, returns the child. */
function startListening(exitCase, receiver) {
  return new Promise((resolve, reject) => {
    const env = receiver
      ? agentEnv(receiver, { EXIT_CASE: exitCase, OTEL_SERVICE_NAME: `exit-${exitCase}`, OTEL_BSP_SCHEDULE_DELAY: '60000' })
      : { PATH: process.env.PATH, EXIT_CASE: exitCase };
    const child = spawn(process.execPath, [...(receiver ? FLAGS.import : []), FILE], { cwd: ROOT, env });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const done = new Promise((res) => child.on('close', (code, signal) => res({ code, signal, stdout, stderr })));
    child.stdout.on('data', (d) => {
      stdout += d;
      const m = /listening (\d+)/.exec(stdout);
      if (m && !child.requested) {
        child.requested = true;
        const http = require('node:http');
        const req = http.get(`http://127.0.0.1:${m[1]}/slow`);
        req.on('error', () => {});
        // Give the server a moment to receive it, then hand the child back.
        setTimeout(() => resolve({ child, done }), 150);
      }
    });
    child.on('error', reject);
  });
}

describe('lifecycle: no span lost, however the process ends', function () {
  this.timeout(30000);
  let receiver;

  before(async () => {
    receiver = await startReceiver();
  });
  after(async () => receiver && receiver.close());

  it('normal end: spans delivered, output unchanged', async () => {
    await compare(receiver, 'normal');
    await receiver.waitForSpans((s) => spansOf(receiver, 'exit-normal').some((x) => x.name === 'done'));
  });

  it('process.exit(7): status 7, the open span ended and marked', async () => {
    const r = await compare(receiver, 'exit7', { flag: 'require' });
    assert.equal(r.code, 7);
    await receiver.waitForSpans(() => spansOf(receiver, 'exit-exit7').length >= 2);
    const open = spansOf(receiver, 'exit-exit7').find((s) => s.name === 'left-open');
    assert.equal(open.attributes['tracing_agent.cut_short'], 'exit code 7');
    assert.equal(open.status.code, ERROR);
  });

  it('process.exit() inside a request handler: the server span arrives, cut short', async () => {
    const { done } = await startListening('exit-in-handler', receiver);
    const r = await done;
    assert.equal(r.code, 3);
    assert.equal(r.stderr, '');
    await receiver.waitForSpans(() => spansOf(receiver, 'exit-exit-in-handler').some((s) => s.kind === 2));
    const server = spansOf(receiver, 'exit-exit-in-handler').find((s) => s.kind === 2);
    assert.equal(server.attributes['url.path'], '/slow');
    assert.equal(server.attributes['tracing_agent.cut_short'], 'exit code 3');
  });

  it('uncaught exception: Node’s own report and status 1; the active span records the error', async () => {
    const r = await compare(receiver, 'throw');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Error: boom/);
    await receiver.waitForSpans(() => spansOf(receiver, 'exit-throw').some((s) => s.name === 'risky'));
    const risky = spansOf(receiver, 'exit-throw').find((s) => s.name === 'risky');
    assert.equal(risky.status.code, ERROR);
    assert.equal(risky.status.message, 'boom');
    assert.equal(risky.attributes['error.type'], 'Error');
    assert.equal(risky.attributes['tracing_agent.cut_short'], undefined, 'ended by the error itself, not cut short');
    assert.ok(risky.events.some((e) => e.name === 'exception' && e.attributes['exception.message'] === 'boom'));
  });

  it('uncaught exception with the app’s own listener: the app keeps its meaning', async () => {
    const r = await compare(receiver, 'throw-handled');
    assert.equal(r.code, 0);
    assert.match(r.stderr, /handled: boom/);
    await receiver.waitForSpans(() => spansOf(receiver, 'exit-throw-handled').some((s) => s.name === 'done'));
  });

  for (const mode of [null, 'throw', 'strict', 'warn', 'none']) {
    it(`unhandled rejection${mode ? ` with --unhandled-rejections=${mode}` : ' (default mode)'}: same status and output`, async () => {
      const nodeArgs = mode ? [`--unhandled-rejections=${mode}`] : [];
      const r = await compare(receiver, 'reject', { nodeArgs });
      if (mode === 'warn' || mode === 'none') assert.equal(r.code, 0);
      else assert.equal(r.code, 1);
      await receiver.waitForSpans(() => spansOf(receiver, 'exit-reject').some((s) => s.name === 'done'));
      receiver.reset();
    });
  }

  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) {
    it(`${signal} with no listener of the app's: killed by ${signal}, the in-flight request exported as cut short`, async () => {
      receiver.reset();
      const bare = await startListening('signal', null);
      bare.child.kill(signal);
      const traced = await startListening('signal', receiver);
      traced.child.kill(signal);
      const [b, t] = await Promise.all([bare.done, traced.done]);
      assert.equal(t.signal, signal, t.stderr);
      assert.equal(t.signal, b.signal);
      assert.equal(t.code, b.code);
      assert.equal(t.stderr, b.stderr);
      await receiver.waitForSpans(() => spansOf(receiver, 'exit-signal').some((s) => s.kind === 2));
      const server = spansOf(receiver, 'exit-signal').find((s) => s.kind === 2);
      assert.equal(server.attributes['tracing_agent.cut_short'], signal);
      assert.equal(server.status.code, ERROR);
    });

    it(`${signal} with the app's own listener: the app decides, spans still arrive`, async () => {
      receiver.reset();
      const traced = await startListening('signal-handled', receiver);
      traced.child.kill(signal);
      const t = await traced.done;
      assert.equal(t.code, 0, t.stderr);
      assert.equal(t.signal, null);
      assert.match(t.stdout, new RegExp(`app got ${signal}`));
      await receiver.waitForSpans(() => spansOf(receiver, 'exit-signal-handled').some((s) => s.name === 'done'));
    });
  }

  it('worker threads: spans made in a worker arrive when it ends', async () => {
    receiver.reset();
    await compare(receiver, 'worker');
    await receiver.waitForSpans(() => spansOf(receiver, 'exit-worker').some((s) => s.name === 'worker-span'));
  });

  it('a collector that never answers: the process still ends, with its status, and says what was dropped', async () => {
    // How long the exit waits is a figure of `npm run bench`, not asserted here.
    const silent = await startReceiver({ silent: true });
    try {
      const r = await runNode([FILE], { flag: 'import', env: agentEnv(silent, { EXIT_CASE: 'exit7', TRACING_AGENT_EXIT_TIMEOUT: '500' }) });
      assert.equal(r.code, 7);
      assert.match(r.stderr, /^tracing-agent warning: otlp export to .* failed \(no answer within \d+ ms\); \d+ spans dropped$/m);
    } finally {
      await silent.close();
    }
  });

  it('flush() and shutdown() from the API: safe to call repeatedly and at once; nothing exported after shutdown', async () => {
    receiver.reset();
    const child = spawn(process.execPath, [...FLAGS.require, fixture('flush-api.cjs')], {
      cwd: ROOT,
      env: agentEnv(receiver, { OTEL_SERVICE_NAME: 'flush-api', OTEL_BSP_SCHEDULE_DELAY: '60000' }),
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const flushed = new Promise((resolve) => child.stdout.on('data', (d) => ((stdout += d), stdout.includes('flushed') && resolve())));
    const closed = new Promise((resolve) => child.on('close', (code) => resolve(code)));
    await flushed;
    // flush() resolved only once the receiver had the span.
    assert.deepEqual(spansOf(receiver, 'flush-api').map((s) => s.name), ['before-flush']);
    child.stdin.end('go\n');
    assert.equal(await closed, 0, stderr);
    assert.equal(stderr, '');
    assert.match(stdout, /done/);
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(spansOf(receiver, 'flush-api').map((s) => s.name).sort(), ['before-flush', 'before-shutdown']);
  });

  it('a child process that inherits NODE_OPTIONS delivers its spans on process.exit', async () => {
    receiver.reset();
    const code = `require('node:child_process').spawnSync(process.execPath, [${JSON.stringify(FILE)}], { stdio: 'inherit', env: { ...process.env, EXIT_CASE: 'exit7', OTEL_SERVICE_NAME: 'exit-child' } }).status`;
    const r = await runNode(['-e', `process.exitCode = ${code}`], { env: agentEnv(receiver, { NODE_OPTIONS: '--import tracing-agent/register', OTEL_SERVICE_NAME: 'exit-parent' }) });
    assert.equal(r.code, 7, r.stderr);
    await receiver.waitForSpans(() => spansOf(receiver, 'exit-child').some((s) => s.name === 'left-open'));
  });
});

'use strict';
// However a process ends, its spans arrive, and it ends exactly as it would
// have without the agent: each case runs bare and traced, and the two runs are
// compared (exit status, signal, stdout, stderr). Every case starts in
// `before`, all at once (a few at a time), so the spec takes about as long as
// its slowest case; each `it` then checks its case's outcome.
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const http = require('node:http');
const net = require('node:net');
const path = require('node:path');
const { startReceiver } = require('./support/receiver');
const { agentEnv, runNode, fixture, ROOT, FLAGS } = require('./support/processes');

const ERROR = 2;
const SERVER = 2;
const CJS = fixture('exit-cases.cjs');
const ESM = fixture('exit-cases.mjs');
/** Child processes running at once (this spec's cases are small; the machine may have two cores). */
const CONCURRENCY = 6;

/** Node's report names the pid in warnings; a server prints its port. Neither is the agent's doing. */
const normalize = (text) => text.replace(/\(node:\d+\)/g, '(node:PID)').replace(/listening \d+/g, 'listening PORT');

function assertSameEnd(bare, traced, { stderr = true } = {}) {
  assert.equal(traced.code, bare.code, `exit status (traced stderr: ${traced.stderr})`);
  assert.equal(traced.signal, bare.signal, 'signal');
  assert.equal(normalize(traced.stdout), normalize(bare.stdout), 'stdout is what the app prints without the agent');
  if (stderr) assert.equal(normalize(traced.stderr), normalize(bare.stderr), 'stderr is exactly what the app prints without the agent');
}

/** Runs `jobs` (functions returning promises) at most `limit` at a time. */
function pool(limit) {
  const waiting = [];
  let running = 0;
  const next = () => {
    if (running >= limit || waiting.length === 0) return;
    running++;
    const { job, resolve, reject } = waiting.shift();
    job()
      .then(resolve, reject)
      .finally(() => {
        running--;
        next();
      });
  };
  return (job) =>
    new Promise((resolve, reject) => {
      waiting.push({ job, resolve, reject });
      next();
    });
}

/**
 * Starts a fixture that listens, sends it one request (never answered unless
 * the case answers it), and once the request has arrived: sends `signal`, if
 * given. Resolves {code, signal, stdout, stderr} when the process has ended.
 */
function runService(file, { env, flag = 'none', signal, timeoutMs = 15000 }) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...FLAGS[flag], file], { cwd: ROOT, env });
    let stdout = '';
    let stderr = '';
    let requested = false;
    let signalled = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${file} (${env.EXIT_CASE}) did not end within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.on('data', (d) => {
      stdout += d;
      const m = /listening (\d+)/.exec(stdout);
      if (m && !requested) {
        requested = true;
        http.get(`http://127.0.0.1:${m[1]}/slow`, (res) => res.resume()).on('error', () => {});
      }
      if (signal && !signalled && stdout.includes('request arrived')) {
        signalled = true;
        child.kill(signal);
      }
    });
    child.on('error', reject);
    child.on('close', (code, sig) => {
      clearTimeout(timer);
      resolve({ code, signal: sig, stdout, stderr });
    });
  });
}

/** A port on which connections are refused. */
async function refusedPort() {
  const probe = net.createServer().listen(0, '127.0.0.1');
  await new Promise((r) => probe.once('listening', r));
  const { port } = probe.address();
  await new Promise((r) => probe.close(r));
  return port;
}

describe('lifecycle: no span lost, however the process ends', function () {
  this.timeout(30000);
  let receiver;
  let silent;
  let refusedUrl;
  const outcomes = new Map();
  const cases = [];

  /**
   * Declares a case: `run(ctx)` starts in `before` and resolves its outcome;
   * `check(outcome)` runs as the test. Each traced run gets its own service name.
   */
  function exitCase(title, run, check) {
    const id = cases.length;
    cases.push(run);
    it(title, async () => check(await outcomes.get(id)));
  }

  /**
   * The same program bare and traced, compared. Resolves {bare, traced, service}.
   * @param {string} service
   * @param {{ file?: string, exitCase: string, nodeArgs?: string[], flag?: string, env?: Record<string, string>, collector?: () => string, compareStderr?: boolean }} options
   */
  function pair(service, { file = CJS, exitCase: name, nodeArgs = [], flag = 'import', env = {}, collector, compareStderr = true }) {
    return async () => {
      const base = { PATH: process.env.PATH, EXIT_CASE: name };
      const tracedEnv = agentEnv(receiver, { ...base, OTEL_SERVICE_NAME: service, OTEL_BSP_SCHEDULE_DELAY: '60000', ...env });
      if (collector) tracedEnv.OTEL_EXPORTER_OTLP_ENDPOINT = collector();
      const [bare, traced] = await Promise.all([runNode([...nodeArgs, file], { env: base }), runNode([...nodeArgs, file], { flag, env: tracedEnv })]);
      if (compareStderr) assertSameEnd(bare, traced);
      return { bare, traced, service };
    };
  }

  /**
   * A listening program, bare and traced, sent one request and then `signal`.
   * @param {string} service
   * @param {{ exitCase: string, signal?: NodeJS.Signals, env?: Record<string, string>, collector?: () => string }} options
   */
  function servicePair(service, { exitCase: name, signal, env = {}, collector }) {
    return async () => {
      const base = { PATH: process.env.PATH, EXIT_CASE: name };
      const tracedEnv = agentEnv(receiver, { ...base, OTEL_SERVICE_NAME: service, OTEL_BSP_SCHEDULE_DELAY: '60000', ...env });
      if (collector) tracedEnv.OTEL_EXPORTER_OTLP_ENDPOINT = collector();
      const [bare, traced] = await Promise.all([runService(CJS, { env: base, signal }), runService(CJS, { env: tracedEnv, flag: 'import', signal })]);
      return { bare, traced, service };
    };
  }

  const spansOf = (service) => receiver.spans.filter((s) => s.resource['service.name'] === service);
  const waitFor = (service, names) =>
    receiver.waitForSpans(() => {
      const got = spansOf(service).map((s) => s.name);
      return names.every((n) => got.includes(n));
    });
  const span = (service, name) => spansOf(service).find((s) => s.name === name);

  /** Every span of the service once: a batch resent at exit must not have been delivered twice. */
  function assertNoDuplicates(service) {
    const ids = spansOf(service).map((s) => s.spanId);
    assert.equal(new Set(ids).size, ids.length, `duplicate spans for ${service}`);
  }

  function assertCutShort(service, name, reason) {
    const s = span(service, name);
    assert.ok(s, `${name} arrived`);
    assert.equal(s.attributes['tracing_agent.cut_short'], reason);
    assert.equal(s.status.code, ERROR);
    assert.match(s.status.message, /still open when the process ended/);
  }

  before(async function () {
    this.timeout(60000);
    receiver = await startReceiver();
    silent = await startReceiver({ silent: true });
    refusedUrl = `http://127.0.0.1:${await refusedPort()}`;
    const limit = pool(CONCURRENCY);
    cases.forEach((run, id) => {
      const outcome = limit(run);
      outcome.catch(() => {}); // reported by the case's own test
      outcomes.set(id, outcome);
    });
  });

  after(async () => {
    await Promise.allSettled(outcomes.values());
    if (receiver) await receiver.close();
    if (silent) await silent.close();
  });

  // --- the event loop drains -------------------------------------------------

  exitCase(
    'normal end: spans delivered, a span never ended is exported as cut short',
    pair('exit-normal', { exitCase: 'normal' }),
    async ({ traced, service }) => {
      assert.equal(traced.code, 0);
      await waitFor(service, ['done', 'left-open']);
      assertCutShort(service, 'left-open', 'exit');
      assertNoDuplicates(service);
    },
  );

  exitCase(
    'process.exitCode = 4, then the loop drains: status 4',
    pair('exit-exit-code', { exitCase: 'exit-code', flag: 'require' }),
    async ({ traced, service }) => {
      assert.equal(traced.code, 4);
      await waitFor(service, ['done', 'left-open']);
      assertCutShort(service, 'left-open', 'exit code 4');
    },
  );

  exitCase('ESM: top-level await, then the loop drains', pair('exit-esm-normal', { file: ESM, exitCase: 'esm-normal' }), async ({ traced, service }) => {
    assert.equal(traced.code, 0);
    await waitFor(service, ['done', 'left-open']);
  });

  exitCase(
    'ESM: a top-level await that never settles (status 13, Node’s warning)',
    pair('exit-esm-tla-stall', { file: ESM, exitCase: 'esm-tla-stall' }),
    async ({ traced, service }) => {
      assert.equal(traced.code, 13);
      await waitFor(service, ['done', 'left-open']);
    },
  );

  // --- process.exit() --------------------------------------------------------

  exitCase(
    'process.exit(7) from a timer: status 7, the open span ended and marked',
    pair('exit-exit7', { exitCase: 'exit7', flag: 'require' }),
    async ({ traced, service }) => {
      assert.equal(traced.code, 7);
      await waitFor(service, ['done', 'left-open']);
      assertCutShort(service, 'left-open', 'exit code 7');
      assertNoDuplicates(service);
    },
  );

  exitCase('process.exit(7) from the top level of the main module', pair('exit-exit7-top', { exitCase: 'exit7-top' }), async ({ traced, service }) => {
    assert.equal(traced.code, 7);
    await waitFor(service, ['done', 'left-open']);
    assertCutShort(service, 'left-open', 'exit code 7');
  });

  exitCase('ESM: process.exit(7) from the top level', pair('exit-esm-exit7-top', { file: ESM, exitCase: 'esm-exit7-top' }), async ({ traced, service }) => {
    assert.equal(traced.code, 7);
    await waitFor(service, ['done', 'left-open']);
    assertCutShort(service, 'left-open', 'exit code 7');
  });

  exitCase(
    'process.exit(3) inside a request handler: the server span arrives, cut short',
    servicePair('exit-in-handler', { exitCase: 'exit-in-handler' }),
    async ({ bare, traced, service }) => {
      assertSameEnd(bare, traced);
      assert.equal(traced.code, 3);
      await receiver.waitForSpans(() => spansOf(service).some((s) => s.kind === SERVER));
      const server = spansOf(service).find((s) => s.kind === SERVER);
      assert.equal(server.attributes['url.path'], '/slow');
      assert.equal(server.attributes['tracing_agent.cut_short'], 'exit code 3');
      assert.equal(server.status.code, ERROR);
    },
  );

  exitCase(
    'a span ended by the app’s own exit listener (which runs after the agent’s) still arrives',
    pair('exit-listener', { exitCase: 'exit-listener' }),
    async ({ traced, service }) => {
      assert.equal(traced.code, 5);
      await waitFor(service, ['done', 'in-exit-listener']);
      assert.equal(span(service, 'in-exit-listener').attributes.code, 5);
    },
  );

  // --- uncaught exceptions and unhandled rejections ---------------------------

  exitCase(
    'uncaught exception: Node’s own report and status 1; the active span records the error',
    pair('exit-throw', { exitCase: 'throw' }),
    async ({ traced, service }) => {
      assert.equal(traced.code, 1);
      assert.match(traced.stderr, /Error: boom/);
      await waitFor(service, ['done', 'risky']);
      const risky = span(service, 'risky');
      assert.equal(risky.status.code, ERROR);
      assert.equal(risky.status.message, 'boom');
      assert.equal(risky.attributes['error.type'], 'Error');
      assert.equal(risky.attributes['tracing_agent.cut_short'], undefined, 'ended by the error itself, not cut short');
      assert.ok(risky.events.some((e) => e.name === 'exception' && e.attributes['exception.message'] === 'boom'));
    },
  );

  exitCase(
    'uncaught exception with the app’s own listener: the app keeps its meaning',
    pair('exit-throw-handled', { exitCase: 'throw-handled' }),
    async ({ traced, service }) => {
      assert.equal(traced.code, 0);
      assert.match(traced.stderr, /handled: boom/);
      await waitFor(service, ['done', 'risky']);
      // The error is recorded on the span it happened in; the app handled it, so the span was not ended by it.
      assert.equal(span(service, 'risky').status.message, 'boom');
    },
  );

  exitCase(
    'ESM: a throw from the top level (Node’s ESM report, status 1)',
    pair('exit-esm-throw-top', { file: ESM, exitCase: 'esm-throw-top' }),
    async ({ traced, service }) => {
      assert.equal(traced.code, 1);
      assert.match(traced.stderr, /top-level boom/);
      await waitFor(service, ['done', 'left-open']);
      // (Node reports a module's top-level throw through its rejected evaluation.)
      assert.match(span(service, 'left-open').status.message, /after (uncaught exception|unhandled rejection) Error: top-level boom/);
    },
  );

  exitCase(
    'ESM: a rejected top-level await (status 1)',
    pair('exit-esm-tla-reject', { file: ESM, exitCase: 'esm-tla-reject' }),
    async ({ traced, service }) => {
      assert.equal(traced.code, 1);
      await waitFor(service, ['done', 'awaiting']);
      assert.match(span(service, 'awaiting').status.message, /awaited boom/);
    },
  );

  for (const mode of [null, 'throw', 'strict', 'warn', 'none']) {
    const service = `exit-reject-${mode || 'default'}`;
    exitCase(
      `unhandled rejection${mode ? ` with --unhandled-rejections=${mode}` : ' (default mode)'}: same status and output`,
      pair(service, { exitCase: 'reject', nodeArgs: mode ? [`--unhandled-rejections=${mode}`] : [] }),
      async ({ traced }) => {
        if (mode === 'warn' || mode === 'none') assert.equal(traced.code, 0);
        else assert.equal(traced.code, 1);
        await waitFor(service, ['done', 'risky']);
        const risky = span(service, 'risky');
        assert.equal(risky.status.code, ERROR);
        if (mode !== 'warn' && mode !== 'none') assert.equal(risky.status.message, 'nope', 'the rejection is recorded where it happened');
      },
    );
  }

  exitCase(
    'unhandled rejection with the app’s own unhandledRejection listener: the app keeps its meaning',
    pair('exit-reject-handled', { exitCase: 'reject-handled' }),
    async ({ traced, service }) => {
      assert.equal(traced.code, 2);
      assert.match(traced.stderr, /app saw: nope/);
      await waitFor(service, ['done', 'risky']);
      assert.equal(span(service, 'risky').status.code, 0, 'not an error of the span: the app handled it');
    },
  );

  // --- signals ---------------------------------------------------------------

  for (const signal of /** @type {NodeJS.Signals[]} */ (['SIGTERM', 'SIGINT', 'SIGHUP'])) {
    const service = `exit-signal-${signal}`;
    exitCase(
      `${signal}, no listener of the app's, server listening: killed by ${signal}; the request in flight exported as cut short`,
      servicePair(service, { exitCase: 'signal', signal }),
      async ({ bare, traced }) => {
        assertSameEnd(bare, traced);
        assert.equal(traced.signal, signal);
        await receiver.waitForSpans(() => spansOf(service).some((s) => s.kind === SERVER));
        const server = spansOf(service).find((s) => s.kind === SERVER);
        assert.equal(server.attributes['tracing_agent.cut_short'], signal);
        assert.equal(server.status.code, ERROR);
        assert.ok(span(service, 'done'));
      },
    );

    const handled = `exit-signal-handled-${signal}`;
    exitCase(
      `${signal} with the app's own listener: the app decides, spans still arrive`,
      servicePair(handled, { exitCase: 'signal-handled', signal }),
      async ({ bare, traced }) => {
        assertSameEnd(bare, traced);
        assert.equal(traced.code, 0);
        assert.match(traced.stdout, new RegExp(`app got ${signal}`));
        await waitFor(handled, ['done', 'shutting-down']);
      },
    );
  }

  for (const signal of /** @type {NodeJS.Signals[]} */ (['SIGINT', 'SIGTERM'])) {
    const service = `exit-signal-exit-${signal}`;
    exitCase(
      `${signal} with signal-exit’s listener (re-raises only when alone): its cleanup runs, killed by ${signal}`,
      servicePair(service, { exitCase: 'signal-exit', signal }),
      async ({ bare, traced }) => {
        assertSameEnd(bare, traced);
        assert.equal(traced.signal, signal);
        assert.match(traced.stdout, new RegExp(`cleanup after ${signal}`));
        await receiver.waitForSpans(() => spansOf(service).some((s) => s.kind === SERVER));
        assert.equal(spansOf(service).find((s) => s.kind === SERVER).attributes['tracing_agent.cut_short'], signal);
      },
    );
  }

  exitCase(
    'SIGTERM that the app ignores: the process keeps running, ends later by itself, spans arrive',
    servicePair('exit-signal-ignored', { exitCase: 'signal-ignored', signal: 'SIGTERM' }),
    async ({ bare, traced, service }) => {
      assertSameEnd(bare, traced);
      assert.equal(traced.code, 0);
      await waitFor(service, ['done', 'after-signal']);
      const server = spansOf(service).find((s) => s.kind === SERVER);
      assert.equal(server.attributes['http.response.status_code'], 200);
      assert.equal(server.attributes['tracing_agent.cut_short'], undefined);
    },
  );

  // --- worker threads and child processes ---------------------------------------

  exitCase('worker thread: spans made in a worker arrive when it ends by itself', pair('exit-worker', { exitCase: 'worker' }), async ({ service }) => {
    await waitFor(service, ['done', 'worker-span']);
  });

  exitCase(
    'worker thread: process.exit(5) inside the worker',
    pair('exit-worker-exit', { exitCase: 'worker-exit', flag: 'require' }),
    async ({ traced, service }) => {
      assert.match(traced.stdout, /worker exited 5/);
      await waitFor(service, ['done', 'worker-span', 'worker-left-open']);
      assertCutShort(service, 'worker-left-open', 'exit code 5');
    },
  );

  exitCase('worker thread: an uncaught exception inside the worker', pair('exit-worker-throw', { exitCase: 'worker-throw' }), async ({ traced, service }) => {
    assert.match(traced.stdout, /worker failed: worker boom/);
    await waitFor(service, ['done', 'worker-span', 'worker-risky']);
    assert.equal(span(service, 'worker-risky').status.message, 'worker boom');
  });

  exitCase(
    'a child process that inherits NODE_OPTIONS delivers its spans on process.exit',
    async () => {
      const code = `require('node:child_process').spawnSync(process.execPath, [${JSON.stringify(CJS)}], { stdio: 'inherit', env: { ...process.env, EXIT_CASE: 'exit7', OTEL_SERVICE_NAME: 'exit-child' } }).status`;
      return runNode(['-e', `process.exitCode = ${code}`], {
        env: agentEnv(receiver, { NODE_OPTIONS: '--import tracing-agent/register', OTEL_SERVICE_NAME: 'exit-parent', OTEL_BSP_SCHEDULE_DELAY: '60000' }),
      });
    },
    async (r) => {
      assert.equal(r.code, 7, r.stderr);
      assert.equal(r.stderr, '');
      await waitFor('exit-child', ['done', 'left-open']);
    },
  );

  // --- a collector that refuses or never answers --------------------------------

  exitCase(
    'collector refusing connections, loop drains: same status, one line on stderr',
    pair('exit-refused-normal', { exitCase: 'normal', collector: () => refusedUrl, compareStderr: false }),
    async ({ bare, traced }) => {
      assertSameEnd(bare, traced, { stderr: false });
      assert.match(
        traced.stderr,
        /^tracing-agent warning: (\d+) spans dropped: \1 unavailable \(ECONNREFUSED from otlp http:\/\/127\.0\.0\.1:\d+\/v1\/traces\); \1 in all\n$/,
      );
    },
  );

  exitCase(
    'collector refusing connections, process.exit(7): same status, one line on stderr',
    pair('exit-refused-exit7', { exitCase: 'exit7', collector: () => refusedUrl, compareStderr: false }),
    async ({ bare, traced }) => {
      assertSameEnd(bare, traced, { stderr: false });
      assert.match(
        traced.stderr,
        /^tracing-agent warning: (\d+) spans dropped: \1 unavailable \(ECONNREFUSED from otlp http:\/\/127\.0\.0\.1:\d+\/v1\/traces at exit\); \1 in all\n$/,
      );
    },
  );

  exitCase(
    'collector never answering, process.exit(7): the process ends within the exit budget, with its status',
    // How long the exit waits is a figure of `npm run bench`, not asserted here.
    pair('exit-silent-exit7', { exitCase: 'exit7', collector: () => silent.url, env: { TRACING_AGENT_EXIT_TIMEOUT: '300' }, compareStderr: false }),
    async ({ bare, traced }) => {
      assertSameEnd(bare, traced, { stderr: false });
      assert.match(traced.stderr, /^tracing-agent warning: (\d+) spans dropped: \1 timeout \(no answer within \d+ ms from otlp .* at exit\); \1 in all\n$/);
    },
  );

  exitCase(
    'collector never answering, loop drains: nothing of the agent keeps the process alive past the budget',
    // An export timeout far beyond the runNode limit: only the exit budget can end this run in time.
    pair('exit-silent-normal', {
      exitCase: 'normal',
      collector: () => silent.url,
      env: { TRACING_AGENT_EXIT_TIMEOUT: '300', OTEL_EXPORTER_OTLP_TIMEOUT: '600000' },
      compareStderr: false,
    }),
    async ({ bare, traced }) => {
      assertSameEnd(bare, traced, { stderr: false });
      assert.match(
        traced.stderr,
        /^tracing-agent warning: (\d+) spans dropped: \1 timeout \(exit budget \(TRACING_AGENT_EXIT_TIMEOUT=300 ms\) spent before they could be delivered\); \1 in all\n$/,
      );
    },
  );

  exitCase(
    'collector never answering, SIGTERM, server listening: still killed by SIGTERM',
    servicePair('exit-silent-signal', { exitCase: 'signal', signal: 'SIGTERM', collector: () => silent.url, env: { TRACING_AGENT_EXIT_TIMEOUT: '300' } }),
    async ({ bare, traced }) => {
      assert.equal(traced.signal, 'SIGTERM');
      assert.equal(traced.signal, bare.signal);
      assert.equal(traced.code, bare.code);
    },
  );

  // --- the programmatic API ---------------------------------------------------------

  exitCase(
    'flush() and shutdown() from the API: safe to call repeatedly and at once; nothing exported after shutdown',
    () =>
      new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [...FLAGS.require, fixture('flush-api.cjs')], {
          cwd: ROOT,
          env: agentEnv(receiver, { OTEL_SERVICE_NAME: 'flush-api', OTEL_BSP_SCHEDULE_DELAY: '60000' }),
        });
        let stdout = '';
        let stderr = '';
        let afterFlush;
        child.stderr.on('data', (d) => (stderr += d));
        child.stdout.on('data', (d) => {
          stdout += d;
          if (afterFlush === undefined && stdout.includes('flushed')) {
            // flush() resolved: the receiver must have the span already.
            afterFlush = spansOf('flush-api').map((s) => s.name);
            child.stdin.end('go\n');
          }
        });
        child.on('error', reject);
        child.on('close', (code) => resolve({ code, stdout, stderr, afterFlush }));
      }),
    async ({ code, stdout, stderr, afterFlush }) => {
      assert.deepEqual(afterFlush, ['before-flush']);
      assert.equal(code, 0, stderr);
      assert.equal(stderr, '');
      assert.match(stdout, /done/);
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(
        spansOf('flush-api')
          .map((s) => s.name)
          .sort(),
        ['before-flush', 'before-shutdown'],
      );
    },
  );
});

// The processor's exit mechanics, without processes: fake exporters count what they get.
describe('lifecycle: the batch processor at exit', () => {
  const { BatchProcessor } = require(path.join(ROOT, 'dist', 'processor.js'));
  const options = { scheduleDelayMs: 60000, maxQueueSize: 2048, maxExportBatchSize: 2, exportTimeoutMs: 30000 };
  const fakeSpan = (name) => {
    const s = {
      name,
      ended: false,
      attributes: {},
      spanContext: () => ({ traceFlags: 1 }),
      setAttribute: (k, v) => ((s.attributes[k] = v), s),
      setStatus: () => s,
      end: () => {},
    };
    return s;
  };
  /**
   * A fake exporter: `sent` the names of the spans delivered, `requests` / `syncRequests` each
   * batch's names as sent asynchronously / at exit, `calls` the sends at exit. A span named
   * 'unencodable' cannot be added. `travelling: true`: asynchronous sends never complete (a batch
   * still on its way at exit).
   */
  function exporter({ ok = true, travelling = false } = {}) {
    const e = {
      sent: [],
      requests: [],
      syncRequests: [],
      calls: 0,
      description: 'fake',
      newBatch: () => {
        const names = [];
        return {
          get count() {
            return names.length;
          },
          add: (span) => {
            if (span.name === 'unencodable') throw new Error('cannot encode this one');
            names.push(span.name);
          },
          seal: () => {},
          send: () => {
            if (travelling) return new Promise(() => {});
            e.requests.push(names.slice());
            if (ok) e.sent.push(...names);
            return Promise.resolve(ok);
          },
          sendWithin: () => {
            e.calls++;
            e.syncRequests.push(names.slice());
            if (ok) e.sent.push(...names);
            return ok;
          },
        };
      },
    };
    return e;
  }

  it('flushSync sends the queue and the batches still travelling; a failing exporter is tried once, and the budget kept', () => {
    const good = exporter({ travelling: true });
    const bad = exporter({ ok: false, travelling: true });
    const p = new BatchProcessor([bad, good], options);
    // Two full batches leave at once (asynchronously, never acknowledged); one span stays queued.
    for (let i = 0; i < 5; i++) p.onEnd(fakeSpan(`s${i}`));
    assert.equal(p.pendingCount(), 5);
    p.flushSync(1000);
    assert.deepEqual(good.sent.sort(), ['s0', 's1', 's2', 's3', 's4']);
    assert.equal(good.calls, 3);
    assert.equal(bad.calls, 1, 'not retried batch after batch');
    assert.equal(p.getStats().failed, 5);
    assert.equal(p.pendingCount(), 0);
  });

  it('spans go into batches of at most the batch size, in order; one that cannot be encoded is dropped and counted', async () => {
    const e = exporter();
    const p = new BatchProcessor([e], { ...options, maxExportBatchSize: 5 });
    const names = [];
    for (let i = 0; i < 24; i++) {
      const name = i === 7 ? 'unencodable' : `s${i}`;
      if (name !== 'unencodable') names.push(name);
      p.onEnd(fakeSpan(name));
    }
    await p.forceFlush();
    assert.ok(
      e.requests.every((r) => r.length >= 1 && r.length <= 5),
      e.requests.map((r) => r.length).join(','),
    );
    assert.deepEqual(e.requests.flat(), names);
    assert.equal(p.getStats().dropped, 1);
    assert.equal(p.getStats().exported, 23);
    assert.equal(p.pendingCount(), 0);
  });

  it('a full batch leaves as soon as it is full, without waiting for the timer', async () => {
    const e = exporter();
    const p = new BatchProcessor([e], { ...options, maxExportBatchSize: 64 });
    for (let i = 0; i < 200; i++) p.onEnd(fakeSpan(`s${i}`));
    assert.deepEqual(
      e.requests.map((r) => r.length),
      [64, 64],
      'two full batches sent at once (two travel at a time)',
    );
    await new Promise((resolve) => setImmediate(resolve)); // the sends are acknowledged: the third full batch leaves
    assert.deepEqual(
      e.requests.map((r) => r.length),
      [64, 64, 64],
    );
    assert.deepEqual(
      e.requests.flat(),
      Array.from({ length: 192 }, (_, i) => `s${i}`),
    );
    assert.equal(p.pendingCount(), 8, 'the rest waits for the schedule');
  });

  it('spans waiting count against the queue limit and are delivered by the exit drain', () => {
    const e = exporter({ travelling: true });
    const p = new BatchProcessor([e], { ...options, maxExportBatchSize: 4, maxQueueSize: 10 });
    // Two batches of 4 leave (and never come back); 10 more may wait; the rest are dropped.
    for (let i = 0; i < 30; i++) p.onEnd(fakeSpan(`s${i}`));
    assert.equal(p.getStats().dropped, 12);
    assert.equal(p.pendingCount(), 18);
    p.flushSync(1000);
    assert.deepEqual(
      e.syncRequests.flat(),
      Array.from({ length: 18 }, (_, i) => `s${i}`),
      'travelling batches resent, then the queue',
    );
    assert.equal(p.pendingCount(), 0);
  });

  it('after the exit drain, a span that ends is delivered at once', () => {
    const good = exporter();
    const p = new BatchProcessor([good], options);
    p.flushSync(1000);
    p.deliverSyncUntil(Date.now() + 1000);
    p.onEnd(fakeSpan('late'));
    assert.deepEqual(good.sent, ['late']);
  });

  it('tracks open spans, and lets the oldest go past its limit (a span never ended is not kept forever)', () => {
    const p = new BatchProcessor([exporter()], options);
    const first = fakeSpan('first');
    p.onStart(first);
    for (let i = 0; i < 9000; i++) p.onStart(fakeSpan(`s${i}`));
    const open = p.pendingOpenSpans();
    assert.ok(open.length <= 8192);
    assert.ok(!open.includes(first));
  });

  it('open spans of the agent (linked list) and of the app (set): ended in any order, the oldest let go first, all listed', () => {
    const p = new BatchProcessor([exporter()], options);
    const linked = (name) => Object.assign(fakeSpan(name), { openPrev: null, openNext: null });
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map(linked);
    const app = fakeSpan('app');
    for (const s of [a, b, app, c, d]) p.onStart(s);
    const names = () =>
      p
        .pendingOpenSpans()
        .map((s) => s.name)
        .sort()
        .join(',');
    assert.equal(names(), 'a,app,b,c,d');
    p.onEnd(c); // middle
    p.onEnd(d); // newest
    p.onEnd(a); // oldest
    assert.equal(names(), 'app,b');
    p.onEnd(b);
    p.onEnd(b); // twice: no harm
    assert.equal(names(), 'app');
    assert.ok(p.hasWorkAtExit(), 'an open app span is work at exit');
    p.onEnd(app);
    assert.equal(names(), '');
    // Past the limit the oldest agent span goes first.
    const first = linked('first');
    p.onStart(first);
    const rest = Array.from({ length: 8200 }, (_, i) => linked(`s${i}`));
    for (const s of rest) p.onStart(s);
    const open = p.pendingOpenSpans();
    assert.equal(open.length, 8192);
    assert.ok(!open.includes(first) && open.includes(rest[8199]));
    p.onEnd(first); // already let go: nothing to unlink
    for (const s of rest) p.onEnd(s);
    assert.equal(p.pendingOpenSpans().length, 0);
  });

  it('shutdown(): one outcome for every call; spans ended afterwards are dropped', async () => {
    const good = exporter();
    const p = new BatchProcessor([good], options);
    p.onEnd(fakeSpan('a'));
    const calls = [p.shutdown(), p.shutdown()];
    assert.equal(calls[0], calls[1]);
    await Promise.all(calls);
    p.onEnd(fakeSpan('b'));
    await p.forceFlush();
    assert.deepEqual(good.sent, ['a']);
    assert.equal(p.hasWorkAtExit(), false);
  });
});

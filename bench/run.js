'use strict';
// `npm run bench`: the figures whose targets the README's Benchmarks section
// lists, each measured beside bare node in the same run, in interleaved rounds,
// reported as medians and ratios (this machine is shared and noisy: single
// absolute times mean little). docs/BENCHMARKS.md has the method and the figures.
//
// BENCH_ROUNDS (default 5) sets the rounds (for throughput, 12 s of turns with fresh servers each); BENCH_ONLY=throughput,express,startup,exit,install,extra picks sections;
// BENCH_PIN=0 lets the scheduler place the throughput processes (pinned with taskset by default);
// BENCH_BASELINE=DIR (another built checkout) adds its throughput and startup rows, measured in the same run;
// BENCH_OTEL=1 adds the official OpenTelemetry zero-code agent (@opentelemetry/auto-instrumentations-node/register,
//   OTLP/protobuf to the same sink) to the throughput, RSS, startup and install rows; it is installed once into
//   ~/.cache/tracing-agent/bench-otel (bench/otel.js), never into this project;
// BENCH_NODE=22 (or 24, 26, 20) runs the whole benchmark on that Node major: the binary the test runner uses,
//   from ~/.cache/tracing-agent/node (installed from the npm registry on first use, as `npm test` does).
//
//   BENCH_ROUNDS=5 BENCH_OTEL=1 BENCH_ONLY=throughput,startup,exit,install BENCH_NODE=24 npm run bench
// bench/table.js turns the output of such runs on several Node versions into docs/BENCHMARKS.md's table.
const { fork, spawn, spawnSync, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { officialAgent, officialEnv } = require('./otel');

const ROOT = path.resolve(__dirname, '..');
const OTEL = /^(1|true|yes)$/i.test(process.env.BENCH_OTEL || '');
const ROUNDS = Number(process.env.BENCH_ROUNDS || 5);
const ONLY = (process.env.BENCH_ONLY || 'throughput,express,startup,exit,install,extra').split(',');
const AGENT = ['--import', 'tracing-agent/register'];
// Another built checkout of the agent (e.g. a worktree of the previous release), measured in the same
// run as this one: throughput and startup rows for it appear beside the current agent's.
const BASELINE = process.env.BENCH_BASELINE ? path.resolve(process.env.BENCH_BASELINE) : undefined;
const CONNECTIONS = 32;
const rows = [];

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

function row(figure, bare, agent, result, target, ok) {
  rows.push({ figure, bare, agent, result, target, ok });
  console.log(`  ${figure}: ${result} (target ${target})${ok === undefined ? '' : ok ? '  ok' : '  MISSED'}`);
}

function once(child, predicate) {
  return new Promise((resolve, reject) => {
    const onMessage = (m) => {
      if (predicate(m)) {
        child.off('message', onMessage);
        resolve(m);
      }
    };
    child.on('message', onMessage);
    child.once('exit', (code) => reject(new Error(`child exited (${code})`)));
  });
}

// On a shared two-core machine the scheduler moving the server, the load
// generator and the sink between cores is the largest source of noise: the
// server (all its threads) gets CPU 0, the load generator and the sink CPU 1.
const PIN = os.cpus().length >= 2 && process.env.BENCH_PIN !== '0' && spawnSync('taskset', ['-c', '0', 'true']).status === 0;

function pin(pid, cpu) {
  if (PIN) spawnSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });
}

async function startHelper(file, execArgv = [], env = {}, cpu = undefined) {
  const child = fork(path.join(__dirname, file), [], {
    cwd: ROOT,
    execArgv,
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  // What the child says on stderr is shown, and kept (the agent's warnings tell whether it kept up).
  const helper = { child, port: 0, stderr: '' };
  child.stderr.on('data', (d) => {
    helper.stderr += d;
    process.stderr.write(d);
  });
  if (cpu !== undefined) pin(child.pid, cpu);
  ({ port: helper.port } = await once(child, (m) => m && m.port));
  return helper;
}

const SLICE_MS = 100;

/** Load for the servers in turns (see load.js); resolves with each server's req/s, overall and per round of turns. */
function runLoad(ports, warmupMs, measureMs, requestPath = '/') {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [
      path.join(__dirname, 'load.js'),
      ports.join(','),
      String(CONNECTIONS),
      String(warmupMs),
      String(measureMs),
      String(SLICE_MS),
      requestPath,
    ]);
    pin(p.pid, 1);
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('close', () => {
      try {
        resolve(JSON.parse(out));
      } catch {
        reject(new Error(`load generator printed ${out}`));
      }
    });
  });
}

async function throughput() {
  // The servers run side by side and take turns under the load, SLICE_MS each:
  // a ratio compares turns a fraction of a second apart, which the machine's
  // drift (other tenants, frequency) hits alike. Each round starts fresh servers.
  const seconds = 12;
  console.log(
    `throughput: hello-world servers side by side, taking turns under ${CONNECTIONS} keep-alive connections, ${SLICE_MS} ms each; ${ROUNDS} rounds of ${seconds} s, fresh servers each${PIN ? '; servers on CPU 0, load generator and sink on CPU 1' : ''}`,
  );
  const sink = await startHelper('sink.cjs', [], {}, 1);
  const traced = { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${sink.port}`, OTEL_SERVICE_NAME: 'bench' };
  const cases = {
    bare: { argv: [], env: {} },
    traced: { argv: AGENT, env: traced },
    unsampled: { argv: AGENT, env: { ...traced, OTEL_TRACES_SAMPLER: 'always_off' } },
    context: { argv: ['-r', path.join(__dirname, 'context-only.cjs')], env: {} },
  };
  if (BASELINE) cases.baseline = { argv: ['--import', path.join(BASELINE, 'register.mjs')], env: traced };
  // The official agent exports to a sink of its own, so that what each agent delivered can be told apart.
  const otelSink = OTEL ? await startHelper('sink.cjs', [], {}, 1) : undefined;
  if (otelSink) {
    cases.otel = { argv: ['--require', officialAgent().register], env: officialEnv(`http://127.0.0.1:${otelSink.port}`, 'bench') };
    // All servers share CPU 0, so what a server does after its turn (exporting, collecting garbage) is paid
    // by the next one. The official agent leaves much more of that than the others: a second bare server
    // takes the turn after it, so that bare node's own turns (the denominator of every ratio) do not pay it.
    cases.afterOtel = { argv: [], env: {} };
  }
  const names = Object.keys(cases);
  const at = Object.fromEntries(names.map((n, i) => [n, i]));
  /** Per round of turns: each server's req/s. */
  const turns = [];
  /** Per round: each server's peak RSS in MiB, after 2 s of load of its own. */
  const rss = [];
  let dropped = false;
  for (let r = 0; r < ROUNDS; r++) {
    const servers = [];
    for (const name of names) servers.push(await startHelper('hello.cjs', cases[name].argv, cases[name].env, 0));
    const load = await runLoad(
      servers.map((s) => s.port),
      2000,
      seconds * 1000,
    );
    const peaks = [];
    for (const server of servers) {
      // Peak memory under load that does not pause: each server alone for a moment more.
      await runLoad([server.port], 0, 2000);
      server.child.send('rss');
      peaks.push((await once(server.child, (m) => m && m.maxRssKiB)).maxRssKiB / 1024);
      server.child.kill('SIGKILL');
    }
    // Every request traced and exported means none dropped: the agent warns when its queue overflows.
    if (/spans dropped/.test(servers[at.traced].stderr) || (BASELINE && /spans dropped/.test(servers[at.baseline].stderr))) dropped = true;
    turns.push(...load.rounds);
    rss.push(peaks);
    console.log(`  round ${r + 1}: ` + names.map((n) => `${n} ${Math.round(load.rps[at[n]])} req/s`).join(', ') + ` (${load.rounds.length} turns each)`);
  }
  sink.child.send('stats');
  const stats = await once(sink.child, (m) => m && m.requests !== undefined);
  sink.child.kill('SIGKILL');
  console.log(`  sink received ${stats.requests} OTLP requests, ${(stats.bytes / 1048576).toFixed(1)} MiB`);
  if (otelSink) {
    otelSink.child.send('stats');
    const o = await once(otelSink.child, (m) => m && m.requests !== undefined);
    otelSink.child.kill('SIGKILL');
    console.log(`  the official agent's sink received ${o.requests} OTLP requests, ${(o.bytes / 1048576).toFixed(1)} MiB`);
  }
  const delivered = stats.requests > 0 && !dropped;
  if (!delivered)
    console.log(
      `  NOT ALL EXPORTED: ${stats.requests === 0 ? 'the sink received nothing' : 'the traced server dropped spans'}; the throughput figure does not count`,
    );
  // Each round of turns gives one ratio per case; the figure is their median.
  const ratios = (name) => turns.map((t) => t[at[name]] / t[at.bare]).sort((a, b) => a - b);
  const show = (name) => {
    const v = ratios(name);
    return `${median(v).toFixed(2)}× bare (middle half of ${v.length} rounds of turns: ${v[Math.floor(v.length / 4)].toFixed(2)}–${v[Math.floor((3 * v.length) / 4)].toFixed(2)})`;
  };
  const rps = (name) => Math.round(median(turns.map((t) => t[at[name]])));
  row(
    'throughput, every request traced + exported (OTLP/protobuf)',
    rps('bare'),
    rps('traced'),
    `${show('traced')}${delivered ? '' : ' (spans dropped)'}`,
    '≥ 0.80×, no span dropped',
    delivered && median(ratios('traced')) >= 0.8,
  );
  if (BASELINE)
    row(
      `throughput, every request traced + exported by BENCH_BASELINE (${BASELINE})`,
      rps('bare'),
      rps('baseline'),
      show('baseline'),
      'compare with the row above',
      undefined,
    );
  if (OTEL)
    row(
      `throughput, every request traced + exported by the official OpenTelemetry agent ${officialAgent().version}`,
      rps('bare'),
      rps('otel'),
      show('otel'),
      'compare with the row above',
      undefined,
    );
  if (OTEL)
    row(
      "throughput, a second bare node, in the turn after the official agent's",
      rps('bare'),
      rps('afterOtel'),
      show('afterOtel'),
      'reference: what that agent leaves to the next turn',
      undefined,
    );
  row('throughput, sampler always_off', rps('bare'), rps('unsampled'), show('unsampled'), 'close to the floor below', undefined);
  row('throughput, AsyncLocalStorage alone, no agent (the floor for carrying context)', rps('bare'), rps('context'), show('context'), 'reference', undefined);
  const bareRss = median(rss.map((p) => p[at.bare]));
  const added = (name) => median(rss.map((p) => p[at[name]] - p[at.bare]));
  const rssAdded = added('traced');
  row(
    'peak RSS added under that load',
    `${bareRss.toFixed(1)} MiB`,
    `${median(rss.map((p) => p[at.traced])).toFixed(1)} MiB`,
    `+${rssAdded.toFixed(1)} MiB`,
    '≤ 20 MiB',
    rssAdded <= 20,
  );
  if (OTEL) {
    const rssOtel = added('otel');
    row(
      'peak RSS added under that load, official OpenTelemetry agent',
      `${bareRss.toFixed(1)} MiB`,
      `${median(rss.map((p) => p[at.otel])).toFixed(1)} MiB`,
      `+${rssOtel.toFixed(1)} MiB`,
      'compare with the row above',
      undefined,
    );
  }
  // Part of the figure above (on Node 24, with memory its Maglev compiler takes for the hot paths).
  const rssContext = added('context');
  row(
    'peak RSS added, AsyncLocalStorage alone, no agent',
    `${bareRss.toFixed(1)} MiB`,
    `${median(rss.map((p) => p[at.context])).toFixed(1)} MiB`,
    `${rssContext < 0 ? '−' : '+'}${Math.abs(rssContext).toFixed(1)} MiB`,
    'reference',
    undefined,
  );
}

/**
 * An express app (a route with a parameter, GET /users/:id) with every request
 * traced and exported, beside the same app on bare node: what a real framework
 * leaves of the agent's cost (the route naming included), in the same turns as above.
 */
async function expressThroughput() {
  const seconds = 8;
  console.log(
    `express: an express app, GET /users/:id, bare and traced side by side, taking turns under ${CONNECTIONS} keep-alive connections; ${ROUNDS} rounds of ${seconds} s, fresh servers each`,
  );
  const sink = await startHelper('sink.cjs', [], {}, 1);
  const cases = {
    bare: { argv: [], env: {} },
    traced: { argv: AGENT, env: { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${sink.port}`, OTEL_SERVICE_NAME: 'bench-express' } },
  };
  const turns = [];
  let dropped = false;
  for (let r = 0; r < ROUNDS; r++) {
    const servers = [];
    for (const name of Object.keys(cases)) servers.push(await startHelper('express.cjs', cases[name].argv, cases[name].env, 0));
    const load = await runLoad(
      servers.map((s) => s.port),
      2000,
      seconds * 1000,
      '/users/42',
    );
    for (const server of servers) server.child.kill('SIGKILL');
    if (/spans dropped/.test(servers[1].stderr)) dropped = true;
    turns.push(...load.rounds);
    console.log(`  round ${r + 1}: bare ${Math.round(load.rps[0])} req/s, traced ${Math.round(load.rps[1])} req/s (${load.rounds.length} turns each)`);
  }
  sink.child.send('stats');
  const stats = await once(sink.child, (m) => m && m.requests !== undefined);
  sink.child.kill('SIGKILL');
  const delivered = stats.requests > 0 && !dropped;
  const ratios = turns.map((t) => t[1] / t[0]).sort((a, b) => a - b);
  const rps = (i) => Math.round(median(turns.map((t) => t[i])));
  row(
    'throughput, express app with a parameter route, every request traced + exported',
    rps(0),
    rps(1),
    `${median(ratios).toFixed(2)}× bare express (middle half of ${ratios.length} rounds of turns: ${ratios[Math.floor(ratios.length / 4)].toFixed(2)}–${ratios[Math.floor((3 * ratios.length) / 4)].toFixed(2)})${delivered ? '' : ' (spans dropped)'}`,
    'reference',
    undefined,
  );
}

function timeRun(args, env = {}, cwd = ROOT) {
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { cwd, env: { PATH: process.env.PATH, ...env }, stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}`);
  return Number(process.hrtime.bigint() - t) / 1e6;
}

function startup() {
  const n = ROUNDS * 6;
  console.log(`startup: empty script, and one loading express and pg, ${n} interleaved runs each`);
  const cjs = path.join(__dirname, 'empty.cjs');
  const esm = path.join(__dirname, 'empty.mjs');
  const app = path.join(__dirname, 'express-pg.cjs');
  // --import starts Node's ESM loader, which an ESM app starts anyway; for a
  // CommonJS app that is part of what the flag costs, so both are shown.
  const cases = {
    bareCjs: [cjs],
    require: ['-r', 'tracing-agent/register', cjs],
    importCjs: [...AGENT, cjs],
    bareEsm: [esm],
    importEsm: [...AGENT, esm],
    bareApp: [app],
    requireApp: ['-r', 'tracing-agent/register', app],
  };
  // The baseline is named as a user names the agent, by its package name (run from inside its
  // checkout, where the name refers to itself): resolving a package's exports costs ~1.5 ms that a path does not.
  if (BASELINE) {
    cases.baselineRequire = ['-r', 'tracing-agent/register', cjs];
    cases.baselineImportEsm = [...AGENT, esm];
    cases.baselineRequireApp = ['-r', 'tracing-agent/register', app];
  }
  // The official agent with its defaults, and nothing to export (no span is made).
  const otelEnv = OTEL ? officialEnv('http://127.0.0.1:4318', 'bench') : {};
  if (OTEL) {
    const { register } = officialAgent();
    cases.otelRequire = ['--require', register, cjs];
    cases.otelImportEsm = ['--import', register, esm];
  }
  const t = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  for (let i = 0; i < n; i++) {
    for (const [k, args] of Object.entries(cases)) t[k].push(timeRun(args, k.startsWith('otel') ? otelEnv : {}, k.startsWith('baseline') ? BASELINE : ROOT));
  }
  const added = (k, base) => median(t[k].map((x, i) => x - t[base][i]));
  const show = (label, k, base, target = '≤ 15 ms') => {
    const a = added(k, base);
    row(label, `${median(t[base]).toFixed(1)} ms`, `${median(t[k]).toFixed(1)} ms`, `+${a.toFixed(1)} ms`, target, target === '≤ 15 ms' ? a <= 15 : undefined);
  };
  show('startup added, -r (empty CommonJS script)', 'require', 'bareCjs');
  show('startup added, --import (empty ESM script)', 'importEsm', 'bareEsm');
  show('startup added, --import (empty CommonJS script, ESM loader included)', 'importCjs', 'bareCjs');
  show('startup added, -r, a script that loads express and pg', 'requireApp', 'bareApp', 'reference');
  if (BASELINE) {
    show('startup added by BENCH_BASELINE, -r (empty CommonJS script)', 'baselineRequire', 'bareCjs');
    show('startup added by BENCH_BASELINE, --import (empty ESM script)', 'baselineImportEsm', 'bareEsm');
    show('startup added by BENCH_BASELINE, -r, a script that loads express and pg', 'baselineRequireApp', 'bareApp', 'reference');
  }
  if (OTEL) {
    show('startup added by the official OpenTelemetry agent, --require (empty CommonJS script)', 'otelRequire', 'bareCjs', 'compare');
    show('startup added by the official OpenTelemetry agent, --import (empty ESM script)', 'otelImportEsm', 'bareEsm', 'compare');
  }
}

async function exitDelays() {
  const n = ROUNDS * 2;
  console.log(`exit delay: a script that ends one span and leaves one open, ending by itself or by process.exit(), ${n} interleaved runs each`);
  const script = path.join(__dirname, 'exit-script.cjs');
  // A collector that answers, one that refuses connections (a port nobody
  // listens on), one that accepts and never answers.
  const sink = await startHelper('sink.cjs');
  const probe = net.createServer().listen(0, '127.0.0.1');
  await new Promise((r) => probe.once('listening', r));
  const refusedPort = probe.address().port;
  await new Promise((r) => probe.close(r));
  const held = [];
  const silent = net.createServer((s) => held.push(s)).listen(0, '127.0.0.1');
  await new Promise((r) => silent.once('listening', r));
  const silentPort = silent.address().port;
  const collectors = { answering: sink.port, refusing: refusedPort, silent: silentPort };
  // The benchmark's own event loop must stay free while the children run.
  const timeAsync = (args, env) =>
    new Promise((resolve, reject) => {
      const started = process.hrtime.bigint();
      const p = spawn(process.execPath, args, { cwd: ROOT, env: { PATH: process.env.PATH, ...env }, stdio: 'ignore' });
      p.on('close', (code) => (code === 0 ? resolve(Number(process.hrtime.bigint() - started) / 1e6) : reject(new Error(`exit ${code}`))));
    });
  // The baseline is the same traced script with its exporter off: agent start
  // and SDK load are paid alike, so the difference is what the exit costs.
  const t = {};
  const cases = {};
  for (const how of ['end', 'exit']) {
    cases[`${how}-off`] = { OTEL_TRACES_EXPORTER: 'none' };
    for (const [c, port] of Object.entries(collectors)) cases[`${how}-${c}`] = { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}` };
  }
  for (const k of Object.keys(cases)) t[k] = [];
  t.bare = [];
  for (let i = 0; i < n; i++) {
    t.bare.push(await timeAsync([script]));
    for (const [k, env] of Object.entries(cases)) t[k].push(await timeAsync([...AGENT, script, k.split('-')[0]], env));
  }
  for (const s of held) s.destroy();
  silent.close();
  sink.child.kill('SIGKILL');
  const added = (k, base) => median(t[k].map((x, i) => x - t[base][i]));
  const show = (label, k, base, target, limit) => {
    const a = added(k, base);
    row(
      label,
      `${median(t[base]).toFixed(0)} ms`,
      `${median(t[k]).toFixed(0)} ms`,
      `${a < 0 ? '−' : '+'}${Math.abs(a / 1000).toFixed(2)} s`,
      target,
      limit === undefined ? undefined : a <= limit,
    );
  };
  console.log(
    `  (bare node runs the script in ${median(t.bare).toFixed(0)} ms; traced with the exporter off, ${median(t['end-off']).toFixed(0)} ms; delays below are against the latter)`,
  );
  show('exit delay, collector answering, loop drains (for reference)', 'end-answering', 'end-off', 'reference');
  show('exit delay, collector answering, process.exit() (sender thread start included)', 'exit-answering', 'exit-off', 'reference');
  show('exit delay, collector refusing connections, loop drains', 'end-refusing', 'end-off', '≤ 0.5 s', 500);
  show('exit delay, collector refusing connections, process.exit()', 'exit-refusing', 'exit-off', '≤ 0.5 s', 500);
  show('exit delay, collector never answering, loop drains', 'end-silent', 'end-off', '≤ 3 s', 3000);
  show('exit delay, collector never answering, process.exit()', 'exit-silent', 'exit-off', '≤ 3 s', 3000);
}

function install() {
  console.log('install: npm pack, then a production install into an empty project');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tracing-agent-install-'));
  try {
    const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: ROOT, encoding: 'utf8' }).trim().split('\n').pop();
    fs.writeFileSync(path.join(dir, 'package.json'), '{"name":"probe","version":"1.0.0","private":true}');
    execFileSync('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', path.join(dir, tarball)], { cwd: dir, stdio: 'ignore' });
    const kib = Number(execFileSync('du', ['-sk', path.join(dir, 'node_modules')], { encoding: 'utf8' }).split('\t')[0]);
    const lock = JSON.parse(fs.readFileSync(path.join(dir, 'package-lock.json'), 'utf8'));
    const packages = Object.keys(lock.packages).filter((k) => k.startsWith('node_modules/')).length;
    row('production install', '', '', `${(kib / 1024).toFixed(1)} MiB in ${packages} packages`, '≤ 32 MiB, ≤ 40 packages', kib / 1024 <= 32 && packages <= 40);
    if (OTEL) {
      const o = officialAgent();
      row(
        `production install, official OpenTelemetry agent ${o.version} with @opentelemetry/api`,
        '',
        '',
        `${o.installMiB.toFixed(1)} MiB in ${o.packages} packages`,
        'compare',
        undefined,
      );
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Per-component micro-benchmarks that live beside this file (bench/*.bench.js). */
function extras() {
  for (const file of fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith('.bench.js'))
    .sort()) {
    console.log(`${file}:`);
    const r = spawnSync(process.execPath, [path.join(__dirname, file)], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, BENCH_ROUNDS: String(ROUNDS) } });
    for (const line of (r.stdout || '').trim().split('\n').filter(Boolean)) {
      console.log(`  ${line}`);
      rows.push({ figure: line });
    }
    if (r.status !== 0) console.log(`  (failed: ${(r.stderr || '').trim().split('\n').pop()})`);
  }
}

/** BENCH_NODE=22: the same benchmark on the Node binary the tests use for that major (installed on first use). */
function onOtherNode() {
  const major = process.env.BENCH_NODE;
  if (!major || major === process.versions.node.split('.')[0]) return false;
  const { findNode } = require('../test/support/node-versions');
  const found = findNode(major);
  if (found.reason) throw new Error(found.reason);
  const r = spawnSync(found.bin, [__filename], { stdio: 'inherit', env: process.env });
  process.exit(r.status === null ? 1 : r.status);
}

async function main() {
  onOtherNode();
  if (OTEL) officialAgent(); // installed before anything is timed
  console.log(`tracing-agent benchmark on Node ${process.version}, ${os.cpus().length} cores; medians of interleaved rounds\n`);
  if (ONLY.includes('throughput')) await throughput();
  if (ONLY.includes('express')) await expressThroughput();
  if (ONLY.includes('startup')) startup();
  if (ONLY.includes('exit')) await exitDelays();
  if (ONLY.includes('install')) install();
  if (ONLY.includes('extra')) extras();
  console.log('\nsummary');
  for (const r of rows.filter((x) => x.target))
    console.log(`  ${r.ok === false ? 'MISSED' : r.ok ? 'ok    ' : '      '} ${r.figure}: ${r.result} (target ${r.target})`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

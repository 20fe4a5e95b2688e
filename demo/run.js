'use strict';
// `npm run demo`: the local viewer, services running under the agent
// (frontend → backend, the backend on SQLite, and on PostgreSQL and Redis when
// they answer on their default local ports; frontend → RabbitMQ → worker when
// RabbitMQ answers), some traffic including one failing request, the number of
// traces the viewer then holds (asked through its query API), and the viewer's
// URL to open. The viewer keeps running until Ctrl-C.
//
//   npm run demo                 ports 16686 (page), 4318 (OTLP), … or any free ones when taken
//   npm run demo -- --once       stop the services after the traffic, say what the viewer received, close it and exit
//                                (DEMO_ONCE=1 does the same)
//   npm run demo -- --port 8080  the page on another port
//   node demo/run.js --once --viewer http://127.0.0.1:16686 --otlp http://127.0.0.1:4318
//                                send to a viewer that is already running (the browser test does)
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const REGISTER = path.join(ROOT, 'register.mjs');
const args = process.argv.slice(2);
const once = args.includes('--once') || /^(1|true|yes)$/i.test(process.env.DEMO_ONCE || '');
const option = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const uiPort = Number(option('--port') || 16686);
const external = option('--viewer') && option('--otlp') ? { urls: { ui: option('--viewer'), otlp: option('--otlp') }, close: async () => {} } : undefined;

function say(line = '') {
  process.stdout.write(line + '\n');
}

if (!fs.existsSync(path.join(ROOT, 'dist', 'ui', 'server.js')) || !fs.existsSync(path.join(ROOT, 'dist', 'tracing-agent.js'))) {
  console.error('dist/ is missing: run `npm install` (or `npm run build`) first');
  process.exit(1);
}
const { startViewer } = require('../dist/ui/server');

/** True when something accepts TCP connections at host:port within `ms`. */
function reachable(port, host = '127.0.0.1', ms = 400) {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(ms, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** The default ports when free, else any free ones (a real Jaeger may hold them); --once needs none in particular. */
async function startTheViewer() {
  if (once) return startViewer({ port: option('--port') ? uiPort : 0, otlpPort: 0, jaegerPort: 0, jaegerAgentPort: 0 });
  try {
    return await startViewer({ port: uiPort, otlpPort: 4318, jaegerPort: 14268, jaegerAgentPort: 6832 });
  } catch (err) {
    say(`(${err.message}: using free ports instead)`);
    return startViewer({ port: 0, otlpPort: 0, jaegerPort: 0, jaegerAgentPort: 0 });
  }
}

/** @typedef {import('node:child_process').ChildProcess & { url?: string }} Service a demo service's process, with its URL once it listens */

/** @returns {Promise<Service>} */
function startService(role, env) {
  // Only what the demo sets: OTEL_* variables of this shell would change what the agent does.
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OTEL_') && k !== 'NODE_OPTIONS'));
  return new Promise((resolve, reject) => {
    /** @type {Service} */
    const child = spawn(process.execPath, ['--import', REGISTER, path.join(__dirname, 'shop.js')], {
      cwd: ROOT,
      env: { ...base, ...env, ROLE: role, OTEL_SERVICE_NAME: role, OTEL_BSP_SCHEDULE_DELAY: '200' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening (\d+)/.exec(out);
      if (m && !child.url) {
        child.url = `http://127.0.0.1:${m[1]}`;
        resolve(child);
      }
    });
    child.on('exit', (code, signal) => {
      if (!child.url) reject(new Error(`the ${role} service exited (${signal || code}) before listening`));
    });
  });
}

/** Every trace the viewer holds, asked as any client of its query API would: each service's traces, by trace id. */
async function viewerTraces(ui) {
  /** @param {string} p */
  const get = (p) => fetch(ui + p).then((r) => /** @type {Promise<{ data: any[] }>} */ (r.json()));
  const byId = new Map();
  for (const service of (await get('/api/services')).data)
    for (const trace of (await get(`/api/traces?service=${encodeURIComponent(service)}&limit=100000`)).data) byId.set(trace.traceID, trace);
  return [...byId.values()];
}

/** What a trace is, in a few words: its root span's service and operation. */
function describe(trace) {
  const ids = new Set(trace.spans.map((sp) => sp.spanID));
  const root = trace.spans.find((sp) => !sp.references.some((r) => ids.has(r.spanID))) || trace.spans[0];
  return `the ${trace.processes[root.processID].serviceName}'s \`${root.operationName}\``;
}

function stop(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', resolve);
    child.kill('SIGTERM'); // the agent delivers the last spans, then the process ends
  });
}

async function main() {
  const viewer = external || (await startTheViewer());
  const [pg, redis, amqp] = await Promise.all([reachable(5432), reachable(6379), reachable(5672)]);
  const stores = ['SQLite (better-sqlite3)', pg && 'PostgreSQL 127.0.0.1:5432', redis && 'Redis 127.0.0.1:6379'].filter(Boolean);
  const common = { OTEL_EXPORTER_OTLP_ENDPOINT: viewer.urls.otlp };
  let backend;
  let frontend;
  let worker;
  const shutdown = async (code) => {
    await Promise.all([stop(frontend), stop(backend), stop(worker)]);
    await viewer.close();
    process.exit(code);
  };
  const interrupted = () => {
    say('\nstopping the services and the viewer');
    shutdown(0);
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);

  try {
    backend = await startService('backend', { ...common, DEMO_PG: pg ? '1' : '', DEMO_REDIS: redis ? '1' : '' });
    // The queue hop only when RabbitMQ answers; the demo runs the same without it.
    if (amqp) {
      try {
        worker = await startService('worker', { ...common, DEMO_AMQP: '1', DEMO_PG: pg ? '1' : '' });
      } catch (err) {
        say(`(${err.message}: no queue hop)`);
      }
    }
    frontend = await startService('frontend', { ...common, BACKEND_URL: backend.url, DEMO_AMQP: worker ? '1' : '' });
  } catch (err) {
    console.error(err.message);
    return shutdown(1);
  }

  say(`tracing-agent demo: ${worker ? 'three' : 'two'} services under \`node --import tracing-agent/register\``);
  say(`  frontend  ${frontend.url}   (/order, /checkout)`);
  say(`  backend   ${backend.url}   (${stores.join(', ')})`);
  if (worker) say(`  worker    RabbitMQ 127.0.0.1:5672, queue demo.orders${pg ? ' (PostgreSQL)' : ''}`);
  // With --once the demo's own viewer closes when it ends: its address is not worth opening.
  if (once && !external) say(`  viewer    its own, for this run only (--once), receiving OTLP`);
  else say(`  viewer    ${viewer.urls.ui}   receiving OTLP at ${viewer.urls.otlp}`);
  say();

  const started = Date.now() - 1;
  const traffic = ['/order', '/order?item=7', '/order', '/checkout', '/order?item=9', '/order'];
  for (const p of traffic) {
    const res = await fetch(frontend.url + p);
    const body = (await res.text()).trim();
    say(`  GET ${p.padEnd(14)} → ${res.status} ${body}`);
  }

  // Wait (briefly) until the viewer holds every request's trace with the backend's spans in it,
  // asking it through its query API as any client would.
  const deadline = Date.now() + 8000;
  /** @type {any[]} */
  let traces;
  for (;;) {
    /** @param {string} operation */
    const query = (operation) =>
      fetch(`${viewer.urls.ui}/api/traces?service=frontend&operation=${operation}&limit=1000`).then((r) => /** @type {Promise<{ data: any[] }>} */ (r.json()));
    const res = await query('processOrder');
    const failed = await query('processPayment');
    traces = [...res.data, ...failed.data].filter((t) => t.spans.some((sp) => Number(sp.startTime) >= started * 1000));
    const withBackend = traces.filter((t) => Object.values(t.processes).some((p) => p.serviceName === 'backend'));
    // Each order also goes through the queue to the worker, when there is one.
    const orders = traffic.filter((p) => p.startsWith('/order')).length;
    const withWorker = traces.filter((t) => Object.values(t.processes).some((p) => p.serviceName === 'worker'));
    if ((withBackend.length >= traffic.length && (!worker || withWorker.length >= orders)) || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const complete = traces.length >= traffic.length;
  const requestTraces = new Set(traces.map((t) => t.traceID));

  // With --once the services stop first: each delivers its last spans as it ends, so the count below is final.
  // Otherwise, until nothing more arrives (the services export every 200 ms).
  if (once) await Promise.all([stop(frontend), stop(backend), stop(worker)]);
  let held = await viewerTraces(viewer.urls.ui);
  const spanCount = (list) => list.reduce((n, t) => n + t.spans.length, 0);
  for (const settle = Date.now() + 3000; !once && Date.now() < settle;) {
    await new Promise((r) => setTimeout(r, 400));
    const again = await viewerTraces(viewer.urls.ui);
    const same = again.length === held.length && spanCount(again) === spanCount(held);
    held = again;
    if (same) break;
  }
  const errors = held.filter((t) => t.spans.some((sp) => sp.tags.some((tag) => tag.key === 'error' && tag.value === true))).length;
  const others = held.filter((t) => !requestTraces.has(t.traceID));
  const besides = others.length === 0 ? '' : others.length <= 3 ? `, and ${others.map(describe).join(', ')}` : `, and ${others.length} others`;
  say();
  say(
    `The viewer holds ${held.length} traces (${spanCount(held)} spans, ${errors} with errors): ${requestTraces.size === traffic.length ? 'one for each request above' : `${requestTraces.size} of the ${traffic.length} requests above`}${besides}.`,
  );

  if (once) {
    await viewer.close();
    say(external ? `--once: the services are stopped; the traces are in ${viewer.urls.ui}` : '--once: the services and the viewer are stopped.');
    process.exit(complete ? 0 : 1);
  }
  say();
  say(`  Open ${viewer.urls.ui} in a browser to see them.`);
  say(`  More traffic: curl ${frontend.url}/order   (new traces appear in the page by themselves)`);
  say('  Ctrl-C stops the demo.');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

'use strict';
// A pg query traced versus untraced: the same loop of sequential queries on
// one connection, run bare and under the agent in interleaved rounds. The
// figure is the client process's CPU per query (what the agent adds there);
// wall time per query includes the server's work and is far noisier.
const { execFileSync, fork } = require('node:child_process');
const { once } = require('node:events');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const ROUNDS = Number(process.env.BENCH_ROUNDS || 5);
const SCRIPT = `
// CONTEXT_ONLY: an AsyncLocalStorage in use and no agent, the cost of carrying context through every await.
if (process.env.CONTEXT_ONLY) new (require('node:async_hooks').AsyncLocalStorage)().enterWith({});
const pg = require('pg');
const c = new pg.Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' });
(async () => {
  await c.connect();
  for (let i = 0; i < 300; i++) await c.query('SELECT $1::int AS n', [i]);
  const t = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  for (let i = 0; i < 2000; i++) await c.query("SELECT $1::int AS n, 'x' AS s", [i]);
  const used = process.cpuUsage(cpu);
  console.log(JSON.stringify({ wall: Number(process.hrtime.bigint() - t) / 2000 / 1000, cpu: (used.user + used.system) / 2000 }));
  await c.end();
})().catch((e) => { console.error(e.message); process.exit(1); });
`;

/**
 * @param {string[]} args
 * @param {Record<string, string>} [env]
 */
function run(args, env = { OTEL_TRACES_EXPORTER: 'none' }) {
  return JSON.parse(execFileSync(process.execPath, [...args, '-e', SCRIPT], { cwd: ROOT, encoding: 'utf8', env: { PATH: process.env.PATH, ...env } }).trim());
}

const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];

async function main() {
  // The exported variant sends every span over OTLP to a local sink that accepts all.
  const sink = fork(path.join(__dirname, 'sink.cjs'), { stdio: 'ignore' });
  const [{ port }] = await once(sink, 'message');
  const exported = { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, OTEL_SERVICE_NAME: 'bench' };
  const bare = [];
  const traced = [];
  const sent = [];
  const untouched = [];
  const context = [];
  try {
    for (let r = 0; r < ROUNDS; r++) {
      bare.push(run([]));
      traced.push(run(['-r', 'tracing-agent/register']));
      sent.push(run(['-r', 'tracing-agent/register'], exported));
      untouched.push(run(['-r', 'tracing-agent/register'], { OTEL_TRACES_EXPORTER: 'none', OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'pg' }));
      context.push(run([], { CONTEXT_ONLY: '1' }));
    }
  } finally {
    sink.kill();
  }
  const added = (list, key) => {
    const d = median(list.map((t, i) => t[key] - bare[i][key]));
    return `${d < 0 ? '−' : '+'}${Math.abs(d).toFixed(1)} µs`;
  };
  const of = (list, key) => `${median(list.map((t) => t[key])).toFixed(0)} µs`;
  console.log(
    `pg query, traced vs untraced: ${added(traced, 'cpu')} client CPU per query (${of(bare, 'cpu')} bare, ${of(traced, 'cpu')} traced; export off); wall ${added(traced, 'wall')} (${of(bare, 'wall')} bare)`,
  );
  console.log(`pg query, traced and exported over OTLP vs untraced: ${added(sent, 'cpu')} client CPU per query; wall ${added(sent, 'wall')}`);
  console.log(
    `pg query, no agent, an AsyncLocalStorage in use vs untraced: ${added(context, 'cpu')} client CPU per query (part of the traced figures above: any agent carrying context pays it on Node 20); wall ${added(context, 'wall')}`,
  );
  console.log(
    `pg query, agent loaded with the pg hook off vs untraced: ${added(untouched, 'cpu')} client CPU per query (the agent's own share); wall ${added(untouched, 'wall')}`,
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

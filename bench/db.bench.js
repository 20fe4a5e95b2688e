'use strict';
// A pg query traced versus untraced: the same loop of sequential queries on
// one connection, run bare and under the agent in interleaved rounds.
const { execFileSync, fork } = require('node:child_process');
const { once } = require('node:events');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const ROUNDS = Number(process.env.BENCH_ROUNDS || 5);
const SCRIPT = `
const pg = require('pg');
const c = new pg.Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' });
(async () => {
  await c.connect();
  for (let i = 0; i < 300; i++) await c.query('SELECT $1::int AS n', [i]);
  const t = process.hrtime.bigint();
  for (let i = 0; i < 2000; i++) await c.query("SELECT $1::int AS n, 'x' AS s", [i]);
  console.log(Number(process.hrtime.bigint() - t) / 2000 / 1000);
  await c.end();
})().catch((e) => { console.error(e.message); process.exit(1); });
`;

function run(args, env = { OTEL_TRACES_EXPORTER: 'none' }) {
  return Number(execFileSync(process.execPath, [...args, '-e', SCRIPT], { cwd: ROOT, encoding: 'utf8', env: { PATH: process.env.PATH, ...env } }).trim());
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
  try {
    for (let r = 0; r < ROUNDS; r++) {
      bare.push(run([]));
      traced.push(run(['-r', 'tracing-agent/register']));
      sent.push(run(['-r', 'tracing-agent/register'], exported));
      untouched.push(run(['-r', 'tracing-agent/register'], { OTEL_TRACES_EXPORTER: 'none', OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'pg' }));
    }
  } finally {
    sink.kill();
  }
  const added = (list) => median(list.map((t, i) => t - bare[i])).toFixed(1);
  console.log(`pg query, traced vs untraced: +${added(traced)} µs per query (${median(bare).toFixed(0)} µs bare, ${median(traced).toFixed(0)} µs traced; spans created, export off)`);
  console.log(`pg query, traced and exported over OTLP vs untraced: +${added(sent)} µs per query (${median(sent).toFixed(0)} µs)`);
  console.log(`pg query, agent loaded with the pg hook off vs untraced: +${added(untouched)} µs per query (the agent's own share)`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

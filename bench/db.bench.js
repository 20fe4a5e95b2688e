'use strict';
// A pg query traced versus untraced: the same loop of sequential queries on
// one connection, run bare and under the agent in interleaved rounds.
const { execFileSync } = require('node:child_process');
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

function run(args) {
  return Number(execFileSync(process.execPath, [...args, '-e', SCRIPT], { cwd: ROOT, encoding: 'utf8', env: { PATH: process.env.PATH, OTEL_TRACES_EXPORTER: 'none' } }).trim());
}

const bare = [];
const traced = [];
for (let r = 0; r < ROUNDS; r++) {
  bare.push(run([]));
  traced.push(run(['-r', 'tracing-agent/register']));
}
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
const added = median(traced.map((t, i) => t - bare[i]));
console.log(`pg query, traced vs untraced: +${added.toFixed(1)} µs per query (${median(bare).toFixed(0)} µs bare, ${median(traced).toFixed(0)} µs traced; spans created, export off)`);

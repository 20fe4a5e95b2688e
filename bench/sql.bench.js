'use strict';
// Cost of sanitising one query (and reading its summary), per query, median of rounds.
const { sanitizeSql, summarizeSql } = require('../dist/hooks/shared/sql');

const ROUNDS = Number(process.env.BENCH_ROUNDS || 5) * 4;
const QUERIES = [
  "SELECT id, name, email FROM users WHERE name = 'alice' AND age > 30 ORDER BY id LIMIT 10",
  'SELECT name FROM users WHERE id = $1',
  "INSERT INTO orders (user_id, total, note) VALUES (42, 99.95, 'gift wrap, please')",
  'UPDATE accounts SET balance = balance - 100 WHERE id IN (1, 2, 3, 4, 5)',
];

const perQuery = [];
for (let r = 0; r < ROUNDS; r++) {
  const t = process.hrtime.bigint();
  for (let i = 0; i < 5000; i++) {
    const q = QUERIES[i & 3];
    summarizeSql(sanitizeSql(q));
  }
  perQuery.push(Number(process.hrtime.bigint() - t) / 5000 / 1000);
}
perQuery.sort((a, b) => a - b);
console.log(`SQL sanitiser + summary: ${perQuery[perQuery.length >> 1].toFixed(2)} µs per query (typical 60–90 character queries)`);

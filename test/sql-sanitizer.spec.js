'use strict';
// The SQL sanitiser's table: what may leave the process for each kind of literal.
const assert = require('node:assert/strict');
const { sanitizeSql, summarizeSql } = require('../dist/hooks/sql');

const CASES = [
  // [dialect, input, expected]
  ['postgresql', "SELECT * FROM users WHERE name = 'alice'", 'SELECT * FROM users WHERE name = ?'],
  ['postgresql', "SELECT * FROM users WHERE name = 'o''brien' AND id = 7", 'SELECT * FROM users WHERE name = ? AND id = ?'],
  ['postgresql', 'SELECT * FROM t WHERE a = 1.5e3 AND b = -42 AND c = .5', 'SELECT * FROM t WHERE a = ? AND b = ? AND c = ?'],
  ['postgresql', 'SELECT a - 1 FROM t2', 'SELECT a - ? FROM t2'],
  ['postgresql', 'SELECT col1, table2.col3 FROM table2', 'SELECT col1, table2.col3 FROM table2'],
  ['postgresql', 'SELECT * FROM t WHERE id = $1 AND name = $2', 'SELECT * FROM t WHERE id = $1 AND name = $2'],
  ['postgresql', 'SELECT $$secret text$$, $tag$also secret$tag$', 'SELECT ?, ?'],
  ['postgresql', "SELECT E'line\\nbreak', X'DEADBEEF', B'1010'", 'SELECT ?, ?, ?'],
  ['postgresql', 'SELECT 0xFF, 0b101', 'SELECT ?, ?'],
  ['postgresql', 'SELECT * FROM t WHERE id IN (1, 2, 3, 4)', 'SELECT * FROM t WHERE id IN (?)'],
  ['postgresql', 'SELECT * FROM t WHERE id IN ($1, $2, $3)', 'SELECT * FROM t WHERE id IN (?)'],
  ['postgresql', "SELECT 1 -- password 'hunter2'\nFROM t", 'SELECT ? FROM t'],
  ['postgresql', "SELECT /* token 'abc' */ name FROM t", 'SELECT name FROM t'],
  ['postgresql', 'SELECT "Weird Column" FROM "My Table"', 'SELECT "Weird Column" FROM "My Table"'],
  ['postgresql', "SELECT 'unterminated", 'SELECT ?'],
  ['mysql', "SELECT * FROM users WHERE name = \"alice\" AND note = 'it\\'s'", 'SELECT * FROM users WHERE name = ? AND note = ?'],
  ['mysql', 'SELECT * FROM `orders` WHERE total > 100 # comment', 'SELECT * FROM `orders` WHERE total > ?'],
  ['mysql', 'SELECT * FROM t WHERE id IN (?, ?, ?)', 'SELECT * FROM t WHERE id IN (?)'],
  ['sqlite', "INSERT INTO logs (msg, at) VALUES ('boot', 1700000000)", 'INSERT INTO logs (msg, at) VALUES (?, ?)'],
  ['sqlite', 'UPDATE t SET v = :value WHERE k = @key', 'UPDATE t SET v = :value WHERE k = @key'],
];

const SUMMARIES = [
  ['SELECT * FROM users WHERE id = ?', { operation: 'SELECT', collection: 'users', summary: 'SELECT users' }],
  ['INSERT INTO public.orders (a) VALUES (?)', { operation: 'INSERT', collection: 'public.orders', summary: 'INSERT public.orders' }],
  ['UPDATE accounts SET x = ?', { operation: 'UPDATE', collection: 'accounts', summary: 'UPDATE accounts' }],
  ['DELETE FROM `sessions` WHERE id = ?', { operation: 'DELETE', collection: 'sessions', summary: 'DELETE sessions' }],
  ['CREATE TABLE IF NOT EXISTS t1 (id int)', { operation: 'CREATE TABLE', collection: 't1', summary: 'CREATE TABLE t1' }],
  ['BEGIN', { operation: 'BEGIN', collection: undefined, summary: 'BEGIN' }],
  ['SELECT ?', { operation: 'SELECT', collection: undefined, summary: 'SELECT' }],
  ['not sql at all', {}],
];

describe('SQL sanitiser', () => {
  for (const [dialect, input, expected] of CASES) {
    it(`${dialect}: ${JSON.stringify(input)}`, () => assert.equal(sanitizeSql(input, dialect), expected));
  }
  for (const [input, expected] of SUMMARIES) {
    it(`summary of ${JSON.stringify(input)}`, () => assert.deepEqual(summarizeSql(input), expected));
  }
});

'use strict';
// The SQL sanitiser's table: what may leave the process for each kind of literal.
const assert = require('node:assert/strict');
const { sanitizeSql, summarizeSql } = require('../dist/hooks/shared/sql');

// One case per line: dialect, query, sanitised query.
// prettier-ignore
/** @type {Array<[import('../dist/hooks/shared/sql').SqlDialect, string, string]>} */
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
  // PostgreSQL nests block comments: nothing of the outer one is kept
  ['postgresql', 'SELECT /* a /* nested */ secret */ 1', 'SELECT ?'],
  ['mysql', 'SELECT /* a /* b */ c FROM t', 'SELECT c FROM t'],
  // digits grouped with underscores, octal, hex and binary forms are one literal each
  ['postgresql', 'SELECT * FROM cards WHERE pan = 4111_1111_1111_1111', 'SELECT * FROM cards WHERE pan = ?'],
  ['postgresql', 'SELECT 0o17, 0x1F_FF, 0b1010_0101', 'SELECT ?, ?, ?'],
  ['postgresql', "SELECT U&'d\\0061t' FROM t", 'SELECT U&? FROM t'],
  ['postgresql', "SELECT data->>'ssn' FROM t WHERE data @> '{\"k\":1}' AND x = ANY(ARRAY[1,2])", 'SELECT data->>? FROM t WHERE data @> ? AND x = ANY(ARRAY[?,?])'],
  ['postgresql', "SELECT * FROM t WHERE d > now() - interval '7 days' LIMIT 10", 'SELECT * FROM t WHERE d > now() - interval ? LIMIT ?'],
  ['mysql', "SELECT _utf8mb4'secret', N'nat', b'0101', X'4142' FROM t", 'SELECT _utf8mb4?, ?, ?, ? FROM t'],
  ['mysql', "SELECT * FROM t WHERE a = 'x\\\\' AND b = 'y'", 'SELECT * FROM t WHERE a = ? AND b = ?'],
  ['mysql', "CALL proc('secret', 42)", 'CALL proc(?, ?)'],
  // numbered placeholders keep their number; lists of them collapse
  ['sqlite', 'SELECT * FROM t WHERE a = ?1 AND b = ?2', 'SELECT * FROM t WHERE a = ?1 AND b = ?2'],
  ['sqlite', 'SELECT * FROM t WHERE id IN (?1, ?2, ?3)', 'SELECT * FROM t WHERE id IN (?)'],
];

/** @type {Array<[string, object]>} */
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

describe('SQL sanitiser: no literal survives, whatever its form and place', () => {
  const WORD = 'zqxjvsecret';
  // One line of literals per dialect.
  // prettier-ignore
  const strings = {
    postgresql: [`'${WORD}'`, `'it''s ${WORD}'`, `E'\\'${WORD}\\''`, `$$${WORD}$$`, `$q$ ${WORD} $$ $q$`, `U&'${WORD}'`, `/* ${WORD} /* ${WORD} */ ${WORD} */ ?`, `? -- ${WORD}\n`],
    mysql: [`'${WORD}'`, `"${WORD}"`, `'\\'${WORD}'`, `"\\"${WORD}"`, `_utf8mb4'${WORD}'`, `N'${WORD}'`, `/* ${WORD} */ ?`, `? # ${WORD}\n`, `? -- ${WORD}\n`],
    sqlite: [`'${WORD}'`, `'it''s ${WORD}'`, `/* ${WORD} */ ?`, `? -- ${WORD}\n`],
  };
  const numbers = [
    '4111111111111111',
    '-4111111111111111',
    '4111_1111_1111_1111',
    '4111111111111111.25',
    '4111111111111111e3',
    '0x4111111111111111',
    "X'4111111111111111'",
  ];
  const shapes = [
    (v) => `SELECT a FROM t WHERE x = ${v} AND y = 1`,
    (v) => `SELECT a FROM t WHERE x IN (${v}, ${v}) ORDER BY a`,
    (v) => `INSERT INTO t (a, b) VALUES (${v}, ${v}), (${v}, ?)`,
    (v) => `UPDATE t SET a = ${v} WHERE b = ${v}`,
    (v) => `SELECT f(${v})::text, ARRAY[${v}] FROM t`,
  ];
  for (const dialect of /** @type {Array<keyof typeof strings>} */ (Object.keys(strings))) {
    it(`${dialect}: strings, comments and numbers`, () => {
      for (const shape of shapes) {
        for (const v of [...strings[dialect], ...numbers]) {
          const input = shape(v);
          const out = sanitizeSql(input, dialect);
          assert.ok(!out.includes(WORD) && !/4111/.test(out), `${JSON.stringify(input)} → ${JSON.stringify(out)}`);
        }
      }
    });
  }
});

describe('database error text', () => {
  const { scrubErrorText, dbStatusCode } = require('../dist/hooks/shared/db-errors');
  const MESSAGES = [
    ["Duplicate entry 'alice@example.com' for key 'PRIMARY'", 'Duplicate entry ? for key ?'],
    ['invalid input syntax for type integer: "abc"', 'invalid input syntax for type integer: ?'],
    ["Incorrect integer value: 'it''s \\' x' for column 'n' at row 1", 'Incorrect integer value: ? for column ? at row 1'],
    ["unterminated 'secret", 'unterminated ?'],
    ['ERR value is not an integer or out of range', 'ERR value is not an integer or out of range'],
  ];
  for (const [input, expected] of MESSAGES) it(`scrubs ${JSON.stringify(input)}`, () => assert.equal(scrubErrorText(input), expected));

  it('reads each database’s own code, and none for client-side failures', () => {
    assert.equal(dbStatusCode({ code: 'ER_DUP_ENTRY', errno: 1062, sqlState: '23000' }), '1062');
    assert.equal(dbStatusCode({ code: '23505', severity: 'ERROR' }), '23505');
    assert.equal(
      dbStatusCode(Object.assign(new Error('UNIQUE constraint failed: t.a'), { name: 'SqliteError', code: 'SQLITE_CONSTRAINT_UNIQUE' })),
      'SQLITE_CONSTRAINT_UNIQUE',
    );
    class ReplyError extends Error {}
    assert.equal(dbStatusCode(new ReplyError('WRONGTYPE Operation against a key holding the wrong kind of value')), 'WRONGTYPE');
    assert.equal(dbStatusCode(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED', errno: -111 })), undefined);
  });
});

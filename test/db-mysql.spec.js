'use strict';
// mysql2 (callback and promise APIs) and mysql against the real MariaDB on this
// machine: spans under their request, sanitised text, MariaDB recognised.
const assert = require('node:assert/strict');
const { startReceiver } = require('./support/receiver');
const { agentEnv, startService, get, fixture } = require('./support/processes');
const { packageAt, oldestAndNewest, projectPackage } = require('./support/deps');

const SERVER = 2;
const CLIENT = 3;
const ERROR = 2;

// mysql (the original driver): the oldest of its declared range and the registry's newest, resolved when this file loads.
const [MYSQL_OLDEST, MYSQL_NEWEST] = oldestAndNewest('mysql');

describe('mysql2 and mysql', function () {
  this.timeout(60000);
  let receiver;
  const older = {};

  before(async function () {
    this.timeout(300000); // a first run installs the versions tested
    receiver = await startReceiver();
    older.mysql2 = packageAt('mysql2', '2');
    projectPackage('mysql2'); // recorded among the versions tested: the tests without DRIVER_MODULE run it
    for (const v of [MYSQL_OLDEST, MYSQL_NEWEST]) {
      try {
        v.install();
      } catch {}
    }
  });
  after(async () => receiver && receiver.close());
  beforeEach(() => receiver.reset());

  const variants = [
    { label: 'mysql2 3, callbacks, --import', driver: 'mysql2', flag: 'import' },
    { label: 'mysql2 3, mysql2/promise, -r', driver: 'mysql2/promise', flag: 'require' },
    { label: 'mysql2 2, callbacks, --import', driver: 'mysql2', flag: 'import', older: 'mysql2' },
    { label: 'mysql2 2, mysql2/promise, --import', driver: 'mysql2/promise', flag: 'import', older: 'mysql2' },
    { label: `${MYSQL_NEWEST.label}, --import`, driver: 'mysql', flag: 'import', copy: MYSQL_NEWEST },
    { label: `${MYSQL_NEWEST.label}, -r`, driver: 'mysql', flag: 'require', copy: MYSQL_NEWEST },
    { label: `${MYSQL_OLDEST.label}, --import`, driver: 'mysql', flag: 'import', copy: MYSQL_OLDEST },
    { label: `${MYSQL_OLDEST.label}, -r`, driver: 'mysql', flag: 'require', copy: MYSQL_OLDEST },
    { label: 'mysql2 3, pool cluster, callbacks, -r', driver: 'mysql2', flag: 'require', cluster: true },
    { label: 'mysql2 3, pool cluster, mysql2/promise, --import', driver: 'mysql2/promise', flag: 'import', cluster: true },
  ];
  for (const v of variants) {
    it(`${v.label}: queries under their request, sanitised, MariaDB recognised`, async () => {
      const scope = `tracing-agent/${v.driver === 'mysql' ? 'mysql' : 'mysql2'}`;
      const env = agentEnv(receiver, { OTEL_SERVICE_NAME: 'mysql-app', DRIVER: v.driver, DRIVER_MODULE: v.copy ? v.copy.dir() : v.older ? older[v.older] : undefined, POOL_CLUSTER: v.cluster ? '1' : undefined });
      const svc = await startService(fixture('db-mysql.cjs'), { flag: v.flag, env });
      try {
        assert.equal((await get(`${svc.url}/users`)).body, 'ok');
        const spans = await receiver.waitForSpans((s) => s.some((x) => x.kind === SERVER) && s.filter((x) => x.scope.name === scope).length >= 6);
        const server = spans.find((s) => s.kind === SERVER);
        const db = spans.filter((s) => s.scope.name === scope && s.traceId === server.traceId);
        assert.equal(db.length, 4, db.map((s) => s.name).join(', '));
        for (const s of db) {
          assert.equal(s.kind, CLIENT);
          assert.equal(s.parentSpanId, server.spanId, `${s.name} is a child of the request`);
          assert.equal(s.attributes['db.system.name'], 'mariadb');
          assert.equal(s.attributes['db.namespace'], 'test');
          assert.equal(s.attributes['server.address'], '127.0.0.1');
          assert.equal(s.attributes['server.port'], 3306);
        }
        const literal = db.find((s) => s.attributes['db.query.text'].includes('WHERE name'));
        assert.equal(literal.attributes['db.query.text'], 'SELECT id, name FROM ta_users WHERE name = ? AND id > ?');
        assert.equal(literal.name, 'SELECT ta_users');
        assert.equal(db.filter((s) => s.attributes['db.query.text'] === 'SELECT name FROM ta_users WHERE id = ?').length, 2, 'placeholders kept, values not formatted in');
        const failed = db.find((s) => s.attributes['db.query.text'] === 'SELECT ? FROM ta_missing_table');
        assert.equal(failed.status.code, ERROR);
        assert.equal(failed.attributes['db.response.status_code'], '1146', 'the MySQL error number');
        assert.equal(failed.attributes['error.type'], '1146');
        const everything = JSON.stringify(spans.map((s) => s.attributes));
        assert.ok(!everything.includes('alice') && !/\b42\b/.test(everything), 'no literal or bound value leaves the process');
      } finally {
        await svc.stop();
      }
    });
  }

  it('ESM app: import mysql from "mysql2/promise" is traced', async () => {
    const svc = await startService(fixture('db-mysql.mjs'), { flag: 'import', env: agentEnv(receiver, { OTEL_SERVICE_NAME: 'mysql-esm' }) });
    try {
      await get(svc.url);
      const spans = await receiver.waitForSpans((s) => s.some((x) => x.scope.name === 'tracing-agent/mysql2'));
      const server = spans.find((s) => s.kind === SERVER);
      const q = spans.find((s) => s.scope.name === 'tracing-agent/mysql2');
      assert.equal(q.attributes['db.query.text'], 'SELECT id FROM ta_users WHERE name = ?');
      assert.equal(q.parentSpanId, server && server.spanId);
    } finally {
      await svc.stop();
    }
  });

  const pools = [
    { label: 'mysql2: 50 concurrent requests on a pool of 2', driver: 'mysql2' },
    { label: `${MYSQL_NEWEST.label}: 50 concurrent requests on a pool of 2`, driver: 'mysql', copy: MYSQL_NEWEST },
    { label: 'mysql2 3: 50 concurrent requests on a pool cluster of two 1-connection pools', driver: 'mysql2', cluster: true },
    { label: 'mysql2 3, mysql2/promise: 50 concurrent requests on a pool cluster', driver: 'mysql2/promise', cluster: true },
    { label: 'mysql2 2: 50 concurrent requests on a pool cluster', driver: 'mysql2', cluster: true, older: 'mysql2' },
    { label: `${MYSQL_NEWEST.label}: 50 concurrent requests on a pool cluster`, driver: 'mysql', cluster: true, copy: MYSQL_NEWEST },
  ];
  for (const p of pools) {
    it(`${p.label}, every query under its own request`, async () => {
      const env = agentEnv(receiver, { OTEL_SERVICE_NAME: 'mysql-pool', DRIVER: p.driver, DRIVER_MODULE: p.copy ? p.copy.dir() : p.older ? older[p.older] : undefined, POOL_CLUSTER: p.cluster ? '1' : undefined });
      const svc = await startService(fixture('db-mysql.cjs'), { env });
      try {
        const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => get(`${svc.url}/concurrent?n=${i}`)));
        answers.forEach((a, i) => assert.equal(a.body, String(i)));
        const isQuery = (s) => s.attributes['db.query.text'] === 'SELECT SLEEP(?) AS s, ? AS n';
        const spans = await receiver.waitForSpans((s) => s.filter(isQuery).length >= 50 && s.filter((x) => x.kind === SERVER).length >= 50);
        const servers = new Map(spans.filter((s) => s.kind === SERVER).map((s) => [s.spanId, s]));
        const parents = new Set();
        for (const q of spans.filter(isQuery)) {
          const parent = servers.get(q.parentSpanId);
          assert.ok(parent, 'the query has a request span as parent');
          assert.equal(parent.traceId, q.traceId);
          parents.add(q.parentSpanId);
        }
        assert.equal(parents.size, 50, 'each request has its own query');
      } finally {
        await svc.stop();
      }
    });
  }
});

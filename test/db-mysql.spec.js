'use strict';
// mysql2 (callback and promise APIs) and mysql against the real MariaDB on this
// machine: spans under their request, sanitised text, MariaDB recognised.
// mysql2 is patched up to 3.19 and traced through its own TracingChannels from
// 3.20: both sides of that line are tested, with the oldest and the newest.
const assert = require('node:assert/strict');
const { startReceiver } = require('./support/receiver');
const { agentEnv, startService, get, fixture } = require('./support/processes');
const { ensurePackage, installAhead, oldestAndNewest, packageAt, projectPackage, projectVersion } = require('./support/deps');

const SERVER = 2;
const CLIENT = 3;
const ERROR = 2;

// mysql (the original driver): the oldest of its declared range and the registry's newest, resolved when this file loads.
const [MYSQL_OLDEST, MYSQL_NEWEST] = oldestAndNewest('mysql');

/** mysql2 at an exact version, shaped like an oldestAndNewest() entry. */
function mysql2At(version, which) {
  return {
    name: 'mysql2',
    which,
    version,
    label: `mysql2 ${version} (${which})`,
    skip: '',
    install: () => ensurePackage('mysql2', version),
    dir: () => packageAt('mysql2', version),
  };
}

// mysql2: the oldest of its range, the last version patched, the first that
// publishes its own channels, the registry's newest; the project's own copy
// (no DRIVER_MODULE) runs the promise, cluster and ESM variants.
const [MYSQL2_OLDEST, MYSQL2_NEWEST] = oldestAndNewest('mysql2');
const MYSQL2 = [MYSQL2_OLDEST, mysql2At('3.19.1', 'last patched'), mysql2At('3.20.0', 'first with channels'), MYSQL2_NEWEST];
const MYSQL2_OWN = `mysql2 ${projectVersion('mysql2')}`;

/** The way the agent is expected to trace this mysql2: through its channels from 3.20.0. */
function mysql2Path(version) {
  const [major, minor] = version.split('.').map(Number);
  return major > 3 || (major === 3 && minor >= 20) ? 'channels' : 'patch';
}

describe('mysql2 and mysql', function () {
  this.timeout(60000);
  let receiver;

  before(async function () {
    this.timeout(300000); // a first run installs the versions tested
    receiver = await startReceiver();
    projectPackage('mysql2'); // recorded among the versions tested: the tests without DRIVER_MODULE run it
    installAhead([MYSQL_OLDEST, MYSQL_NEWEST, ...MYSQL2]);
  });
  after(async () => receiver && receiver.close());
  beforeEach(() => receiver.reset());

  /** @type {Array<{ label: string, driver: string, flag: string, copy?: typeof MYSQL2_NEWEST, cluster?: boolean }>} */
  const variants = [
    { label: `${MYSQL2_OWN}, callbacks, --import`, driver: 'mysql2', flag: 'import' },
    { label: `${MYSQL2_OWN}, mysql2/promise, -r`, driver: 'mysql2/promise', flag: 'require' },
    ...MYSQL2.flatMap((copy) => [
      { label: `${copy.label}, callbacks, --import`, driver: 'mysql2', flag: 'import', copy },
      { label: `${copy.label}, mysql2/promise, -r`, driver: 'mysql2/promise', flag: 'require', copy },
    ]),
    { label: `${MYSQL_NEWEST.label}, --import`, driver: 'mysql', flag: 'import', copy: MYSQL_NEWEST },
    { label: `${MYSQL_NEWEST.label}, -r`, driver: 'mysql', flag: 'require', copy: MYSQL_NEWEST },
    { label: `${MYSQL_OLDEST.label}, --import`, driver: 'mysql', flag: 'import', copy: MYSQL_OLDEST },
    { label: `${MYSQL_OLDEST.label}, -r`, driver: 'mysql', flag: 'require', copy: MYSQL_OLDEST },
    { label: `${MYSQL2_OWN}, pool cluster, callbacks, -r`, driver: 'mysql2', flag: 'require', cluster: true },
    { label: `${MYSQL2_OWN}, pool cluster, mysql2/promise, --import`, driver: 'mysql2/promise', flag: 'import', cluster: true },
  ];
  for (const v of variants) {
    it(`${v.label}: queries under their request, sanitised, MariaDB recognised`, async function () {
      if (v.copy && v.copy.skip) this.skip();
      const scope = `tracing-agent/${v.driver === 'mysql' ? 'mysql' : 'mysql2'}`;
      const env = agentEnv(receiver, {
        OTEL_SERVICE_NAME: 'mysql-app',
        DRIVER: v.driver,
        DRIVER_MODULE: v.copy ? v.copy.dir() : undefined,
        POOL_CLUSTER: v.cluster ? '1' : undefined,
      });
      const svc = await startService(fixture('db-mysql.cjs'), { flag: v.flag, env });
      try {
        assert.equal((await get(`${svc.url}/users`)).body, 'ok');
        const spans = await receiver.waitForSpans((s) => s.some((x) => x.kind === SERVER) && s.filter((x) => x.scope.name === scope).length >= 6);
        const server = spans.find((s) => s.kind === SERVER);
        const db = spans.filter((s) => s.scope.name === scope && s.traceId === server.traceId);
        assert.equal(db.length, 4, db.map((s) => s.name).join(', '));
        assert.ok(
          spans.every((s) => s.scope.name !== scope || s.attributes['db.query.text']),
          'no span but queries: none for a handshake or a pool checkout',
        );
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
        assert.equal(
          db.filter((s) => s.attributes['db.query.text'] === 'SELECT name FROM ta_users WHERE id = ?').length,
          2,
          'placeholders kept, values not formatted in',
        );
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

  for (const copy of MYSQL2) {
    it(`${copy.label}: traced through its ${mysql2Path(copy.version)}; the text as the app wrote it, values never formatted in (raw text mode), MariaDB known after a handshake`, async function () {
      if (copy.skip) this.skip();
      const env = agentEnv(receiver, { OTEL_SERVICE_NAME: 'mysql-values', DRIVER: 'mysql2', DRIVER_MODULE: copy.dir(), TRACING_AGENT_DB_QUERY_TEXT: 'raw' });
      const svc = await startService(fixture('db-mysql.cjs'), { env });
      try {
        assert.equal((await get(`${svc.url}/tracing-path`)).body, mysql2Path(copy.version));
        assert.equal((await get(`${svc.url}/values`)).body, 'ok');
        const spans = await receiver.waitForSpans(
          (s) =>
            s.some((x) => x.kind === SERVER && x.attributes['url.path'] === '/values') && s.filter((x) => x.scope.name === 'tracing-agent/mysql2').length >= 5,
        );
        const server = spans.find((s) => s.kind === SERVER && s.attributes['url.path'] === '/values');
        const db = spans.filter((s) => s.scope.name === 'tracing-agent/mysql2' && s.traceId === server.traceId);
        assert.deepEqual(db.map((s) => s.attributes['db.query.text']).sort(), [
          'SELECT ? AS fresh',
          'SELECT id FROM ta_users WHERE name = ?',
          'SELECT name FROM ta_users WHERE name = ? OR id = ?',
        ]);
        for (const s of db) {
          assert.equal(s.parentSpanId, server.spanId);
          assert.equal(s.attributes['db.system.name'], 'mariadb', `${s.attributes['db.query.text']}: MariaDB, also when sent before the handshake`);
        }
        assert.ok(!JSON.stringify(db.map((s) => s.attributes)).includes('alice'), 'no bound value leaves the process');
      } finally {
        await svc.stop();
      }
    });
  }

  // A query whose callback issues an execute: with a pool of 2 (or a cluster of
  // two 1-connection pools), most requests wait for a connection that another
  // request's query releases, and every callback comes from a socket.
  for (const copy of MYSQL2) {
    for (const cluster of [false, true]) {
      it(`${copy.label}: 50 concurrent requests on ${cluster ? 'a pool cluster of two 1-connection pools' : 'a pool of 2'}, a query and an execute from its callback, both under their own request`, async function () {
        if (copy.skip) this.skip();
        const env = agentEnv(receiver, {
          OTEL_SERVICE_NAME: 'mysql-nested',
          DRIVER: 'mysql2',
          DRIVER_MODULE: copy.dir(),
          POOL_CLUSTER: cluster ? '1' : undefined,
        });
        const svc = await startService(fixture('db-mysql.cjs'), { env });
        try {
          const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => get(`${svc.url}/nested?n=${i}`)));
          answers.forEach((a, i) => assert.equal(a.body, String(i)));
          const isQuery = (s) => s.attributes['db.query.text'] === 'SELECT SLEEP(?) AS s, ? AS n';
          const isExecute = (s) => s.attributes['db.query.text'] === 'SELECT ? AS m';
          const spans = await receiver.waitForSpans(
            (s) => s.filter(isQuery).length >= 50 && s.filter(isExecute).length >= 50 && s.filter((x) => x.kind === SERVER).length >= 50,
          );
          const servers = new Map(spans.filter((s) => s.kind === SERVER).map((s) => [s.spanId, s]));
          for (const is of [isQuery, isExecute]) {
            const parents = new Set();
            for (const q of spans.filter(is)) {
              const parent = servers.get(q.parentSpanId);
              assert.ok(parent, `${q.attributes['db.query.text']} has a request span as parent`);
              assert.equal(parent.traceId, q.traceId);
              parents.add(q.parentSpanId);
            }
            assert.equal(parents.size, 50, 'each request has its own');
          }
        } finally {
          await svc.stop();
        }
      });
    }
  }

  const pools = [
    { label: `${MYSQL2_OWN}: 50 concurrent requests on a pool of 2`, driver: 'mysql2' },
    { label: `${MYSQL_NEWEST.label}: 50 concurrent requests on a pool of 2`, driver: 'mysql', copy: MYSQL_NEWEST },
    { label: `${MYSQL2_OWN}: 50 concurrent requests on a pool cluster of two 1-connection pools`, driver: 'mysql2', cluster: true },
    { label: `${MYSQL2_OWN}, mysql2/promise: 50 concurrent requests on a pool cluster`, driver: 'mysql2/promise', cluster: true },
    { label: `${MYSQL_NEWEST.label}: 50 concurrent requests on a pool cluster`, driver: 'mysql', cluster: true, copy: MYSQL_NEWEST },
  ];
  for (const p of pools) {
    it(`${p.label}, every query under its own request`, async () => {
      const env = agentEnv(receiver, {
        OTEL_SERVICE_NAME: 'mysql-pool',
        DRIVER: p.driver,
        DRIVER_MODULE: p.copy ? p.copy.dir() : undefined,
        POOL_CLUSTER: p.cluster ? '1' : undefined,
      });
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

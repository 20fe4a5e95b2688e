'use strict';
// pg against the real PostgreSQL on this machine: spans under the request that
// made them, sanitised text, attributes; the oldest and the newest pg, both module systems.
const assert = require('node:assert/strict');
const { startReceiver } = require('./support/receiver');
const { agentEnv, startService, get, fixture } = require('./support/processes');
const { installAhead, oldestAndNewest, projectPackage, projectVersion } = require('./support/deps');

const SERVER = 2;
const CLIENT = 3;
const ERROR = 2;

// The oldest pg of the declared range and the registry's newest (even a new major,
// so that it shows up here), resolved when this file loads.
const PG = oldestAndNewest('pg');
// The tests after the matrix run the project's own copy.
const PROJECT_PG = `pg ${projectVersion('pg')}`;

describe('pg', function () {
  this.timeout(60000);
  let receiver;

  before(async function () {
    this.timeout(300000); // a first run installs the versions tested
    receiver = await startReceiver();
    // Installed here, not in each test; a version that cannot be installed fails its own tests.
    installAhead(PG);
  });
  after(async () => receiver && receiver.close());
  beforeEach(() => receiver.reset());

  const variants = PG.flatMap((pg) => [
    { pg, label: `${pg.label}, CommonJS, --import`, flag: 'import' },
    { pg, label: `${pg.label}, CommonJS, -r`, flag: 'require' },
  ]);
  for (const v of variants) {
    // A version that declares it does not run on this Node is skipped, the reason in the title.
    const test = v.pg.skip ? it.skip : it;
    test(`${v.label}: every query is a child of its request, text sanitised, values never exported${v.pg.skip ? ` (skipped: ${v.pg.skip})` : ''}`, async () => {
      const env = agentEnv(receiver, { OTEL_SERVICE_NAME: 'pg-app', PG_MODULE: v.pg.dir() });
      const svc = await startService(fixture('db-pg.cjs'), { flag: v.flag, env });
      try {
        assert.equal((await get(`${svc.url}/users`)).body, 'ok');
        const spans = await receiver.waitForSpans((s) => s.filter((x) => x.scope.name === 'tracing-agent/pg').length >= 7 && s.some((x) => x.kind === SERVER));
        const server = spans.find((s) => s.kind === SERVER);
        // The fixture's start-up queries (CREATE, INSERT) ran outside any request: roots of their own.
        for (const s of spans.filter((x) => /^(CREATE|INSERT)/.test(x.name))) assert.equal(s.parentSpanId, '');
        const db = spans.filter((s) => s.scope.name === 'tracing-agent/pg' && s.traceId === server.traceId);
        for (const s of db) {
          assert.equal(s.kind, CLIENT);
          assert.equal(s.parentSpanId, server.spanId, `${s.name} is a child of the request`);
          assert.equal(s.attributes['db.system.name'], 'postgresql');
          assert.equal(s.attributes['db.namespace'], 'test');
          assert.equal(s.attributes['server.address'], '127.0.0.1');
          assert.equal(s.attributes['server.port'], 5432);
        }
        const literal = db.find((s) => s.attributes['db.query.text'].includes('ta_users WHERE name'));
        assert.equal(literal.attributes['db.query.text'], 'SELECT id, name FROM ta_users WHERE name = ? AND id > ?');
        assert.equal(literal.name, 'SELECT ta_users');
        assert.equal(literal.attributes['db.query.summary'], 'SELECT ta_users');
        assert.equal(literal.attributes['db.operation.name'], 'SELECT');
        assert.equal(literal.attributes['db.collection.name'], 'ta_users');
        const params = db.filter((s) => s.attributes['db.query.text'] === 'SELECT name FROM ta_users WHERE id = $1');
        assert.equal(params.length, 2, 'parameterised text kept as is (plain and prepared)');
        const failed = db.find((s) => s.attributes['db.query.text'] === 'SELECT ? FROM ta_missing_table');
        assert.equal(failed.status.code, ERROR);
        assert.equal(failed.attributes['db.response.status_code'], '42P01');
        assert.ok(
          db.some((s) => s.attributes['db.query.text'] === 'SELECT count(*) FROM ta_users'),
          'callback form traced',
        );
        const everything = JSON.stringify(spans.map((s) => s.attributes));
        assert.ok(!everything.includes('alice') && !everything.includes('"42"') && !/\b42\b/.test(everything), 'no literal or bound value leaves the process');
      } finally {
        await svc.stop();
      }
    });
  }

  it(`${PROJECT_PG}, ESM app: import pg from "pg" is traced`, async () => {
    projectPackage('pg');
    const svc = await startService(fixture('db-pg.mjs'), { flag: 'import', env: agentEnv(receiver, { OTEL_SERVICE_NAME: 'pg-esm' }) });
    try {
      await get(svc.url);
      const isQuery = (x) => x.scope.name === 'tracing-agent/pg' && x.name !== 'pg-pool.connect';
      const spans = await receiver.waitForSpans((s) => s.some(isQuery));
      const q = spans.find(isQuery);
      assert.equal(q.attributes['db.query.text'], 'SELECT id FROM ta_users WHERE name = ?');
      // The pool's first caller waited for a new connection: a connect span beside the query, under the request.
      const wait = spans.find((x) => x.name === 'pg-pool.connect');
      assert.ok(wait, 'the first connect waited and was traced');
      assert.equal(wait.parentSpanId, q.parentSpanId);
    } finally {
      await svc.stop();
    }
  });

  for (const [mode, expected] of [
    ['raw', "SELECT id FROM ta_users WHERE name = 'alice'"],
    ['off', undefined],
  ]) {
    it(`${PROJECT_PG}, TRACING_AGENT_DB_QUERY_TEXT=${mode}: the text is recorded ${mode === 'raw' ? 'as written' : 'not at all'}, the summary still`, async () => {
      projectPackage('pg');
      const env = agentEnv(receiver, { OTEL_SERVICE_NAME: 'pg-text', TRACING_AGENT_DB_QUERY_TEXT: mode });
      const svc = await startService(fixture('db-pg.mjs'), { flag: 'import', env });
      try {
        await get(svc.url);
        const spans = await receiver.waitForSpans((s) => s.some((x) => x.name === 'SELECT ta_users'));
        const q = spans.find((x) => x.name === 'SELECT ta_users');
        assert.equal(q.attributes['db.query.text'], expected);
        assert.equal(q.attributes['db.query.summary'], 'SELECT ta_users');
      } finally {
        await svc.stop();
      }
    });
  }

  it(`${PROJECT_PG}, pg.native: the libpq client is traced like the JavaScript one`, async () => {
    projectPackage('pg');
    // pg-native needs libpq and a native build: a stand-in answers for it (fixtures/db-fake-modules); pg's native Client is real.
    const env = agentEnv(receiver, { OTEL_SERVICE_NAME: 'pg-native', NODE_PATH: fixture('db-fake-modules') });
    const svc = await startService(fixture('db-pg-native.cjs'), { flag: 'require', env });
    try {
      assert.equal((await get(svc.url)).body, 'native');
      const spans = await receiver.waitForSpans((s) => s.filter((x) => x.scope.name === 'tracing-agent/pg').length >= 3 && s.some((x) => x.kind === SERVER));
      const server = spans.find((s) => s.kind === SERVER);
      const db = spans.filter((s) => s.scope.name === 'tracing-agent/pg');
      assert.deepEqual(db.map((s) => s.attributes['db.query.text']).sort(), [
        'SELECT ? FROM missing',
        'SELECT n FROM ta_native WHERE id = $1',
        'SELECT n FROM ta_native WHERE name = ?',
      ]);
      for (const s of db) {
        assert.equal(s.parentSpanId, server.spanId);
        assert.equal(s.kind, CLIENT);
        assert.equal(s.attributes['server.port'], 5432);
      }
      assert.equal(db.find((s) => s.name === 'SELECT missing').status.code, ERROR);
    } finally {
      await svc.stop();
    }
  });

  it(`${PROJECT_PG}, 50 concurrent requests on a pool of 2: every query under its own request`, async () => {
    projectPackage('pg');
    const svc = await startService(fixture('db-pg.cjs'), { env: agentEnv(receiver, { OTEL_SERVICE_NAME: 'pg-pool' }) });
    try {
      const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => get(`${svc.url}/concurrent?n=${i}`)));
      answers.forEach((a, i) => assert.equal(a.body, String(i)));
      const spans = await receiver.waitForSpans(
        (s) => s.filter((x) => x.scope.name === 'tracing-agent/pg' && x.name === 'SELECT').length >= 50 && s.filter((x) => x.kind === SERVER).length >= 50,
      );
      const servers = new Map(spans.filter((s) => s.kind === SERVER).map((s) => [s.spanId, s]));
      const queries = spans.filter((s) => s.attributes['db.query.text'] === 'SELECT pg_sleep(?), $1::int AS n');
      assert.equal(queries.length, 50);
      const parents = new Set();
      for (const q of queries) {
        const parent = servers.get(q.parentSpanId);
        assert.ok(parent, 'the query has a request span as parent');
        assert.equal(parent.traceId, q.traceId);
        parents.add(q.parentSpanId);
      }
      assert.equal(parents.size, 50, 'each request has its own query');
      // Most requests waited for one of the two connections: that wait is its own span under the request.
      const waits = spans.filter((s) => s.name === 'pg-pool.connect' && servers.has(s.parentSpanId));
      assert.ok(waits.length >= 40, `${waits.length} waits traced`);
      for (const w of waits) {
        assert.equal(w.kind, CLIENT);
        assert.equal(w.attributes['db.system.name'], 'postgresql');
        assert.equal(servers.get(w.parentSpanId).traceId, w.traceId);
      }
    } finally {
      await svc.stop();
    }
  });

  it('a pg outside the declared range is still tried: one warning naming it, and one when its shape is unknown; the app runs untouched', async () => {
    const { runNode } = require('./support/processes');
    const run = await runNode([fixture('unrecognised.cjs')], { flag: 'import', env: agentEnv(receiver, {}) });
    assert.equal(run.code, 0);
    assert.equal(run.stdout.trim(), 'ran SELECT 1');
    const lines = run.stderr.trim().split('\n');
    assert.equal(lines.length, 2, run.stderr);
    assert.match(
      lines[0],
      /^tracing-agent warning: pg 99\.0\.0 is outside the versions tracing-agent knows for it \(>=8\.0\.3 <9\); tracing it as >=8\.0\.3 <9$/,
    );
    assert.match(lines[1], /^tracing-agent warning: could not hook pg 99\.0\.0: unexpected shape: no Client#query; left untouched$/);
  });
});

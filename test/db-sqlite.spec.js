'use strict';
// better-sqlite3 on a temporary SQLite file: synchronous statements as spans under their request.
const assert = require('node:assert/strict');
const { startReceiver } = require('./support/receiver');
const { agentEnv, startService, get, fixture } = require('./support/processes');
const { packageAt } = require('./support/deps');

const SERVER = 2;
const CLIENT = 3;
const ERROR = 2;

describe('better-sqlite3', function () {
  this.timeout(60000);
  let receiver;
  let older;

  before(async function () {
    this.timeout(300000); // a first run builds the older major from source
    receiver = await startReceiver();
    older = packageAt('better-sqlite3', '11');
    // test/run.js prepares the native builds for each Node; a direct `mocha` run on any Node needs the same.
    require('./support/prepare-native')({ major: process.versions.node.split('.')[0], bin: process.execPath });
  });
  after(async () => receiver && receiver.close());
  beforeEach(() => receiver.reset());

  for (const v of [
    { label: 'better-sqlite3 12, --import', flag: 'import' },
    { label: 'better-sqlite3 11, -r', flag: 'require', older: true },
  ]) {
    it(`${v.label}: run, all, iterate and exec under their request, literals sanitised`, async () => {
      const env = agentEnv(receiver, { OTEL_SERVICE_NAME: 'sqlite-app', DRIVER_MODULE: v.older ? older : undefined });
      const svc = await startService(fixture('db-sqlite.cjs'), { flag: v.flag, env });
      try {
        assert.equal((await get(svc.url)).body, 'ok');
        const scope = 'tracing-agent/better-sqlite3';
        const spans = await receiver.waitForSpans((s) => s.some((x) => x.kind === SERVER) && s.filter((x) => x.scope.name === scope).length >= 5);
        const server = spans.find((s) => s.kind === SERVER);
        const db = spans.filter((s) => s.scope.name === scope && s.traceId === server.traceId);
        assert.deepEqual(db.map((s) => s.attributes['db.query.text']), [
          'INSERT INTO notes (body) VALUES (?)',
          'SELECT id, body FROM notes WHERE id > ?',
          'SELECT id FROM notes WHERE body = ?',
          'SELECT * FROM missing_table',
        ]);
        for (const s of db) {
          assert.equal(s.kind, CLIENT);
          assert.equal(s.parentSpanId, server.spanId);
          assert.equal(s.attributes['db.system.name'], 'sqlite');
          assert.match(s.attributes['db.namespace'], /notes\.db$/);
        }
        assert.equal(db[0].name, 'INSERT notes');
        assert.equal(db[3].status.code, ERROR);
        assert.ok(!JSON.stringify(spans.map((s) => s.attributes)).includes('secret'));
      } finally {
        await svc.stop();
      }
    });
  }

  it('ESM app: import Database from "better-sqlite3" is traced', async () => {
    const svc = await startService(fixture('db-sqlite.mjs'), { flag: 'import', env: agentEnv(receiver, { OTEL_SERVICE_NAME: 'sqlite-esm' }) });
    try {
      await get(svc.url);
      const spans = await receiver.waitForSpans((s) => s.some((x) => x.scope.name === 'tracing-agent/better-sqlite3'));
      const q = spans.find((s) => s.scope.name === 'tracing-agent/better-sqlite3');
      assert.equal(q.attributes['db.query.text'], 'SELECT ? AS s, ? AS n');
      assert.equal(q.parentSpanId, spans.find((s) => s.kind === SERVER).spanId);
    } finally {
      await svc.stop();
    }
  });
});

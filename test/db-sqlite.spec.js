'use strict';
// better-sqlite3 on a temporary SQLite file: synchronous statements as spans under
// their request; the oldest and the newest better-sqlite3, both preload flags.
const assert = require('node:assert/strict');
const { startReceiver } = require('./support/receiver');
const { agentEnv, startService, get, fixture } = require('./support/processes');
const { installAhead, oldestAndNewest, projectPackage, projectVersion } = require('./support/deps');
const prepareNative = require('./support/prepare-native');

const SERVER = 2;
const CLIENT = 3;
const ERROR = 2;

const MAJOR = process.versions.node.split('.')[0];
// The oldest better-sqlite3 of the declared range and the registry's newest, resolved when this file loads.
const SQLITE = oldestAndNewest('better-sqlite3');
// The ESM test runs the project's own copy.
const PROJECT = `better-sqlite3 ${projectVersion('better-sqlite3')}`;

/** Why this version cannot run on this Node: it says so itself (13 declares node >=22), or it does not build here. */
const whyNot = (v) => v.skip || prepareNative.buildProblem(v.version, MAJOR);

describe('better-sqlite3', function () {
  this.timeout(60000);
  let receiver;

  before(async function () {
    this.timeout(600000); // a first run installs the versions tested and builds them from source
    receiver = await startReceiver();
    installAhead(SQLITE);
    // test/run.js prepares the native builds for each Node; a direct `mocha` run on any Node needs the same.
    prepareNative({ major: MAJOR, bin: process.execPath });
  });
  after(async () => receiver && receiver.close());
  beforeEach(() => receiver.reset());

  const variants = SQLITE.flatMap((sqlite) => [
    { sqlite, label: `${sqlite.label}, --import`, flag: 'import' },
    { sqlite, label: `${sqlite.label}, -r`, flag: 'require' },
  ]);
  for (const v of variants) {
    const title = `${v.label}: run, all, iterate and exec under their request, literals sanitised`;
    const known = whyNot(v.sqlite);
    // A skip says why in its title.
    if (known) {
      it.skip(`${title} (skipped: ${known})`);
      continue;
    }
    it(title, async function () {
      // A direct mocha run learns only in before() that this version does not build here.
      const found = whyNot(v.sqlite);
      if (found) {
        this.test.title += ` (skipped: ${found})`;
        this.skip();
      }
      const env = agentEnv(receiver, { OTEL_SERVICE_NAME: 'sqlite-app', DRIVER_MODULE: v.sqlite.dir() });
      const svc = await startService(fixture('db-sqlite.cjs'), { flag: v.flag, env });
      try {
        assert.equal((await get(svc.url)).body, 'ok');
        const scope = 'tracing-agent/better-sqlite3';
        const spans = await receiver.waitForSpans((s) => s.some((x) => x.kind === SERVER) && s.filter((x) => x.scope.name === scope).length >= 5);
        const server = spans.find((s) => s.kind === SERVER);
        const db = spans.filter((s) => s.scope.name === scope && s.traceId === server.traceId);
        assert.deepEqual(
          db.map((s) => s.attributes['db.query.text']),
          [
            'INSERT INTO notes (body) VALUES (?)',
            'SELECT id, body FROM notes WHERE id > ?',
            'SELECT id FROM notes WHERE body = ?',
            'SELECT * FROM missing_table',
          ],
        );
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

  it(`${PROJECT}, ESM app: import Database from "better-sqlite3" is traced`, async () => {
    projectPackage('better-sqlite3');
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

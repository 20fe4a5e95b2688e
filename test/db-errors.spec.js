'use strict';
// A failed query's span: the database's own code, ERROR status, and none of the
// values the database quotes back in its message (a duplicate email, a bad
// number), whether they came as literals or as bound parameters.
const assert = require('node:assert/strict');
const { startReceiver } = require('./support/receiver');
const { agentEnv, startService, get, fixture } = require('./support/processes');
const { projectPackage } = require('./support/deps');

const ERROR = 2;

describe('database errors', function () {
  this.timeout(30000);
  let receiver;

  before(async () => (receiver = await startReceiver()));
  after(async () => receiver && receiver.close());

  it('carry the database code and status, never the quoted values', async () => {
    for (const name of ['pg', 'mysql2', 'mysql', 'redis']) projectPackage(name); // the project's copies, which the fixture loads
    const svc = await startService(fixture('db-errors.cjs'), { env: agentEnv(receiver, { OTEL_SERVICE_NAME: 'db-errors' }) });
    try {
      assert.match((await get(svc.url)).body, /^22P02,23505,ER_DUP_ENTRY,ER_DUP_ENTRY,ERR /, 'the app sees the drivers’ own errors');
      const spans = await receiver.waitForSpans((s) => s.filter((x) => x.status.code === ERROR && x.kind === 3).length >= 5);
      const failed = spans.filter((s) => s.status.code === ERROR && s.kind === 3);
      const code = (system) =>
        failed
          .filter((s) => s.attributes['db.system.name'] === system)
          .map((s) => s.attributes['db.response.status_code'])
          .sort();
      assert.deepEqual(code('postgresql'), ['22P02', '23505']);
      assert.deepEqual(code('mariadb'), ['1062', '1062']);
      assert.deepEqual(code('redis'), ['ERR']);
      for (const s of failed) {
        assert.equal(s.attributes['error.type'], s.attributes['db.response.status_code']);
        assert.ok(s.status.message.length > 0, 'the message stays, scrubbed');
        const exception = s.events.find((e) => e.name === 'exception');
        assert.ok(exception, `${s.name} has its exception event`);
      }
      const everything = JSON.stringify(failed, (_k, v) => (typeof v === 'bigint' ? String(v) : v));
      assert.ok(!everything.includes('alice.secret') && !everything.includes('zqx-literal-secret'), `no value in ${everything}`);
      assert.ok(
        failed.some((s) => /^Duplicate entry \? for key \?$/.test(s.status.message)),
        'MySQL message with its values scrubbed',
      );
    } finally {
      await svc.stop();
    }
  });
});

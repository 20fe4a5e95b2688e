'use strict';
// express 4 and 5 under the agent: every route shape named as declared, the
// errors express's error path sees recorded on the server span, a 404 left as
// `{method}`. The oldest of the declared range, the newest 4, the first 5 and
// the registry's newest; CommonJS and ESM; both preload flags.
const assert = require('node:assert/strict');
const { startReceiver } = require('./support/receiver');
const { agentEnv, startService, fixture } = require('./support/processes');
const { oldestAndNewest, packageAt } = require('./support/deps');
const { requestAll, checkRoutes, checkErrors, exceptionOf } = require('./support/web');

// url → [span name, http.route (undefined: none), status]
const EXPECTED = {
  '/users/7': ['GET /users/:id', '/users/:id', 200],
  '/second': ['GET /first,/second', '/first,/second', 200],
  '/re/42': ['GET /^\\/re\\/\\d+$/', '/^\\/re\\/\\d+$/', 200],
  '/book': ['GET /book', '/book', 200],
  '/api/orgs/42/items/9': ['GET /api/orgs/:orgId/items/:id', '/api/orgs/:orgId/items/:id', 200],
  '/api/orgs/43/items/10': ['GET /api/orgs/:orgId/items/:id', '/api/orgs/:orgId/items/:id', 200],
  '/api/orgs/42': ['GET /api/orgs/:orgId', '/api/orgs/:orgId', 200],
  '/admin/stats/load': ['GET /admin/stats/:key', '/admin/stats/:key', 200],
  '/boom/sync': ['GET /boom/sync', '/boom/sync', 500],
  '/boom/async': ['GET /boom/async', '/boom/async', 500],
  '/boom/handled': ['GET /boom/handled', '/boom/handled', 503],
  '/boom/db': ['GET /boom/db', '/boom/db', 500],
  '/bad': ['GET /bad', '/bad', 400],
  '/api/orgs/42/nothing': ['GET', undefined, 404],
  '/nothing/here': ['GET', undefined, 404],
};

describe('express', function () {
  this.timeout(60000);
  let receiver;
  const [oldest, newest] = oldestAndNewest('express');
  // Node 24 removed ServerResponse#_headers, which express 4.9's `fresh` reads: it answers 500 there, agent or not.
  const oldestSkip =
    Number(process.versions.node.split('.')[0]) >= 24
      ? `express ${oldest.version} reads res._headers, which Node ${process.versions.node} no longer has (it fails without the agent too)`
      : oldest.skip;
  const variants = [
    { ...oldest, skip: oldestSkip, file: 'express-app.cjs', flag: 'require' },
    { label: 'express 4 (newest 4.x)', version: '4', skip: '', file: 'express-app.mjs', flag: 'import' },
    { label: 'express 5.0.0 (first 5)', version: '5.0.0', skip: '', file: 'express-app.cjs', flag: 'import' },
    { ...newest, file: 'express-app.mjs', flag: 'import' },
    { ...newest, file: 'express-app.cjs', flag: 'require' },
  ];

  before(async function () {
    this.timeout(300000);
    receiver = await startReceiver();
    for (const v of variants) if (!v.skip) packageAt('express', v.version);
  });
  after(async () => receiver && receiver.close());
  beforeEach(() => receiver.reset());

  for (const v of variants) {
    const title = `${v.label}, ${v.file.endsWith('.mjs') ? 'ESM' : 'CommonJS'} under ${v.flag === 'import' ? '--import' : '-r'}: routes as declared, errors with message and stack, 404 unnamed`;
    if (v.skip) {
      it.skip(`${title} (skipped: ${v.skip})`, () => {});
      continue;
    }
    it(title, async () => {
      const env = agentEnv(receiver, { OTEL_SERVICE_NAME: 'express-app', EXPRESS_MODULE: packageAt('express', v.version) });
      const svc = await startService(fixture(`web/${v.file}`), { flag: v.flag, env });
      try {
        const { servers, at } = await requestAll(receiver, svc.url, EXPECTED);
        checkRoutes(at, EXPECTED);
        checkErrors(
          at,
          [
            ['/boom/sync', 'TypeError', 'sync failure', 500],
            ['/boom/async', 'RangeError', 'async failure', 500],
            ['/boom/handled', 'Error', 'handled failure', 503],
            ['/bad', 'Error', 'bad input', 400],
          ],
          /express-routes\.cjs/,
        );
        // A database error's quoted values never leave the process.
        assert.equal(exceptionOf(at, '/boom/db')['exception.message'], 'Duplicate entry ? for key ?');
        assert.ok(
          !JSON.stringify(servers.map((s) => [s.attributes, s.events.map((e) => e.attributes), s.status])).includes('alice@example.com'),
          'no quoted value anywhere',
        );
        for (const url of ['/users/7', '/nothing/here']) assert.equal(at(url).events.length, 0, `${url}: no event`);
      } finally {
        await svc.stop();
      }
    });
  }
});

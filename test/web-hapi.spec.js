'use strict';
// hapi 21 under the agent: routes named as declared with their plugins'
// prefixes, errors (thrown, and Boom) recorded on the server span, a 404 left
// as `{method}`. The oldest and newest 21; CommonJS and ESM; both flags.
const assert = require('node:assert/strict');
const { startReceiver } = require('./support/receiver');
const { agentEnv, startService, fixture } = require('./support/processes');
const { oldestAndNewest } = require('./support/deps');
const { requestAll, checkRoutes, checkErrors } = require('./support/web');

// url → [span name, http.route (undefined: none), status]
const EXPECTED = {
  '/users/7': ['GET /users/{id}', '/users/{id}', 200],
  '/v1/items/9': ['GET /v1/items/{id}', '/v1/items/{id}', 200],
  '/v1/orgs/43/members/5': ['GET /v1/orgs/{orgId}/members/{member}', '/v1/orgs/{orgId}/members/{member}', 200],
  '/boom/sync': ['GET /boom/sync', '/boom/sync', 500],
  '/boom/async': ['GET /boom/async', '/boom/async', 500],
  '/bad': ['GET /bad', '/bad', 400],
  '/nothing/here': ['GET', undefined, 404],
};

describe('hapi', function () {
  this.timeout(60000);
  let receiver;
  const [oldest, newest] = oldestAndNewest('@hapi/hapi');
  const variants = [
    { ...oldest, file: 'hapi-app.cjs', flag: 'require' },
    { ...newest, file: 'hapi-app.mjs', flag: 'import' },
    { ...newest, file: 'hapi-app.cjs', flag: 'require' },
  ];

  before(async function () {
    this.timeout(300000);
    receiver = await startReceiver();
    for (const v of variants) if (!v.skip) v.install();
  });
  after(async () => receiver && receiver.close());
  beforeEach(() => receiver.reset());

  for (const v of variants) {
    const title = `${v.label}, ${v.file.endsWith('.mjs') ? 'ESM' : 'CommonJS'} under ${v.flag === 'import' ? '--import' : '-r'}: routes with plugin prefixes, errors with message and stack, 404 unnamed`;
    if (v.skip) {
      it.skip(`${title} (skipped: ${v.skip})`, () => {});
      continue;
    }
    it(title, async () => {
      const env = agentEnv(receiver, { OTEL_SERVICE_NAME: 'hapi-app', HAPI_MODULE: v.dir() });
      const svc = await startService(fixture(`web/${v.file}`), { flag: v.flag, env });
      try {
        const { at } = await requestAll(receiver, svc.url, EXPECTED);
        checkRoutes(at, EXPECTED);
        checkErrors(
          at,
          [
            ['/boom/sync', 'TypeError', 'sync failure', 500],
            ['/boom/async', 'RangeError', 'async failure', 500],
            ['/bad', 'Error', 'bad input', 400],
          ],
          /hapi-routes\.cjs/,
        );
        for (const url of ['/users/7', '/nothing/here']) assert.equal(at(url).events.length, 0, `${url}: no event`);
      } finally {
        await svc.stop();
      }
    });
  }
});

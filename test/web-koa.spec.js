'use strict';
// koa with @koa/router under the agent: routes named as the router matched
// them (prefixes and nested routers included), errors koa answers recorded on
// the server span, a 404 left as `{method}`. koa's oldest and newest, each
// with an @koa/router of its time; CommonJS and ESM; both flags.
const assert = require('node:assert/strict');
const { startReceiver } = require('./support/receiver');
const { agentEnv, startService, fixture } = require('./support/processes');
const { oldestAndNewest } = require('./support/deps');
const { requestAll, checkRoutes, checkErrors } = require('./support/web');

// url → [span name, http.route (undefined: none), status]
const EXPECTED = {
  '/users/7': ['GET /users/:id', '/users/:id', 200],
  '/v1/items/9': ['GET /v1/items/:id', '/v1/items/:id', 200],
  '/v1/orgs/43/members/5': ['GET /v1/orgs/:orgId/members/:member', '/v1/orgs/:orgId/members/:member', 200],
  '/boom/sync': ['GET /boom/sync', '/boom/sync', 500],
  '/boom/async': ['GET /boom/async', '/boom/async', 500],
  '/bad': ['GET /bad', '/bad', 400],
  '/nothing/here': ['GET', undefined, 404],
};

describe('koa', function () {
  this.timeout(60000);
  let receiver;
  const [oldest, newest] = oldestAndNewest('koa');
  const [oldRouter, newRouter] = oldestAndNewest('@koa/router');
  const variants = [
    { ...oldest, router: oldRouter, file: 'koa-app.cjs', flag: 'require' },
    { ...newest, router: newRouter, file: 'koa-app.mjs', flag: 'import' },
    { ...newest, router: newRouter, file: 'koa-app.cjs', flag: 'require' },
  ];

  before(async function () {
    this.timeout(300000);
    receiver = await startReceiver();
    for (const v of variants) {
      if (v.skip || v.router.skip) continue;
      v.router.install();
      v.install();
    }
  });
  after(async () => receiver && receiver.close());
  beforeEach(() => receiver.reset());

  for (const v of variants) {
    const title = `${v.label} with ${v.router.label}, ${v.file.endsWith('.mjs') ? 'ESM' : 'CommonJS'} under ${v.flag === 'import' ? '--import' : '-r'}: routes with prefixes, errors with message and stack, 404 unnamed`;
    const skip = v.skip || v.router.skip;
    if (skip) {
      it.skip(`${title} (skipped: ${skip})`, () => {});
      continue;
    }
    it(title, async () => {
      const env = agentEnv(receiver, { OTEL_SERVICE_NAME: 'koa-app', KOA_MODULE: v.dir(), ROUTER_MODULE: v.router.dir() });
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
          /koa-routes\.cjs/,
        );
        for (const url of ['/users/7', '/nothing/here']) assert.equal(at(url).events.length, 0, `${url}: no event`);
        assert.doesNotMatch(svc.output().stderr, /tracing-agent/, 'no warning from the agent');
      } finally {
        await svc.stop();
      }
    });
  }
});

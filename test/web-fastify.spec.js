'use strict';
// fastify 4 and 5 under the agent: routes named as declared with their
// plugins' prefixes, errors recorded on the server span, a 404 left as
// `{method}`. fastify 5 through its own TracingChannel, 4 through hooks; the
// oldest of each major and the registry's newest; CommonJS and ESM; both flags.
const assert = require('node:assert/strict');
const { startReceiver } = require('./support/receiver');
const { agentEnv, startService, get, fixture } = require('./support/processes');
const { oldestAndNewest, packageAt } = require('./support/deps');
const { requestAll, checkRoutes, checkErrors } = require('./support/web');

// url → [span name, http.route (undefined: none), status]
const EXPECTED = {
  '/users/7': ['GET /users/:id', '/users/:id', 200],
  '/v1/items/9': ['GET /v1/items/:id', '/v1/items/:id', 200],
  '/v1/orgs/42': ['GET /v1/orgs/:orgId', '/v1/orgs/:orgId', 200],
  '/v1/orgs/43/members/5': ['GET /v1/orgs/:orgId/members/:member', '/v1/orgs/:orgId/members/:member', 200],
  '/boom/sync': ['GET /boom/sync', '/boom/sync', 500],
  '/boom/async': ['GET /boom/async', '/boom/async', 500],
  '/v1/boom/handled': ['GET /v1/boom/handled', '/v1/boom/handled', 503],
  '/bad': ['GET /bad', '/bad', 400],
  '/boom/sent': ['GET /boom/sent', '/boom/sent', 500],
  '/nothing/here': ['GET', undefined, 404],
};

describe('fastify', function () {
  this.timeout(60000);
  let receiver;
  const [oldest, newest] = oldestAndNewest('fastify');
  const variants = [
    { ...oldest, file: 'fastify-app.cjs', flag: 'require' },
    { label: 'fastify 4 (newest 4.x: hooks)', version: '4', skip: '', file: 'fastify-app.mjs', flag: 'import' },
    { label: 'fastify 5.0.0 (first with the channel)', version: '5.0.0', skip: '', file: 'fastify-app.cjs', flag: 'import' },
    { ...newest, file: 'fastify-app.mjs', flag: 'import' },
    { ...newest, file: 'fastify-app.cjs', flag: 'require' },
  ];

  before(async function () {
    this.timeout(300000);
    receiver = await startReceiver();
    for (const v of variants) if (!v.skip) packageAt('fastify', v.version);
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
      const env = agentEnv(receiver, { OTEL_SERVICE_NAME: 'fastify-app', FASTIFY_MODULE: packageAt('fastify', v.version) });
      const svc = await startService(fixture(`web/${v.file}`), { flag: v.flag, env });
      try {
        const { at } = await requestAll(receiver, svc.url, EXPECTED);
        checkRoutes(at, EXPECTED);
        checkErrors(
          at,
          [
            ['/boom/sync', 'TypeError', 'sync failure', 500],
            ['/boom/async', 'RangeError', 'async failure', 500],
            ['/v1/boom/handled', 'Error', 'handled failure', 503],
            ['/bad', 'Error', 'bad input', 400],
            ['/boom/sent', 'SyntaxError', 'sent failure', 500],
          ],
          /fastify-routes\.cjs/,
        );
        // A hook's error before the handler: recorded; named on fastify 4 (its naming hook runs first), unnamed on 5 (the channel starts at the handler).
        const guarded = await get(`${svc.url}/guarded`);
        assert.equal(guarded.status, 401);
        const spans = await receiver.waitForSpans((s) => s.some((x) => x.attributes['url.path'] === '/guarded'));
        const span = spans.find((x) => x.attributes['url.path'] === '/guarded');
        assert.equal(span.events.find((e) => e.name === 'exception').attributes['exception.message'], 'no entry');
        assert.equal(span.status.code, 0, 'a 401 is not an error');
        assert.equal(span.attributes['http.route'], v.version.startsWith('4') ? '/guarded' : undefined);
        for (const url of ['/users/7', '/nothing/here']) assert.equal(at(url).events.length, 0, `${url}: no event`);
        assert.doesNotMatch(svc.output().stderr, /tracing-agent/, 'no warning from the agent');
      } finally {
        await svc.stop();
      }
    });
  }
});

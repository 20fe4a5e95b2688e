'use strict';
// TRACING_AGENT_MIDDLEWARE_SPANS=true: one INTERNAL span per middleware
// (`middleware - <name>`) and route handler (`request handler - <route>`) under
// the request's server span, for express, fastify, koa and hapi (NestJS through
// its platform); what a handler calls is a child of its span. (Without the
// variable, every web spec checks that there is none.)
const assert = require('node:assert/strict');
const { useReceiver } = require('./support/receiver');
const { agentEnv, startService, get, fixture } = require('./support/processes');
const { packageAt, newest, oldestAndNewest, projectPackage } = require('./support/deps');

const SERVER = 2;
const INTERNAL = 1;
const ERROR = 2;

describe('middleware and handler spans (TRACING_AGENT_MIDDLEWARE_SPANS=true)', function () {
  this.timeout(60000);
  let receiver;
  useReceiver((r) => (receiver = r));

  async function traced(file, env, url, count) {
    const svc = await startService(fixture(`web/${file}`), { flag: 'import', env: agentEnv(receiver, { TRACING_AGENT_MIDDLEWARE_SPANS: 'true', ...env }) });
    try {
      await get(svc.url + url);
      const spans = await receiver.waitForSpans((s) => s.some((x) => x.kind === SERVER) && s.filter((x) => x.kind === INTERNAL).length >= count);
      const server = spans.find((s) => s.kind === SERVER);
      return { server, spans: spans.filter((s) => s.traceId === server.traceId) };
    } finally {
      await svc.stop();
    }
  }

  for (const version of ['4', 'latest']) {
    it(`express ${version === 'latest' ? newest('express') : '4 (newest 4.x)'}: a span per router and the route's handler, nested as mounted; an error marks its handler's span`, async () => {
      const dir = packageAt('express', version);
      const ok = await traced('express-app.cjs', { EXPRESS_MODULE: dir }, '/api/orgs/42/items/9', 3);
      const handler = ok.spans.find((s) => s.name === 'request handler - /api/orgs/:orgId/items/:id');
      assert.ok(handler, ok.spans.map((s) => s.name).join(', '));
      assert.equal(handler.kind, INTERNAL);
      assert.equal(handler.attributes['http.route'], '/api/orgs/:orgId/items/:id');
      // The handler's span sits under the routers it was mounted through, under the server span.
      const byId = new Map(ok.spans.map((s) => [s.spanId, s]));
      let up = byId.get(handler.parentSpanId);
      const chain = [];
      while (up && up.kind === INTERNAL) {
        chain.push(up.name);
        up = byId.get(up.parentSpanId);
      }
      assert.equal(up && up.spanId, ok.server.spanId, `chain up to the server span: ${chain.join(' < ')}`);
      assert.deepEqual(chain.slice(0, 2), ['middleware - router', 'middleware - router']);
      receiver.reset();
      const failed = await traced('express-app.cjs', { EXPRESS_MODULE: dir }, '/boom/sync', 1);
      const boom = failed.spans.find((s) => s.name === 'request handler - /boom/sync');
      assert.equal(boom.status.code, ERROR);
      assert.equal(boom.events.find((e) => e.name === 'exception').attributes['exception.message'], 'sync failure');
    });
  }

  for (const version of ['4', 'latest']) {
    it(`fastify ${version === 'latest' ? newest('fastify') : '4 (newest 4.x)'}: a handler span named by the route, under the server span`, async () => {
      const { server, spans } = await traced('fastify-app.cjs', { FASTIFY_MODULE: packageAt('fastify', version) }, '/v1/orgs/43/members/5', 1);
      const handler = spans.find((s) => s.kind === INTERNAL);
      assert.equal(handler.name, 'request handler - /v1/orgs/:orgId/members/:member');
      assert.equal(handler.parentSpanId, server.spanId);
      assert.ok(handler.endTimeUnixNano <= server.endTimeUnixNano);
    });
  }

  for (const [name, file, env] of /** @type {Array<[string, string, () => Record<string, string>]>} */ ([
    ["express (the repository's)", 'express-app.cjs', () => ({})],
    [`@hapi/hapi ${newest('@hapi/hapi')}`, 'hapi-app.cjs', () => ({ HAPI_MODULE: packageAt('@hapi/hapi', 'latest') })],
    [
      `koa ${newest('koa')} with @koa/router ${newest('@koa/router')}`,
      'koa-app.cjs',
      () => ({ KOA_MODULE: packageAt('koa', 'latest'), ROUTER_MODULE: packageAt('@koa/router', 'latest') }),
    ],
  ])) {
    it(`${name}: what a handler calls is a child of its span`, async () => {
      if (file === 'express-app.cjs') projectPackage('express');
      const { server, spans } = await traced(file, { ...env(), CALL_URL: `${receiver.url}/anything` }, '/call', 1);
      const handler = spans.find((s) => s.name === 'request handler - /call');
      assert.ok(handler, spans.map((s) => s.name).join(', '));
      assert.equal(handler.kind, INTERNAL);
      const call = spans.find((s) => s.scope.name === 'tracing-agent/fetch');
      assert.ok(call, `the fetch span: ${spans.map((s) => s.name).join(', ')}`);
      assert.equal(call.parentSpanId, handler.spanId, 'the call under the handler');
      assert.equal(server.attributes['http.route'], '/call');
    });
  }

  const koas = oldestAndNewest('koa');
  const routers = oldestAndNewest('@koa/router');
  for (const [koa, router] of [
    [koas[0], routers[0]],
    [koas[1], routers[1]],
  ]) {
    const title = `${koa.label} with ${router.label}: a span per middleware and router's middleware, each inside the one before (koa's onion), and one per route handler named by the route; an error marks its handler's span`;
    if (koa.skip || router.skip) {
      it.skip(`${title} (skipped: ${koa.skip || router.skip})`, () => {});
      continue;
    }
    it(title, async () => {
      const env = { KOA_MODULE: koa.dir(), ROUTER_MODULE: router.dir() };
      const { server, spans } = await traced('koa-app.cjs', env, '/v1/orgs/42/members/5', 4);
      const internal = spans.filter((s) => s.kind === INTERNAL);
      const names = internal.map((s) => s.name).join(', ');
      // Two routers' middleware (@koa/router's is a bound or anonymous function): the first passes the request on
      // to the second, whose own middleware runs before its route (mounted from a nested router).
      assert.equal(internal.length, 4, names);
      const routers = internal.filter((s) => /^middleware - (dispatch|<anonymous>)$/.test(s.name));
      assert.equal(routers.length, 2, names);
      const outer = routers.find((s) => s.parentSpanId === server.spanId);
      const inner = routers.find((s) => s.parentSpanId === outer.spanId);
      assert.ok(inner, 'the second inside the first');
      const own = internal.find((s) => s.name === 'middleware - v1Middleware');
      assert.ok(own, names);
      assert.equal(own.parentSpanId, inner.spanId, "the router's middleware inside its router");
      const handler = internal.find((s) => s.name === 'request handler - /v1/orgs/:orgId/members/:member');
      assert.ok(handler, names);
      assert.equal(handler.parentSpanId, own.spanId, "the handler after (inside) the router's middleware");
      assert.equal(handler.attributes['http.route'], '/v1/orgs/:orgId/members/:member');
      assert.equal(handler.attributes['koa.type'], 'router');
      receiver.reset();
      const failed = await traced('koa-app.cjs', env, '/boom/sync', 2);
      const boom = failed.spans.find((s) => s.name === 'request handler - /boom/sync');
      assert.ok(boom, failed.spans.map((s) => s.name).join(', '));
      assert.equal(boom.status.code, ERROR);
      assert.equal(boom.events.find((e) => e.name === 'exception').attributes['exception.message'], 'sync failure');
    });
  }
});

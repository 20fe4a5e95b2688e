'use strict';
// graphql over an Express app (always HTTP 200, errors in the body), resolvers
// on PostgreSQL. The HTTP span keeps its name; each execution is a child span
// named `{type} {name}` with the document's literals replaced; errors recorded
// though HTTP answers 200; parse, validate and resolver spans only when
// TRACING_AGENT_GRAPHQL_SPANS asks. graphql 16.0.0 (the oldest of the range,
// patched), the project's 16.x and the registry's newest (17: its own
// TracingChannels); CommonJS and ESM; both preload flags.
const assert = require('node:assert/strict');
const { useReceiver } = require('./support/receiver');
const { agentEnv, startService, fixture } = require('./support/processes');
const { installAhead, oldestAndNewest, projectPackage, projectVersion } = require('./support/deps');

const SERVER = 2;
const INTERNAL = 1;
const CLIENT = 3;
const ERROR = 2;

const [OLDEST, NEWEST] = oldestAndNewest('graphql');
const PROJECT = { label: `graphql ${projectVersion('graphql')} (the project's)`, skip: '', dir: () => projectPackage('graphql') };

async function post(url, body) {
  const res = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

describe('graphql (over Express)', function () {
  this.timeout(60000);
  let receiver;

  useReceiver(
    (r) => (receiver = r),
    () => installAhead([OLDEST, NEWEST]),
  );

  function start(v, extra = {}) {
    // The ES module fixture takes the project's copy by name, another one by path.
    const env = agentEnv(receiver, {
      OTEL_SERVICE_NAME: 'graphql-app',
      GRAPHQL_MODULE: v.graphql === PROJECT ? (v.graphql.dir(), undefined) : v.graphql.dir(),
      ...extra,
    });
    return startService(fixture(v.esm ? 'graphql-app.mjs' : 'graphql-app.cjs'), { flag: v.flag, env });
  }

  const variants = [
    { graphql: OLDEST, flag: 'require' },
    { graphql: OLDEST, flag: 'import' },
    { graphql: PROJECT, flag: 'import', esm: true },
    { graphql: PROJECT, flag: 'require', esm: true },
    { graphql: NEWEST, flag: 'import' },
    { graphql: NEWEST, flag: 'require' },
    { graphql: NEWEST, flag: 'import', esm: true },
  ];
  for (const v of variants) {
    const test = v.graphql.skip ? it.skip : it;
    test(`${v.graphql.label}, ${v.esm ? 'ESM' : 'CommonJS'}, ${v.flag === 'import' ? '--import' : '-r'}: an execution span per operation under the HTTP span, document sanitised, errors recorded on HTTP 200, queries under it${v.graphql.skip ? ` (skipped: ${v.graphql.skip})` : ''}`, async () => {
      const svc = await start(v);
      try {
        const query = await post(svc.url, {
          query: 'query GetUser($id: Int!) { user(id: $id) { name orders { item } } broken } # asks for 7',
          variables: { id: 7 },
        });
        assert.equal(query.status, 200);
        const body = /** @type {any} */ (query.body);
        assert.deepEqual(body.data, { user: { name: 'secret-name', orders: [{ item: 'book' }] }, broken: null });
        assert.equal(body.errors[0].message, 'the warehouse is closed');
        const mutation = await post(svc.url, { query: 'mutation { addOrder(item: "secret-item", ) { id item } }' });
        assert.deepEqual(mutation.body, { data: { addOrder: { id: 1, item: 'secret-item' } } });

        const isExecution = (s) => s.scope.name === 'tracing-agent/graphql';
        const spans = await receiver.waitForSpans(
          (s) =>
            s.filter(isExecution).length >= 2 &&
            s.filter((x) => x.kind === SERVER).length >= 2 &&
            s.filter((x) => x.kind === CLIENT && x.name === 'SELECT').length >= 3,
        );
        const servers = spans.filter((s) => s.kind === SERVER);
        for (const s of servers) assert.equal(s.name, 'POST /graphql', 'the HTTP span keeps its HTTP name');
        const executions = spans.filter(isExecution);
        assert.deepEqual(executions.map((s) => s.name).sort(), ['mutation', 'query GetUser'], 'one span per execution, nothing else by default');

        const get = executions.find((s) => s.name === 'query GetUser');
        assert.equal(get.kind, INTERNAL);
        assert.ok(
          servers.some((s) => s.spanId === get.parentSpanId),
          'a child of the HTTP request',
        );
        assert.equal(get.attributes['graphql.operation.type'], 'query');
        assert.equal(get.attributes['graphql.operation.name'], 'GetUser');
        assert.equal(get.attributes['graphql.document'], 'query GetUser($id: Int!) { user(id: $id) { name orders { item } } broken }', 'comments dropped');
        assert.equal(get.status.code, ERROR, 'the resolver error is recorded, though HTTP answered 200');
        assert.equal(get.status.message, 'the warehouse is closed');
        assert.ok(get.events.some((e) => e.name === 'exception' && e.attributes['exception.message'] === 'the warehouse is closed'));
        const queries = spans.filter((s) => s.kind === CLIENT && s.name === 'SELECT' && s.traceId === get.traceId);
        assert.equal(queries.length, 2);
        for (const q of queries) assert.equal(q.parentSpanId, get.spanId, "the resolvers' queries nest under the execution");

        const add = executions.find((s) => s.name === 'mutation');
        assert.equal(add.attributes['graphql.operation.type'], 'mutation');
        assert.equal(add.attributes['graphql.operation.name'], undefined);
        assert.equal(add.attributes['graphql.document'], 'mutation { addOrder(item: ?) { id item } }', 'literals replaced');
        assert.equal(add.status.code, 0);
        assert.ok(
          !JSON.stringify(spans.map((s) => [s.attributes, s.events.map((e) => e.attributes)])).includes('secret-'),
          'no literal or value leaves the process',
        );
      } finally {
        await svc.stop();
      }
    });
  }

  for (const v of [
    { graphql: PROJECT, flag: 'import' },
    { graphql: NEWEST, flag: 'import' },
  ]) {
    const test = v.graphql.skip ? it.skip : it;
    test(`${v.graphql.label}: TRACING_AGENT_GRAPHQL_SPANS=all adds parse, validate and a span per resolver the app wrote, queries under their resolver; =phases only parse and validate${v.graphql.skip ? ` (skipped: ${v.graphql.skip})` : ''}`, async () => {
      let svc = await start(v, { TRACING_AGENT_GRAPHQL_SPANS: 'all' });
      try {
        await post(svc.url, { query: 'query GetUser { user(id: 7) { name orders { item } } broken }' });
        const spans = await receiver.waitForSpans(
          (s) => s.filter((x) => x.name.startsWith('resolve ')).length >= 3 && s.filter((x) => x.name === 'SELECT').length >= 2,
        );
        const execution = spans.find((s) => s.name === 'query GetUser');
        assert.equal(execution.attributes['graphql.document'], 'query GetUser { user(id: ?) { name orders { item } } broken }');
        for (const phase of ['graphql.parse', 'graphql.validate'])
          assert.equal(spans.find((s) => s.name === phase).parentSpanId, execution.parentSpanId, `${phase}: a child of the request`);
        const resolvers = spans.filter((s) => s.name.startsWith('resolve '));
        assert.deepEqual(
          resolvers.map((s) => s.name).sort(),
          ['resolve Query.broken', 'resolve Query.user', 'resolve User.orders'],
          "the app's resolvers only, not the default ones",
        );
        const user = resolvers.find((s) => s.name === 'resolve Query.user');
        assert.equal(user.parentSpanId, execution.spanId);
        assert.equal(user.attributes['graphql.field.path'], 'user');
        const orders = resolvers.find((s) => s.name === 'resolve User.orders');
        assert.equal(orders.attributes['graphql.field.path'], 'user.orders');
        assert.equal(resolvers.find((s) => s.name === 'resolve Query.broken').status.code, ERROR);
        for (const [resolver, text] of [
          [user, 'SELECT $1::int AS id, $2::text AS name'],
          [orders, 'SELECT $1::int AS id, $2::text AS item'],
        ]) {
          assert.equal(spans.find((s) => s.attributes['db.query.text'] === text).parentSpanId, resolver.spanId, `${resolver.name}: its query nests under it`);
        }
      } finally {
        await svc.stop();
      }
      receiver.reset();
      svc = await start(v, { TRACING_AGENT_GRAPHQL_SPANS: 'phases' });
      try {
        await post(svc.url, { query: '{ user(id: 7) { name } }' });
        const spans = await receiver.waitForSpans((s) => s.some((x) => x.name === 'query') && s.some((x) => x.name === 'SELECT'));
        assert.deepEqual(
          spans
            .filter((s) => s.scope.name === 'tracing-agent/graphql')
            .map((s) => s.name)
            .sort(),
          ['graphql.parse', 'graphql.validate', 'query'],
        );
      } finally {
        await svc.stop();
      }
    });
  }
});

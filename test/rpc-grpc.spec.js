'use strict';
// @grpc/grpc-js: a client service and a server service, both under the agent.
// One trace: the client's request → a CLIENT span per call → the server's
// SERVER span → the handler's query; unary, server-, client- and bidi
// streaming; status codes per the rpc semantic conventions. The oldest version
// of the declared range, the project's copy and the registry's newest;
// CommonJS and ESM; both preload flags.
const assert = require('node:assert/strict');
const { useReceiver } = require('./support/receiver');
const { agentEnv, startService, get, fixture } = require('./support/processes');
const { installAhead, oldestAndNewest, projectPackage, projectVersion } = require('./support/deps');

const SERVER = 2;
const CLIENT = 3;
const ERROR = 2;

const [OLDEST, NEWEST] = oldestAndNewest('@grpc/grpc-js');
const PROJECT = {
  label: `@grpc/grpc-js ${projectVersion('@grpc/grpc-js')} (the project's)`,
  skip: '',
  install() {},
  dir: () => projectPackage('@grpc/grpc-js'),
};

describe('@grpc/grpc-js', function () {
  this.timeout(60000);
  let receiver;

  useReceiver(
    (r) => (receiver = r),
    () => installAhead([OLDEST, NEWEST]),
  );

  const variants = [
    { grpc: OLDEST, flag: 'require' },
    { grpc: OLDEST, flag: 'import' },
    { grpc: PROJECT, flag: 'require' },
    { grpc: PROJECT, flag: 'import', esm: true },
    { grpc: PROJECT, flag: 'require', esm: true },
    { grpc: NEWEST, flag: 'import' },
    { grpc: NEWEST, flag: 'require' },
  ];
  for (const v of variants) {
    const label = `${v.grpc.label}, ${v.esm ? 'ESM' : 'CommonJS'}, ${v.flag === 'import' ? '--import' : '-r'}`;
    const test = v.grpc.skip ? it.skip : it;
    test(`${label}: unary and streaming calls are CLIENT and SERVER spans of one trace, the handler's queries under them, status codes per the rpc conventions${v.grpc.skip ? ` (skipped: ${v.grpc.skip})` : ''}`, async () => {
      const file = fixture(v.esm ? 'grpc.mjs' : 'grpc.cjs');
      const module = v.esm ? undefined : v.grpc.dir();
      const server = await startService(file, {
        flag: v.flag,
        env: agentEnv(receiver, { ROLE: 'server', OTEL_SERVICE_NAME: 'grpc-server', GRPC_MODULE: module }),
      });
      let client;
      try {
        client = await startService(file, {
          flag: v.flag,
          env: agentEnv(receiver, { ROLE: 'client', OTEL_SERVICE_NAME: 'grpc-client', GRPC_PORT: String(server.port), GRPC_MODULE: module }),
        });
        const answer = JSON.parse((await get(`${client.url}/call`)).body);
        assert.deepEqual(
          answer,
          {
            get: { id: 7, name: 'secret-item' },
            again: { id: 8, name: 'secret-item' },
            metadataAfter: ['x-shop'],
            notFound: { code: 5 },
            internal: { code: 13 },
            list: [1, 2, 3],
            record: 4,
            chat: ['re: hello', 're: bye'],
          },
          "every call answered as without the agent; the app's metadata object carries no trace header afterwards",
        );

        const isServer = (s) => s.kind === SERVER && s.scope.name === 'tracing-agent/grpc';
        const spans = await receiver.waitForSpans(
          (s) =>
            s.filter(isServer).length >= 7 &&
            s.filter((x) => x.kind === CLIENT && x.scope.name === 'tracing-agent/grpc').length >= 7 &&
            s.filter((x) => x.attributes['db.query.text'] === 'SELECT $1::text AS said').length >= 2,
        );
        const root = spans.find((s) => s.kind === SERVER && s.scope.name === 'tracing-agent/http');
        assert.equal(root.resource['service.name'], 'grpc-client');
        const trace = spans.filter((s) => s.traceId === root.traceId);
        const clients = trace.filter((s) => s.kind === CLIENT && s.scope.name === 'tracing-agent/grpc');
        const servers = trace.filter(isServer);
        assert.equal(clients.length, 7, "a CLIENT span per call, in the request's trace");
        assert.equal(servers.length, 7, 'a SERVER span per call, in the same trace');
        for (const c of clients) {
          assert.equal(c.parentSpanId, root.spanId, `${c.name} is a child of the request`);
          assert.equal(c.attributes['rpc.system'], 'grpc');
          assert.equal(c.attributes['rpc.service'], 'shop.Inventory');
          assert.equal(c.attributes['server.address'], '127.0.0.1');
          assert.equal(c.attributes['server.port'], server.port);
          const s = servers.find((x) => x.parentSpanId === c.spanId);
          assert.ok(s, `${c.name}: the server's span is a child of the client's`);
          assert.equal(s.name, c.name);
          assert.equal(s.resource['service.name'], 'grpc-server');
          assert.equal(s.attributes['rpc.method'], c.attributes['rpc.method']);
          assert.equal(s.attributes['rpc.grpc.status_code'], c.attributes['rpc.grpc.status_code']);
        }
        assert.deepEqual(
          clients.map((c) => c.name).sort(),
          ['Chat', 'Get', 'Get', 'Get', 'Get', 'List', 'Record'].map((m) => `shop.Inventory/${m}`),
        );
        const byCode = (list, code) => list.filter((s) => s.attributes['rpc.grpc.status_code'] === code);
        assert.equal(byCode(clients, 0).length, 5);
        for (const s of [...byCode(clients, 0), ...byCode(servers, 0)]) assert.equal(s.status.code, 0, `${s.name}: OK`);
        // NOT_FOUND: an error for the caller, not for the server (which answered as designed).
        const [notFoundClient] = byCode(clients, 5);
        assert.equal(notFoundClient.status.code, ERROR);
        assert.equal(notFoundClient.status.message, 'no such item');
        assert.equal(notFoundClient.attributes['error.type'], 'NOT_FOUND');
        const [notFoundServer] = byCode(servers, 5);
        assert.equal(notFoundServer.status.code, 0, 'NOT_FOUND is not a server error');
        assert.equal(notFoundServer.attributes['error.type'], undefined);
        // INTERNAL: an error on both sides.
        for (const s of [...byCode(clients, 13), ...byCode(servers, 13)]) {
          assert.equal(s.status.code, ERROR, `${s.name} (${s.kind}) INTERNAL`);
          assert.equal(s.attributes['error.type'], 'INTERNAL');
        }
        // Each handler's queries nest under its SERVER span, also those run from a stream's 'data' events.
        for (const [method, text, count] of [
          ['Get', 'SELECT $1::int AS id', 2],
          ['List', 'SELECT generate_series(?, ?) AS id', 1],
          ['Record', 'SELECT $1::int AS count', 1],
          ['Chat', 'SELECT $1::text AS said', 2],
        ]) {
          const queries = trace.filter((s) => s.attributes['db.query.text'] === text);
          assert.equal(queries.length, count, `${method}: ${count} queries in the trace`);
          for (const q of queries)
            assert.ok(
              servers.some((s) => s.spanId === q.parentSpanId && s.name === `shop.Inventory/${method}`),
              `${method}: the query is a child of its SERVER span`,
            );
        }
        assert.ok(!JSON.stringify(spans.map((s) => s.attributes)).includes('secret-item'), 'no message leaves the process');
      } finally {
        await Promise.all([server.stop(), client && client.stop()]);
      }
    });
  }

  it(`${PROJECT.label}: a call whose metadata carries a garbage traceparent starts a new trace on the server and is answered`, async () => {
    const server = await startService(fixture('grpc.cjs'), { env: agentEnv(receiver, { ROLE: 'server', OTEL_SERVICE_NAME: 'grpc-server' }) });
    try {
      // An untraced client (this test process), sending the garbage itself.
      const grpc = require('@grpc/grpc-js');
      const json = { serialize: (v) => Buffer.from(JSON.stringify(v)), deserialize: (b) => JSON.parse(b.toString()) };
      const Client = grpc.makeGenericClientConstructor(
        {
          Get: {
            path: '/shop.Inventory/Get',
            requestStream: false,
            responseStream: false,
            requestSerialize: json.serialize,
            requestDeserialize: json.deserialize,
            responseSerialize: json.serialize,
            responseDeserialize: json.deserialize,
          },
        },
        'Inventory',
      );
      const client = new Client(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure());
      const metadata = new grpc.Metadata();
      metadata.set('traceparent', '00-not-a-trace-id-zz');
      metadata.set('baggage', '%%%');
      const reply = await new Promise((resolve, reject) => client.Get({ id: 3 }, metadata, (err, r) => (err ? reject(err) : resolve(r))));
      client.close();
      assert.deepEqual(reply, { id: 3, name: 'secret-item' });
      const spans = await receiver.waitForSpans(
        (s) => s.some((x) => x.kind === SERVER) && s.some((x) => x.attributes['db.query.text'] === 'SELECT $1::int AS id'),
      );
      const span = spans.find((s) => s.kind === SERVER);
      assert.equal(span.parentSpanId, '', 'a new trace');
      assert.equal(spans.find((s) => s.attributes['db.query.text'] === 'SELECT $1::int AS id').parentSpanId, span.spanId);
    } finally {
      await server.stop();
    }
  });
});

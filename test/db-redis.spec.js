'use strict';
// node-redis and ioredis against the real Redis on this machine: command and
// key recorded, values never; spans under their request; both majors.
const assert = require('node:assert/strict');
const { startReceiver } = require('./support/receiver');
const { agentEnv, startService, get, fixture } = require('./support/processes');
const { packageAt, projectPackage } = require('./support/deps');
const { startRedisCluster } = require('./support/redis-cluster');

const SERVER = 2;
const CLIENT = 3;
const ERROR = 2;

describe('redis and ioredis', function () {
  this.timeout(60000);
  let receiver;
  const older = {};

  before(async () => {
    receiver = await startReceiver();
    older.redis = packageAt('redis', '4');
    older.ioredis = packageAt('ioredis', '4');
    // Recorded among the versions tested: the tests without DRIVER_MODULE run these.
    projectPackage('redis');
    projectPackage('ioredis');
  });
  after(async () => receiver && receiver.close());
  beforeEach(() => receiver.reset());

  const variants = [
    { label: 'redis 5, --import', driver: 'redis', flag: 'import' },
    { label: 'redis 4, -r', driver: 'redis', flag: 'require', older: true },
    { label: 'ioredis 5, --import', driver: 'ioredis', flag: 'import' },
    { label: 'ioredis 4, -r', driver: 'ioredis', flag: 'require', older: true },
  ];
  for (const v of variants) {
    it(`${v.label}: commands under their request, keys kept, values never`, async () => {
      const scope = `tracing-agent/${v.driver}`;
      const env = agentEnv(receiver, { OTEL_SERVICE_NAME: 'redis-app', DRIVER: v.driver, DRIVER_MODULE: v.older ? older[v.driver] : undefined });
      const svc = await startService(fixture('db-redis.cjs'), { flag: v.flag, env });
      try {
        assert.equal((await get(`${svc.url}/cache`)).body, 'ok');
        const done = (s) => s.some((x) => x.kind === SERVER) && s.some((x) => x.scope.name === scope && x.name === 'INCR' && x.status.code === ERROR);
        const spans = await receiver.waitForSpans(done);
        const server = spans.find((s) => s.kind === SERVER);
        const db = spans.filter((s) => s.scope.name === scope && s.traceId === server.traceId);
        for (const s of db) {
          assert.equal(s.kind, CLIENT);
          assert.equal(s.parentSpanId, server.spanId, `${s.name} is a child of the request`);
          assert.equal(s.attributes['db.system.name'], 'redis');
          assert.equal(s.attributes['server.address'], '127.0.0.1', `${s.name} has the server's address`);
          assert.equal(s.attributes['server.port'], 6379);
          assert.equal(s.attributes['db.namespace'], '0');
        }
        const set = db.find((s) => s.attributes['db.query.text'] === 'SET ta:user:1 ?');
        assert.ok(set, 'SET with its key, value replaced');
        assert.equal(set.name, 'SET');
        assert.equal(set.attributes['db.operation.name'], 'SET');
        assert.ok(db.some((s) => s.attributes['db.query.text'] === 'GET ta:user:1'));
        assert.ok(db.some((s) => s.attributes['db.query.text'] === 'PUBLISH ta:channel ?'));
        if (v.driver === 'redis') {
          const multi = db.find((s) => s.name === 'MULTI');
          assert.equal(multi.attributes['db.query.text'], 'SET ta:m ?; INCR ta:n');
          assert.equal(multi.attributes['db.operation.batch.size'], 2);
          assert.equal(db.find((s) => s.name === 'PIPELINE').attributes['db.query.text'], 'SET ta:p ?; GET ta:p');
        } else {
          for (const text of ['MULTI', 'SET ta:m ?', 'INCR ta:n', 'EXEC', 'SET ta:p ?', 'GET ta:p']) assert.ok(db.some((s) => s.attributes['db.query.text'] === text), text);
        }
        for (const text of ['SUBSCRIBE ta:events', 'PUBLISH ta:events ?', 'UNSUBSCRIBE ta:events']) assert.ok(db.some((s) => s.attributes['db.query.text'] === text), `pub/sub: ${text}`);
        const subscribe = db.find((s) => s.name === 'SUBSCRIBE');
        assert.equal(subscribe.attributes['db.operation.name'], 'SUBSCRIBE');
        assert.equal(subscribe.status.code, 0, 'subscribed without error');
        const failed = db.find((s) => s.name === 'INCR' && s.status.code === ERROR);
        assert.match(failed.status.message, /not an integer/);
        assert.ok(!JSON.stringify(spans.map((s) => [s.attributes, s.events.map((e) => e.attributes), s.status])).includes('secret'), 'no value leaves the process');
      } finally {
        await svc.stop();
      }
    });
  }

  it('ESM app: redis and ioredis through import are traced', async () => {
    const svc = await startService(fixture('db-redis.mjs'), { flag: 'import', env: agentEnv(receiver, { OTEL_SERVICE_NAME: 'redis-esm' }) });
    try {
      await get(svc.url);
      const spans = await receiver.waitForSpans((s) => ['redis', 'ioredis'].every((d) => s.some((x) => x.scope.name === `tracing-agent/${d}` && x.name === 'GET')));
      const server = spans.find((s) => s.kind === SERVER);
      for (const d of ['redis', 'ioredis']) assert.equal(spans.find((s) => s.scope.name === `tracing-agent/${d}` && s.name === 'GET').parentSpanId, server.spanId);
    } finally {
      await svc.stop();
    }
  });

  describe('ioredis Cluster, on a one-node Redis Cluster', () => {
    let cluster;
    before(async () => {
      cluster = await startRedisCluster();
    });
    after(async () => cluster && cluster.stop());

    for (const v of [
      { label: 'ioredis 5, --import', flag: 'import' },
      { label: 'ioredis 4, -r', flag: 'require', older: true },
    ]) {
      it(`${v.label}: commands and pipelines routed by the cluster client, under their request, with the node's address`, async () => {
        const env = agentEnv(receiver, { OTEL_SERVICE_NAME: 'redis-cluster', DRIVER: 'ioredis', DRIVER_MODULE: v.older ? older.ioredis : undefined, REDIS_CLUSTER_PORT: String(cluster.port) });
        const svc = await startService(fixture('db-redis.cjs'), { flag: v.flag, env });
        try {
          assert.equal((await get(`${svc.url}/cluster`)).body, 'ok');
          const texts = ['SET {ta}:user:1 ?', 'GET {ta}:user:1', 'SET {ta}:p ?', 'GET {ta}:p'];
          const spans = await receiver.waitForSpans((s) => s.some((x) => x.kind === SERVER) && texts.every((t) => s.some((x) => x.attributes['db.query.text'] === t)));
          const server = spans.find((s) => s.kind === SERVER);
          for (const text of texts) {
            const db = spans.filter((s) => s.attributes['db.query.text'] === text);
            assert.equal(db.length, 1, `${text} traced once`);
            assert.equal(db[0].parentSpanId, server.spanId, `${text} is a child of the request`);
            assert.equal(db[0].attributes['server.port'], cluster.port);
            assert.equal(db[0].attributes['server.address'], '127.0.0.1');
          }
          assert.ok(!JSON.stringify(spans.map((s) => s.attributes)).includes('secret'), 'no value leaves the process');
        } finally {
          await svc.stop();
        }
      });
    }
  });

  for (const driver of ['redis', 'ioredis']) {
    it(`${driver}: 50 concurrent requests, every command under its own request`, async () => {
      const svc = await startService(fixture('db-redis.cjs'), { env: agentEnv(receiver, { OTEL_SERVICE_NAME: 'redis-conc', DRIVER: driver }) });
      try {
        const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => get(`${svc.url}/concurrent?n=${i}`)));
        answers.forEach((a, i) => assert.equal(a.body, String(i)));
        const isGet = (s) => /^GET ta:c:\d+$/.test(s.attributes['db.query.text'] || '');
        const spans = await receiver.waitForSpans((s) => s.filter(isGet).length >= 50 && s.filter((x) => x.kind === SERVER).length >= 50);
        const servers = new Map(spans.filter((s) => s.kind === SERVER).map((s) => [s.spanId, s]));
        for (const g of spans.filter(isGet)) {
          const parent = servers.get(g.parentSpanId);
          assert.ok(parent, 'the command has a request span as parent');
          assert.equal(parent.attributes['url.query'], `n=${g.attributes['db.query.text'].split(':').pop()}`, 'and it is the request that sent it');
        }
      } finally {
        await svc.stop();
      }
    });
  }
});

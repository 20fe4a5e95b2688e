'use strict';
// node-redis and ioredis against the real Redis on this machine: command and
// key recorded, values never; spans under their request; the client's own
// connection handshake never a span. Each range: its oldest major and its
// newest version patched, the first version subscribed to through the
// library's TracingChannels, and the newest on the registry.
const assert = require('node:assert/strict');
const { startReceiver } = require('./support/receiver');
const { agentEnv, startService, get, fixture } = require('./support/processes');
const { packageAt, projectPackage, newest: newestVersion } = require('./support/deps');
const { startRedisCluster } = require('./support/redis-cluster');

const SERVER = 2;
const CLIENT = 3;
const ERROR = 2;
// What the clients send on a new connection by themselves.
const HANDSHAKE = ['HELLO', 'AUTH', 'CLIENT', 'SELECT', 'INFO', 'READONLY'];

describe('redis and ioredis', function () {
  this.timeout(60000);
  let receiver;
  // Copies by path, keyed by what a variant names (`redis@4`, `ioredis@newest`); the default copy is the repository's own.
  const copies = {};
  const newest = {};

  before(async function () {
    this.timeout(300000);
    receiver = await startReceiver();
    for (const name of ['redis', 'ioredis']) newest[name] = newestVersion(name);
    for (const [name, version] of [
      ['redis', '4'],
      ['redis', '5.11.0'],
      ['redis', '5.12.0'],
      ['redis', newest.redis],
      ['ioredis', '4'],
      ['ioredis', '5.10.1'],
      ['ioredis', '5.11.0'],
      ['ioredis', newest.ioredis],
    ]) {
      copies[`${name}@${version}`] = packageAt(name, version);
    }
    copies['redis@newest'] = copies[`redis@${newest.redis}`];
    copies['ioredis@newest'] = copies[`ioredis@${newest.ioredis}`];
    // Recorded among the versions tested: the tests without DRIVER_MODULE run these.
    projectPackage('redis');
    projectPackage('ioredis');
  });
  after(async () => receiver && receiver.close());
  beforeEach(() => receiver.reset());

  const variants = [
    { label: "redis (the repository's, 5.12+: channels), --import", driver: 'redis', flag: 'import' },
    { label: 'redis 4 (oldest patched), -r', driver: 'redis', flag: 'require', copy: '4' },
    { label: 'redis 5.11.0 (newest patched), -r', driver: 'redis', flag: 'require', copy: '5.11.0' },
    { label: 'redis 5.12.0 (first with channels), -r', driver: 'redis', flag: 'require', copy: '5.12.0' },
    { label: 'redis newest on the registry, --import', driver: 'redis', flag: 'import', copy: 'newest' },
    { label: "ioredis (the repository's, 5.11+: channels), --import", driver: 'ioredis', flag: 'import' },
    { label: 'ioredis 4 (oldest patched), -r', driver: 'ioredis', flag: 'require', copy: '4' },
    { label: 'ioredis 5.10.1 (newest patched), -r', driver: 'ioredis', flag: 'require', copy: '5.10.1' },
    { label: 'ioredis 5.11.0 (first with channels), -r', driver: 'ioredis', flag: 'require', copy: '5.11.0' },
    { label: 'ioredis newest on the registry, --import', driver: 'ioredis', flag: 'import', copy: 'newest' },
  ];
  for (const v of variants) {
    it(`${v.label}: commands under their request, keys kept, values never, no handshake`, async () => {
      const scope = `tracing-agent/${v.driver}`;
      const env = agentEnv(receiver, { OTEL_SERVICE_NAME: 'redis-app', DRIVER: v.driver, DRIVER_MODULE: v.copy ? copies[`${v.driver}@${v.copy}`] : undefined });
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
          for (const text of ['MULTI', 'SET ta:m ?', 'INCR ta:n', 'EXEC', 'SET ta:p ?', 'GET ta:p'])
            assert.ok(
              db.some((s) => s.attributes['db.query.text'] === text),
              text,
            );
        }
        for (const text of ['SUBSCRIBE ta:events', 'PUBLISH ta:events ?', 'UNSUBSCRIBE ta:events'])
          assert.ok(
            db.some((s) => s.attributes['db.query.text'] === text),
            `pub/sub: ${text}`,
          );
        const subscribe = db.find((s) => s.name === 'SUBSCRIBE');
        assert.equal(subscribe.attributes['db.operation.name'], 'SUBSCRIBE');
        assert.equal(subscribe.status.code, 0, 'subscribed without error');
        const failed = db.find((s) => s.name === 'INCR' && s.status.code === ERROR);
        assert.match(failed.status.message, /not an integer/);
        assert.ok(
          !JSON.stringify(spans.map((s) => [s.attributes, s.events.map((e) => e.attributes), s.status])).includes('secret'),
          'no value leaves the process',
        );
        // The app's client and its pub/sub duplicate each connected once.
        assert.deepEqual(
          spans.filter((s) => HANDSHAKE.includes(s.name)).map((s) => s.attributes['db.query.text']),
          [],
          'no handshake command is a span',
        );
      } finally {
        await svc.stop();
      }
    });
  }

  for (const driver of ['redis', 'ioredis']) {
    it(`${driver}, newest on the registry: a request that connects, sets and gets is one trace of three spans, no handshake anywhere`, async () => {
      const scope = `tracing-agent/${driver}`;
      const env = agentEnv(receiver, { OTEL_SERVICE_NAME: 'redis-fresh', DRIVER: driver, DRIVER_MODULE: copies[`${driver}@newest`] });
      const svc = await startService(fixture('db-redis.cjs'), { env });
      try {
        assert.equal((await get(`${svc.url}/fresh`)).body, 'ok');
        await receiver.waitForSpans((s) => s.some((x) => x.kind === SERVER) && s.filter((x) => x.scope.name === scope).length >= 2);
        // Anything else (a late handshake span) would be exported within a few batch delays.
        await new Promise((resolve) => setTimeout(resolve, 300));
        const spans = receiver.spans.slice();
        assert.deepEqual(
          spans.filter((s) => HANDSHAKE.includes(s.name) || HANDSHAKE.includes(s.attributes['db.operation.name'])).map((s) => s.name),
          [],
          'no handshake span, at startup or in the request',
        );
        assert.equal(new Set(spans.map((s) => s.traceId)).size, 1, `one trace: ${spans.map((s) => s.name).join(', ')}`);
        assert.equal(spans.length, 3, `the request and its two commands: ${spans.map((s) => s.name).join(', ')}`);
        const server = spans.find((s) => s.kind === SERVER);
        const db = spans.filter((s) => s.scope.name === scope);
        assert.deepEqual(db.map((s) => s.attributes['db.query.text']).sort(), ['GET ta:fresh', 'SET ta:fresh ?']);
        for (const s of db) {
          assert.equal(s.kind, CLIENT);
          assert.equal(s.parentSpanId, server.spanId, `${s.name} is a child of the request`);
          assert.equal(s.attributes['db.namespace'], '1', 'the database the client selected');
          assert.equal(s.attributes['server.address'], '127.0.0.1');
          assert.equal(s.attributes['server.port'], 6379);
          assert.equal(s.status.code, 0);
        }
      } finally {
        await svc.stop();
      }
    });
  }

  it('ESM app: redis and ioredis through import are traced', async () => {
    const svc = await startService(fixture('db-redis.mjs'), { flag: 'import', env: agentEnv(receiver, { OTEL_SERVICE_NAME: 'redis-esm' }) });
    try {
      await get(svc.url);
      const spans = await receiver.waitForSpans((s) =>
        ['redis', 'ioredis'].every((d) => s.some((x) => x.scope.name === `tracing-agent/${d}` && x.name === 'GET')),
      );
      const server = spans.find((s) => s.kind === SERVER);
      for (const d of ['redis', 'ioredis'])
        assert.equal(spans.find((s) => s.scope.name === `tracing-agent/${d}` && s.name === 'GET').parentSpanId, server.spanId);
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
      { label: "ioredis (the repository's, channels), --import", flag: 'import' },
      { label: 'ioredis 4, -r', flag: 'require', copy: '4' },
      { label: 'ioredis newest on the registry, --import', flag: 'import', copy: 'newest' },
    ]) {
      it(`${v.label}: commands and pipelines routed by the cluster client, under their request, with the node's address`, async () => {
        const env = agentEnv(receiver, {
          OTEL_SERVICE_NAME: 'redis-cluster',
          DRIVER: 'ioredis',
          DRIVER_MODULE: v.copy ? copies[`ioredis@${v.copy}`] : undefined,
          REDIS_CLUSTER_PORT: String(cluster.port),
        });
        const svc = await startService(fixture('db-redis.cjs'), { flag: v.flag, env });
        try {
          assert.equal((await get(`${svc.url}/cluster`)).body, 'ok');
          const texts = ['SET {ta}:user:1 ?', 'GET {ta}:user:1', 'SET {ta}:p ?', 'GET {ta}:p'];
          const spans = await receiver.waitForSpans(
            (s) => s.some((x) => x.kind === SERVER) && texts.every((t) => s.some((x) => x.attributes['db.query.text'] === t)),
          );
          const server = spans.find((s) => s.kind === SERVER);
          for (const text of texts) {
            const db = spans.filter((s) => s.attributes['db.query.text'] === text);
            assert.equal(db.length, 1, `${text} traced once`);
            assert.equal(db[0].parentSpanId, server.spanId, `${text} is a child of the request`);
            assert.equal(db[0].attributes['server.port'], cluster.port);
            assert.equal(db[0].attributes['server.address'], '127.0.0.1');
          }
          assert.ok(!JSON.stringify(spans.map((s) => s.attributes)).includes('secret'), 'no value leaves the process');
          assert.deepEqual(
            spans.filter((s) => HANDSHAKE.includes(s.name)).map((s) => s.attributes['db.query.text']),
            [],
            'no handshake command is a span',
          );
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

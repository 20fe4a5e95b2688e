'use strict';
// amqplib against the real RabbitMQ on this machine, two services under the
// agent: a producer (HTTP service) publishes three messages in one request, a
// worker consumes them, queries PostgreSQL and acks, nacks and rejects them.
// One trace: SERVER → PRODUCER → CONSUMER → the worker's query and settle span.
// The oldest amqplib of the declared range, the project's copy and the registry's
// newest; promise and callback APIs; CommonJS and ESM; both preload flags.
const assert = require('node:assert/strict');
const { startReceiver } = require('./support/receiver');
const { agentEnv, startService, get, fixture } = require('./support/processes');
const { installAhead, oldestAndNewest, projectPackage, projectVersion } = require('./support/deps');

const SERVER = 2;
const CLIENT = 3;
const PRODUCER = 4;
const CONSUMER = 5;
const AMQP_URL = 'amqp://guest:guest@127.0.0.1:5672';

const [OLDEST, NEWEST] = oldestAndNewest('amqplib');
const PROJECT = { label: `amqplib ${projectVersion('amqplib')} (the project's)`, skip: '', install() {}, dir: () => projectPackage('amqplib') };

let queueCount = 0;
const newQueue = () => `ta-amqp-${process.pid}-${++queueCount}`;

/** A connection of the test's own (no agent here), for sending raw messages and cleaning up. */
async function withChannel(fn) {
  const amqp = require('amqplib');
  const conn = await amqp.connect(AMQP_URL);
  try {
    const ch = await conn.createChannel();
    return await fn(ch);
  } finally {
    await conn.close();
  }
}

describe('amqplib (RabbitMQ)', function () {
  this.timeout(60000);
  let receiver;
  const queues = [];

  before(async function () {
    this.timeout(300000); // a first run installs the versions tested
    receiver = await startReceiver();
    installAhead([OLDEST, NEWEST]);
  });
  after(async () => {
    if (receiver) await receiver.close();
    if (queues.length) await withChannel(async (ch) => Promise.all(queues.map((q) => ch.deleteQueue(q))));
  });
  beforeEach(() => receiver.reset());

  async function startPair(v, queue) {
    queues.push(queue);
    const common = { QUEUE: queue, API: v.api, AMQP_MODULE: v.amqp.dir() };
    const worker = await startService(fixture(`mq-amqp.${v.esm ? 'mjs' : 'cjs'}`), {
      flag: v.flag,
      env: agentEnv(receiver, { ...common, ROLE: 'worker', OTEL_SERVICE_NAME: 'amqp-worker' }),
    });
    try {
      const producer = await startService(fixture(`mq-amqp.${v.esm ? 'mjs' : 'cjs'}`), {
        flag: v.flag,
        env: agentEnv(receiver, { ...common, ROLE: 'producer', OTEL_SERVICE_NAME: 'amqp-producer' }),
      });
      return { worker, producer, stop: () => Promise.all([worker.stop(), producer.stop()]) };
    } catch (err) {
      await worker.stop();
      throw err;
    }
  }

  const variants = [
    { amqp: OLDEST, api: 'callback', flag: 'require' },
    { amqp: OLDEST, api: 'promise', flag: 'import' },
    { amqp: PROJECT, api: 'promise', flag: 'require' },
    { amqp: PROJECT, api: 'callback', flag: 'import' },
    { amqp: PROJECT, api: 'promise', flag: 'import', esm: true },
    { amqp: PROJECT, api: 'promise', flag: 'require', esm: true },
    { amqp: NEWEST, api: 'promise', flag: 'require' },
    { amqp: NEWEST, api: 'callback', flag: 'import' },
    { amqp: NEWEST, api: 'promise', flag: 'import', esm: true },
  ];
  for (const v of variants) {
    const label = `${v.amqp.label}, ${v.esm ? 'ESM' : 'CommonJS'}, ${v.api} API, ${v.flag === 'import' ? '--import' : '-r'}`;
    const test = v.amqp.skip ? it.skip : it;
    test(`${label}: one trace from the request through publish, delivery and the worker's query; ack, nack and reject recorded; no body${v.amqp.skip ? ` (skipped: ${v.amqp.skip})` : ''}`, async () => {
      const queue = newQueue();
      const pair = await startPair(v, queue);
      try {
        assert.equal((await get(`${pair.producer.url}/publish`)).body, 'ok');
        const isQuery = (s) => s.attributes['db.query.text'] === 'SELECT $1::text AS action';
        const isSettle = (s) => s.attributes['messaging.operation.type'] === 'settle';
        const spans = await receiver.waitForSpans(
          (s) =>
            s.filter(isQuery).length >= 3 &&
            s.filter(isSettle).length >= 3 &&
            s.filter((x) => x.kind === CONSUMER).length >= 3 &&
            s.some((x) => x.kind === SERVER),
        );
        const server = spans.find((s) => s.kind === SERVER);
        assert.equal(server.resource['service.name'], 'amqp-producer');
        assert.equal(server.parentSpanId, '');
        const trace = spans.filter((s) => s.traceId === server.traceId);

        const producers = trace.filter((s) => s.kind === PRODUCER);
        assert.equal(producers.length, 3, 'one PRODUCER span per message');
        for (const p of producers) {
          assert.equal(p.parentSpanId, server.spanId, 'published inside the request');
          assert.equal(p.scope.name, 'tracing-agent/amqplib');
          assert.equal(p.attributes['messaging.system'], 'rabbitmq');
          assert.equal(p.attributes['messaging.operation.type'], 'send');
          assert.equal(p.attributes['messaging.operation.name'], 'publish');
          assert.equal(p.attributes['messaging.rabbitmq.destination.routing_key'], queue);
          assert.equal(p.attributes['server.port'], 5672);
        }
        const byId = (list, id) => list.find((s) => s.attributes['messaging.message.id'] === id);
        const viaExchange = byId(producers, 'm-nack');
        assert.equal(viaExchange.name, 'publish amq.direct');
        assert.equal(viaExchange.attributes['messaging.destination.name'], 'amq.direct');
        const viaQueue = byId(producers, 'm-ack');
        assert.equal(viaQueue.name, `publish ${queue}`, 'the default exchange: named by the queue it routes to');
        assert.equal(viaQueue.attributes['messaging.destination.name'], '');
        assert.equal(viaQueue.attributes['messaging.message.body.size'], Buffer.byteLength('secret-body ack'));

        const consumers = trace.filter((s) => s.kind === CONSUMER);
        assert.equal(consumers.length, 3, 'one CONSUMER span per delivery, in the same trace');
        for (const [id, action] of [
          ['m-ack', 'ack'],
          ['m-nack', 'nack'],
          ['m-reject', 'reject'],
        ]) {
          const consumer = byId(consumers, id);
          assert.ok(consumer, `${id} delivered in the trace`);
          assert.equal(consumer.resource['service.name'], 'amqp-worker');
          assert.equal(consumer.parentSpanId, byId(producers, id).spanId, `${id}: the CONSUMER span's parent is its PRODUCER span`);
          assert.equal(consumer.name, `process ${queue}`);
          assert.equal(consumer.attributes['messaging.operation.type'], 'process');
          assert.equal(consumer.attributes['messaging.destination.subscription.name'], queue);
          assert.equal(typeof consumer.attributes['messaging.rabbitmq.message.delivery_tag'], 'number');
          const query = trace.find((s) => isQuery(s) && s.parentSpanId === consumer.spanId);
          assert.ok(query, `${id}: the worker's query is a child of the delivery`);
          assert.equal(query.kind, CLIENT);
          const settle = trace.find((s) => isSettle(s) && s.parentSpanId === consumer.spanId);
          assert.ok(settle, `${id}: settled under its delivery`);
          assert.equal(settle.name, `${action} ${queue}`);
          assert.equal(settle.kind, CLIENT);
          assert.equal(settle.attributes['messaging.operation.name'], action);
        }
        assert.ok(!JSON.stringify(spans.map((s) => [s.name, s.attributes, s.events])).includes('secret-body'), 'no message body leaves the process');
      } finally {
        await pair.stop();
      }
    });
  }

  it(`${PROJECT.label}: a message without trace headers, or with garbage in them, starts a new trace and arrives unchanged`, async () => {
    const queue = newQueue();
    queues.push(queue);
    const worker = await startService(fixture('mq-amqp.cjs'), {
      flag: 'import',
      env: agentEnv(receiver, { QUEUE: queue, ROLE: 'worker', OTEL_SERVICE_NAME: 'amqp-worker', AMQP_MODULE: PROJECT.dir() }),
    });
    try {
      const sent = [
        { id: 'm-bare', headers: { 'x-action': 'ack' } },
        { id: 'm-garbage', headers: { 'x-action': 'ack', traceparent: '00-zzzz-not-a-trace-01', tracestate: '=,=', baggage: '%%%' } },
        { id: 'm-number', headers: { 'x-action': 'ack', traceparent: 42 } },
      ];
      const replies = await withChannel(async (ch) => {
        const { queue: replyTo } = await ch.assertQueue('', { exclusive: true });
        const got = new Map();
        const all = new Promise((resolve) => {
          ch.consume(
            replyTo,
            (msg) => {
              const reply = JSON.parse(msg.content.toString());
              got.set(reply.id, reply);
              if (got.size === sent.length) resolve();
            },
            { noAck: true },
          );
        });
        for (const m of sent) ch.sendToQueue(queue, Buffer.from(`secret-body ${m.id}`), { messageId: m.id, replyTo, headers: m.headers });
        await all;
        return got;
      });
      for (const m of sent) {
        const reply = replies.get(m.id);
        assert.equal(reply.body, `secret-body ${m.id}`, `${m.id}: body unchanged`);
        assert.deepEqual(reply.headers, m.headers, `${m.id}: headers unchanged`);
      }
      const spans = await receiver.waitForSpans(
        (s) => s.filter((x) => x.kind === CONSUMER).length >= 3 && s.filter((x) => x.attributes['db.query.text']).length >= 3,
      );
      const consumers = spans.filter((s) => s.kind === CONSUMER);
      for (const c of consumers) {
        assert.equal(c.parentSpanId, '', `${c.attributes['messaging.message.id']}: a new trace`);
        assert.ok(
          spans.some((s) => s.attributes['db.query.text'] && s.parentSpanId === c.spanId),
          'the query still nests under the delivery',
        );
      }
      assert.equal(new Set(consumers.map((c) => c.traceId)).size, 3, 'each its own trace');
      assert.ok(!JSON.stringify(spans.map((s) => s.attributes)).includes('secret-body'), 'no message body leaves the process');
    } finally {
      await worker.stop();
    }
  });

  it(`${PROJECT.label}: OTEL_NODE_DISABLED_INSTRUMENTATIONS=amqplib leaves RabbitMQ untraced, the worker's query a root of its own`, async () => {
    const queue = newQueue();
    queues.push(queue);
    const env = { OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'amqplib' };
    const common = { QUEUE: queue, AMQP_MODULE: PROJECT.dir(), ...env };
    const worker = await startService(fixture('mq-amqp.cjs'), { env: agentEnv(receiver, { ...common, ROLE: 'worker', OTEL_SERVICE_NAME: 'amqp-worker' }) });
    const producer = await startService(fixture('mq-amqp.cjs'), {
      env: agentEnv(receiver, { ...common, ROLE: 'producer', OTEL_SERVICE_NAME: 'amqp-producer' }),
    });
    try {
      await get(`${producer.url}/publish`);
      const spans = await receiver.waitForSpans((s) => s.filter((x) => x.attributes['db.query.text'] === 'SELECT $1::text AS action').length >= 3);
      assert.deepEqual(
        spans.filter((s) => s.scope.name === 'tracing-agent/amqplib').map((s) => s.name),
        [],
      );
      for (const q of spans.filter((s) => s.attributes['db.query.text'] === 'SELECT $1::text AS action')) assert.equal(q.parentSpanId, '');
    } finally {
      await Promise.all([worker.stop(), producer.stop()]);
    }
  });
});

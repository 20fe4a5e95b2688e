'use strict';
// NATS against the real nats-server on this machine (JetStream on), two
// services under the agent: a producer (HTTP service) publishes, asks a
// request and publishes to a JetStream stream in one request; a worker
// handles each with a PostgreSQL query (a callback subscription, a responder,
// a JetStream consumer that acks). One trace: SERVER → PRODUCER → CONSUMER →
// the worker's query. `nats` 2.x and `@nats-io/transport-node` 3.x (with
// @nats-io/jetstream), oldest and newest; CommonJS and ESM; both preload flags.
const assert = require('node:assert/strict');
const { useReceiver } = require('./support/receiver');
const { agentEnv, startService, get, fixture } = require('./support/processes');
const { installAhead, oldestAndNewest, packageAt, projectPackage, projectVersion } = require('./support/deps');

const SERVER = 2;
const CLIENT = 3;
const PRODUCER = 4;
const CONSUMER = 5;

const [NATS_OLDEST, NATS_NEWEST] = oldestAndNewest('nats');
const [TN_OLDEST, TN_NEWEST] = oldestAndNewest('@nats-io/transport-node');
let count = 0;
const newPrefix = () => `ta.nats${process.pid}x${++count}`;

/** The environment that points the fixture at one copy of the library (none: the project's). */
function copyEnv(lib, entry) {
  if (!entry) return {};
  if (lib === 'nats') return { NATS_MODULE: entry.dir() };
  return { TRANSPORT_MODULE: entry.dir(), JETSTREAM_MODULE: packageAt('@nats-io/jetstream', entry.version) };
}

describe('NATS (nats 2.x, @nats-io/transport-node 3.x)', function () {
  this.timeout(60000);
  let receiver;

  useReceiver(
    (r) => (receiver = r),
    () => installAhead([NATS_OLDEST, NATS_NEWEST, TN_OLDEST, TN_NEWEST]),
  );

  const variants = [
    { lib: 'nats', copy: NATS_OLDEST, flag: 'require' },
    { lib: 'nats', copy: NATS_NEWEST, flag: 'import' },
    { lib: 'nats', flag: 'import', esm: true },
    { lib: 'nats', flag: 'require', esm: true },
    { lib: 'transport-node', copy: TN_OLDEST, flag: 'require' },
    { lib: 'transport-node', copy: TN_NEWEST, flag: 'import' },
    { lib: 'transport-node', flag: 'import', esm: true },
    { lib: 'transport-node', flag: 'require', esm: true },
  ];
  for (const v of variants) {
    const name = v.lib === 'nats' ? 'nats' : '@nats-io/transport-node';
    const version = v.copy ? v.copy.label : `${name} ${projectVersion(name)} (the project's)`;
    const skip = v.copy && v.copy.skip;
    const test = skip ? it.skip : it;
    test(`${version}, ${v.esm ? 'ESM' : 'CommonJS'}, ${v.flag === 'import' ? '--import' : '-r'}: publish, request/reply and JetStream each one trace through the worker's query; JetStream ack recorded; no body${skip ? ` (skipped: ${skip})` : ''}`, async () => {
      if (!v.copy) projectPackage(name);
      if (!v.copy && v.lib === 'transport-node') projectPackage('@nats-io/jetstream');
      const prefix = newPrefix();
      const common = { LIB: v.lib, PREFIX: prefix, ...copyEnv(v.lib, v.copy) };
      const file = fixture(v.esm ? 'mq-nats.mjs' : 'mq-nats.cjs');
      const worker = await startService(file, {
        flag: v.flag,
        env: agentEnv(receiver, { ...common, ROLE: 'worker', CLEAN_UP: '1', OTEL_SERVICE_NAME: 'nats-worker' }),
      });
      let producer;
      try {
        producer = await startService(file, { flag: v.flag, env: agentEnv(receiver, { ...common, ROLE: 'producer', OTEL_SERVICE_NAME: 'nats-producer' }) });
        assert.equal((await get(`${producer.url}/publish`)).body, 'answered');
        const isQuery = (s) => s.attributes['db.query.text'] === 'SELECT $1::text AS what';
        const spans = await receiver.waitForSpans(
          (s) =>
            s.filter(isQuery).length >= 3 &&
            s.some((x) => x.name.startsWith('ack ')) &&
            s.filter((x) => x.kind === CONSUMER).length >= 3 &&
            s.some((x) => x.kind === SERVER),
        );
        const server = spans.find((s) => s.kind === SERVER);
        assert.equal(server.resource['service.name'], 'nats-producer');
        const trace = spans.filter((s) => s.traceId === server.traceId);
        for (const suffix of ['core', 'req', 'js']) {
          const subject = `${prefix}.${suffix}`;
          const producerSpan = trace.find((s) => s.kind === PRODUCER && s.name === `publish ${subject}`);
          assert.ok(producerSpan, `a PRODUCER span for ${subject}`);
          assert.equal(producerSpan.parentSpanId, server.spanId);
          assert.equal(producerSpan.attributes['messaging.system'], 'nats');
          assert.equal(producerSpan.attributes['messaging.operation.type'], 'send');
          assert.equal(producerSpan.attributes['messaging.destination.name'], subject);
          assert.equal(typeof producerSpan.attributes['messaging.message.body.size'], 'number');
          const consumer = trace.find((s) => s.kind === CONSUMER && s.parentSpanId === producerSpan.spanId);
          assert.ok(consumer, `${subject}: the CONSUMER span's parent is the PRODUCER span`);
          assert.equal(consumer.resource['service.name'], 'nats-worker');
          assert.equal(consumer.name, `process ${subject}`);
          assert.equal(consumer.attributes['messaging.operation.type'], 'process');
          assert.ok(
            trace.some((s) => isQuery(s) && s.parentSpanId === consumer.spanId),
            `${subject}: the worker's query is a child of the delivery`,
          );
          if (suffix === 'req') {
            const reply = trace.find((s) => s.kind === PRODUCER && s.parentSpanId === consumer.spanId);
            assert.ok(reply, "the reply is sent under the request's delivery");
            assert.equal(reply.name, 'publish', 'an inbox is not part of the name');
            assert.equal(reply.attributes['messaging.destination.temporary'], true);
          }
          if (suffix === 'js') {
            const ack = trace.find((s) => s.parentSpanId === consumer.spanId && s.attributes['messaging.operation.type'] === 'settle');
            assert.ok(ack, 'the JetStream ack is a settle span under the delivery');
            assert.equal(ack.kind, CLIENT);
            assert.equal(ack.attributes['messaging.operation.name'], 'ack');
            assert.equal(ack.attributes['messaging.destination.name'], prefix.replace(/[^A-Za-z0-9_-]/g, '_'));
          }
        }
        assert.ok(!trace.some((s) => s.name.includes('$JS.API')), "the JetStream API's own requests are not spans");
        assert.ok(!JSON.stringify(spans.map((s) => [s.name, s.attributes])).includes('secret-body'), 'no message body leaves the process');
      } finally {
        await Promise.all([producer && producer.stop(), worker.stop()]);
      }
    });
  }

  it(`nats ${projectVersion('nats')} (the project's): a message without trace headers, or with garbage in them, starts a new trace and arrives unchanged`, async () => {
    const prefix = newPrefix();
    const worker = await startService(fixture('mq-nats.cjs'), {
      env: agentEnv(receiver, { LIB: 'nats', PREFIX: prefix, ROLE: 'worker', CLEAN_UP: '1', OTEL_SERVICE_NAME: 'nats-worker' }),
    });
    try {
      // This test process runs no agent: it sends what it likes.
      const { connect, headers: newHeaders } = require('nats');
      const nc = await connect({ servers: '127.0.0.1:4222' });
      try {
        const garbage = newHeaders();
        garbage.set('traceparent', '00-zzzz-not-a-trace-01');
        garbage.set('baggage', '%%%');
        garbage.set('x-shop', 'kept');
        const replies = [
          await nc.request(`${prefix}.core`, new TextEncoder().encode('secret-body plain'), { timeout: 5000 }),
          await nc.request(`${prefix}.core`, new TextEncoder().encode('secret-body garbage'), { timeout: 5000, headers: garbage }),
        ].map((m) => JSON.parse(new TextDecoder().decode(m.data)));
        assert.deepEqual(replies[0], { body: 'secret-body plain', headers: {} });
        assert.deepEqual(replies[1], { body: 'secret-body garbage', headers: { traceparent: '00-zzzz-not-a-trace-01', baggage: '%%%', 'x-shop': 'kept' } });
      } finally {
        await nc.close();
      }
      const spans = await receiver.waitForSpans(
        (s) => s.filter((x) => x.kind === CONSUMER).length >= 2 && s.filter((x) => x.attributes['db.query.text']).length >= 2,
      );
      const consumers = spans.filter((s) => s.kind === CONSUMER);
      for (const c of consumers) {
        assert.equal(c.parentSpanId, '', 'a new trace');
        assert.ok(
          spans.some((s) => s.attributes['db.query.text'] && s.parentSpanId === c.spanId),
          'the query still nests under the delivery',
        );
      }
      assert.notEqual(consumers[0].traceId, consumers[1].traceId);
    } finally {
      await worker.stop();
    }
  });
});

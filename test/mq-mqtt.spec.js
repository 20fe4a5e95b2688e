'use strict';
// mqtt (MQTT.js) 5.x against the real Mosquitto on this machine, two services
// under the agent: a producer (HTTP service) publishes two messages in one
// request, a worker queries PostgreSQL for each. On MQTT 5 one trace: SERVER →
// PRODUCER → CONSUMER → the worker's query, the context in user properties; on
// MQTT 3.1.1 (no properties) each delivery starts a new trace. The oldest mqtt 5,
// the project's copy and the registry's newest; CommonJS and ESM; both preload flags.
const assert = require('node:assert/strict');
const { useReceiver } = require('./support/receiver');
const { agentEnv, startService, get, fixture } = require('./support/processes');
const { installAhead, oldestAndNewest, projectPackage, projectVersion } = require('./support/deps');

const SERVER = 2;
const PRODUCER = 4;
const CONSUMER = 5;

const [OLDEST, NEWEST] = oldestAndNewest('mqtt');
const PROJECT = { label: `mqtt ${projectVersion('mqtt')} (the project's)`, skip: '', dir: () => projectPackage('mqtt') };
let count = 0;
const newPrefix = () => `ta/mqtt${process.pid}x${++count}`;
const isQuery = (s) => s.attributes['db.query.text'] === 'SELECT $1::text AS topic';

describe('mqtt (MQTT.js 5)', function () {
  this.timeout(60000);
  let receiver;

  useReceiver(
    (r) => (receiver = r),
    () => installAhead([OLDEST, NEWEST]),
  );

  async function startPair(v, prefix, extra = {}) {
    const file = fixture(v.esm ? 'mq-mqtt.mjs' : 'mq-mqtt.cjs');
    const common = { PREFIX: prefix, MQTT_MODULE: v.esm ? undefined : v.mqtt.dir(), ...extra };
    if (v.esm) v.mqtt.dir(); // recorded as tested
    const worker = await startService(file, { flag: v.flag, env: agentEnv(receiver, { ...common, ROLE: 'worker', OTEL_SERVICE_NAME: 'mqtt-worker' }) });
    try {
      const producer = await startService(file, { flag: v.flag, env: agentEnv(receiver, { ...common, ROLE: 'producer', OTEL_SERVICE_NAME: 'mqtt-producer' }) });
      return { producer, worker, stop: () => Promise.all([producer.stop(), worker.stop()]) };
    } catch (err) {
      await worker.stop();
      throw err;
    }
  }

  const variants = [
    { mqtt: OLDEST, flag: 'require' },
    { mqtt: OLDEST, flag: 'import' },
    { mqtt: PROJECT, flag: 'import', esm: true },
    { mqtt: PROJECT, flag: 'require', esm: true },
    { mqtt: NEWEST, flag: 'import' },
    { mqtt: NEWEST, flag: 'require' },
  ];
  for (const v of variants) {
    const test = v.mqtt.skip ? it.skip : it;
    test(`${v.mqtt.label}, ${v.esm ? 'ESM' : 'CommonJS'}, ${v.flag === 'import' ? '--import' : '-r'}, MQTT 5: one trace from the request through publish, delivery and the worker's query; no body${v.mqtt.skip ? ` (skipped: ${v.mqtt.skip})` : ''}`, async () => {
      const prefix = newPrefix();
      const pair = await startPair(v, prefix);
      try {
        assert.equal((await get(`${pair.producer.url}/publish`)).body, 'ok');
        const spans = await receiver.waitForSpans(
          (s) => s.filter(isQuery).length >= 2 && s.filter((x) => x.kind === CONSUMER).length >= 2 && s.some((x) => x.kind === SERVER),
        );
        const server = spans.find((s) => s.kind === SERVER);
        const trace = spans.filter((s) => s.traceId === server.traceId);
        const producers = trace.filter((s) => s.kind === PRODUCER);
        assert.equal(producers.length, 2, 'publish and publishAsync: a PRODUCER span each');
        for (const p of producers) {
          assert.equal(p.parentSpanId, server.spanId);
          assert.equal(p.name, `publish ${prefix}/orders`);
          assert.equal(p.attributes['messaging.system'], 'mqtt');
          assert.equal(p.attributes['messaging.operation.type'], 'send');
          assert.equal(p.attributes['messaging.destination.name'], `${prefix}/orders`);
          assert.equal(p.attributes['server.port'], 1883);
          const consumer = trace.find((s) => s.kind === CONSUMER && s.parentSpanId === p.spanId);
          assert.ok(consumer, "the CONSUMER span's parent is the PRODUCER span");
          assert.equal(consumer.resource['service.name'], 'mqtt-worker');
          assert.equal(consumer.name, `process ${prefix}/orders`);
          assert.equal(consumer.attributes['messaging.operation.type'], 'process');
          assert.ok(
            trace.some((s) => isQuery(s) && s.parentSpanId === consumer.spanId),
            "the worker's query is a child of the delivery",
          );
        }
        assert.deepEqual(
          producers.map((p) => p.attributes['messaging.message.body.size']).sort(),
          [Buffer.byteLength('secret-body one'), Buffer.byteLength('secret-body two')].sort(),
        );
        assert.ok(!JSON.stringify(spans.map((s) => s.attributes)).includes('secret-body'), 'no message body leaves the process');
      } finally {
        await pair.stop();
      }
    });
  }

  it(`${PROJECT.label}, MQTT 3.1.1: no properties to carry the context, so each delivery starts a new trace (no parent, no link), its query under it`, async () => {
    const prefix = newPrefix();
    const pair = await startPair({ mqtt: PROJECT, flag: 'import' }, prefix, { MQTT_VERSION: '4' });
    try {
      await get(`${pair.producer.url}/publish`);
      const spans = await receiver.waitForSpans(
        (s) => s.filter(isQuery).length >= 2 && s.filter((x) => x.kind === CONSUMER).length >= 2 && s.filter((x) => x.kind === PRODUCER).length >= 2,
      );
      const server = spans.find((s) => s.kind === SERVER);
      assert.equal(
        spans.filter((s) => s.kind === PRODUCER && s.parentSpanId === server.spanId).length,
        2,
        "the PRODUCER spans are still in the request's trace",
      );
      for (const c of spans.filter((s) => s.kind === CONSUMER)) {
        assert.equal(c.parentSpanId, '');
        assert.notEqual(c.traceId, server.traceId);
        assert.deepEqual(c.links, []);
        assert.ok(spans.some((s) => isQuery(s) && s.parentSpanId === c.spanId));
      }
    } finally {
      await pair.stop();
    }
  });

  it(`${PROJECT.label}: a message whose traceparent user property is garbage starts a new trace and arrives unchanged`, async () => {
    const prefix = newPrefix();
    const worker = await startService(fixture('mq-mqtt.cjs'), {
      env: agentEnv(receiver, { PREFIX: prefix, ROLE: 'worker', OTEL_SERVICE_NAME: 'mqtt-worker' }),
    });
    try {
      // This test process runs no agent: it sends what it likes.
      const mqtt = require('mqtt');
      const client = await mqtt.connectAsync('mqtt://127.0.0.1:1883', { protocolVersion: 5 });
      try {
        const echoed = new Promise((resolve) => client.on('message', (topic, payload) => resolve(JSON.parse(payload.toString()))));
        await client.subscribeAsync(`${prefix}/echo`);
        const userProperties = { traceparent: '00-zzzz-not-a-trace-01', tracestate: '=,=', echo: 'yes' };
        await client.publishAsync(`${prefix}/orders`, 'secret-body garbage', { qos: 1, properties: { userProperties } });
        assert.deepEqual(await echoed, { body: 'secret-body garbage', userProperties });
      } finally {
        await client.endAsync();
      }
      const spans = await receiver.waitForSpans((s) => s.some((x) => x.kind === CONSUMER) && s.some(isQuery));
      const consumer = spans.find((s) => s.kind === CONSUMER);
      assert.equal(consumer.parentSpanId, '', 'a new trace');
      assert.equal(spans.find(isQuery).parentSpanId, consumer.spanId);
      assert.ok(!JSON.stringify(spans.map((s) => s.attributes)).includes('secret-body'));
    } finally {
      await worker.stop();
    }
  });
});

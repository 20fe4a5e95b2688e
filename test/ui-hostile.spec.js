'use strict';
// The viewer (`tracing-agent ui`) against hostile input and floods, as a real
// process: amplification through every receiver (protobuf, JSON, Thrift over
// HTTP and UDP) stays within --max-memory (RSS read from /proc), the store is
// bounded by bytes and its indexes go with its traces, queries answer while
// big requests and UDP floods are read, --data reopens whatever its size and
// whatever happened to it, and a page on another site can neither send nor read.
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const dgram = require('node:dgram');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const { startViewer } = require('./support/ui-viewer');

const MiB = 1024 * 1024;

// ---- hand-made protobuf and Thrift (the hostile shapes no encoder would make)

function varint(n) {
  const out = [];
  while (n > 127) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Buffer.from(out);
}
const field = (n, payload) => Buffer.concat([varint(n * 8 + 2), varint(payload.length), payload]);
const id = (bytes) => crypto.randomBytes(bytes);

function pbSpan({ traceId = id(16), spanId = id(8), name = 'op', extra = Buffer.alloc(0) } = {}) {
  const now = BigInt(Date.now()) * 1000000n;
  const fixed = (n, v) => {
    const b = Buffer.alloc(9);
    b[0] = n * 8 + 1;
    b.writeBigUInt64LE(v, 1);
    return b;
  };
  return Buffer.concat([field(1, traceId), field(2, spanId), field(5, Buffer.from(name)), Buffer.from([0x30, 2]), fixed(7, now), fixed(8, now + 1000n), extra]);
}

function pbRequest(spans, service = 'hostile') {
  const resource = field(1, field(1, Buffer.concat([field(1, Buffer.from('service.name')), field(2, field(1, Buffer.from(service)))])));
  const scope = field(2, Buffer.concat(spans.map((s) => field(2, s))));
  return field(1, Buffer.concat([resource, scope]));
}

const stringAttr = (key, value) => field(9, Buffer.concat([field(1, Buffer.from(key)), field(2, field(1, Buffer.from(value)))]));

/** A Jaeger Batch: process `service`, one span whose tag list holds `tags` empty Tag structs (one byte each). */
function thriftBatch(tags) {
  const parts = [];
  const i16 = (v) => Buffer.from([(v >> 8) & 0xff, v & 0xff]);
  const i32 = (v) => {
    const b = Buffer.alloc(4);
    b.writeInt32BE(v);
    return b;
  };
  const i64 = (v) => {
    const b = Buffer.alloc(8);
    b.writeBigInt64BE(v);
    return b;
  };
  const str = (s) => Buffer.concat([i32(Buffer.byteLength(s)), Buffer.from(s)]);
  // Batch.process (1: struct { 1: serviceName })
  parts.push(Buffer.from([12]), i16(1), Buffer.from([11]), i16(1), str('hostile-jaeger'), Buffer.from([0]));
  // Batch.spans (2: list<Span>) with one span
  parts.push(Buffer.from([15]), i16(2), Buffer.from([12]), i32(1));
  for (const [fid, v] of [
    [1, crypto.randomBytes(8).readBigInt64BE()],
    [2, 1n],
    [3, 1n + BigInt(crypto.randomInt(1e9))],
    [4, 0n],
  ])
    parts.push(Buffer.from([10]), i16(fid), i64(v));
  parts.push(Buffer.from([11]), i16(5), str('op'));
  parts.push(Buffer.from([8]), i16(7), i32(1));
  parts.push(Buffer.from([10]), i16(8), i64(BigInt(Date.now()) * 1000n), Buffer.from([10]), i16(9), i64(5n));
  parts.push(Buffer.from([15]), i16(10), Buffer.from([12]), i32(tags), Buffer.alloc(tags, 0));
  parts.push(Buffer.from([0])); // end of Span
  parts.push(Buffer.from([0])); // end of Batch
  return Buffer.concat(parts);
}

function emitBatch(batch) {
  const name = Buffer.from('emitBatch');
  const head = Buffer.alloc(4 + 4 + name.length + 4);
  head.writeInt32BE(0x80010004 | 0, 0);
  head.writeInt32BE(name.length, 4);
  name.copy(head, 8);
  head.writeInt32BE(1, 8 + name.length);
  return Buffer.concat([head, Buffer.from([12, 0, 1]), batch, Buffer.from([0])]);
}

// ---- HTTP

/**
 * @param {string} url
 * @param {{ method?: string, headers?: Record<string, string>, body?: any }} [options]
 */
function request(url, { method = 'POST', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = http.request(url, { method, headers, agent: false }, (res) => {
      answered = true;
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    // A refusal answered before the body is all sent (413) may close the connection under the write.
    req.on('error', (err) => setTimeout(() => answered || reject(err), 500));
    req.end(body);
  });
}

/** The status answered to a request that declares `length` bytes of body and sends none of it. */
function declaredOnly(url, type, length) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { 'content-type': type, 'content-length': String(length) }, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode);
      req.destroy();
    });
    req.on('error', (err) => (/** @type {NodeJS.ErrnoException} */ (err).code === 'ECONNRESET' ? undefined : reject(err)));
    req.flushHeaders();
  });
}

const postOtlp = (viewer, body, type = 'application/x-protobuf', headers = {}) =>
  request(`${viewer.otlp}/v1/traces`, { headers: { 'content-type': type, ...headers }, body });
const getJson = async (url, headers = {}) => {
  const res = await request(url, { method: 'GET', headers });
  return { ...res, json: res.status === 200 ? JSON.parse(res.body) : undefined };
};

function rssBytes(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)[1]) * 1024;
}

/** Polls `url` every 10 ms while `work` runs; resolves the longest wait for an answer (ms). */
/**
 * Polls `url` while `work` runs: the longest a query waited, and how long the
 * work took. A viewer that read the work in one go would keep a query waiting
 * for most of it; one that reads in slices answers between them.
 */
async function longestWait(url, work) {
  let done = false;
  let longest = 0;
  const poll = (async () => {
    while (!done) {
      const started = performance.now();
      await getJson(url);
      longest = Math.max(longest, performance.now() - started);
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  const started = performance.now();
  let took;
  try {
    await work();
  } finally {
    took = performance.now() - started;
    done = true;
    await poll;
  }
  return { longest, took };
}

/** Queries were answered between the slices of the work, not held up for most of it (however busy the machine). */
function assertNeverHeldLong({ longest, took }) {
  assert.ok(longest < took / 4, `a query waited ${Math.round(longest)} ms of the ${Math.round(took)} ms the work took`);
}

describe('viewer: hostile input, floods, and the browser', function () {
  this.timeout(180000);
  const viewers = [];
  const start = async (args) => {
    const v = await startViewer(args);
    viewers.push(v);
    return v;
  };
  afterEach(async () => {
    while (viewers.length) await viewers.pop().stop();
  });

  describe('memory bounded by bytes (--max-memory 256m)', () => {
    const LIMIT = 256 * MiB;

    it('amplification through every receiver: 16 MiB of empty attributes (protobuf), JSON, Thrift HTTP, UDP; alive, RSS under the limit, partial success says what was dropped', async () => {
      const viewer = await start(['--max-memory', '256m']);
      const pid = viewer.child.pid;
      let peak = 0;
      const sample = setInterval(() => (peak = Math.max(peak, rssBytes(pid))), 20);
      try {
        // ~8 million empty attributes in one span, ten times.
        const empties = Buffer.alloc(16 * MiB - 200);
        for (let i = 0; i < empties.length; i += 2) empties[i] = 0x4a;
        const body = pbRequest([pbSpan({ extra: empties })]);
        assert.ok(body.length <= 16 * MiB);
        for (let i = 0; i < 10; i++) {
          const res = await postOtlp(viewer, body);
          assert.equal(res.status, 200, String(res.body));
          assert.match(res.body.toString('latin1'), /attributes over the limit dropped/);
        }
        // OTLP/JSON: as large as it is accepted (a 128th of --max-memory), of empty attributes; past that 413.
        const jsonSpan = (n) =>
          JSON.stringify({
            resourceSpans: [
              { scopeSpans: [{ spans: [{ traceId: id(16).toString('hex'), spanId: id(8).toString('hex'), name: 'j', attributes: new Array(n).fill({}) }] }] },
            ],
          });
        const json = await postOtlp(viewer, Buffer.from(jsonSpan(600000)), 'application/json');
        assert.equal(json.status, 200, String(json.body));
        assert.match(JSON.parse(json.body).partialSuccess.errorMessage, /attributes over the limit dropped/);
        assert.equal(
          await declaredOnly(`${viewer.otlp}/v1/traces`, 'application/json', 4 * MiB),
          413,
          'a larger JSON body is refused from its declared length',
        );
        // Jaeger Thrift over HTTP: 16 million empty tags.
        for (let i = 0; i < 3; i++) {
          const res = await request(viewer.jaegerHttp, { headers: { 'content-type': 'application/x-thrift' }, body: thriftBatch(16 * MiB - 200) });
          assert.equal(res.status, 202, String(res.body));
        }
        // UDP: 64 KB datagrams of empty tags.
        const socket = dgram.createSocket('udp4');
        const port = Number(new URL(viewer.jaegerUdp).port);
        for (let i = 0; i < 300; i++) await new Promise((r) => socket.send(emitBatch(thriftBatch(64000)), port, '127.0.0.1', r));
        socket.close();
        await new Promise((r) => setTimeout(r, 500));
        const services = await getJson(`${viewer.ui}/api/services`);
        assert.equal(services.status, 200);
        assert.ok(services.json.data.includes('hostile') && services.json.data.includes('hostile-jaeger'), JSON.stringify(services.json.data));
      } finally {
        clearInterval(sample);
      }
      assert.ok(viewer.child.exitCode === null, 'the viewer is alive');
      assert.ok(peak < LIMIT, `peak RSS ${Math.round(peak / MiB)} MiB, limit 256 MiB`);
      assert.doesNotMatch(viewer.output().stderr, /\n\s+at /, 'no stack traces');
    });

    it('spans of 1 MiB each, 600 MiB of them: RSS stays under the limit, the oldest traces go, the newest are there', async () => {
      const viewer = await start(['--max-memory', '256m']);
      const pid = viewer.child.pid;
      let peak = 0;
      const value = 'v'.repeat(10 * 1024);
      const attrs = Buffer.concat(Array.from({ length: 100 }, (_, i) => stringAttr(`a${i}`, value)));
      let last;
      for (let r = 0; r < 150; r++) {
        const traces = Array.from({ length: 4 }, () => id(16));
        last = traces[3].toString('hex');
        const res = await postOtlp(
          viewer,
          pbRequest(
            traces.map((traceId) => pbSpan({ traceId, extra: attrs })),
            'big',
          ),
        );
        assert.equal(res.status, 200, String(res.body));
        peak = Math.max(peak, rssBytes(pid));
      }
      assert.ok(peak < LIMIT, `peak RSS ${Math.round(peak / MiB)} MiB`);
      const stats = (await getJson(`${viewer.ui}/api/stats`)).json.data;
      assert.ok(stats.evicted > 0, JSON.stringify(stats));
      assert.ok(stats.bytes <= stats.maxBytes, JSON.stringify(stats));
      assert.equal((await getJson(`${viewer.ui}/api/traces/${last}`)).status, 200, 'the newest trace is kept');
    });

    it('services and operations go with their traces: 50,000 distinct names into --max-traces 1000', async () => {
      const viewer = await start(['--max-traces', '1000']);
      for (let r = 0; r < 50; r++) {
        const spans = Array.from({ length: 1000 }, (_, i) => pbSpan({ name: `op-${r}-${i}` }));
        assert.equal((await postOtlp(viewer, pbRequest(spans, `svc-${r % 10}`))).status, 200);
      }
      const services = (await getJson(`${viewer.ui}/api/services`)).json.data;
      let operations = 0;
      for (const service of services) operations += (await getJson(`${viewer.ui}/api/services/${service}/operations`)).json.data.length;
      assert.ok(operations <= 1000, `${operations} operations listed for 1000 traces kept`);
      assert.deepEqual(services, ['svc-9']);
    });

    it('spans past 10,000 in one trace are refused, and the answer says so (partial success)', async () => {
      const viewer = await start([]);
      const traceId = id(16);
      const spans = Array.from({ length: 10500 }, () => pbSpan({ traceId }));
      const res = await postOtlp(viewer, pbRequest(spans), 'application/x-protobuf');
      assert.equal(res.status, 200);
      // ExportTraceServiceResponse { 1: partial_success { 1: rejected_spans, 2: error_message } }
      const text = res.body.toString('latin1');
      assert.match(text, /spans not kept \(a trace keeps at most 10000 spans\)/);
      // eslint-disable-next-line no-control-regex -- protobuf field tags are control bytes
      const rejected = /\x08([\x00-\xff]+?)\x12/.exec(text.slice(2));
      assert.ok(rejected, 'rejected_spans is set');
    });
  });

  describe('never blocks for long', () => {
    it('10^5 spans in one request: queries are answered while it is read', async () => {
      const viewer = await start([]);
      const spans = Array.from({ length: 100000 }, () => pbSpan());
      const body = pbRequest(spans);
      const waits = await longestWait(`${viewer.ui}/api/services`, async () => {
        const res = await postOtlp(viewer, body);
        assert.equal(res.status, 200);
      });
      assertNeverHeldLong(waits);
    });

    it('a UDP flood: queries are answered throughout, datagrams past the queue are dropped and counted', async () => {
      const viewer = await start(['--max-memory', '128m']);
      const port = Number(new URL(viewer.jaegerUdp).port);
      // The flood comes from a process of its own, so that this one only measures.
      const flood = `
        const socket = require('node:dgram').createSocket('udp4');
        const datagram = Buffer.from(process.argv[1], 'base64');
        const until = Date.now() + 2000;
        (function burst() {
          if (Date.now() >= until) return socket.close();
          for (let i = 0; i < 50; i++) socket.send(datagram, ${port}, '127.0.0.1');
          setImmediate(burst);
        })();`;
      const waits = await longestWait(`${viewer.ui}/api/services`, async () => {
        const child = require('node:child_process').spawn(process.execPath, ['-e', flood, emitBatch(thriftBatch(60000)).toString('base64')], {
          stdio: 'ignore',
        });
        await new Promise((resolve) => child.on('close', resolve));
      });
      assertNeverHeldLong(waits);
      assert.equal(viewer.child.exitCode, null);
      assert.match(viewer.output().stderr, /UDP datagrams arrive faster than they can be read: \d+ dropped so far/);
    });
  });

  describe('--data that always reopens', () => {
    let dir;
    beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ta-ui-data-'))));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    const line = (traceId, size) =>
      JSON.stringify({
        process: { serviceName: 'from-file', tags: [] },
        spans: [
          {
            traceID: traceId,
            spanID: '00000000000000a1',
            flags: 1,
            operationName: 'old',
            references: [],
            startTime: Date.now() * 1000,
            duration: 5,
            tags: [{ key: 'blob', type: 'string', value: 'x'.repeat(size) }],
            logs: [],
            warnings: null,
          },
        ],
      }) + '\n';

    it('a data file over 512 MiB is read line by line: the viewer starts and shows its newest traces', async () => {
      const file = path.join(dir, 'big.jsonl');
      const fd = fs.openSync(file, 'w');
      let lastId;
      for (let i = 0; i < 540; i++) {
        lastId = crypto.randomBytes(16).toString('hex');
        fs.writeSync(fd, line(lastId, MiB));
      }
      fs.closeSync(fd);
      assert.ok(fs.statSync(file).size > 512 * MiB);
      const viewer = await start(['--data', file, '--max-memory', '256m']);
      assert.equal((await getJson(`${viewer.ui}/api/traces/${lastId}`)).status, 200);
      await viewer.stop();
      assert.ok(fs.statSync(file).size < 256 * MiB, 'compacted to what the viewer keeps');
    });

    it('unreadable lines are kept aside (one warning), stale temporary files are removed, and the file stays under --max-data-size', async () => {
      const file = path.join(dir, 'traces.jsonl');
      const good = crypto.randomBytes(16).toString('hex');
      fs.writeFileSync(file, `${line(good, 10)}{not json\n${'\u0000'.repeat(10)}\n`);
      fs.writeFileSync(`${file}.999999.tmp`, 'left by a viewer killed while compacting');
      const viewer = await start(['--data', file, '--max-data-size', '2m']);
      assert.equal((await getJson(`${viewer.ui}/api/traces/${good}`)).status, 200);
      assert.ok(!fs.existsSync(`${file}.999999.tmp`), 'the stale temporary file is gone');
      assert.equal(fs.readFileSync(`${file}.unreadable`, 'utf8'), `{not json\n${'\u0000'.repeat(10)}\n`);
      const warnings = viewer
        .output()
        .stderr.split('\n')
        .filter((l) => l.includes('unreadable'));
      assert.equal(warnings.length, 1, viewer.output().stderr);
      // 6 MiB of spans into a file of at most 2 MiB: the oldest go.
      for (let r = 0; r < 12; r++) {
        const spans = Array.from({ length: 8 }, () => pbSpan({ extra: stringAttr('blob', 'y'.repeat(60 * 1024)) }));
        assert.equal((await postOtlp(viewer, pbRequest(spans))).status, 200);
      }
      assert.ok(fs.statSync(file).size <= 2 * MiB, `${fs.statSync(file).size} bytes`);
      await viewer.stop();
      assert.ok(fs.statSync(file).size <= 2 * MiB);
    });
  });

  describe('browser safety and client errors', () => {
    it('no Access-Control-Allow-Origin by default; --cors-origin allows exactly the origins named', async () => {
      const plain = await start([]);
      const body = pbRequest([pbSpan()]);
      const evil = await postOtlp(plain, body, 'application/x-protobuf', { origin: 'http://evil.example' });
      assert.equal(evil.headers['access-control-allow-origin'], undefined);
      const preflight = await request(`${plain.otlp}/v1/traces`, {
        method: 'OPTIONS',
        headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' },
      });
      assert.equal(preflight.headers['access-control-allow-origin'], undefined);
      const open = await start(['--cors-origin', 'http://app.example:3000']);
      const allowed = await request(`${open.otlp}/v1/traces`, {
        method: 'OPTIONS',
        headers: { origin: 'http://app.example:3000', 'access-control-request-method': 'POST' },
      });
      assert.equal(allowed.status, 204);
      assert.equal(allowed.headers['access-control-allow-origin'], 'http://app.example:3000');
      assert.equal((await postOtlp(open, body, 'application/x-protobuf', { origin: 'http://evil.example' })).headers['access-control-allow-origin'], undefined);
    });

    it("a Host that is not the viewer's (DNS rebinding) is refused on every listener; localhost and the address pass", async () => {
      const viewer = await start([]);
      const port = new URL(viewer.ui).port;
      assert.equal((await getJson(`${viewer.ui}/api/services`, { host: 'evil.example' })).status, 403);
      assert.equal((await getJson(`${viewer.ui}/api/services`, { host: `evil.example:${port}` })).status, 403);
      assert.equal((await postOtlp(viewer, pbRequest([pbSpan()]), 'application/x-protobuf', { host: 'evil.example' })).status, 403);
      assert.equal((await getJson(`${viewer.ui}/api/services`, { host: `localhost:${port}` })).status, 200);
      assert.equal((await getJson(`${viewer.ui}/api/services`, { host: `127.0.0.1:${port}` })).status, 200);
      const all = await start(['--host', '0.0.0.0']);
      assert.equal(
        (await getJson(`http://127.0.0.1:${new URL(all.ui).port}/api/services`, { host: 'my-laptop.lan' })).status,
        200,
        '--host 0.0.0.0 answers any name',
      );
    });

    it('malformed paths and deep nesting are 400, with no stack trace on stderr', async () => {
      const viewer = await start([]);
      assert.equal((await getJson(`${viewer.ui}/api/traces/%E0%A4%A`)).status, 400);
      assert.equal((await getJson(`${viewer.ui}/api/services/%E0%A4%A/operations`)).status, 400);
      let value = field(1, Buffer.from('leaf'));
      for (let i = 0; i < 3000; i++) value = field(5, field(1, value));
      const deep = pbRequest([pbSpan({ extra: field(9, Buffer.concat([field(1, Buffer.from('deep')), field(2, value)])) })]);
      assert.equal((await postOtlp(viewer, deep)).status, 400);
      let json = '{"stringValue":"leaf"}';
      for (let i = 0; i < 3000; i++) json = `{"arrayValue":{"values":[${json}]}}`;
      const deepJson = `{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"${id(16).toString('hex')}","spanId":"${id(8).toString('hex')}","attributes":[{"key":"deep","value":${json}}]}]}]}]}`;
      assert.equal((await postOtlp(viewer, Buffer.from(deepJson), 'application/json')).status, 400);
      assert.equal((await getJson(`${viewer.ui}/api/services`)).status, 200);
      assert.doesNotMatch(viewer.output().stderr, /\n\s+at /);
      assert.equal(viewer.output().stderr, '');
    });
  });
});

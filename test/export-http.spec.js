'use strict';
// The exporters' HTTP/1.1 client (src/exporters/http1.ts) against real
// servers on this machine that answer the many ways HTTP allows (lengths,
// chunks, interim answers, closes, silence, garbage), then end to end: a
// traced app exporting over https and to a collector that closes every
// connection. Reads dist/ (`npm run build`).
const assert = require('node:assert/strict');
const { once } = require('node:events');
const fs = require('node:fs');
const net = require('node:net');
const { post1 } = require('../dist/exporters/http1');
const { startReceiver } = require('./support/receiver');
const { selfSignedCert } = require('./support/tls');
const { agentEnv, runNode, fixture, startService, get } = require('./support/processes');

/**
 * A raw TCP server: `answer(request, socket)` is called for each complete
 * request (head parsed, body read by Content-Length). Records requests and connections.
 */
async function rawServer(answer) {
  const server = { requests: [], connections: 0 };
  const tcp = net.createServer((socket) => {
    server.connections++;
    let pending = Buffer.alloc(0);
    socket.on('error', () => {});
    socket.on('data', (chunk) => {
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        const end = pending.indexOf('\r\n\r\n');
        if (end === -1) return;
        const head = pending.subarray(0, end).toString('latin1');
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        if (pending.length < end + 4 + length) return;
        const [requestLine, ...lines] = head.split('\r\n');
        const request = { requestLine, lines, body: pending.subarray(end + 4, end + 4 + length), connection: server.connections };
        pending = pending.subarray(end + 4 + length);
        server.requests.push(request);
        answer(request, socket);
      }
    });
  });
  await once(tcp.listen(0, '127.0.0.1'), 'listening');
  server.url = `http://127.0.0.1:${tcp.address().port}/v1/traces`;
  server.close = () =>
    new Promise((resolve) => {
      tcp.close(() => resolve());
      for (const s of server.sockets ?? []) s.destroy();
    });
  tcp.on('connection', (s) => (server.sockets ??= new Set()).add(s));
  return server;
}

const body = Buffer.from('\x0a\x03abc'); // any bytes
const request = (url, extra = {}) => post1({ url, headers: { 'content-type': 'application/x-protobuf' }, body, timeoutMs: 2000, ...extra });

describe('exports over HTTP/1.1: the lean client against real servers', function () {
  this.timeout(20000);
  const servers = [];
  const serve = async (answer) => {
    const s = await rawServer(answer);
    servers.push(s);
    return s;
  };
  after(async () => Promise.all(servers.map((s) => s.close())));

  it('writes one well-formed request: method, path and query, Host, headers, exact body; a configured Host wins', async () => {
    const s = await serve((_, socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'));
    const result = await post1({ url: s.url + '?tenant=a', headers: { 'content-type': 'application/x-protobuf', 'x-api-key': 'k1' }, body, timeoutMs: 2000 });
    assert.deepEqual(result, { ok: true, status: 200 });
    const [r] = s.requests;
    assert.equal(r.requestLine, 'POST /v1/traces?tenant=a HTTP/1.1');
    const fields = Object.fromEntries(r.lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
    assert.equal(fields.host, new URL(s.url).host);
    assert.equal(fields['content-type'], 'application/x-protobuf');
    assert.equal(fields['x-api-key'], 'k1');
    assert.equal(fields['content-length'], String(body.length));
    assert.ok(r.body.equals(body));
    await post1({ url: s.url, headers: { Host: 'collector.example', 'Content-Length': '999' }, body, timeoutMs: 2000 });
    const second = s.requests[1].lines;
    assert.deepEqual(
      second.filter((l) => /^host:/i.test(l)),
      ['Host: collector.example'],
    );
    assert.deepEqual(
      second.filter((l) => /^content-length:/i.test(l)),
      [`Content-Length: ${body.length}`],
      "framing headers are the client's own",
    );
  });

  it('keeps the connection alive across requests, whatever the body framing (length, chunked with extensions and trailers, interim 100)', async () => {
    const answers = [
      'HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\nContent-Length: 5\r\n\r\nhello',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n3\r\nabc\r\n0\r\nX-Trailer: t\r\n\r\n',
      'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\n{}',
      'HTTP/1.1 204 No Content\r\n\r\n',
    ];
    let n = 0;
    const s = await serve((_, socket) => {
      const text = answers[n++];
      // Split mid-way, so the client reassembles the answer from two reads.
      socket.write(text.slice(0, 20));
      setTimeout(() => socket.write(text.slice(20)), 20);
    });
    const results = [];
    for (let i = 0; i < answers.length; i++) results.push(await request(s.url));
    assert.deepEqual(
      results.map((r) => r.status),
      [200, 200, 202, 204],
    );
    assert.ok(results.every((r) => r.ok));
    assert.equal(s.connections, 1, 'one connection for all four');
  });

  it("a body read to the connection's end (HTTP/1.0), and Connection: close, each end with a fresh connection next time", async () => {
    let n = 0;
    const s = await serve((_, socket) => {
      if (n++ === 0) socket.end('HTTP/1.0 200 OK\r\n\r\nbody until close');
      else socket.end('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    });
    assert.deepEqual(await request(s.url), { ok: true, status: 200 });
    assert.deepEqual(await request(s.url), { ok: true, status: 200 });
    assert.deepEqual(await request(s.url), { ok: true, status: 200 });
    assert.equal(s.connections, 3);
  });

  it('a kept-alive connection the collector has closed meanwhile: the next request goes out on a new one', async () => {
    const s = await serve((_, socket) => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
      setTimeout(() => socket.destroy(), 30); // an idle timeout, without saying so
    });
    assert.deepEqual(await request(s.url), { ok: true, status: 200 });
    await new Promise((r) => setTimeout(r, 150));
    assert.deepEqual(await request(s.url), { ok: true, status: 200 });
    assert.equal(s.requests.length, 2);
    assert.equal(s.connections, 2);
  });

  it('a kept-alive connection that closes as the request arrives, unanswered: retried once on a new connection', async () => {
    const s = await serve((r, socket) => {
      // The second request on the first connection meets a collector closing it (the idle-timeout race).
      if (r.connection === 1 && s.requests.length === 2) socket.destroy();
      else socket.write('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
    });
    assert.deepEqual(await request(s.url), { ok: true, status: 200 });
    assert.deepEqual(await request(s.url), { ok: true, status: 200 });
    assert.deepEqual(
      s.requests.map((r) => r.connection),
      [1, 1, 2],
      'the dropped request went again, on connection 2',
    );
    // A fresh connection that fails is not retried: the failure is the answer.
    const refusing = await serve((_, socket) => socket.destroy());
    assert.deepEqual(await request(refusing.url), { ok: false, error: 'connection closed before the response was complete' });
    assert.equal(refusing.requests.length, 1);
  });

  it('failures resolve with a reason, never throw: status, refusal, silence, garbage, an early close, a bad URL', async () => {
    const s503 = await serve((_, socket) => socket.write('HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\n\r\nbusy'));
    assert.deepEqual(await request(s503.url), { ok: false, status: 503, error: 'HTTP 503' });
    assert.deepEqual(await request(s503.url), { ok: false, status: 503, error: 'HTTP 503' });
    assert.equal(s503.connections, 1, 'an error status keeps the connection');

    const closed = await serve(() => {});
    await closed.close();
    const refused = await request(closed.url);
    assert.equal(refused.ok, false);
    assert.equal(refused.error, 'ECONNREFUSED');

    const silent = await serve(() => {});
    const started = Date.now();
    assert.deepEqual(await request(silent.url, { timeoutMs: 300 }), { ok: false, error: 'no answer within 300 ms', timedOut: true });
    assert.ok(Date.now() - started < 1500);

    const garbage = await serve((_, socket) => socket.write('SSH-2.0-OpenSSH\r\n\r\n'));
    assert.match((await request(garbage.url)).error, /^bad response: not HTTP\/1\.x/);

    const early = await serve((_, socket) => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort'));
    assert.deepEqual(await request(early.url), { ok: false, error: 'connection closed before the response was complete' });

    assert.deepEqual(await request('ftp://127.0.0.1/x'), { ok: false, error: 'bad URL ftp://127.0.0.1/x' });
    assert.deepEqual(await request('ftp://u:pw@127.0.0.1/x'), { ok: false, error: 'bad URL ftp://u:***@127.0.0.1/x' }, 'credentials masked');
  });
});

describe('exports over HTTP/1.1: end to end from a traced app', function () {
  this.timeout(30000);
  let tls;

  before(() => {
    tls = selfSignedCert();
  });
  after(() => fs.rmSync(tls.dir, { recursive: true, force: true }));

  it('to an https collector (its certificate trusted through NODE_EXTRA_CA_CERTS): spans arrive, decoded', async () => {
    const receiver = await startReceiver({ tls: { key: fs.readFileSync(tls.key), cert: fs.readFileSync(tls.cert) } });
    try {
      const target = await startService(fixture('service.cjs'), { flag: 'none', env: agentEnv(null) });
      try {
        const run = await runNode([fixture('client.cjs')], {
          flag: 'import',
          env: agentEnv(receiver, { OTEL_SERVICE_NAME: 'tls-client', TARGET_URL: `${target.url}/price`, NODE_EXTRA_CA_CERTS: tls.cert }),
        });
        assert.equal(run.code, 0, run.stderr);
        assert.doesNotMatch(run.stderr, /export .* failed/);
        const spans = await receiver.waitForSpans(1);
        assert.equal(spans[0].resource['service.name'], 'tls-client');
        assert.equal(spans[0].kind, 3, 'the client span');
        assert.equal(receiver.requests[0].headers.host, `localhost:${receiver.port}`);
      } finally {
        await target.stop();
      }
    } finally {
      await receiver.close();
    }
  });

  it('to a collector slower than the batch delay: spans that end while two batches travel go out when one is answered, not at exit', async () => {
    // Each export is answered after 600 ms; the agent sends at most two at
    // once. Three bursts of requests 100 ms apart: the third burst's timer
    // fires while both sends travel, and nothing ends after it.
    const receiver = await startReceiver({ answerDelayMs: 600 });
    try {
      const service = await startService(fixture('service.cjs'), { flag: 'import', env: agentEnv(receiver, { OTEL_SERVICE_NAME: 'slow-collector' }) });
      try {
        for (let burst = 0; burst < 3; burst++) {
          await Promise.all(Array.from({ length: 5 }, () => get(`${service.url}/price`)));
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        const spans = await receiver.waitForSpans((all) => all.filter((s) => s.kind === 2).length >= 15, 5000);
        assert.equal(spans.filter((s) => s.kind === 2).length, 15);
      } finally {
        await service.stop();
      }
    } finally {
      await receiver.close();
    }
  });

  it('to a collector that closes every connection after answering: every batch arrives, each on its own connection', async () => {
    const receiver = await startReceiver({ closeEach: true });
    try {
      const service = await startService(fixture('service.cjs'), {
        flag: 'import',
        env: agentEnv(receiver, { OTEL_SERVICE_NAME: 'closing', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '2' }),
      });
      try {
        for (let i = 0; i < 6; i++) await get(`${service.url}/price`);
        const spans = await receiver.waitForSpans((all) => all.filter((s) => s.kind === 2).length >= 6);
        assert.equal(spans.filter((s) => s.kind === 2).length, 6);
        assert.ok(receiver.requests.length >= 3, `${receiver.requests.length} export requests`);
        assert.equal(receiver.connections, receiver.requests.length, 'one connection per request');
        assert.ok(receiver.requests.every((r) => r.status === 200));
      } finally {
        await service.stop();
      }
      assert.doesNotMatch(service.output().stderr, /export .* failed/);
    } finally {
      await receiver.close();
    }
  });
});

'use strict';
// Credentials in the collector's URL (`http://user:password@host/…`): sent as
// HTTP basic auth on the normal batch path and on the exit-time path alike (as
// the OpenTelemetry exporters do), and never written out in any message.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { startReceiver } = require('./support/receiver');
const { agentEnv, runNode } = require('./support/processes');

const USER = 'user';
const PASSWORD = 's3cret';
const BASIC = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;

// One traced request (a server span and a client span); then either wait for the
// scheduled batch or call process.exit() at once, leaving it to the exit path.
const APP = `
const http = require('node:http');
const server = http.createServer((req, res) => res.end('ok'));
server.listen(0, '127.0.0.1', () => {
  http.get('http://127.0.0.1:' + server.address().port + '/hello', (res) => {
    res.resume();
    res.on('end', () => {
      server.close();
      if (process.argv[2] === 'exit') process.exit(0);
      setTimeout(() => {}, 1000);
    });
  });
});
`;

describe('exporter: credentials in the endpoint URL', function () {
  this.timeout(60000);
  let dir;
  let app;
  const receivers = [];
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tracing-agent-credentials-'));
    app = path.join(dir, 'app.cjs');
    fs.writeFileSync(app, APP);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  afterEach(async () => {
    while (receivers.length) await receivers.pop().close();
  });

  const endpoint = (port) => `http://${USER}:${PASSWORD}@127.0.0.1:${port}/v1/traces`;
  const run = (port, mode) =>
    runNode([app, mode], { flag: 'import', env: agentEnv(null, { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: endpoint(port), OTEL_LOG_LEVEL: 'info' }) });

  for (const mode of ['batch', 'exit']) {
    it(`sends basic auth from the URL on the ${mode === 'batch' ? 'normal batch' : 'exit-time'} path`, async () => {
      const receiver = await startReceiver();
      receivers.push(receiver);
      const { code, stderr } = await run(receiver.port, mode);
      assert.equal(code, 0, stderr);
      await receiver.waitForSpans(2);
      assert.ok(receiver.requests.length > 0);
      for (const request of receiver.requests) assert.equal(request.headers.authorization, BASIC);
      assert.doesNotMatch(stderr, new RegExp(PASSWORD));
    });
  }

  for (const mode of ['batch', 'exit']) {
    it(`never writes the password when the collector answers 500 (${mode} path)`, async () => {
      const receiver = await startReceiver({ status: 500 });
      receivers.push(receiver);
      const { code, stderr } = await run(receiver.port, mode);
      assert.equal(code, 0, stderr);
      assert.ok(receiver.requests.length > 0, 'the collector was asked');
      assert.match(stderr, /HTTP 500/);
      assert.match(stderr, new RegExp(`${USER}:\\*+@127\\.0\\.0\\.1`), 'the endpoint is named, its password masked');
      assert.doesNotMatch(stderr, new RegExp(PASSWORD));
    });

    it(`never writes the password when the connection is refused (${mode} path)`, async () => {
      // A port that was just free: nothing listens there.
      const port = await new Promise((resolve) => {
        const probe = net.createServer().listen(0, '127.0.0.1', () => {
          const { port: free } = /** @type {import('node:net').AddressInfo} */ (probe.address());
          probe.close(() => resolve(free));
        });
      });
      const { code, stderr } = await run(port, mode);
      assert.equal(code, 0, stderr);
      assert.match(stderr, /ECONNREFUSED|connection failed/);
      assert.doesNotMatch(stderr, new RegExp(PASSWORD));
    });
  }
});

'use strict';
// The package as a user gets it: `npm pack`, installed into an app outside this
// repository, preloaded by name with both flags.
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startReceiver } = require('./support/receiver');
const { ROOT, runNode } = require('./support/processes');

describe('the packed package in a separate app', function () {
  this.timeout(120000);
  let dir;
  let receiver;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tracing-agent-app-'));
    const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: ROOT, encoding: 'utf8' }).trim().split('\n').pop();
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'user-app', version: '1.0.0', private: true }));
    execFileSync('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline', path.join(dir, tarball)], { cwd: dir, stdio: 'ignore' });
    fs.writeFileSync(
      path.join(dir, 'app.mjs'),
      `import http from 'node:http';
const server = http.createServer((req, res) => res.end('ok')).listen(0, '127.0.0.1', () => {
  http.get('http://127.0.0.1:' + server.address().port + '/hello', (res) => { res.resume(); res.on('end', () => server.close()); });
});
`,
    );
    fs.writeFileSync(path.join(dir, 'api.cjs'), `const agent = require('tracing-agent'); console.log(typeof agent.start, typeof agent.flush, typeof agent.shutdown);`);
    receiver = await startReceiver();
  });

  after(async () => {
    if (receiver) await receiver.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  for (const flag of [['--import', 'tracing-agent/register'], ['-r', 'tracing-agent/register']]) {
    it(`traces an ESM app preloaded with ${flag.join(' ')}`, async () => {
      receiver.reset();
      // Asynchronously: the receiver lives in this process and must be free to answer.
      const run = await runNode([...flag, 'app.mjs'], {
        cwd: dir,
        env: { PATH: process.env.PATH, OTEL_SERVICE_NAME: 'user-app', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url },
      });
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stderr, '');
      const spans = await receiver.waitForSpans(2);
      const server = spans.find((s) => s.kind === 2);
      const client = spans.find((s) => s.kind === 3);
      assert.ok(server && client, 'a server and a client span');
      assert.equal(server.parentSpanId, client.spanId);
      assert.equal(server.resource['service.name'], 'user-app');
    });
  }

  it('exposes start/flush/shutdown from the main entry', () => {
    const out = execFileSync(process.execPath, ['api.cjs'], { cwd: dir, encoding: 'utf8', env: { PATH: process.env.PATH } });
    assert.equal(out.trim(), 'function function function');
  });
});

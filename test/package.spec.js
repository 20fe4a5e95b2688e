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
    fs.writeFileSync(
      path.join(dir, 'api.cjs'),
      `const agent = require('tracing-agent'); console.log(typeof agent.start, typeof agent.flush, typeof agent.shutdown);`,
    );
    receiver = await startReceiver();
  });

  after(async () => {
    if (receiver) await receiver.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  for (const flag of [
    ['--import', 'tracing-agent/register'],
    ['-r', 'tracing-agent/register'],
  ]) {
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

  describe('the code cache (load.cjs)', () => {
    const installed = () => path.join(dir, 'node_modules', 'tracing-agent');
    const cacheDir = () => path.join(installed(), 'dist', '.compile-cache');
    /** `runtime.js-136587-…-x64-1vl6xb2.cache` → `runtime.js` */
    const bundleOf = (cacheFile) => cacheFile.replace(/-\d.*$/, '');
    /** Source for the app: the names of the agent's chunks (dist/chunks/*.js) loaded so far. */
    const chunksLoaded = `const chunksLoaded = () => Object.keys(require.cache).filter((f) => f.includes(require('node:path').join('dist', 'chunks'))).map((f) => require('node:path').basename(f, '.js'));`;
    const traced = async (extraEnv = {}) => {
      receiver.reset();
      const run = await runNode(['-r', 'tracing-agent/register', 'app.mjs'], {
        cwd: dir,
        env: { PATH: process.env.PATH, OTEL_SERVICE_NAME: 'cached-app', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, ...extraEnv },
      });
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stderr, '');
      const spans = await receiver.waitForSpans(2);
      assert.ok(spans.some((s) => s.kind === 2) && spans.some((s) => s.kind === 3), 'traced');
    };

    it('is not packed; the first start writes it beside the bundles, later starts read it (unchanged)', async () => {
      const listing = execFileSync('tar', ['-tzf', fs.readdirSync(dir).find((f) => f.endsWith('.tgz'))], { cwd: dir, encoding: 'utf8' });
      assert.doesNotMatch(listing, /compile-cache/);
      assert.match(listing, /package\/load\.cjs/);
      fs.rmSync(cacheDir(), { recursive: true, force: true });
      await traced();
      const files = fs.readdirSync(cacheDir()).sort();
      // The first bundle, and the chunk the first span needs (an http app loads no integration's chunk).
      assert.deepEqual(files.map(bundleOf), ['runtime.js', 'tracing-agent.js']);
      const written = files.map((name) => fs.statSync(path.join(cacheDir(), name)).mtimeMs);
      await traced();
      assert.deepEqual(
        files.map((name) => fs.statSync(path.join(cacheDir(), name)).mtimeMs),
        written,
        'read, not written again',
      );
    });

    it('a script that loads nothing the agent traces reads only the first bundle, no chunk', async () => {
      fs.rmSync(cacheDir(), { recursive: true, force: true });
      fs.writeFileSync(path.join(dir, 'nothing.cjs'), `${chunksLoaded}\nconsole.log(JSON.stringify(chunksLoaded()));`);
      const run = await runNode(['-r', 'tracing-agent/register', 'nothing.cjs'], { cwd: dir, env: { PATH: process.env.PATH } });
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(JSON.parse(run.stdout), []);
      assert.deepEqual(fs.readdirSync(cacheDir()).map(bundleOf), ['tracing-agent.js']);
    });

    it("an app that loads pg reads the chunk of pg's integration, and no other", async () => {
      fs.rmSync(cacheDir(), { recursive: true, force: true });
      const pg = path.join(ROOT, 'node_modules', 'pg');
      fs.writeFileSync(path.join(dir, 'pg-only.cjs'), `${chunksLoaded}\nrequire(${JSON.stringify(pg)});\nconsole.log(JSON.stringify(chunksLoaded()));`);
      const run = await runNode(['-r', 'tracing-agent/register', 'pg-only.cjs'], { cwd: dir, env: { PATH: process.env.PATH } });
      assert.equal(run.code, 0, run.stderr);
      const chunks = JSON.parse(run.stdout);
      assert.equal(chunks.length, 1, run.stdout);
      assert.ok(chunks[0].split('+').includes('pg'), run.stdout);
      assert.ok(!chunks[0].split('+').includes('express'), run.stdout);
      assert.deepEqual(fs.readdirSync(cacheDir()).map(bundleOf).sort(), [`${chunks[0]}.js`, 'tracing-agent.js']);
    });

    it('a damaged cache is refused by V8 and replaced; the app is traced all the same', async () => {
      await traced();
      const name = fs.readdirSync(cacheDir()).find((f) => f.startsWith('tracing-agent.js-'));
      const file = path.join(cacheDir(), name);
      fs.writeFileSync(file, Buffer.alloc(4096, 7));
      await traced();
      assert.notDeepEqual(fs.readFileSync(file).subarray(0, 64), Buffer.alloc(64, 7), 'rewritten');
    });

    it('NODE_DISABLE_COMPILE_CACHE=1 neither reads nor writes it', async () => {
      fs.rmSync(cacheDir(), { recursive: true, force: true });
      await traced({ NODE_DISABLE_COMPILE_CACHE: '1' });
      assert.ok(!fs.existsSync(cacheDir()));
    });

    it("where the package cannot hold it: a private directory of the user's under TMPDIR, never one others can write to", async () => {
      // The package's place for it is taken (as a read-only install would refuse it).
      fs.rmSync(cacheDir(), { recursive: true, force: true });
      fs.writeFileSync(cacheDir(), 'not a directory');
      const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tracing-agent-tmpdir-'));
      const userDir = path.join(tmp, `tracing-agent-compile-cache-${process.getuid()}`);
      try {
        fs.mkdirSync(userDir, { mode: 0o777 });
        fs.chmodSync(userDir, 0o777);
        await traced({ TMPDIR: tmp });
        assert.deepEqual(fs.readdirSync(userDir), [], 'a directory others can write to is not used');
        fs.rmSync(userDir, { recursive: true });
        await traced({ TMPDIR: tmp });
        assert.equal(fs.statSync(userDir).mode & 0o777, 0o700);
        assert.equal(fs.readdirSync(userDir).length, 2, 'one cache per bundle');
      } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
        fs.rmSync(cacheDir(), { force: true });
      }
    });
  });
});

'use strict';
// NestJS on platform-express and platform-fastify under the agent: routes named
// by the express or fastify integration (global prefix, controller and method
// paths), the controller and handler as attributes and the exceptions Nest's
// filters answer on the server span. Nest 11's oldest set, its newest and the
// registry's newest (12, ES modules only: its attributes and exceptions where
// the runtime has in-thread loader hooks); CommonJS (11) and ESM; both flags.
// Each app runs from a folder of its own whose node_modules holds its Nest, as a
// real app's does: that is where the agent looks for ES-module-only packages.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const { supportsSyncHooks } = require('import-in-the-middle/supports-sync-hooks.mjs');
const { startReceiver } = require('./support/receiver');
const { agentEnv, startService, fixture } = require('./support/processes');
const { newest, packageSetAt } = require('./support/deps');
const { requestAll, checkRoutes, checkErrors } = require('./support/web');

// url → [span name, http.route (undefined: none), status]
const EXPECTED = {
  '/api/users/7': ['GET /api/users/:id', '/api/users/:id', 200],
  '/api/orgs/42/members/5': ['GET /api/orgs/:orgId/members/:member', '/api/orgs/:orgId/members/:member', 200],
  '/api/boom/sync': ['GET /api/boom/sync', '/api/boom/sync', 500],
  '/api/boom/async': ['GET /api/boom/async', '/api/boom/async', 500],
  '/api/boom/bad': ['GET /api/boom/bad', '/api/boom/bad', 400],
  '/nothing/here': ['GET', undefined, 404],
};
// Where each handler is, for the attributes.
const HANDLERS = {
  '/api/users/7': ['UsersController', 'findOne'],
  '/api/orgs/42/members/5': ['OrgsController', 'member'],
  '/api/boom/sync': ['BoomController', 'sync'],
  '/api/boom/bad': ['BoomController', 'bad'],
};

/** Nest's packages of one version (`11`: the newest 11.x when first installed), installed together (its platforms need its core). */
function nestSet(version) {
  // platform-fastify 11.0.0 to 11.0.2 declare a peer range of Nest 10: 11.0.3 is the first that installs beside core 11.0.0.
  const fastify = version === '11.0.0' ? '11.0.3' : version;
  return () =>
    packageSetAt(`nest-${version}`, [
      `@nestjs/core@${version}`,
      `@nestjs/common@${version}`,
      `@nestjs/platform-express@${version}`,
      `@nestjs/platform-fastify@${fastify}`,
      'reflect-metadata@0.2',
      'rxjs@7',
    ]);
}

/** A main file in a new folder under `root`, with `modules` as its node_modules, running fixtures/web/`file`. */
function appBeside(root, modules, file) {
  const dir = fs.mkdtempSync(path.join(root, 'app-'));
  fs.symlinkSync(modules, path.join(dir, 'node_modules'), 'dir');
  const target = fixture(`web/${file}`);
  const esm = file.endsWith('.mjs');
  const main = path.join(dir, esm ? 'main.mjs' : 'main.cjs');
  fs.writeFileSync(main, esm ? `import ${JSON.stringify(pathToFileURL(target).href)};\n` : `require(${JSON.stringify(target)});\n`);
  return main;
}

describe('nestjs', function () {
  this.timeout(60000);
  let receiver;
  const latest = newest('@nestjs/core');
  const major = (v) => Number(v.split('.')[0]);
  const variants = [];
  for (const platform of ['express', 'fastify']) {
    variants.push(
      { label: `nestjs 11.0.0 (oldest) on ${platform}`, version: '11.0.0', platform, file: 'nest-app.cjs', flag: 'require' },
      { label: `nestjs 11.0.0 (oldest) on ${platform}`, version: '11.0.0', platform, file: 'nest-app.mjs', flag: 'import' },
      { label: `nestjs 11 (newest 11.x) on ${platform}`, version: '11', platform, file: 'nest-app.cjs', flag: 'import' },
      { label: `nestjs ${latest} (newest) on ${platform}`, version: latest, platform, file: 'nest-app.mjs', flag: 'import' },
      { label: `nestjs ${latest} (newest) on ${platform}`, version: latest, platform, file: 'nest-app.mjs', flag: 'require' },
    );
  }
  let apps;

  before(async function () {
    this.timeout(600000);
    receiver = await startReceiver();
    for (const version of new Set(variants.map((v) => v.version))) nestSet(version)();
    apps = fs.mkdtempSync(path.join(os.tmpdir(), 'tracing-agent-nest-'));
  });
  after(async () => {
    if (apps) fs.rmSync(apps, { recursive: true, force: true });
    if (receiver) await receiver.close();
  });
  beforeEach(() => receiver.reset());

  for (const v of variants) {
    // Nest 12's files are ES modules, watched only where the runtime has in-thread loader hooks.
    const handlers = major(v.version) === 11 || supportsSyncHooks();
    const title = `${v.label}, ${v.file.endsWith('.mjs') ? 'ESM' : 'CommonJS'} under ${v.flag === 'import' ? '--import' : '-r'}: routes with the global prefix${handlers ? ', controller and handler, exceptions from the filters' : ` (Nest 12 is ES modules only, which Node ${process.version} cannot watch: routes only, see README)`}`;
    it(title, async () => {
      const modules = nestSet(v.version)();
      const env = agentEnv(receiver, { OTEL_SERVICE_NAME: 'nest-app', NEST_MODULES: modules, NEST_PLATFORM: v.platform });
      const svc = await startService(appBeside(apps, modules, v.file), { flag: v.flag, env, timeoutMs: 30000 });
      try {
        const { at } = await requestAll(receiver, svc.url, EXPECTED);
        checkRoutes(at, EXPECTED);
        if (!handlers) return;
        for (const [url, [controller, callback]] of Object.entries(HANDLERS)) {
          assert.equal(at(url).attributes['nestjs.controller'], controller, url);
          assert.equal(at(url).attributes['nestjs.callback'], callback, url);
        }
        checkErrors(
          at,
          [
            ['/api/boom/sync', 'TypeError', 'sync failure', 500],
            ['/api/boom/async', 'RangeError', 'async failure', 500],
            ['/api/boom/bad', 'BadRequestException', 'bad input', 400],
          ],
          /nest-routes\.cjs/,
        );
        for (const url of ['/api/users/7', '/nothing/here']) assert.equal(at(url).events.length, 0, `${url}: no event`);
      } finally {
        await svc.stop();
      }
    });
  }
});

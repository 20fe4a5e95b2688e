'use strict';
// The build: TypeScript to dist/ (types and one file per module, used by the
// CLI and tests), then the agent itself bundled into two files:
// - dist/tracing-agent.js: the modules a start runs (the preload flags load it
//   through V8's code cache, see load.cjs);
// - dist/tracing-agent-more.js: the rest (span, processor, exporters, the
//   integrations not started at start), loaded the first time one of them is required.
// One file loads in ~5 ms where twenty separate modules take ~12 ms, and every
// 100 KB a start reads costs ~0.5 ms even if none of it runs: the agent's
// startup budget is 15 ms. The OpenTelemetry SDK stays external: it is loaded
// on the first span of the app's own. Last, the viewer's page (browser code,
// src/ui/page/) bundled into dist/ui/app.js.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const dist = path.join(root, 'dist');
const apiPackage = path.join(root, 'node_modules', '@opentelemetry', 'api', 'package.json');
/**
 * What every build of the agent's code shares.
 * @type {import('esbuild').BuildOptions}
 */
const AGENT_BUILD = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  // import-in-the-middle's generated modules import its own files by URL: it stays a package of its own.
  external: ['@opentelemetry/*', 'import-in-the-middle', 'import-in-the-middle/*'],
  alias: { debug: path.join(__dirname, 'no-debug.js') },
  define: {
    __TRACING_AGENT_VERSION__: JSON.stringify(require('../package.json').version),
    __OTEL_API_VERSION__: JSON.stringify(JSON.parse(fs.readFileSync(apiPackage, 'utf8')).version),
  },
};

/** The modules a start with the default configuration runs: a start of dist/index.js in a clean process, its module cache read at exit. */
function modulesAStartRuns() {
  const app = fs.mkdtempSync(path.join(os.tmpdir(), 'tracing-agent-build-'));
  try {
    fs.writeFileSync(path.join(app, 'app.js'), '');
    const probe = `require(${JSON.stringify(path.join(dist, 'index.js'))}).startFromPreload();
      process.stdout.write(JSON.stringify(Object.keys(require.cache)));`;
    const out = execFileSync(process.execPath, ['-e', probe], { cwd: app, env: { PATH: process.env.PATH }, encoding: 'utf8' });
    return new Set(JSON.parse(out).map((file) => path.relative(root, file)));
  } finally {
    fs.rmSync(app, { recursive: true, force: true });
  }
}

/**
 * Bundles `entry` into `outfile` with the modules `own(key)` accepts (keys
 * are paths from the root); a module of the other bundle becomes a stub that
 * asks `tracing-agent:link` (whose source is `link`) for it.
 */
async function bundle(esbuild, { outfile, entry, link, own }) {
  await esbuild.build({
    ...AGENT_BUILD,
    stdin: { contents: entry, resolveDir: dist, sourcefile: `entry of ${path.basename(outfile)}` },
    outfile,
    target: 'node20',
    external: [...AGENT_BUILD.external, '../load.cjs'],
    logLevel: 'warning',
    plugins: [
      {
        name: 'split',
        setup(build) {
          build.onResolve({ filter: /^tracing-agent:link$/ }, () => ({ path: 'link', namespace: 'tracing-agent' }));
          build.onLoad({ filter: /.*/, namespace: 'tracing-agent' }, () => ({ contents: link, resolveDir: dist, loader: 'js' }));
          build.onLoad({ filter: /\.js$/ }, (args) => {
            const key = path.relative(root, args.path);
            if (own(key)) return undefined;
            return { contents: `module.exports = require('tracing-agent:link').module(${JSON.stringify(key)});`, loader: 'js' };
          });
        },
      },
    ],
  });
}

/** A table of getters, one per module: `{ "dist/log.js": () => require("./log.js"), … }`. */
function getters(keys) {
  return `{\n${[...keys].map((key) => `  ${JSON.stringify(key)}: () => require(${JSON.stringify(`./${path.relative(dist, path.join(root, key))}`)}),`).join('\n')}\n}`;
}

async function main() {
  // From scratch: files of modules since removed must not linger, and code caches
  // of an earlier bundle (see load.cjs) would only be rejected.
  fs.rmSync(dist, { recursive: true, force: true });
  const tsc = (project) => execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', project], { stdio: 'inherit' });
  tsc(root);

  const esbuild = require('esbuild');
  // Everything the agent can load (what one bundle of it would hold), split by whether a start runs it.
  const analysis = await esbuild.build({ ...AGENT_BUILD, entryPoints: [path.join(dist, 'index.js')], write: false, metafile: true, logLevel: 'silent' });
  const all = Object.keys(analysis.metafile.inputs);
  const started = modulesAStartRuns();
  // (The probe ran the unbundled modules, with the real `debug` where the bundles have no-debug.js.)
  const atStart = new Set(all.filter((key) => started.has(key) || key === 'scripts/no-debug.js'));
  const later = all.filter((key) => !atStart.has(key));

  await bundle(esbuild, {
    outfile: path.join(dist, 'tracing-agent.js'),
    entry: `module.exports = require('./index.js');`,
    own: (key) => atStart.has(key),
    // The other bundle goes through load.cjs's code cache too; its cache is written once the first module asked for has run.
    link: `const atStart = ${getters(atStart)};
let later;
/** A module of the other bundle, loaded (with all of it) the first time one is asked for. */
exports.module = (key) => {
  if (later !== undefined) return later[key]();
  const { exports: link, save } = require('../load.cjs').loadBundle(require('node:path').join(__dirname, 'tracing-agent-more.js'));
  later = link(atStart);
  const loaded = later[key]();
  if (save) save();
  return loaded;
};`,
  });
  await bundle(esbuild, {
    outfile: path.join(dist, 'tracing-agent-more.js'),
    entry: `const link = require('tracing-agent:link');
module.exports = (atStart) => {
  link.atStart = atStart;
  return ${getters(later)};
};`,
    own: (key) => !atStart.has(key),
    link: `exports.module = (key) => exports.atStart[key]();`,
  });

  // The viewer's page: typed modules checked against the DOM's types by their own
  // tsconfig (esbuild does not type-check), then bundled into the one script the
  // viewer serves as /static/app.js (src/ui/page.ts reads it from beside itself).
  tsc(path.join(root, 'src', 'ui', 'page'));
  await esbuild.build({
    entryPoints: [path.join(root, 'src', 'ui', 'page', 'main.ts')],
    outfile: path.join(dist, 'ui', 'app.js'),
    absWorkingDir: root,
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    logLevel: 'warning',
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

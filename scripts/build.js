'use strict';
// The build: TypeScript to dist/ (types and one file per module, used by the
// CLI and tests), then the agent itself bundled:
// - dist/tracing-agent.js: the modules a start runs (the preload flags load it
//   through V8's code cache, see load.cjs);
// - dist/chunks/*.js: the rest, in pieces loaded the first time one of their
//   modules is required: `runtime` (span, processor, exporters: what the
//   first span needs) and the integrations, those that share code in one
//   chunk (pg, mysql2, … share the SQL sanitiser).
//   An app that loads pg reads pg's code and not grpc's: the 264 KB of all of
//   them took ~1.1 ms to load, even through the code cache.
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

/** An integration's hook file (dist/hooks/pg.js), not its shared helpers nor the list of them. */
const isHookFile = (key) => /^dist\/hooks\/[^/]+\.js$/.test(key) && key !== 'dist/hooks/index.js';

/**
 * The modules a start does not run, split into chunks (name → module keys):
 * `runtime` holds what the start's modules can ask for other than hook files
 * (span, processor, exporters); the rest are the hook files with the modules
 * they ask for, one chunk per group of hook files that share a module (pg,
 * mysql2 and the others sharing the SQL sanitiser are one), named after them
 * (`express+fastify+hapi+koa`). Which chunk holds a module changes only what
 * a load reads, never what runs; each chunk loaded costs ~0.25 ms beside its
 * size (measured), so sharing ones are not split further.
 */
function chunksOf(inputs, atStart) {
  const imports = (key) => inputs[key].imports.map((i) => i.path).filter((p) => p in inputs);
  /** Modules reachable from `roots` outside the first bundle, not entering hook files. */
  const reach = (roots) => {
    const seen = new Set();
    const stack = [...roots];
    while (stack.length > 0) {
      const key = stack.pop();
      if (seen.has(key) || atStart.has(key)) continue;
      seen.add(key);
      stack.push(...imports(key).filter((k) => !isHookFile(k)));
    }
    return seen;
  };
  const later = Object.keys(inputs).filter((key) => !atStart.has(key));
  const runtime = reach([...atStart].flatMap(imports).filter((key) => !isHookFile(key)));
  /** Hook files with the modules they ask for (not the runtime's); groups that share a module are merged. */
  let groups = [];
  for (const hook of later.filter(isHookFile)) {
    const keys = new Set([hook, ...reach([hook])].filter((key) => !runtime.has(key)));
    const sharing = groups.filter((group) => [...keys].some((key) => group.keys.has(key)));
    for (const group of sharing) group.keys.forEach((key) => keys.add(key));
    groups = [...groups.filter((group) => !sharing.includes(group)), { hooks: [hook, ...sharing.flatMap((group) => group.hooks)], keys }];
  }
  const chunks = new Map([['runtime', later.filter((key) => groups.every((group) => !group.keys.has(key)))]]);
  for (const { hooks, keys } of groups) {
    chunks.set(
      hooks
        .map((hook) => path.basename(hook, '.js'))
        .sort()
        .join('+'),
      [...keys],
    );
  }
  return chunks;
}

/**
 * Bundles `entry` into `outfile` with the modules `own(key)` accepts (keys
 * are paths from the root); a module of another bundle becomes a stub that
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
  const chunks = chunksOf(analysis.metafile.inputs, atStart);
  const chunkOf = Object.fromEntries([...chunks].flatMap(([name, keys]) => keys.map((key) => [key, name])));

  await bundle(esbuild, {
    outfile: path.join(dist, 'tracing-agent.js'),
    entry: `module.exports = require('./index.js');`,
    own: (key) => atStart.has(key),
    // A chunk goes through load.cjs's code cache too; its cache is written once the first module asked for has run.
    link: `const atStart = ${getters(atStart)};
/** Module → the chunk (dist/chunks/<name>.js) that holds it. */
const chunkOf = ${JSON.stringify(chunkOf)};
/** Chunk name → its modules' getters, once loaded. */
const loaded = {};
/** A module, from the chunk that holds it, loaded (with all of the chunk) the first time one of its modules is asked for. */
exports.module = (key) => {
  const name = chunkOf[key];
  if (name === undefined) return atStart[key]();
  if (loaded[name] !== undefined) return loaded[name][key]();
  const { exports: link, save } = require('../load.cjs').loadBundle(require('node:path').join(__dirname, 'chunks', name + '.js'));
  loaded[name] = link(exports);
  const module = loaded[name][key]();
  if (save) save();
  return module;
};`,
  });
  for (const [name, keys] of chunks) {
    const own = new Set(keys);
    await bundle(esbuild, {
      outfile: path.join(dist, 'chunks', `${name}.js`),
      entry: `const link = require('tracing-agent:link');
module.exports = (registry) => {
  link.registry = registry;
  return ${getters(own)};
};`,
      own: (key) => own.has(key),
      link: `exports.module = (key) => exports.registry.module(key);`,
    });
  }

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

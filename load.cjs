'use strict';
// Loads the agent's bundles through V8's code cache: compiling a bundle (and
// the functions its start runs) would be most of what the agent adds to a
// process's start; with the cache V8 deserialises instead. The preload flags
// load dist/tracing-agent.js (what a start runs) here; that bundle loads its
// chunks (dist/chunks/*.js: the rest) through here on first use, which
// without the cache would take up to ~6 ms to parse. A bundle is the module
// `require()` of its path returns (same cache entry), so the app and the
// preload share one agent.
//
// The cache lives in dist/.compile-cache (trusted as the bundle itself is), or,
// where the package cannot be written, in a directory of the user's own under
// the temp directory (created private; not used if anyone else could write to
// it). It is keyed by the bundle's size and time and Node's version; V8 itself
// rejects data from another V8 or other flags. NODE_DISABLE_COMPILE_CACHE=1
// (Node's own switch) turns it off. Any failure falls back to compiling.

const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');
const vm = require('node:vm');

/** The cache's directory, found at the first bundle loaded (null: none). */
let directory;

/** A directory for the cache that only this user can write to, or undefined. */
function cacheDirectory() {
  if (directory === undefined) directory = findCacheDirectory() ?? null;
  return directory ?? undefined;
}

function findCacheDirectory() {
  const own = path.join(__dirname, 'dist', '.compile-cache');
  try {
    fs.mkdirSync(own, { recursive: true });
    fs.accessSync(own, fs.constants.W_OK);
    return own;
  } catch {
    // the package is read-only here
  }
  if (typeof process.getuid !== 'function') return undefined;
  const uid = process.getuid();
  const dir = path.join(require('node:os').tmpdir(), `tracing-agent-compile-cache-${uid}`);
  try {
    fs.mkdirSync(dir, { mode: 0o700 });
  } catch (err) {
    if (err.code !== 'EEXIST') return undefined;
  }
  try {
    const stat = fs.lstatSync(dir);
    // Someone else's directory, a link, or one others can write to could hold planted code.
    if (!stat.isDirectory() || stat.uid !== uid || (stat.mode & 0o022) !== 0) return undefined;
    return dir;
  } catch {
    return undefined;
  }
}

/** A short hash of the node flags (V8 rejects a cache made under other flags: one file per set). */
function flagsKey() {
  const text = `${process.execArgv.join(' ')}|${process.env.NODE_OPTIONS || ''}`;
  let hash = 5381;
  for (let i = 0; i < text.length; i++) hash = ((hash * 33) ^ text.charCodeAt(i)) >>> 0;
  return hash.toString(36);
}

function compileCached(bundle, source, stat) {
  const dir = cacheDirectory();
  const name = path.basename(bundle);
  const key = `${stat.size}-${Math.trunc(stat.mtimeMs)}-${process.version}-${process.arch}-${flagsKey()}`;
  const file = dir && path.join(dir, `${name}-${key}.cache`);
  let cachedData;
  if (file) {
    try {
      cachedData = fs.readFileSync(file);
    } catch {
      // none yet
    }
  }
  const script = new vm.Script(Module.wrap(source), { filename: bundle, cachedData });
  const save =
    file && (cachedData === undefined || script.cachedDataRejected)
      ? () => {
          try {
            const temp = `${file}.${process.pid}`;
            fs.writeFileSync(temp, script.createCachedData());
            fs.renameSync(temp, file); // (whole or not at all, for processes starting alongside)
            // Caches of other builds of the bundle will never be read again.
            const current = `${name}-${stat.size}-${Math.trunc(stat.mtimeMs)}-`;
            for (const other of fs.readdirSync(dir)) {
              if (other.startsWith(`${name}-`) && !other.startsWith(current)) fs.rmSync(path.join(dir, other), { force: true });
            }
          } catch {
            // a cache that cannot be written is only a slower next start
          }
        }
      : undefined;
  return { script, save };
}

/**
 * The exports of `bundle`, a CommonJS file, loaded once per process however
 * it is asked for, through the code cache, and `save`: writes a missing
 * cache, to be called once the bundle has run what it should hold.
 */
function loadBundle(bundle) {
  /** Node's module loader, internals included (_cache, _nodeModulePaths: not in its types). @type {any} */
  const Loader = Module;
  const cached = Loader._cache[bundle];
  if (cached !== undefined || process.env.NODE_DISABLE_COMPILE_CACHE) return { exports: cached ? cached.exports : require(bundle), save: undefined };
  let compiled;
  try {
    compiled = compileCached(bundle, fs.readFileSync(bundle, 'utf8'), fs.statSync(bundle));
  } catch {
    return { exports: require(bundle), save: undefined };
  }
  const bundleModule = new Loader(bundle, module);
  bundleModule.filename = bundle;
  bundleModule.paths = Loader._nodeModulePaths(path.dirname(bundle));
  Loader._cache[bundle] = bundleModule;
  try {
    compiled.script.runInThisContext()(bundleModule.exports, Module.createRequire(bundle), bundleModule, bundle, path.dirname(bundle));
  } catch (err) {
    delete Loader._cache[bundle];
    throw err;
  }
  bundleModule.loaded = true;
  return { exports: bundleModule.exports, save: compiled.save };
}

/** Loads the agent and starts it for a preload flag; a missing cache is written after the start, so that it holds what the start compiled. */
function startFromPreload() {
  const { exports, save } = loadBundle(path.join(__dirname, 'dist', 'tracing-agent.js'));
  exports.startFromPreload();
  if (save) save();
}

module.exports = { startFromPreload, loadBundle };

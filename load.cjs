'use strict';
// Loads the agent's bundle for the preload flags through V8's code cache:
// compiling the 220 KB bundle (and the functions startup runs) is most of what
// the agent adds to a process's start, ~4 ms of ~7 on Node 20 here; with the
// cache V8 deserialises instead. The module is the one `require('tracing-agent')`
// returns (same cache entry), so the app and the preload share one agent.
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

const BUNDLE = path.join(__dirname, 'dist', 'tracing-agent.js');

/** A directory for the cache that only this user can write to, or undefined. */
function cacheDirectory() {
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

function compileCached(source, stat) {
  const dir = cacheDirectory();
  const key = `${stat.size}-${Math.trunc(stat.mtimeMs)}-${process.version}-${process.arch}-${flagsKey()}`;
  const file = dir && path.join(dir, `${path.basename(BUNDLE)}-${key}.cache`);
  let cachedData;
  if (file) {
    try {
      cachedData = fs.readFileSync(file);
    } catch {
      // none yet
    }
  }
  const script = new vm.Script(Module.wrap(source), { filename: BUNDLE, cachedData });
  const save =
    file && (cachedData === undefined || script.cachedDataRejected)
      ? () => {
          try {
            const temp = `${file}.${process.pid}`;
            fs.writeFileSync(temp, script.createCachedData());
            fs.renameSync(temp, file); // (whole or not at all, for processes starting alongside)
            // Caches of other builds of the bundle will never be read again.
            const current = `${path.basename(BUNDLE)}-${stat.size}-${Math.trunc(stat.mtimeMs)}-`;
            for (const name of fs.readdirSync(dir)) {
              if (name.startsWith(`${path.basename(BUNDLE)}-`) && !name.startsWith(current)) fs.rmSync(path.join(dir, name), { force: true });
            }
          } catch {
            // a cache that cannot be written is only a slower next start
          }
        }
      : undefined;
  return { script, save };
}

/**
 * Loads the bundle (once per process, whichever way it is asked for) and
 * starts the agent for a preload flag; a missing cache is written after the
 * start, so that it holds what the start compiled.
 */
function startFromPreload() {
  /** Node's module loader, internals included (_cache, _nodeModulePaths: not in its types). @type {any} */
  const Loader = Module;
  const cached = Loader._cache[BUNDLE];
  if (cached !== undefined || process.env.NODE_DISABLE_COMPILE_CACHE) {
    (cached ? cached.exports : require(BUNDLE)).startFromPreload();
    return;
  }
  let compiled;
  try {
    compiled = compileCached(fs.readFileSync(BUNDLE, 'utf8'), fs.statSync(BUNDLE));
  } catch {
    require(BUNDLE).startFromPreload();
    return;
  }
  const agentModule = new Loader(BUNDLE, module);
  agentModule.filename = BUNDLE;
  agentModule.paths = Loader._nodeModulePaths(path.dirname(BUNDLE));
  Loader._cache[BUNDLE] = agentModule;
  try {
    compiled.script.runInThisContext()(agentModule.exports, Module.createRequire(BUNDLE), agentModule, BUNDLE, path.dirname(BUNDLE));
  } catch (err) {
    delete Loader._cache[BUNDLE];
    throw err;
  }
  agentModule.loaded = true;
  agentModule.exports.startFromPreload();
  if (compiled.save) compiled.save();
}

module.exports = { startFromPreload };

// Calls back when a declared module loads, whichever way the app loads it:
// - require() and process.getBuiltinModule(): require-in-the-middle;
// - an ESM import of a CommonJS package: Node loads it through Module._load,
//   with the resolved file and no parent, which no require hook sees;
//   esm-commonjs.ts watches Module._load for exactly those calls;
// - an ESM import of an ES-module-only package: import-in-the-middle's
//   in-thread hooks, where the runtime can run them (Node ≥ 22.22.3, 24.11.1,
//   26). Loading them costs ~20 ms of startup (Node 24, measured), and with
//   them every module the app imports passes through their hooks: install.ts
//   asks for them only when the app has such a package installed.
// ESM imports of built-ins are seen by esm-builtins.ts.
// However many ways one copy of a module is seen, its callback runs once and
// every later load gets the same (possibly replaced) exports.

import Module = require('node:module');
import * as fs from 'node:fs';
import * as path from 'node:path';
import { log } from '../log';
import { packageName, packageNameOfFile, packageOfFile, watchEsmImportsOfCommonJs } from './esm-commonjs';

/** Called with a module's exports, its declared name and its package directory ('' for built-ins); returns the exports to use. */
export type OnModuleLoad = (exports: any, name: string, baseDir: string) => unknown;

/** Exports already handed to the callback → what it returned. */
const results = new WeakMap<object, unknown>();

function once(onLoad: OnModuleLoad, exports: unknown, name: string, baseDir: string): unknown {
  if (exports === null || (typeof exports !== 'object' && typeof exports !== 'function')) return exports;
  if (results.has(exports)) return results.get(exports);
  results.set(exports, exports);
  let result: unknown = exports;
  try {
    result = onLoad(exports, name, baseDir) ?? exports;
  } catch (err) {
    log.once('warn', `load:${name}`, `could not hook ${name}: ${(err as Error).message}; left untouched`);
  }
  results.set(exports, result);
  if (result !== exports) useEverywhere(exports, result);
  return result;
}

/**
 * Replaced exports become the module's own, so that every later require, and
 * an ESM import of a module already required (which reads the cached module),
 * gets them too. (Rare: most hooks patch in place.)
 */
function useEverywhere(original: unknown, replacement: unknown): void {
  if (replacement !== null && (typeof replacement === 'object' || typeof replacement === 'function')) results.set(replacement, replacement);
  for (const cached of Object.values(require.cache)) {
    if (cached !== undefined && cached.exports === original) cached.exports = replacement;
  }
}

/** Can import-in-the-middle's in-thread hooks run here? */
function inThreadHooks(): boolean {
  if (typeof (Module as { registerHooks?: unknown }).registerHooks !== 'function') return false;
  try {
    return (require('import-in-the-middle/supports-sync-hooks.mjs') as { supportsSyncHooks(): boolean }).supportsSyncHooks();
  } catch {
    return false;
  }
}

/**
 * What import-in-the-middle wraps: a package imported by its bare name; a file
 * inside one by its path, as the package's own modules import it (relatively).
 */
function includeFor(name: string): string | RegExp {
  if (packageName(name) === name) return name;
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`/node_modules/${escaped}\\.m?js$`);
}

function watchEsModules(names: string[], onLoad: OnModuleLoad): void {
  const packages = [...new Set(names.map(packageName))];
  if (!inThreadHooks()) {
    log.info(
      `${packages.join(', ')}: ES modules only, whose imports Node ${process.version} cannot watch (it can from 22.22.3, 24.11.1 and 25.1); left unhooked`,
    );
    return;
  }
  const { register } = require('import-in-the-middle/register-hooks.mjs') as { register(options: { include: (string | RegExp)[] }): void };
  const Hook = require('import-in-the-middle') as new (
    modules: string[],
    options: { internals: boolean },
    hook: (ns: any, name: string, baseDir: string | undefined) => unknown,
  ) => unknown;
  register({ include: names.map(includeFor) });
  // With `internals`, a file inside a package is reported as
  // `<package>/<path with its extension>` (path.sep between folders).
  new Hook(packages, { internals: true }, (namespace, reported, baseDir) => {
    const name = names.includes(reported)
      ? reported
      : reported
          .split(path.sep)
          .join('/')
          .replace(/\.m?js$/, '');
    // The namespace is patched in place (its exports are settable through it).
    if (names.includes(name)) once(onLoad, namespace, name, baseDir ?? '');
  });
}

/**
 * Watches `names`: packages (`pg`), package files as require names them without
 * `.js` (`pg/lib/client`, `mysql2/promise`) and built-ins (`http`); `esModules`
 * are packages, or files inside them, that exist only as ES modules.
 */
export function watchModules(names: string[], esModules: string[], onLoad: OnModuleLoad): void {
  if (names.length > 0) {
    const { Hook } = require('require-in-the-middle') as typeof import('require-in-the-middle');
    const plainRequire = Module.prototype.require;
    new Hook(names, (exports, name, baseDir) => once(onLoad, exports, name, baseDir ?? '') as typeof exports);
    passOnlyWhatConcerns(names, plainRequire);
    const packages = names.filter((name) => !Module.isBuiltin(name));
    if (packages.length > 0) watchEsmImportsOfCommonJs(packages, (exports, name, baseDir) => once(onLoad, exports, name, baseDir));
  }
  if (esModules.length > 0) watchEsModules(esModules, onLoad);
}

/**
 * require-in-the-middle resolves every require's file before it asks whether
 * the module is one it watches: with ~70 names watched that is ~75 µs a
 * require here, ~15 ms of an app's start that requires express and pg
 * (measured). In front of it, this passes it only the requests that can
 * concern a watched module:
 * - a built-in or package by name when its main module is declared, a path
 *   into a watched package (`pg/lib/index.js`, `mysql2/promise`);
 * - inside a watched package, a relative request whose last segment names one
 *   of its declared files or its main file (`./layer`, `../client/index.js`,
 *   `./index.js`); its other files (`./utils`, ~40 of express's and pg's)
 *   went through RITM for ~3 ms of that start (measured).
 * Every other require goes straight to Node's.
 */
function passOnlyWhatConcerns(names: string[], plainRequire: typeof Module.prototype.require): void {
  const hookedRequire = Module.prototype.require;
  const watched = new Set(names.map(packageName));
  /** Packages and built-ins whose main module is declared (`router` is watched only for its `lib/layer`). */
  const mains = new Set(names.filter((name) => packageName(name) === name));
  /** Per watched package: the last segments of its declared files. */
  const declaredFiles = new Map<string, string[]>();
  for (const name of names) {
    const pkg = packageName(name);
    if (name !== pkg) declaredFiles.set(pkg, [...(declaredFiles.get(pkg) ?? []), lastSegment(name)]);
  }
  /** Per package directory: the last segments a relative request inside it must end in to be passed. */
  const wanted = new Map<string, Set<string>>();
  const wantedIn = ([pkg, dir]: [string, string]): Set<string> => {
    let segments = wanted.get(dir);
    if (segments === undefined) {
      segments = new Set(['', '.', 'index', ...(mains.has(pkg) ? mainFiles(dir) : []), ...(declaredFiles.get(pkg) ?? [])]);
      wanted.set(dir, segments);
    }
    return segments;
  };
  /** Per parent module's file: the set for its package, or null outside watched packages. (Asked again and again.) */
  const parents = new Map<string, Set<string> | null>();
  const wantedInside = (file: string): Set<string> | null => {
    let found = parents.get(file);
    if (found === undefined) {
      const pkg = packageOfFile(file);
      found = pkg !== undefined && watched.has(pkg[0]) ? wantedIn(pkg) : null;
      parents.set(file, found);
    }
    return found;
  };
  Module.prototype.require = function require(this: Module, id: string) {
    let concerns = true;
    if (typeof id === 'string') {
      if (id.startsWith('.') || path.isAbsolute(id)) {
        const own = packageNameOfFile(id);
        concerns = own !== '' ? watched.has(own) : this.filename != null && wantedInside(this.filename)?.has(lastSegment(id)) === true;
      } else {
        const bare = id.startsWith('node:') ? id.slice(5) : id;
        const pkg = packageName(bare);
        concerns = pkg === bare ? mains.has(pkg) : watched.has(pkg);
      }
    }
    return (concerns ? hookedRequire : plainRequire).apply(this, arguments as unknown as [string]);
  };
}

/** `./lib/client.js` → `client`; `../` and `..` → `` and `.`. */
function lastSegment(request: string): string {
  const base = request.slice(Math.max(request.lastIndexOf('/'), request.lastIndexOf(path.sep)) + 1);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}

/** The last segments of a package's main file as its package.json names it (`main`, or the strings of `exports['.']`). */
function mainFiles(dir: string): string[] {
  const manifest = readManifest(dir);
  const found: string[] = [];
  const collect = (entry: unknown): void => {
    if (typeof entry === 'string') found.push(lastSegment(entry));
    else if (entry !== null && typeof entry === 'object') Object.values(entry).forEach(collect);
  };
  if (typeof manifest?.main === 'string') collect(manifest.main);
  const exports = manifest?.exports;
  collect(exports !== null && typeof exports === 'object' && '.' in exports ? exports['.'] : typeof exports === 'string' ? exports : undefined);
  return found;
}

interface Manifest {
  version?: unknown;
  main?: unknown;
  exports?: any;
}

/** Package directory → its package.json, read once (undefined when absent or unreadable). */
const manifests = new Map<string, Manifest | undefined>();

function readManifest(dir: string): Manifest | undefined {
  if (manifests.has(dir)) return manifests.get(dir);
  let manifest: Manifest | undefined;
  const file = path.join(dir, 'package.json');
  // (A failed read costs an exception; most looked-up packages are absent.)
  if (fs.existsSync(file)) {
    try {
      manifest = JSON.parse(fs.readFileSync(file, 'utf8')) as Manifest;
    } catch {
      // unreadable: as if absent
    }
  }
  manifests.set(dir, manifest);
  return manifest;
}

/** A package's version from its package.json ('' when unreadable; Node's own for built-ins). */
export function packageVersion(baseDir: string): string {
  if (baseDir === '') return process.versions.node;
  const version = readManifest(baseDir)?.version;
  return typeof version === 'string' ? version : '';
}

/**
 * The version of package `name` installed for this app: its package.json in
 * node_modules from the main module's folder upward, as Node would find it
 * ('' when there is none).
 */
export function appPackageVersion(name: string): string {
  let dir = process.argv[1] ? path.dirname(path.resolve(process.argv[1])) : process.cwd();
  for (;;) {
    const version = packageVersion(path.join(dir, 'node_modules', name));
    if (version !== '') return version;
    const parent = path.dirname(dir);
    if (parent === dir) return '';
    dir = parent;
  }
}

/** The packages some module has been loaded from so far (from require's cache). */
export function packagesLoaded(): Set<string> {
  const found = new Set(Object.keys(require.cache).map(packageNameOfFile));
  found.delete('');
  return found;
}

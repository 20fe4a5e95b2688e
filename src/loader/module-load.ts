// Calls back when a declared module loads, whichever way the app loads it:
// - require() and process.getBuiltinModule(): require-in-the-middle;
// - ESM import, where the runtime can run in-thread loader hooks
//   (module.registerHooks with nullish CommonJS source: Node ≥ 22.22.3,
//   24.11.1, 26): import-in-the-middle's synchronous hooks;
// - ESM import of a CommonJS package on older runtimes (Node 20, early 22 and
//   24): the import reaches only Module._load with the resolved file, which no
//   require hook sees and which only the off-thread loader (~47 ms of startup)
//   could; legacy-esm.ts watches Module._load for exactly that case.
// ESM imports of built-ins are seen by esm-builtins.ts.
// However many ways one copy of a module is seen, its callback runs once and
// every later load gets the same (possibly replaced) exports.

import Module = require('node:module');
import * as fs from 'node:fs';
import * as path from 'node:path';
import { log } from '../log';
import { watchLegacyEsmImports } from './legacy-esm';

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

function watchEsmImports(names: string[], onLoad: OnModuleLoad): void {
  const packages = names.filter((name) => !Module.isBuiltin(name));
  if (packages.length === 0) return;
  if (!inThreadHooks()) {
    watchLegacyEsmImports(packages, (exports, name, baseDir) => once(onLoad, exports, name, baseDir));
    return;
  }
  const { register } = require('import-in-the-middle/register-hooks.mjs') as { register(options: { include: string[] }): void };
  const Hook = require('import-in-the-middle') as new (modules: string[], hook: (ns: any, name: string, baseDir: string | undefined, format?: string) => unknown) => unknown;
  register({ include: packages });
  new Hook(packages, (namespace, name, baseDir, format) => {
    // A CommonJS module's exports are its namespace's default; an ES module is hooked through its namespace.
    const commonJs = format === 'commonjs' && namespace.default !== null && (typeof namespace.default === 'object' || typeof namespace.default === 'function');
    const exports = commonJs ? namespace.default : namespace;
    const result = once(onLoad, exports, name, baseDir ?? '');
    return commonJs && result !== exports ? result : undefined;
  });
}

/**
 * Watches `names`: packages (`pg`), package files as require names them without
 * `.js` (`pg/lib/client`, `mysql2/promise`) and built-ins (`http`).
 */
export function watchModules(names: string[], onLoad: OnModuleLoad): void {
  const { Hook } = require('require-in-the-middle') as typeof import('require-in-the-middle');
  new Hook(names, (exports, name, baseDir) => once(onLoad, exports, name, baseDir ?? '') as typeof exports);
  watchEsmImports(names, onLoad);
}

/** A package's version from its package.json ('' when unreadable; Node's own for built-ins). */
export function packageVersion(baseDir: string): string {
  if (baseDir === '') return process.versions.node;
  try {
    return (JSON.parse(fs.readFileSync(path.join(baseDir, 'package.json'), 'utf8')) as { version?: string }).version ?? '';
  } catch {
    return '';
  }
}

/** Packages among `names` that some module loaded before the agent started (from require's cache). */
export function loadedBefore(packages: string[]): string[] {
  const marker = `${path.sep}node_modules${path.sep}`;
  const found = new Set<string>();
  for (const file of Object.keys(require.cache)) {
    const at = file.lastIndexOf(marker);
    if (at === -1) continue;
    const rest = file.slice(at + marker.length).split(path.sep);
    const name = rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
    if (packages.includes(name)) found.add(name);
  }
  return [...found];
}

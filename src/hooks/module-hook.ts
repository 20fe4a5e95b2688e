// Calls back when a watched package is loaded, whether by `require()` or by an
// ESM `import` of a CommonJS package (which reaches Module._load with the
// resolved file name, bypassing require hooks such as require-in-the-middle).
// Patching here means no ESM loader thread is needed for CommonJS packages.

import Module = require('node:module');
import * as path from 'node:path';
import * as fs from 'node:fs';
import { log } from '../log';

export interface LoadedModule {
  /** The id as watched: a package name or a package subpath such as `mysql2/promise`. */
  id: string;
  /** The package's version from its package.json ('' when unreadable). */
  version: string;
  /** The package's directory ('' for a built-in module). */
  baseDir: string;
}

export type OnLoad = (exports: any, module: LoadedModule) => any;

interface ModuleInternals {
  _load(request: string, parent: unknown, isMain: boolean): unknown;
  _resolveFilename(request: string, parent: unknown, isMain?: boolean): string;
}
const M = Module as unknown as ModuleInternals;

const watchers = new Map<string, OnLoad[]>();
/** Exports already handed to the watchers, so a cached module is patched once. */
const seen = new WeakSet<object>();
/** Per package directory: which watched id each resolved entry file belongs to. */
const entryFiles = new Map<string, Map<string, string>>();
let installed = false;

function packageName(id: string): string {
  const parts = id.split('/');
  return id.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function readVersion(baseDir: string): string {
  if (baseDir === '') return process.versions.node;
  try {
    return (JSON.parse(fs.readFileSync(path.join(baseDir, 'package.json'), 'utf8')) as { version?: string }).version ?? '';
  } catch {
    return '';
  }
}

/** `/a/node_modules/@s/pkg/lib/x.js` → [`@s/pkg`, `/a/node_modules/@s/pkg`]. */
function packageOfFile(file: string): [string, string] | undefined {
  const marker = `${path.sep}node_modules${path.sep}`;
  const at = file.lastIndexOf(marker);
  if (at === -1) return undefined;
  const rest = file.slice(at + marker.length).split(path.sep);
  const name = rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  return [name.split(path.sep).join('/'), file.slice(0, at + marker.length) + name.split('/').join(path.sep)];
}

function notify(id: string, exports: unknown, baseDir: string): unknown {
  if (exports === null || (typeof exports !== 'object' && typeof exports !== 'function')) return exports;
  if (seen.has(exports as object)) return exports;
  seen.add(exports as object);
  const info: LoadedModule = { id, version: readVersion(baseDir), baseDir };
  let result = exports;
  for (const onLoad of watchers.get(id) ?? []) {
    try {
      result = onLoad(result, info) ?? result;
    } catch (err) {
      log.once('debug', `hook:${id}`, `could not hook ${id}@${info.version}: ${(err as Error).message}; left untouched`);
    }
  }
  if (result !== exports && result !== null && typeof result === 'object') seen.add(result as object);
  return result;
}

/** For an absolute file name (ESM import of CommonJS): the watched id whose entry it is. */
function idForFile(file: string): [string, string] | undefined {
  const pkg = packageOfFile(file);
  if (pkg === undefined) return undefined;
  const [name, baseDir] = pkg;
  let map = entryFiles.get(baseDir);
  if (map === undefined) {
    map = new Map();
    for (const id of watchers.keys()) {
      if (packageName(id) !== name) continue;
      try {
        map.set(M._resolveFilename(baseDir + id.slice(name.length), null), id);
      } catch {
        // this subpath does not exist in this version
      }
    }
    entryFiles.set(baseDir, map);
  }
  const id = map.get(file);
  return id === undefined ? undefined : [id, baseDir];
}

function install(): void {
  installed = true;
  const originalLoad = M._load;
  M._load = function load(this: unknown, request: string, parent: unknown, isMain: boolean) {
    const exports = originalLoad.apply(this, arguments as unknown as [string, unknown, boolean]);
    try {
      if (watchers.has(request)) {
        if (Module.isBuiltin(request)) return notify(request, exports, '');
        const file = M._resolveFilename(request, parent, isMain);
        const pkg = packageOfFile(file);
        return notify(request, exports, pkg ? pkg[1] : path.dirname(file));
      }
      if (path.isAbsolute(request) && request.includes('node_modules')) {
        // ESM imports arrive as the resolved file; a require() by path may name a directory.
        const file = path.extname(request) === '' ? M._resolveFilename(request, parent, isMain) : request;
        const found = idForFile(file);
        if (found !== undefined) return notify(found[0], exports, found[1]);
      }
    } catch (err) {
      log.once('debug', `module-hook:${request}`, `module hook skipped ${request}: ${(err as Error).message}`);
    }
    return exports;
  };
}

/** Calls onLoad with the exports of `id` (a package or package subpath) each time a new copy loads. */
export function onModuleLoad(id: string, onLoad: OnLoad): void {
  const list = watchers.get(id);
  if (list) list.push(onLoad);
  else watchers.set(id, [onLoad]);
  entryFiles.clear();
  if (!installed) install();
}

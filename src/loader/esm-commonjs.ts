// An ESM import of a CommonJS package reaches Module._load with the resolved
// file name and no parent: require hooks never see it. Where the runtime has
// in-thread loader hooks, import-in-the-middle's would, at ~20 ms of startup
// (Node 24, measured) and a hook on every module the app imports; elsewhere
// only the off-thread loader (module.register, ~47 ms) could. This watches
// Module._load for exactly those calls, on every runtime, and maps the file
// back to the declared name whose file it is.

import Module = require('node:module');
import * as path from 'node:path';
import { log } from '../log';
import type { OnModuleLoad } from './module-load';

interface ModuleInternals {
  _load(request: string, parent: unknown, isMain: boolean): unknown;
  _resolveFilename(request: string, parent: unknown, isMain?: boolean): string;
}
const M = Module as unknown as ModuleInternals;

/** The package a declared name belongs to: `@s/pkg/lib/x` → `@s/pkg`. */
export function packageName(id: string): string {
  let end = id.indexOf('/');
  if (end !== -1 && id.startsWith('@')) end = id.indexOf('/', end + 1);
  return end === -1 ? id : id.slice(0, end);
}

const NODE_MODULES = `${path.sep}node_modules${path.sep}`;

/** `/a/node_modules/@s/pkg/lib/x.js` → `@s/pkg` ('' outside node_modules). */
export function packageNameOfFile(file: string): string {
  const at = file.lastIndexOf(NODE_MODULES);
  if (at === -1) return '';
  const start = at + NODE_MODULES.length;
  let end = file.indexOf(path.sep, start);
  if (end !== -1 && file.charCodeAt(start) === 64 /* @ */) end = file.indexOf(path.sep, end + 1);
  return end === -1 ? file.slice(start) : file.slice(start, end);
}

/** `/a/node_modules/@s/pkg/lib/x.js` → [`@s/pkg`, `/a/node_modules/@s/pkg`]. */
export function packageOfFile(file: string): [string, string] | undefined {
  const name = packageNameOfFile(file);
  if (name === '') return undefined;
  const at = file.lastIndexOf(NODE_MODULES) + NODE_MODULES.length;
  return [name, file.slice(0, at + name.length)];
}

export function watchEsmImportsOfCommonJs(names: string[], onLoad: OnModuleLoad): void {
  /** Per package directory: the declared name each resolved file belongs to. */
  const files = new Map<string, Map<string, string>>();

  function declaredNameOf(file: string): [string, string] | undefined {
    const pkg = packageOfFile(file);
    if (pkg === undefined) return undefined;
    const [name, baseDir] = pkg;
    let map = files.get(baseDir);
    if (map === undefined) {
      map = new Map();
      for (const id of names) {
        if (packageName(id) !== name) continue;
        try {
          map.set(M._resolveFilename(baseDir + id.slice(name.length), null), id);
        } catch {
          // this file does not exist in this version
        }
      }
      files.set(baseDir, map);
    }
    const id = map.get(file);
    return id === undefined ? undefined : [id, baseDir];
  }

  const originalLoad = M._load;
  M._load = function load(this: unknown, request: string, parent: unknown) {
    const exports = originalLoad.apply(this, arguments as unknown as [string, unknown, boolean]);
    // require() passes its parent module; the ESM loader passes none.
    if (parent != null || !path.isAbsolute(request) || !request.includes('node_modules')) return exports;
    try {
      const found = declaredNameOf(request);
      if (found !== undefined) return onLoad(exports, found[0], found[1]);
    } catch (err) {
      log.once('debug', `esm-commonjs:${request}`, `module hook skipped ${request}: ${(err as Error).message}`);
    }
    return exports;
  };
}

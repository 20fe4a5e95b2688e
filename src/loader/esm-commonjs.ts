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

/** `/a/node_modules/@s/pkg/lib/x.js` → [`@s/pkg`, `/a/node_modules/@s/pkg`]. */
function packageOfFile(file: string): [string, string] | undefined {
  const marker = `${path.sep}node_modules${path.sep}`;
  const at = file.lastIndexOf(marker);
  if (at === -1) return undefined;
  const rest = file.slice(at + marker.length).split(path.sep);
  const name = rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  return [name, file.slice(0, at + marker.length) + name.split('/').join(path.sep)];
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

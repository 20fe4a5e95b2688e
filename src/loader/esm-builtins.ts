// Seeing an ESM app import a built-in module (`import http from 'node:http'`),
// which goes through no CommonJS loader function. On Node ≥ 22.15 an in-thread
// resolve hook (module.registerHooks, ~0.3 ms) sees every such import. Node 20
// has only the off-thread loader (module.register), whose start costs ~47 ms;
// there, when the main module is (or may be) ESM, the callbacks run at once.

import Module = require('node:module');
import * as fs from 'node:fs';
import * as path from 'node:path';

type Callback = () => void;
const callbacks = new Map<string, Callback[]>();
let mode: 'hooks' | 'eager' | 'none' | undefined;

interface RegisterHooks {
  (hooks: { resolve: (specifier: string, context: unknown, next: (s: string, c: unknown) => unknown) => unknown }): unknown;
}

/** Is the entry point ESM? Undetermined cases answer true (the safe side). */
function mainMayBeEsm(): boolean {
  const execArgv = process.execArgv.join(' ');
  if (/--input-type[= ]module|--experimental-default-type[= ]module/.test(execArgv)) return true;
  const main = process.argv[1];
  if (main === undefined) return false; // REPL or -e: CommonJS
  if (main.endsWith('.mjs') || main.endsWith('.mts')) return true;
  if (main.endsWith('.cjs') || main.endsWith('.cts')) return false;
  // `.js` or no extension: the nearest package.json's "type" decides.
  let dir = path.dirname(path.resolve(main));
  for (;;) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) {
      try {
        return (JSON.parse(fs.readFileSync(file, 'utf8')) as { type?: string }).type === 'module';
      } catch {
        return true;
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) return false;
    dir = parent;
  }
}

function fire(name: string): void {
  const list = callbacks.get(name);
  if (list === undefined) return;
  callbacks.delete(name);
  for (const cb of list) cb();
}

function setup(): void {
  const registerHooks = (Module as unknown as { registerHooks?: RegisterHooks }).registerHooks;
  if (typeof registerHooks === 'function') {
    mode = 'hooks';
    registerHooks({
      resolve(specifier, context, next) {
        const result = next(specifier, context);
        if (callbacks.size > 0) {
          const name = specifier.startsWith('node:') ? specifier.slice(5) : specifier;
          if (callbacks.has(name)) fire(name);
        }
        return result;
      },
    });
  } else {
    mode = mainMayBeEsm() ? 'eager' : 'none';
  }
}

/**
 * Calls back when the app imports built-in `name` through ESM, or at once
 * where that cannot be seen, unless `notEager`: the caller then has its own
 * way to notice the module in use.
 */
export function onBuiltinImport(name: string, callback: Callback, notEager = false): void {
  if (mode === undefined) setup();
  if (mode === 'eager') {
    if (!notEager) callback();
    return;
  }
  if (mode === 'none') return;
  const list = callbacks.get(name);
  if (list) list.push(callback);
  else callbacks.set(name, [callback]);
}

// The hook table: which library each hook traces and when its code loads.
// Hooks on built-ins and diagnostics channels start with the agent; hooks on
// npm packages load only when the app loads that package.

import { log } from '../log';
import { onModuleLoad, type LoadedModule } from './module-hook';

export interface Hook {
  /** For built-ins and diagnostics channels: called once when the agent starts. */
  start?(): void;
  /** For packages: called with each watched module's exports as it loads; patch in place or return replacements. */
  patch?(exports: any, module: LoadedModule): any;
}

interface HookEntry {
  name: string;
  /** Package ids (or package subpaths) whose loading triggers `patch`. */
  modules?: string[];
  load(): Hook;
}

const TABLE: HookEntry[] = [
  { name: 'http', load: () => require('./http').hook },
  { name: 'fetch', load: () => require('./fetch').hook },
  { name: 'pg', modules: ['pg', 'pg-pool'], load: () => require('./pg').hook },
  { name: 'mysql2', modules: ['mysql2', 'mysql2/promise'], load: () => require('./mysql2').hook },
  { name: 'mysql', modules: ['mysql'], load: () => require('./mysql').hook },
  { name: 'redis', modules: ['@redis/client'], load: () => require('./redis').hook },
  { name: 'ioredis', modules: ['ioredis'], load: () => require('./ioredis').hook },
  { name: 'better-sqlite3', modules: ['better-sqlite3'], load: () => require('./better-sqlite3').hook },
];

export function installHooks(names: string[]): string[] {
  const installed: string[] = [];
  for (const entry of TABLE) {
    if (!names.includes(entry.name)) continue;
    try {
      if (entry.modules === undefined) {
        entry.load().start?.();
      } else {
        let hook: Hook | undefined;
        for (const id of entry.modules) {
          onModuleLoad(id, (exports, module) => {
            hook ??= entry.load();
            return hook.patch?.(exports, module);
          });
        }
      }
      installed.push(entry.name);
    } catch (err) {
      log.warn(`hook ${entry.name} could not start: ${(err as Error).message}; it is off`);
    }
  }
  return installed;
}

// The hook table: which library each hook traces and when its code loads.
// Hooks on built-ins and diagnostics channels start with the agent; hooks on
// npm packages load only when the app loads that package.

import type { Integration, ModuleTarget } from '../loader/types';
import { isBelow, satisfies } from '../loader/versions';
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
  { name: 'redis', modules: ['@redis/client'], load: () => fromIntegration(require('./redis').integration) },
  { name: 'ioredis', modules: ['ioredis'], load: () => fromIntegration(require('./ioredis').integration) },
  { name: 'better-sqlite3', modules: ['better-sqlite3'], load: () => require('./better-sqlite3').hook },
];

// Until the loader reads integration declarations: the target whose range
// holds the loaded version (else the nearest), subscribed once, then patched.
function fromIntegration(integration: Integration): Hook {
  const subscribed = new Set<ModuleTarget>();
  return {
    patch(exports, module) {
      const targets = integration.targets ?? [];
      const target = targets.find((t) => satisfies(module.version, t.versions)) ?? (targets.every((t) => isBelow(module.version, t.versions)) ? targets[0] : targets[targets.length - 1]);
      const loaded = { name: module.id, version: module.version, baseDir: module.baseDir };
      if (target.subscribe !== undefined && !subscribed.has(target)) {
        subscribed.add(target);
        target.subscribe(loaded);
      }
      return target.patch?.(exports, loaded);
    },
  };
}

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

// An integration declared as data: the modules it hooks, and by name the
// functions of its file that patch them, subscribe to the library's channels,
// or start it. The file itself is required only when one of its modules loads
// (or when the agent starts, for an integration with `start`), so an app pays
// at startup only for the integrations it has a use for.

import type { Integration, LoadedModule, ModuleTarget } from './types';

/** The names of `Code`'s exported functions. */
type FunctionName<Code> = { [K in keyof Code]: Code[K] extends (...args: any[]) => any ? K : never }[keyof Code] & string;

export interface DeclaredTarget<Code> extends Omit<ModuleTarget, 'patch' | 'subscribe'> {
  /** The function that patches the module's exports: `(exports, module)`; an object or function it returns replaces them. */
  patch?: FunctionName<Code>;
  /** The function that subscribes to the library's own channels: `(module)`, once, when a version in range first loads. */
  subscribe?: FunctionName<Code>;
}

export interface Declaration<Code> {
  targets?: DeclaredTarget<Code>[];
  /** The function called once when the agent starts (built-ins and runtime channels). */
  start?: FunctionName<Code>;
}

/** An integration whose code, `load()`, is required the first time one of the named functions is needed. */
export function declareIntegration<Code>(name: string, load: () => Code, declaration: Declaration<Code>): Integration {
  const call = (fn: string, ...args: unknown[]): unknown => (load() as Record<string, (...a: unknown[]) => unknown>)[fn](...args);
  const integration: Integration = { name };
  const { start, targets } = declaration;
  if (start !== undefined) integration.start = () => void call(start);
  if (targets !== undefined) {
    integration.targets = targets.map(({ patch, subscribe, ...module }) => {
      const target: ModuleTarget = module;
      if (patch !== undefined) target.patch = (exports: unknown, loaded: LoadedModule) => call(patch, exports, loaded);
      if (subscribe !== undefined) target.subscribe = (loaded: LoadedModule) => void call(subscribe, loaded);
      return target;
    });
  }
  return integration;
}

// An integration declared as data: the modules it hooks, and by name the
// functions of its file that patch them, subscribe to the library's channels,
// or start it. The file itself is required only when one of its modules loads
// or the library creates its channels (or when the agent starts, for an
// integration with `start`), so an app pays at startup only for the
// integrations it has a use for. The declaration is used as it is written:
// nothing is built from it until a module it names loads.

import type { Integration, IntegrationCode, ModuleTarget } from './types';

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
  /** The library creates TracingChannels named `<prefix>…` as it loads: `subscribe` is called once, as it creates the first. */
  channels?: { prefix: string; subscribe: FunctionName<Code> };
}

/** An integration whose code, `code()`, is required the first time one of the named functions is needed (checked against its exports' names). */
export function declareIntegration<Code>(name: string, code: () => Code, declaration: Declaration<Code>): Integration {
  return { name, code: code as unknown as () => IntegrationCode, ...declaration };
}

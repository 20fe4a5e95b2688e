// What an integration declares: the library it traces, the versions it knows,
// and for each version range either the functions it patches or the library's
// own diagnostics channels it subscribes to. src/hooks/index.ts declares every
// integration (through declare.ts), src/hooks/ holds the code of each in a file.

export interface LoadedModule {
  /** The module as declared: a package name (`pg`), a package file (`pg/lib/client`) or a built-in (`http`). */
  name: string;
  /** The package's version from its package.json ('' when unreadable; Node's version for a built-in). */
  version: string;
  /** The package's directory ('' for a built-in). */
  baseDir: string;
}

export interface ModuleTarget {
  /** The npm package. */
  package: string;
  /** The package versions this target handles, e.g. `>=8.0.3 <9` (comparators, `||` between alternatives). */
  versions: string;
  /** A file inside the package as `require` names it, without `.js` (`lib/client`); the package's main file when absent. */
  file?: string;
  /**
   * The package exists only as ES modules: patch gets its namespace, whose exports can be set through it.
   * Watched only when the app has a version in `versions` installed (found from its main module's folder
   * upward) and the runtime has in-thread loader hooks.
   */
  esModule?: boolean;
  /** The function of the integration's code that patches the module's exports in place, `(exports, module)`; an object or function it returns replaces the exports. */
  patch?: string;
  /** The function that subscribes to the library's own diagnostics channels, `(module)`; called once, when a version in range first loads. */
  subscribe?: string;
}

/** An integration's code: its file's exports, the functions its declaration names. */
export type IntegrationCode = Record<string, (...args: any[]) => unknown>;

export interface Integration {
  /** The short name used by OTEL_NODE_ENABLED_INSTRUMENTATIONS / OTEL_NODE_DISABLED_INSTRUMENTATIONS. */
  name: string;
  /** Its code, required the first time one of its functions is needed. */
  code: () => IntegrationCode;
  /** Modules whose loading triggers the integration; several targets of one package split it by version. */
  targets?: readonly ModuleTarget[];
  /** Part of the agent itself, not an instrumentation: always installed, never listed. */
  internal?: boolean;
  /** For built-ins and runtime channels: the function called once when the agent starts. */
  start?: string;
  /** For a library that creates TracingChannels named `<prefix>…` as it loads: the function called once, as it creates the first. */
  channels?: { prefix: string; subscribe: string };
}

// pg (node-postgres): a CLIENT span per Client#query (and so per Pool#query),
// for text, config objects and prepared statements, callbacks and promises.

import type { Context } from '@opentelemetry/api';
import { activeContext, isTracingSuppressed, runInContext } from '../context';
import { hookTracer } from '../provider';
import { callTraced, startSqlSpan } from './db';
import type { Hook } from './index';
import type { LoadedModule } from './module-hook';
import { HookGuard } from './shared';

const guard = new HookGuard('pg');
const tracer = hookTracer('pg');
const kPatched = Symbol('tracing-agent.pg.patched');

interface PgClient {
  connectionParameters?: { host?: string; port?: number; database?: string };
  host?: string;
  port?: number;
  database?: string;
}

type Fn = (...args: any[]) => any;

function queryText(config: unknown): string | undefined {
  if (typeof config === 'string') return config;
  if (config !== null && typeof config === 'object' && typeof (config as { text?: unknown }).text === 'string') return (config as { text: string }).text;
  return undefined;
}

function wrapQuery(original: Fn): Fn {
  return function query(this: PgClient, config: unknown) {
    const parent = activeContext();
    const text = queryText(config);
    // Submittables (cursors, query streams) report their end through events of their own: left untraced.
    if (!guard.enabled || text === undefined || isTracingSuppressed(parent) || typeof (config as { submit?: unknown })?.submit === 'function') {
      return original.apply(this, arguments as unknown as unknown[]);
    }
    let span;
    try {
      const params = this.connectionParameters ?? this;
      span = startSqlSpan(tracer, parent, { system: 'postgresql', namespace: params.database, host: params.host, port: params.port }, text, 'postgresql');
    } catch (err) {
      guard.fail(err);
      return original.apply(this, arguments as unknown as unknown[]);
    }
    return callTraced(span, original, this, arguments);
  };
}

/**
 * A busy pool runs a waiting connect() callback from inside the query that
 * released the connection, that is in another request's context: run it in
 * the context of whoever asked for the connection.
 */
function wrapConnect(original: Fn): Fn {
  return function connect(this: unknown, callback?: unknown) {
    if (typeof callback !== 'function' || !guard.enabled) return original.apply(this, arguments as unknown as unknown[]);
    const ctx: Context = activeContext();
    const cb = callback as Fn;
    return original.call(this, function (this: unknown) {
      const args = arguments;
      return runInContext(ctx, () => cb.apply(this, args as unknown as unknown[]));
    });
  };
}

function patchProto(proto: Record<string, unknown> | undefined, name: string, wrap: (f: Fn) => Fn): void {
  if (!proto || typeof proto[name] !== 'function' || (proto[name] as { [kPatched]?: boolean })[kPatched]) return;
  const wrapped = wrap(proto[name] as Fn);
  (wrapped as { [kPatched]?: boolean })[kPatched] = true;
  proto[name] = wrapped;
}

export const hook: Hook = {
  patch(exports: any, module: LoadedModule) {
    if (module.id === 'pg') {
      if (typeof exports?.Client?.prototype?.query !== 'function') throw new Error('unexpected shape: no Client#query');
      patchProto(exports.Client.prototype, 'query', wrapQuery);
      // pg.Pool extends pg-pool's Pool; connect lives on that parent prototype.
      if (exports.Pool?.prototype) patchProto(Object.getPrototypeOf(exports.Pool.prototype), 'connect', wrapConnect);
    } else if (module.id === 'pg-pool' && typeof exports === 'function') {
      patchProto(exports.prototype, 'connect', wrapConnect);
    }
    return exports;
  },
};

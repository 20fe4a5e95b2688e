// pg (node-postgres): a CLIENT span per Client#query (and so per Pool#query),
// for text, config objects and prepared statements, callbacks and promises;
// a short `pg-pool.connect` span when a pool makes its caller wait; pg.native too.

import type { Context, Span } from '@opentelemetry/api';
import { activeContext, isTracingSuppressed, runInContext } from '../context';
import { callTraced, HookGuard, traceMethod, type Fn } from '../loader/trace-call';
import { SPAN_KIND_CLIENT } from '../otel-constants';
import { wrap } from '../loader/wrap';
import { hookTracer } from '../provider';
import { endDbSpan, startSqlSpan } from './shared/db';

const guard = new HookGuard('pg');
const tracer = hookTracer('pg');

interface PgClient {
  connectionParameters?: { host?: string; port?: number; database?: string };
  host?: string;
  port?: number;
  database?: string;
}

function queryText(config: unknown): string | undefined {
  if (typeof config === 'string') return config;
  if (config !== null && typeof config === 'object' && typeof (config as { text?: unknown }).text === 'string') return (config as { text: string }).text;
  return undefined;
}

const wrapQuery = traceMethod<PgClient>({
  guard,
  start(client, args, parent) {
    const config = args[0] as unknown;
    const text = queryText(config);
    // Submittables (cursors, query streams) report their end through events of their own: left untraced.
    if (text === undefined || typeof (config as { submit?: unknown })?.submit === 'function') return undefined;
    const params = client.connectionParameters ?? client;
    return startSqlSpan(tracer, parent, { system: 'postgresql', namespace: params.database, host: params.host, port: params.port }, text, 'postgresql');
  },
  end: endDbSpan,
});

interface PgPool {
  _idle?: unknown[];
  _pendingQueue?: unknown[];
  ending?: boolean;
  options?: { host?: string; port?: number; database?: string };
}

/**
 * A span for the wait, only when there is one: no idle client is free for this
 * caller, so it queues for a busy pool or opens a new connection.
 */
function startConnectSpan(pool: PgPool, parent: Context): Span | undefined {
  if (isTracingSuppressed(parent) || pool.ending || !Array.isArray(pool._idle)) return undefined;
  if (pool._idle.length > (Array.isArray(pool._pendingQueue) ? pool._pendingQueue.length : 0)) return undefined;
  const options = pool.options ?? {};
  const attributes: Record<string, string | number> = { 'db.system.name': 'postgresql', 'db.operation.name': 'connect' };
  if (typeof options.database === 'string') attributes['db.namespace'] = options.database;
  if (typeof options.host === 'string') attributes['server.address'] = options.host;
  if (typeof options.port === 'number') attributes['server.port'] = options.port;
  return tracer.startSpan('pg-pool.connect', { kind: SPAN_KIND_CLIENT, attributes }, parent);
}

/**
 * A busy pool runs a waiting connect() callback from inside the query that
 * released the connection, that is in another request's context: run it in
 * the context of whoever asked for the connection.
 */
function wrapConnect(original: Fn): Fn {
  return function connect(this: PgPool, callback?: unknown) {
    if (!guard.enabled) return original.apply(this, arguments as unknown as unknown[]);
    const ctx: Context = activeContext();
    let span: Span | undefined;
    try {
      span = startConnectSpan(this, ctx);
    } catch (err) {
      guard.fail(err);
    }
    const args: unknown[] = Array.prototype.slice.call(arguments);
    if (typeof callback === 'function') {
      const cb = callback as Fn;
      args[0] = function (this: unknown) {
        const a = arguments;
        return runInContext(ctx, () => cb.apply(this, a as unknown as unknown[]));
      };
    }
    return span === undefined ? original.apply(this, args) : callTraced(span, original, this, args, endDbSpan);
  };
}

/**
 * `pg.native` loads pg-native (libpq bindings) on first read, through a getter
 * that then replaces itself with the value: its Client is patched as it is read.
 */
function patchNative(pg: any): void {
  const descriptor = Object.getOwnPropertyDescriptor(pg, 'native');
  if (descriptor === undefined || typeof descriptor.get !== 'function' || !descriptor.configurable) return;
  const get = descriptor.get;
  Object.defineProperty(pg, 'native', {
    configurable: true,
    enumerable: descriptor.enumerable,
    get(this: unknown) {
      const native = get.call(this);
      try {
        if (typeof native?.Client?.prototype?.query === 'function') wrap(native.Client.prototype, 'query', wrapQuery);
      } catch (err) {
        guard.fail(err);
      }
      return native;
    },
  });
}

export function patchPg(pg: any): void {
  if (typeof pg?.Client?.prototype?.query !== 'function') throw new Error('unexpected shape: no Client#query');
  wrap(pg.Client.prototype, 'query', wrapQuery);
  // pg.Pool extends pg-pool's Pool; connect lives on that parent prototype.
  if (pg.Pool?.prototype) wrap(Object.getPrototypeOf(pg.Pool.prototype), 'connect', wrapConnect);
  patchNative(pg);
}

export function patchPool(Pool: any): void {
  wrap(Pool?.prototype, 'connect', wrapConnect);
}

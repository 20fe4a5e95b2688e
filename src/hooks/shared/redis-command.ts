// What the redis hooks record of a command: its name and key, never values;
// and which commands are the client's own connection handshake.
import type { Context, Span, Tracer } from '@opentelemetry/api';
import { inScope } from '../../loader/channels';
import { SPAN_KIND_CLIENT } from '../../otel-constants';
import { wrap } from '../../loader/wrap';

// Commands whose first argument is not a key (and may be a secret or a script).
const NO_KEY = new Set([
  'AUTH', 'HELLO', 'PING', 'ECHO', 'SELECT', 'CLIENT', 'CONFIG', 'SCRIPT', 'EVAL', 'EVAL_RO', 'EVALSHA', 'EVALSHA_RO',
  'FCALL', 'FCALL_RO', 'FUNCTION', 'INFO', 'ACL', 'MIGRATE', 'COMMAND', 'DEBUG', 'MODULE', 'REPLICAOF', 'SLAVEOF',
  'FLUSHALL', 'FLUSHDB', 'MULTI', 'EXEC', 'DISCARD', 'QUIT', 'SHUTDOWN', 'SWAPDB', 'TIME', 'DBSIZE', 'LASTSAVE',
  'SAVE', 'BGSAVE', 'BGREWRITEAOF', 'ROLE', 'MONITOR', 'SYNC', 'PSYNC', 'WAIT', 'LATENCY', 'MEMORY', 'SLOWLOG',
  'CLUSTER', 'READONLY', 'READWRITE', 'RESET', 'LOLWUT', 'SCAN', 'RANDOMKEY', 'KEYS',
]);

export interface RedisTarget {
  namespace?: string | number;
  host?: string;
  port?: number;
}

/** `SET user:1 ?` — the command, its key where it has one, a `?` for every other argument. */
export function redisQueryText(name: string, args: ArrayLike<unknown>, argsIncludeName: boolean): string {
  const command = name.toUpperCase();
  const first = argsIncludeName ? 1 : 0;
  const count = args.length - first;
  if (count <= 0) return command;
  if (NO_KEY.has(command)) return `${command} ${'? '.repeat(count).trim()}`;
  const key = args[first];
  const keyText = typeof key === 'string' ? key : Buffer.isBuffer(key) ? key.toString('utf8') : '?';
  return count === 1 ? `${command} ${keyText}` : `${command} ${keyText} ${'? '.repeat(count - 1).trim()}`;
}

export function startRedisSpan(tracer: Tracer, parent: Context, target: RedisTarget, operation: string, text: string, batchSize?: number): Span {
  const attributes: Record<string, string | number> = {
    'db.system.name': 'redis',
    'db.operation.name': operation,
    'db.query.text': text,
  };
  if (target.namespace !== undefined) attributes['db.namespace'] = String(target.namespace);
  if (target.host) attributes['server.address'] = target.host;
  if (target.port) attributes['server.port'] = target.port;
  if (batchSize !== undefined) attributes['db.operation.batch.size'] = batchSize;
  return tracer.startSpan(operation, { kind: SPAN_KIND_CLIENT, attributes }, parent);
}

/**
 * In the context of everything a redis client does for a connect() call (its
 * socket's events too): a CallScope (see scopeChannel), or one set by a patch,
 * which may name the connecting client.
 */
export const kConnecting = Symbol('tracing-agent.redis.connecting');

// What the clients send on a new connection before the app's first command.
const HANDSHAKE = new Set(['HELLO', 'AUTH', 'CLIENT', 'SELECT', 'READONLY', 'INFO']);

/**
 * A command the client sends itself while connecting: named like a handshake
 * command and sent from inside a connect() call that has not ended (by that
 * client, when the scope names it). `ctx` is the context the command was sent in.
 */
export function isHandshake(ctx: Context, name: string, client?: object): boolean {
  if (!HANDSHAKE.has(name) || !inScope(ctx, kConnecting)) return false;
  const connecting = (ctx.getValue(kConnecting) as { client?: object }).client;
  return connecting === undefined || connecting === client;
}

// ioredis and node-redis publish arguments sanitised by their own rules, which
// also hide many keys (`HGET ? ?`); their sanitiser is watched to keep the
// arguments it was given, looked up by the list it returned.
const rawArgs = new WeakMap<object, ArrayLike<unknown>>();

/** Remembers the arguments behind each list `library.sanitizeArgs` returns; `pick` chooses them among its arguments. */
export function keepRawArgs(library: object, pick: (args: IArguments) => unknown): boolean {
  return wrap(library, 'sanitizeArgs', (original) =>
    function sanitizeArgs(this: unknown) {
      const result = original.apply(this, arguments as unknown as unknown[]);
      try {
        const raw = pick(arguments);
        if (result !== null && typeof result === 'object' && Array.isArray(raw)) rawArgs.set(result, raw);
      } catch {
        // without them the published arguments are used
      }
      return result;
    },
  );
}

/** The arguments a published, sanitised list was made from, when seen; else the list itself. */
export function rawArgsOf(published: unknown): ArrayLike<unknown> {
  if (published === null || typeof published !== 'object') return [];
  return rawArgs.get(published) ?? (published as ArrayLike<unknown>);
}

// What the redis hooks record of a command: its name and key, never values.
import type { Context, Span, Tracer } from '@opentelemetry/api';
import { SPAN_KIND_CLIENT } from './shared';

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

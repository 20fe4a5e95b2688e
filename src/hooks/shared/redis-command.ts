// What the redis hooks record of a command: its name and key, never values;
// and which commands are the client's own connection handshake.
import type { Context, Span, Tracer } from '@opentelemetry/api';
import { inScope } from '../../loader/channels';
import { SPAN_KIND_CLIENT } from '../../otel-constants';
import { wrap } from '../../loader/wrap';

// Commands whose first argument is a key: the key is recorded, every other
// argument is a `?`. Any other command (an admin command, one added by a
// module, a typo, a name the agent has never heard of) records its name and a
// `?` per argument: its arguments may be anything, a password included.
const KEY_FIRST = new Set([
  // strings and generic keys
  'APPEND',
  'COPY',
  'DECR',
  'DECRBY',
  'DEL',
  'DUMP',
  'EXISTS',
  'EXPIRE',
  'EXPIREAT',
  'EXPIRETIME',
  'GET',
  'GETDEL',
  'GETEX',
  'GETRANGE',
  'GETSET',
  'INCR',
  'INCRBY',
  'INCRBYFLOAT',
  'LCS',
  'MGET',
  'MOVE',
  'MSET',
  'MSETNX',
  'OBJECT',
  'PERSIST',
  'PEXPIRE',
  'PEXPIREAT',
  'PEXPIRETIME',
  'PSETEX',
  'PTTL',
  'RENAME',
  'RENAMENX',
  'RESTORE',
  'SET',
  'SETEX',
  'SETNX',
  'SETRANGE',
  'SORT',
  'SORT_RO',
  'STRLEN',
  'SUBSTR',
  'TOUCH',
  'TTL',
  'TYPE',
  'UNLINK',
  'WATCH',
  // bits
  'BITCOUNT',
  'BITFIELD',
  'BITFIELD_RO',
  'BITPOS',
  'GETBIT',
  'SETBIT',
  // hashes
  'HDEL',
  'HEXISTS',
  'HEXPIRE',
  'HEXPIREAT',
  'HEXPIRETIME',
  'HGET',
  'HGETALL',
  'HGETDEL',
  'HGETEX',
  'HINCRBY',
  'HINCRBYFLOAT',
  'HKEYS',
  'HLEN',
  'HMGET',
  'HMSET',
  'HPERSIST',
  'HPEXPIRE',
  'HPEXPIREAT',
  'HPEXPIRETIME',
  'HPTTL',
  'HRANDFIELD',
  'HSCAN',
  'HSET',
  'HSETEX',
  'HSETNX',
  'HSTRLEN',
  'HTTL',
  'HVALS',
  // lists
  'BLMOVE',
  'BLPOP',
  'BRPOP',
  'BRPOPLPUSH',
  'LINDEX',
  'LINSERT',
  'LLEN',
  'LMOVE',
  'LPOP',
  'LPOS',
  'LPUSH',
  'LPUSHX',
  'LRANGE',
  'LREM',
  'LSET',
  'LTRIM',
  'RPOP',
  'RPOPLPUSH',
  'RPUSH',
  'RPUSHX',
  // sets
  'SADD',
  'SCARD',
  'SDIFF',
  'SDIFFSTORE',
  'SINTER',
  'SINTERSTORE',
  'SISMEMBER',
  'SMEMBERS',
  'SMISMEMBER',
  'SMOVE',
  'SPOP',
  'SRANDMEMBER',
  'SREM',
  'SSCAN',
  'SUNION',
  'SUNIONSTORE',
  // sorted sets
  'BZPOPMAX',
  'BZPOPMIN',
  'ZADD',
  'ZCARD',
  'ZCOUNT',
  'ZDIFFSTORE',
  'ZINCRBY',
  'ZINTERSTORE',
  'ZLEXCOUNT',
  'ZMSCORE',
  'ZPOPMAX',
  'ZPOPMIN',
  'ZRANDMEMBER',
  'ZRANGE',
  'ZRANGEBYLEX',
  'ZRANGEBYSCORE',
  'ZRANGESTORE',
  'ZRANK',
  'ZREM',
  'ZREMRANGEBYLEX',
  'ZREMRANGEBYRANK',
  'ZREMRANGEBYSCORE',
  'ZREVRANGE',
  'ZREVRANGEBYLEX',
  'ZREVRANGEBYSCORE',
  'ZREVRANK',
  'ZSCAN',
  'ZSCORE',
  'ZUNIONSTORE',
  // hyperloglog, geo, streams
  'PFADD',
  'PFCOUNT',
  'PFMERGE',
  'GEOADD',
  'GEODIST',
  'GEOHASH',
  'GEOPOS',
  'GEORADIUS',
  'GEORADIUS_RO',
  'GEORADIUSBYMEMBER',
  'GEORADIUSBYMEMBER_RO',
  'GEOSEARCH',
  'GEOSEARCHSTORE',
  'XACK',
  'XADD',
  'XAUTOCLAIM',
  'XCLAIM',
  'XDEL',
  'XLEN',
  'XPENDING',
  'XRANGE',
  'XREVRANGE',
  'XSETID',
  'XTRIM',
  // pub/sub: the first argument is a channel
  'PUBLISH',
  'SPUBLISH',
  'SUBSCRIBE',
  'SSUBSCRIBE',
  'PSUBSCRIBE',
  'UNSUBSCRIBE',
  'SUNSUBSCRIBE',
  'PUNSUBSCRIBE',
]);

export interface RedisTarget {
  namespace?: string | number;
  host?: string;
  port?: number;
}

/** `SET user:1 ?` — the command, its key where it is a known keyed command, a `?` for every other argument. */
export function redisQueryText(name: string, args: ArrayLike<unknown>, argsIncludeName: boolean): string {
  const command = name.toUpperCase();
  const first = argsIncludeName ? 1 : 0;
  const count = args.length - first;
  if (count <= 0) return command;
  if (!KEY_FIRST.has(command)) return `${command} ${'? '.repeat(count).trim()}`;
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
  return wrap(
    library,
    'sanitizeArgs',
    (original) =>
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

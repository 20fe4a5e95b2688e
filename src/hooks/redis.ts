// node-redis (redis 4 and 5, through @redis/client): a CLIENT span per command,
// one per MULTI or pipeline (with its size), and per pub/sub (un)subscribe.

import * as path from 'node:path';
import { activeContext, isTracingSuppressed } from '../context';
import { hookTracer } from '../provider';
import { callTraced, wrapMethod } from './db';
import type { Integration, LoadedModule } from '../loader/types';

interface Hook {
  patch?(exports: any, module: LoadedModule): any;
}
import { redisQueryText, startRedisSpan, type RedisTarget } from './redis-command';
import { HookGuard } from './shared';

const guard = new HookGuard('redis');
const tracer = hookTracer('redis');

interface NodeRedisClient {
  options?: { socket?: { host?: string; port?: number; path?: string }; database?: number; url?: string };
}

function targetOf(client: NodeRedisClient): RedisTarget {
  const options = client.options ?? {};
  let host = options.socket?.host;
  let port = options.socket?.port;
  if (host === undefined && options.url) {
    try {
      const url = new URL(options.url);
      host = url.hostname;
      port = url.port ? Number(url.port) : 6379;
    } catch {
      // leave unknown
    }
  }
  return { namespace: options.database ?? 0, host: host ?? 'localhost', port: port ?? 6379 };
}

type Fn = (...a: any[]) => any;

// A pub/sub method's last function is the message listener, not a callback:
// those spans end with the returned promise.
function traced(original: Fn, describe: (self: NodeRedisClient, args: IArguments) => [string, string, number?] | undefined, lastFunctionIsCallback = true): Fn {
  return function (this: NodeRedisClient) {
    const parent = activeContext();
    if (!guard.enabled || isTracingSuppressed(parent)) return original.apply(this, arguments as unknown as unknown[]);
    let span;
    try {
      const what = describe(this, arguments);
      if (what === undefined) return original.apply(this, arguments as unknown as unknown[]);
      span = startRedisSpan(tracer, parent, targetOf(this), what[0], what[1], what[2]);
    } catch (err) {
      guard.fail(err);
      return original.apply(this, arguments as unknown as unknown[]);
    }
    return callTraced(span, original, this, arguments, lastFunctionIsCallback);
  };
}

function describeCommand(_self: NodeRedisClient, args: IArguments): [string, string] | undefined {
  const list = args[0] as unknown[];
  if (!Array.isArray(list) || list.length === 0) return undefined;
  const name = String(list[0]).toUpperCase();
  return [name, redisQueryText(name, list, true)];
}

function describeBatch(commands: unknown, operation: string): [string, string, number] | undefined {
  if (!Array.isArray(commands)) return undefined;
  const lists = commands.map((c) => (c as { args?: unknown[] }).args ?? []);
  return [operation, lists.map((l) => redisQueryText(String(l[0]), l, true)).join('; '), lists.length];
}

// node-redis 4 sends single commands through a private method: they are seen
// where they enter the command queue, while a method of the client's is running.
let commandClient: NodeRedisClient | undefined;
let inBatch = false;

function markClient(original: Fn, batch: boolean): Fn {
  return function (this: NodeRedisClient) {
    const previous = commandClient;
    const previousBatch = inBatch;
    commandClient = this;
    inBatch = batch;
    try {
      return original.apply(this, arguments as unknown as unknown[]);
    } finally {
      commandClient = previous;
      inBatch = previousBatch;
    }
  };
}

function wrapAddCommand(original: Fn): Fn {
  return function addCommand(this: unknown) {
    const parent = activeContext();
    // Only what the app sent through a client method: the client's own
    // handshake (HELLO, SELECT, CLIENT SETINFO) is not traced, as in node-redis 5.
    if (commandClient === undefined || inBatch || !guard.enabled || isTracingSuppressed(parent)) return original.apply(this, arguments as unknown as unknown[]);
    let span;
    try {
      const what = describeCommand(undefined as never, arguments);
      if (what === undefined) return original.apply(this, arguments as unknown as unknown[]);
      span = startRedisSpan(tracer, parent, targetOf(commandClient), what[0], what[1]);
    } catch (err) {
      guard.fail(err);
      return original.apply(this, arguments as unknown as unknown[]);
    }
    return callTraced(span, original, this, arguments);
  };
}

const PUBSUB = ['SUBSCRIBE', 'UNSUBSCRIBE', 'PSUBSCRIBE', 'PUNSUBSCRIBE', 'SSUBSCRIBE', 'SUNSUBSCRIBE'];
const LOWER: Record<string, string> = { SUBSCRIBE: 'subscribe', UNSUBSCRIBE: 'unsubscribe', PSUBSCRIBE: 'pSubscribe', PUNSUBSCRIBE: 'pUnsubscribe', SSUBSCRIBE: 'sSubscribe', SUNSUBSCRIBE: 'sUnsubscribe' };

export const hook: Hook = {
  patch(exports: any, module: LoadedModule) {
    const RedisClient = require(path.join(module.baseDir, 'dist', 'lib', 'client', 'index.js')).default;
    const proto = RedisClient?.prototype;
    if (typeof proto?._executeCommand === 'function' || typeof proto?._executePipeline === 'function') {
      // node-redis 5: every single command goes through the public sendCommand.
      if (!wrapMethod(proto, 'sendCommand', (o) => traced(o, describeCommand))) throw new Error('unexpected shape: no RedisClient#sendCommand');
      wrapMethod(proto, '_executeMulti', (o) => traced(o, (_s, a) => describeBatch(a[0], 'MULTI')));
      wrapMethod(proto, '_executePipeline', (o) => traced(o, (_s, a) => describeBatch(a[0], 'PIPELINE')));
    } else if (typeof proto?.commandsExecutor === 'function') {
      // node-redis 4
      const Queue = require(path.join(module.baseDir, 'dist', 'lib', 'client', 'commands-queue.js')).default;
      if (!wrapMethod(Queue?.prototype, 'addCommand', wrapAddCommand)) throw new Error('unexpected shape: no RedisCommandsQueue#addCommand');
      wrapMethod(proto, 'commandsExecutor', (o) => markClient(o, false));
      // Its command methods (get, SET, …) call the executor they captured when
      // the module loaded, before this patch: mark the client on each of them.
      const commands = require(path.join(module.baseDir, 'dist', 'lib', 'client', 'commands.js')).default ?? {};
      for (const name of Object.keys(commands)) wrapMethod(proto, name, (o) => markClient(o, false));
      wrapMethod(proto, 'sendCommand', (o) => markClient(o, false));
      wrapMethod(proto, 'functionsExecuter', (o) => markClient(o, false));
      wrapMethod(proto, 'scriptsExecuter', (o) => markClient(o, false));
      // multiExecutor(commands, selectedDB, chainId): a chain id means MULTI, none a pipeline.
      wrapMethod(proto, 'multiExecutor', (o) => markClient(traced(o, (_s, a) => describeBatch(a[0], a[2] ? 'MULTI' : 'PIPELINE')), true));
    } else {
      throw new Error('unexpected shape: neither node-redis 4 nor 5');
    }
    for (const name of PUBSUB) {
      const describe = (_s: NodeRedisClient, a: IArguments): [string, string] => {
        const channels = Array.isArray(a[0]) ? a[0] : a[0] === undefined ? [] : [a[0]];
        return [name, `${name} ${channels.map(String).join(' ')}`.trim()];
      };
      wrapMethod(proto, name, (o) => traced(o, describe, false));
      wrapMethod(proto, LOWER[name], (o) => traced(o, describe, false));
    }
    return exports;
  },
};

export const integration: Integration = {
  name: 'redis',
  targets: [{ package: '@redis/client', versions: '>=1 <7', patch: (lib: any, module: LoadedModule) => hook.patch!(lib, module) }],
};

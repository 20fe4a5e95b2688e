// node-redis (redis 4 and later, through @redis/client): a CLIENT span per
// command, one per MULTI or pipeline (with its size and its commands' text),
// and per pub/sub (un)subscribe. From @redis/client 5.12 commands, MULTIs and
// pipelines are published on its `node-redis:command` / `node-redis:batch`
// TracingChannels and subscribed to; what those do not carry (the commands of
// a MULTI, the keys its sanitiser hides, pub/sub calls) is read from the
// client. Older versions are patched. The client's own connection handshake
// is never a span.

import type { Context, Span } from '@opentelemetry/api';
import { scopeChannel, traceChannel } from '../loader/channels';
import { CallNote, HookGuard, traceMethod, type Fn } from '../loader/trace-call';
import type { LoadedModule } from '../loader/types';
import { wrap } from '../loader/wrap';
import { hookTracer } from '../provider';
import { endDbSpan } from './shared/db';
import { isHandshake, keepRawArgs, kConnecting, rawArgsOf, redisQueryText, startRedisSpan, type RedisTarget } from './shared/redis-command';

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

type Describe = (self: NodeRedisClient, args: IArguments) => [string, string, number?] | undefined;

// A pub/sub method's last function is the message listener, not a callback:
// those spans end with the returned promise.
function traced(describe: Describe, lastFunctionIsCallback = true): (original: Fn) => Fn {
  return traceMethod<NodeRedisClient>({
    guard,
    start(self, args, parent) {
      const what = describe(self, args);
      return what === undefined ? undefined : startRedisSpan(tracer, parent, targetOf(self), what[0], what[1], what[2]);
    },
    end: endDbSpan,
    lastFunctionIsCallback,
  });
}

function describeCommand(_self: NodeRedisClient, args: IArguments): [string, string] | undefined {
  const list = args[0] as unknown[];
  if (!Array.isArray(list) || list.length === 0) return undefined;
  const name = String(list[0]).toUpperCase();
  return [name, redisQueryText(name, list, true)];
}

function batchText(commands: unknown[]): string {
  return commands
    .map((c) => {
      const args = (c as { args?: unknown[] }).args ?? [];
      return redisQueryText(String(args[0]), args, true);
    })
    .join('; ');
}

function describeBatch(commands: unknown, operation: string): [string, string, number] | undefined {
  if (!Array.isArray(commands)) return undefined;
  return [operation, batchText(commands), commands.length];
}

const PUBSUB = ['SUBSCRIBE', 'UNSUBSCRIBE', 'PSUBSCRIBE', 'PUNSUBSCRIBE', 'SSUBSCRIBE', 'SUNSUBSCRIBE'];
const LOWER: Record<string, string> = {
  SUBSCRIBE: 'subscribe',
  UNSUBSCRIBE: 'unsubscribe',
  PSUBSCRIBE: 'pSubscribe',
  PUNSUBSCRIBE: 'pUnsubscribe',
  SSUBSCRIBE: 'sSubscribe',
  SUNSUBSCRIBE: 'sUnsubscribe',
};

function tracePubSub(proto: object): void {
  for (const name of PUBSUB) {
    const describe = (_s: NodeRedisClient, a: IArguments): [string, string] => {
      const channels = Array.isArray(a[0]) ? a[0] : a[0] === undefined ? [] : [a[0]];
      return [name, `${name} ${channels.map(String).join(' ')}`.trim()];
    };
    wrap(proto, name, traced(describe, false));
    // Since node-redis 5 the lower-case names are instance fields copied from the upper-case methods.
    wrap(proto, LOWER[name], traced(describe, false));
  }
}

// ---- @redis/client 1.x (redis 4) – 5.11: patched ----

// node-redis 4 sends single commands through a private method: they are seen
// where they enter the command queue, while a method of the client's is running.
const marked = new CallNote<{ client: NodeRedisClient; batch: boolean }>();
const markClient = (batch: boolean) => marked.around((client: NodeRedisClient) => ({ client, batch }));

// Only what the app sent through a client method: the client's own handshake
// (HELLO, SELECT, CLIENT SETINFO) is queued outside them.
const traceAddCommand = traceMethod<unknown>({
  guard,
  start(_self, args, parent) {
    const mark = marked.current;
    if (mark === undefined || mark.batch) return undefined;
    const what = describeCommand(mark.client, args);
    return what === undefined ? undefined : startRedisSpan(tracer, parent, targetOf(mark.client), what[0], what[1]);
  },
  end: endDbSpan,
});

// node-redis 4's command methods (get, SET, …) call the executor they captured
// when its client module loaded: the client is marked on each of them, by the
// names its commands module (loaded before the client's) lists.
const commandNames = new Map<string, string[]>();

export function patchClient(clientModule: any, module: LoadedModule): void {
  const proto = clientModule?.default?.prototype;
  if (typeof proto?._executeCommand === 'function' || typeof proto?._executePipeline === 'function') {
    // node-redis 5: every single command goes through the public sendCommand,
    // the handshake straight into the queue.
    if (!wrap(proto, 'sendCommand', traced(describeCommand))) throw new Error('unexpected shape: no RedisClient#sendCommand');
    wrap(
      proto,
      '_executeMulti',
      traced((_s, a) => describeBatch(a[0], 'MULTI')),
    );
    wrap(
      proto,
      '_executePipeline',
      traced((_s, a) => describeBatch(a[0], 'PIPELINE')),
    );
  } else if (typeof proto?.commandsExecutor === 'function') {
    // node-redis 4 (its queue's addCommand is patched as a file of its own)
    wrap(proto, 'commandsExecutor', markClient(false));
    for (const name of commandNames.get(module.baseDir) ?? []) wrap(proto, name, markClient(false));
    wrap(proto, 'sendCommand', markClient(false));
    wrap(proto, 'functionsExecuter', markClient(false));
    wrap(proto, 'scriptsExecuter', markClient(false));
    // multiExecutor(commands, selectedDB, chainId): a chain id means MULTI, none a pipeline.
    const multi = traced((_s, a) => describeBatch(a[0], a[2] ? 'MULTI' : 'PIPELINE'));
    wrap(proto, 'multiExecutor', (original) => markClient(true)(multi(original)));
  } else {
    throw new Error('unexpected shape: neither node-redis 4 nor 5');
  }
  tracePubSub(proto);
}

// ---- @redis/client 5.12 and later: its own TracingChannels ----

interface Message {
  database?: number;
  serverAddress?: string;
  serverPort?: number;
}

interface CommandMessage extends Message {
  command: string;
  /** Sanitised by node-redis; the command name first. */
  args: unknown[];
  /** Set on each command of a pipeline, which is traced as the pipeline's span. */
  batchMode?: string;
}

interface BatchMessage extends Message {
  batchMode: string;
  batchSize: number;
}

function targetOfMessage(message: Message): RedisTarget {
  return { namespace: message.database ?? 0, host: message.serverAddress, port: message.serverPort };
}

function startCommandSpan(message: CommandMessage, parent: Context): Span | undefined {
  if (message.batchMode !== undefined) return undefined;
  const name = String(message.command).toUpperCase();
  if (isHandshake(parent, name)) return undefined;
  return startRedisSpan(tracer, parent, targetOfMessage(message), name, redisQueryText(name, rawArgsOf(message.args), true));
}

// The batch messages carry only a size: the commands are read from the
// _executeMulti / _executePipeline call that publishes them, synchronously.
const batchCommands = new CallNote<unknown[]>();
const keepBatch = batchCommands.around((_self, args) => (Array.isArray(args[0]) ? args[0] : undefined));

function startBatchSpan(message: BatchMessage, parent: Context): Span | undefined {
  const operation = String(message.batchMode);
  const commands = batchCommands.current;
  const text = commands !== undefined && commands.length === message.batchSize ? batchText(commands) : operation;
  return startRedisSpan(tracer, parent, targetOfMessage(message), operation, text, message.batchSize);
}

export function subscribe(): void {
  // Its handshake is queued without being published today; should it ever be
  // published, it is inside the connect call.
  scopeChannel('node-redis:connect', kConnecting, guard);
  traceChannel<CommandMessage>('node-redis:command', { guard, start: startCommandSpan, end: endDbSpan });
  traceChannel<BatchMessage>('node-redis:batch', { guard, start: startBatchSpan, end: endDbSpan });
}

// What the channels do not carry; the spans of commands and batches come from them.
export function patchAroundClient(clientModule: any): void {
  const proto = clientModule?.default?.prototype;
  if (!proto) throw new Error('unexpected shape: no RedisClient');
  wrap(proto, '_executeMulti', keepBatch);
  wrap(proto, '_executePipeline', keepBatch);
  // Subscribing and unsubscribing are not published.
  tracePubSub(proto);
}

/** node-redis 4 (5 queues its commands through sendCommand, traced above). */
export const patchCommandsQueue = (queueModule: any) => wrap(queueModule?.default?.prototype, 'addCommand', traceAddCommand);

export function noteCommandNames(commandsModule: any, module: LoadedModule): void {
  commandNames.set(module.baseDir, Object.keys(commandsModule?.default ?? {}));
}

export const keepTracedArgs = (tracing: object) => void keepRawArgs(tracing, (args) => args[0]);

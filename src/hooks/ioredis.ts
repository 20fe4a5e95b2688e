// ioredis: a CLIENT span per command sent (pipelines and MULTI send their
// commands one by one), ended when ioredis settles it. From 5.11 ioredis
// publishes every command it writes on the `ioredis:command` TracingChannel:
// those versions are subscribed to, older ones patched. The commands ioredis
// sends itself while connecting (HELLO, AUTH, SELECT, CLIENT SETINFO, INFO)
// are not spans, on either path.

import type { Context } from '@opentelemetry/api';
import { activeContext, applyInContext, isTracingSuppressed } from '../context';
import { scopeChannel, traceChannel } from '../loader/channels';
import { HookGuard, traceMethod, type Fn } from '../loader/trace-call';
import { wrap } from '../loader/wrap';
import { hookTracer } from '../provider';
import { endDbSpan } from './shared/db';
import { isHandshake, keepRawArgs, kConnecting, rawArgsOf, redisQueryText, startRedisSpan } from './shared/redis-command';

const guard = new HookGuard('ioredis');
const tracer = hookTracer('ioredis');

function redisClass(exports: any): any {
  return exports?.prototype?.sendCommand ? exports : (exports?.default ?? exports?.Redis);
}

// ---- ioredis 4.0 – 5.10: patched ----

const kTraced = Symbol('tracing-agent.ioredis.traced');

interface IoRedisCommand {
  name: string;
  args: unknown[];
  resolve: (value: unknown) => unknown;
  reject: (err: unknown) => unknown;
  [kTraced]?: boolean;
}

interface IoRedisClient {
  options?: { host?: string; port?: number; db?: number };
  status?: string;
}

// A command is traced once, where the app sends it (ioredis may send it again
// from its offline queue or after a reconnect), and ends with its settlement;
// no handler is added to the promise the app holds.
const traceSendCommand = traceMethod<IoRedisClient>({
  guard,
  start(self, args, parent) {
    const command = args[0] as IoRedisCommand;
    if (command === null || typeof command !== 'object' || command[kTraced] || typeof command.resolve !== 'function') return undefined;
    command[kTraced] = true;
    const name = String(command.name).toUpperCase();
    if (isHandshake(parent, name, self)) return undefined;
    const options = self.options ?? {};
    return startRedisSpan(
      tracer,
      parent,
      { namespace: options.db ?? 0, host: options.host, port: options.port },
      name,
      redisQueryText(name, command.args ?? [], false),
    );
  },
  call(span, original, self, args) {
    try {
      const command = args[0] as IoRedisCommand;
      const resolve = command.resolve;
      const reject = command.reject;
      command.resolve = function (this: unknown) {
        endDbSpan(span, undefined);
        return resolve.apply(this, arguments as unknown as [unknown]);
      };
      command.reject = function (this: unknown, err: unknown) {
        endDbSpan(span, err);
        return reject.apply(this, arguments as unknown as [unknown]);
      };
    } catch (err) {
      guard.fail(err);
    }
    return original.apply(self, args as unknown as unknown[]);
  },
});

// The handshake is sent from the socket's events, which run in the context
// connect() was called in: connect() runs in a context marked as this client
// connecting. Older versions send part of it once ready (CLIENT SETNAME,
// READONLY, SELECT after a reconnect), so the mark does not end.
function wrapConnect(original: Fn): Fn {
  return function connect(this: IoRedisClient) {
    if (!guard.enabled) return original.apply(this, arguments as unknown as unknown[]);
    let ctx: Context;
    try {
      ctx = activeContext().setValue(kConnecting, { done: false, client: this });
    } catch (err) {
      guard.fail(err);
      return original.apply(this, arguments as unknown as unknown[]);
    }
    return applyInContext(ctx, original, this, arguments);
  };
}

export function patch(exports: any): unknown {
  const proto = redisClass(exports)?.prototype;
  if (!wrap(proto, 'sendCommand', traceSendCommand)) throw new Error('unexpected shape: no Redis#sendCommand');
  wrap(proto, 'connect', wrapConnect);
  return exports;
}

// ---- ioredis 5.11 and later: its own TracingChannels ----

interface CommandMessage {
  command: string;
  /** Sanitised by ioredis; without the command name. */
  args: unknown[];
  database?: number;
  serverAddress?: string;
  serverPort?: number;
}

// ioredis publishes a command when it writes it: one sent before the
// connection is ready is published later, from the connection's events. The
// context it was sent in stays its parent (its span starts when it is written).
const senders = new WeakMap<object, Context>();

function keepSender(original: Fn): Fn {
  return function sendCommand(this: IoRedisClient, command: IoRedisCommand) {
    if (this.status !== 'ready' && guard.enabled && Array.isArray(command?.args) && !senders.has(command.args)) senders.set(command.args, activeContext());
    return original.apply(this, arguments as unknown as unknown[]);
  };
}

function startCommandSpan(message: CommandMessage, active: Context) {
  const args = rawArgsOf(message.args);
  const parent = senders.get(args as object) ?? active;
  const name = String(message.command).toUpperCase();
  if (isTracingSuppressed(parent) || isHandshake(parent, name)) return undefined;
  const target = { namespace: message.database ?? 0, host: message.serverAddress, port: message.serverPort };
  return startRedisSpan(tracer, parent, target, name, redisQueryText(name, args, false));
}

export function subscribe(): void {
  // The handshake is published inside `ioredis:connect`'s call, from its socket's events.
  scopeChannel('ioredis:connect', kConnecting, guard);
  // `ioredis:batch` (one per MULTI) is left out: MULTI, its commands and EXEC are each a command span, as before.
  traceChannel<CommandMessage>('ioredis:command', { guard, start: startCommandSpan, end: endDbSpan });
}

// What the channel does not carry: the sender of a command written later.
// Nothing is traced here.
export function patchAround(exports: any): unknown {
  wrap(redisClass(exports)?.prototype, 'sendCommand', keepSender);
  return exports;
}

export const keepTracedArgs = (tracing: object) => void keepRawArgs(tracing, (args) => args[1]);

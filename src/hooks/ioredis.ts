// ioredis: a CLIENT span per command sent (pipelines and MULTI send their
// commands one by one through the same method), ended when ioredis settles it.

import { activeContext, isTracingSuppressed } from '../context';
import { hookTracer } from '../provider';
import { endDbSpan, wrapMethod } from './db';
import type { Integration, LoadedModule } from '../loader/types';

interface Hook {
  patch?(exports: any, module: LoadedModule): any;
}
import { redisQueryText, startRedisSpan } from './redis-command';
import { HookGuard } from './shared';

const guard = new HookGuard('ioredis');
const tracer = hookTracer('ioredis');
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
}

function wrapSendCommand(original: (...a: any[]) => any) {
  return function sendCommand(this: IoRedisClient, command: IoRedisCommand) {
    const parent = activeContext();
    if (!guard.enabled || isTracingSuppressed(parent) || command === null || typeof command !== 'object' || command[kTraced] || typeof command.resolve !== 'function') {
      return original.apply(this, arguments as unknown as unknown[]);
    }
    try {
      command[kTraced] = true;
      const name = String(command.name).toUpperCase();
      const options = this.options ?? {};
      const span = startRedisSpan(tracer, parent, { namespace: options.db ?? 0, host: options.host, port: options.port }, name, redisQueryText(name, command.args ?? [], false));
      // End with the command's own settlement; no handler is added to the promise the app holds.
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
    return original.apply(this, arguments as unknown as unknown[]);
  };
}

export const hook: Hook = {
  patch(exports: any) {
    const Redis = exports?.prototype?.sendCommand ? exports : exports?.default ?? exports?.Redis;
    if (!wrapMethod(Redis?.prototype, 'sendCommand', wrapSendCommand)) throw new Error('unexpected shape: no Redis#sendCommand');
    return exports;
  },
};

export const integration: Integration = {
  name: 'ioredis',
  targets: [{ package: 'ioredis', versions: '>=4 <7', patch: (lib: any) => hook.patch!(lib, undefined as never) }],
};

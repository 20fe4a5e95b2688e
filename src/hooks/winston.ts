// winston 3: log correlation (see shared/log-ids.ts). Every record a logger
// (or a child of it) writes passes through Logger#write before its formats
// run: the span's ids are added there, to fields the record does not have.

import { HookGuard, type Fn } from '../loader/trace-call';
import { wrap } from '../loader/wrap';
import { addLogIds, logCorrelationEnabled } from './shared/log-ids';

const guard = new HookGuard('winston');

function wrapWrite(original: Fn): Fn {
  return function write(this: unknown, info: unknown) {
    if (guard.enabled && info !== null && typeof info === 'object') {
      try {
        addLogIds(info as Record<string, unknown>);
      } catch (err) {
        guard.fail(err);
      }
    }
    return original.apply(this, arguments as unknown as unknown[]);
  };
}

export function patchLogger(Logger: any): void {
  if (logCorrelationEnabled()) wrap(Logger?.prototype, 'write', wrapWrite);
}

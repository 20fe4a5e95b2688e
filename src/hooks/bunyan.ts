// bunyan 1 and 2: log correlation (see shared/log-ids.ts). Logger#_emit gets
// every record, with the logger's and its children's fields already in it:
// the span's ids are added to fields the record does not have.

import { HookGuard, type Fn } from '../loader/trace-call';
import { wrap } from '../loader/wrap';
import { addLogIds, logCorrelationEnabled } from './shared/log-ids';

const guard = new HookGuard('bunyan');

function wrapEmit(original: Fn): Fn {
  return function _emit(this: unknown, rec: unknown) {
    if (guard.enabled && rec !== null && typeof rec === 'object') {
      try {
        addLogIds(rec as Record<string, unknown>);
      } catch (err) {
        guard.fail(err);
      }
    }
    return original.apply(this, arguments as unknown as unknown[]);
  };
}

export function patchLogger(Logger: any): void {
  if (logCorrelationEnabled()) wrap(Logger?.prototype, '_emit', wrapEmit);
}

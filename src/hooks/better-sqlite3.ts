// better-sqlite3: synchronous, so a span per statement run (run, get, all,
// iterate until the iterator is done) and per exec(), around the call itself.

import { activeContext, isTracingSuppressed } from '../context';
import { hookTracer } from '../provider';
import { endDbSpan, startSqlSpan, wrapMethod } from './db';
import type { Hook } from './index';
import { HookGuard } from './shared';

const guard = new HookGuard('better-sqlite3');
const tracer = hookTracer('better-sqlite3');

interface Statement {
  source?: string;
  database?: { name?: string };
}

function traceSync(original: (...a: any[]) => any, textOf: (self: any, args: IArguments) => string | undefined, iterates: boolean) {
  return function (this: any) {
    const parent = activeContext();
    const text = guard.enabled && !isTracingSuppressed(parent) ? textOf(this, arguments) : undefined;
    if (text === undefined) return original.apply(this, arguments as unknown as unknown[]);
    let span;
    try {
      const name = (this as Statement).database?.name ?? (this as { name?: string }).name;
      span = startSqlSpan(tracer, parent, { system: 'sqlite', namespace: name }, text, 'sqlite');
    } catch (err) {
      guard.fail(err);
      return original.apply(this, arguments as unknown as unknown[]);
    }
    let result;
    try {
      result = original.apply(this, arguments as unknown as unknown[]);
    } catch (err) {
      endDbSpan(span, err);
      throw err;
    }
    if (!iterates) {
      endDbSpan(span, undefined);
      return result;
    }
    return traceIterator(result, span);
  };
}

/** The span of iterate() lasts until the iterator is done, returned early, or throws. */
function traceIterator(iterator: any, span: ReturnType<typeof startSqlSpan>) {
  let ended = false;
  const end = (err?: unknown) => {
    if (!ended) {
      ended = true;
      endDbSpan(span, err);
    }
  };
  const next = iterator.next;
  const ret = iterator.return;
  iterator.next = function (this: unknown) {
    try {
      const step = next.apply(this, arguments);
      if (step && step.done) end();
      return step;
    } catch (err) {
      end(err);
      throw err;
    }
  };
  if (typeof ret === 'function') {
    iterator.return = function (this: unknown) {
      end();
      return ret.apply(this, arguments);
    };
  }
  return iterator;
}

const statementText = (self: Statement) => (typeof self.source === 'string' ? self.source : undefined);
// One prototype per copy of the library loaded (an app may hold two majors).
const patchedStatements = new WeakSet<object>();

export const hook: Hook = {
  patch(exports: any) {
    const Database = exports;
    if (typeof Database?.prototype?.prepare !== 'function') throw new Error('unexpected shape: no Database#prepare');
    wrapMethod(Database.prototype, 'exec', (o) => traceSync(o, (_self, args) => (typeof args[0] === 'string' ? args[0] : undefined), false));
    // Statements are a native class reached only through prepare(): patch its prototype on first sight.
    wrapMethod(Database.prototype, 'prepare', (prepare) =>
      function (this: unknown) {
        const statement = prepare.apply(this, arguments as unknown as unknown[]);
        const proto = statement !== null && typeof statement === 'object' ? Object.getPrototypeOf(statement) : null;
        if (proto !== null && !patchedStatements.has(proto)) {
          patchedStatements.add(proto);
          try {
            for (const method of ['run', 'get', 'all']) wrapMethod(proto, method, (o) => traceSync(o, statementText, false));
            wrapMethod(proto, 'iterate', (o) => traceSync(o, statementText, true));
          } catch (err) {
            guard.fail(err);
          }
        }
        return statement;
      },
    );
    return exports;
  },
};

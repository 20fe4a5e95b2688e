// better-sqlite3: synchronous, so a span per statement run (run, get, all,
// iterate until the iterator is done) and per exec(), around the call itself.

import type { Span } from '@opentelemetry/api';
import { hookTracer } from '../provider';
import { HookGuard, traceMethod, type Fn } from '../loader/trace-call';
import { wrap } from '../loader/wrap';
import { endDbSpan, startSqlSpan } from './shared/db';

const guard = new HookGuard('better-sqlite3');
const tracer = hookTracer('better-sqlite3');

interface Statement {
  source?: string;
  database?: { name?: string };
}

function traceSql(textOf: (self: any, args: IArguments) => string | undefined, iterates: boolean): (original: Fn) => Fn {
  return traceMethod<any>({
    guard,
    start(self, args, parent) {
      const text = textOf(self, args);
      if (text === undefined) return undefined;
      const name = (self as Statement).database?.name ?? (self as { name?: string }).name;
      return startSqlSpan(tracer, parent, { system: 'sqlite', namespace: name }, text, 'sqlite');
    },
    // Synchronous calls: the span is the call itself (bound values are never callbacks).
    call(span, original, self, args) {
      let result;
      try {
        result = original.apply(self, args as unknown as unknown[]);
      } catch (err) {
        endDbSpan(span, err);
        throw err;
      }
      if (!iterates) {
        endDbSpan(span, undefined);
        return result;
      }
      return traceIterator(result, span);
    },
  });
}

/** The span of iterate() lasts until the iterator is done, returned early, or throws. */
function traceIterator(iterator: any, span: Span) {
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

export function patchDatabase(Database: any): void {
  if (typeof Database?.prototype?.prepare !== 'function') throw new Error('unexpected shape: no Database#prepare');
  wrap(
    Database.prototype,
    'exec',
    traceSql((_self, args) => (typeof args[0] === 'string' ? args[0] : undefined), false),
  );
  // Statements are a native class reached only through prepare(): patch its prototype on first sight.
  wrap(
    Database.prototype,
    'prepare',
    (prepare) =>
      function (this: unknown) {
        const statement = prepare.apply(this, arguments as unknown as unknown[]);
        const proto = statement !== null && typeof statement === 'object' ? Object.getPrototypeOf(statement) : null;
        if (proto !== null && !patchedStatements.has(proto)) {
          patchedStatements.add(proto);
          try {
            for (const method of ['run', 'get', 'all']) wrap(proto, method, traceSql(statementText, false));
            wrap(proto, 'iterate', traceSql(statementText, true));
          } catch (err) {
            guard.fail(err);
          }
        }
        return statement;
      },
  );
}

// The one way an integration traces a call: the guard (a hook whose own code
// throws turns itself off, once, and the app runs on the originals), the
// suppression check, and a span started before the original call and ended
// when the call ends, however it reports that (callback, promise, return or
// throw). A driver file says only which method and which attributes.

import type { Context, Span } from '@opentelemetry/api';
import { activeContext, applyInContext, isTracingSuppressed } from '../context';
import { log } from '../log';
import { STATUS_ERROR } from '../otel-constants';

export type Fn = (...args: any[]) => any;

/**
 * Turns a hook's own failure into one log line and switches that hook off:
 * the app keeps running on the original functions.
 */
export class HookGuard {
  enabled = true;

  constructor(private readonly name: string) {}

  fail(err: unknown): void {
    if (!this.enabled) return;
    this.enabled = false;
    log.warn(`hook ${this.name} failed and is now off: ${(err as Error)?.stack ?? String(err)}`);
  }
}

/** Records an error on a span the way every hook does: exception event, error.type, ERROR status. */
export function recordError(span: Span, err: unknown): void {
  const e = err as { code?: unknown; name?: string; message?: string } | undefined;
  const type = typeof e?.code === 'string' ? e.code : (e?.name ?? 'Error');
  try {
    if (err instanceof Error) span.recordException(err);
    span.setAttribute('error.type', type);
    span.setStatus({ code: STATUS_ERROR, message: e?.message ?? String(err) });
  } catch {
    // a span that refuses attributes must not break the app
  }
}

export type EndSpan = (span: Span, err: unknown) => void;

function endWithError(span: Span, err: unknown): void {
  if (err) recordError(span, err);
  span.end();
}

export interface TracedCall<T> {
  guard: HookGuard;
  /** The span for this call, or undefined to leave this call untraced. */
  start(self: T, args: IArguments, parent: Context): Span | undefined;
  /** Ends the span, recording the error if the call failed (default: exception event, error.type, ERROR status). */
  end?: EndSpan;
  /**
   * Calls the original and arranges for the span's end; the default watches a
   * trailing callback or the returned promise (see callTraced).
   */
  call?(span: Span, original: Fn, self: T, args: IArguments, parent: Context): unknown;
  /** False when a trailing function is a listener, not the call's callback (pub/sub). */
  lastFunctionIsCallback?: boolean;
}

/** A wrapper for `wrap()`: the original method, traced as `how` says. */
export function traceMethod<T>(how: TracedCall<T>): (original: Fn) => Fn {
  const { guard, start } = how;
  const end = how.end ?? endWithError;
  const lastFunctionIsCallback = how.lastFunctionIsCallback ?? true;
  return (original) =>
    function traced(this: T) {
      const parent = activeContext();
      if (!guard.enabled || isTracingSuppressed(parent)) return original.apply(this, arguments as unknown as unknown[]);
      let span: Span | undefined;
      try {
        span = start(this, arguments, parent);
      } catch (err) {
        guard.fail(err);
      }
      if (span === undefined) return original.apply(this, arguments as unknown as unknown[]);
      if (how.call !== undefined) return how.call(span, original, this, arguments, parent);
      return callTraced(span, original, this, arguments, end, lastFunctionIsCallback);
    };
}

/**
 * Calls the original so that its span ends with the call, whichever way the
 * call reports its end: a callback among the arguments, or a returned
 * promise. Results, errors and return values stay exactly the library's.
 */
export function callTraced(
  span: Span,
  original: Fn,
  thisArg: unknown,
  args: IArguments | unknown[],
  end: EndSpan = endWithError,
  lastFunctionIsCallback = true,
): any {
  const list = Array.prototype.slice.call(args) as unknown[];
  const last = list.length - 1;
  if (lastFunctionIsCallback && last >= 0 && typeof list[last] === 'function') {
    const callback = list[last] as Fn;
    list[last] = function (this: unknown, err: unknown) {
      end(span, err);
      return callback.apply(this, arguments as unknown as unknown[]);
    };
    return original.apply(thisArg, list);
  }
  let result: any;
  try {
    result = original.apply(thisArg, list);
  } catch (err) {
    end(span, err);
    throw err;
  }
  if (result !== null && typeof result === 'object' && typeof result.then === 'function') {
    // The chain passes the result or the rejection through unchanged; an
    // unhandled rejection stays unhandled on the promise the app holds.
    return result.then(
      (value: unknown) => {
        end(span, undefined);
        return value;
      },
      (err: unknown) => {
        end(span, err);
        throw err;
      },
    );
  }
  end(span, undefined);
  return result;
}

/**
 * A synchronous call's span: a throw is recorded on it, and it ends when the
 * call returns, either way. With `ctx` the call runs in that context.
 */
export function callSpanned(span: Span, original: Fn, thisArg: unknown, args: IArguments | unknown[], ctx?: Context): any {
  try {
    return ctx === undefined ? original.apply(thisArg, args as unknown[]) : applyInContext(ctx, original, thisArg, args);
  } catch (err) {
    recordError(span, err);
    throw err;
  } finally {
    span.end();
  }
}

/**
 * A value noted for the duration of a synchronous call, for what the library
 * does inside it: an inner function it calls, or a channel it publishes on
 * before returning, learns what only the outer call knew.
 */
export class CallNote<T> {
  current: T | undefined;

  /** A wrapper for wrap(): `note(self, args)` is `current` while the original runs. */
  around(note: (self: any, args: IArguments) => T | undefined): (original: Fn) => Fn {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const holder = this;
    return (original) =>
      function (this: unknown) {
        const outer = holder.current;
        holder.current = note(this, arguments);
        try {
          return original.apply(this, arguments as unknown as unknown[]);
        } finally {
          holder.current = outer;
        }
      };
  }
}

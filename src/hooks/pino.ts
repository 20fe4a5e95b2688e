// pino 8 to 10: log correlation (see shared/log-ids.ts) through pino's own
// `mixin` option, which every logger gets, combined with the app's own mixin
// when it has one. The option is added where pino normalises a new logger's
// arguments (lib/tools' createArgsNormalizer), patched in place: a replaced
// package export would not reach an ESM import of pino on Node 20 and 22.

import { HookGuard, type Fn } from '../loader/trace-call';
import { wrap } from '../loader/wrap';
import { activeSpanContext, logCorrelationEnabled, SPAN_ID, TRACE_FLAGS, TRACE_ID, traceFlags } from './shared/log-ids';

const guard = new HookGuard('pino');
/** pino's symbol for a child logger's serialised bindings (lib/symbols). */
let chindingsSym: symbol | undefined;

type Mixin = (mergeObject: Record<string, unknown>, level: number, logger?: object) => Record<string, unknown>;

/** Whether the app already gives `key` in this record: the log call's object, its mixin, or a child logger's bindings. */
function given(key: string, mergeObject: Record<string, unknown> | undefined, own: Record<string, unknown> | undefined, bindings: string | undefined): boolean {
  return (
    (own !== undefined && key in own) ||
    (mergeObject != null && typeof mergeObject === 'object' && key in mergeObject) ||
    (bindings !== undefined && bindings.includes(`"${key}":`))
  );
}

function withTraceIds(appMixin: Mixin | undefined): Mixin {
  return function mixin(this: unknown, mergeObject, level, logger) {
    const own = appMixin === undefined ? undefined : appMixin.call(this, mergeObject, level, logger);
    if (!guard.enabled) return own ?? {};
    try {
      const sc = activeSpanContext();
      if (sc === undefined) return own ?? {};
      // pino 8 passes no logger, and calls the mixin without one as `this`.
      const self = (logger ?? this) as Record<symbol, unknown> | undefined;
      const chindings = chindingsSym !== undefined && self != null ? self[chindingsSym] : undefined;
      const bindings = typeof chindings === 'string' && chindings.length > 0 ? chindings : undefined;
      const out: Record<string, unknown> = {};
      if (!given(TRACE_ID, mergeObject, own, bindings)) out[TRACE_ID] = sc.traceId;
      if (!given(SPAN_ID, mergeObject, own, bindings)) out[SPAN_ID] = sc.spanId;
      if (!given(TRACE_FLAGS, mergeObject, own, bindings)) out[TRACE_FLAGS] = traceFlags(sc);
      return own === undefined ? out : Object.assign(out, own);
    } catch (err) {
      guard.fail(err);
      return own ?? {};
    }
  };
}

/** createArgsNormalizer returns the function that turns pino()'s arguments into its options: each logger's options get the mixin. */
function wrapCreateArgsNormalizer(original: Fn): Fn {
  return function createArgsNormalizer(this: unknown) {
    const normalize = original.apply(this, arguments as unknown as unknown[]) as Fn;
    if (typeof normalize !== 'function') return normalize;
    return function normalizeArgs(this: unknown) {
      const result = normalize.apply(this, arguments as unknown as unknown[]) as { opts?: { mixin?: unknown } } | undefined;
      if (!guard.enabled) return result;
      try {
        const opts = result?.opts;
        // A mixin that is not a function is the app's mistake: pino itself reports it.
        if (opts != null && (opts.mixin === undefined || typeof opts.mixin === 'function')) opts.mixin = withTraceIds(opts.mixin as Mixin | undefined);
      } catch (err) {
        guard.fail(err);
      }
      return result;
    };
  };
}

export function patchTools(exports: any): void {
  if (logCorrelationEnabled()) wrap(exports, 'createArgsNormalizer', wrapCreateArgsNormalizer);
}

export function noteSymbols(exports: any): void {
  if (typeof exports?.chindingsSym === 'symbol') chindingsSym = exports.chindingsSym;
}

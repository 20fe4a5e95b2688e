// Libraries that publish their own diagnostics_channel TracingChannels
// (ioredis 5.11+, node-redis 5.12+, mysql2 3.20+, graphql 17, …) need no
// patching: a span starts on `start` and ends when the traced call ends: on
// `asyncStart` for an asynchronous call (its result is in; the callback has not
// run yet), or on `end` when it threw synchronously or returned at once.

import type { Context, Span } from '@opentelemetry/api';
import * as dc from 'node:diagnostics_channel';
import { activeContext, bindChannelContext, contextWithSpan, isTracingSuppressed } from '../context';
import type { HookGuard } from './trace-call';

export interface ChannelTracing<M extends object> {
  guard: HookGuard;
  /** The span for the call this message describes, or undefined to leave it untraced. */
  start(message: M, parent: Context): Span | undefined;
  /** Ends the span, recording the error if the call failed; the message holds what the call returned, if the library says. */
  end(span: Span, err: unknown, message: M): void;
  /** The library traces this channel with traceSync (no `asyncEnd`): the span ends on `end`. */
  sync?: boolean;
  /**
   * The library publishes `end` with the `result` of a call that returned at
   * once, and `asyncEnd` only for one that returned a promise (graphql 17):
   * the span ends on `end` when the result is there.
   */
  mixed?: boolean;
  /** The span is active while the call runs, and in everything it starts (bindStore on `start`). */
  active?: boolean;
  /**
   * The library calls the caller's callback from its own I/O (traceCallback):
   * run it in the context of the call, which the I/O has lost. Also for
   * channels without spans (start returns undefined), e.g. a pool's checkout.
   */
  callerContext?: boolean;
}

const subscribed = new Set<string>();

/** Subscribes once to TracingChannel `name` (its `tracing:<name>:*` channels). */
export function traceChannel<M extends object>(name: string, how: ChannelTracing<M>): void {
  if (subscribed.has(name)) return;
  subscribed.add(name);
  const spans = new WeakMap<M, Span>();
  const { guard, start, end } = how;
  const finish = (message: M) => {
    const span = spans.get(message);
    if (span === undefined) return;
    spans.delete(message);
    try {
      end(span, (message as { error?: unknown }).error, message);
    } catch (err) {
      guard.fail(err);
    }
  };
  const open = (message: M, parent: Context): Span | undefined => {
    if (!guard.enabled || isTracingSuppressed(parent)) return undefined;
    try {
      const span = start(message, parent);
      if (span !== undefined) spans.set(message, span);
      return span;
    } catch (err) {
      guard.fail(err);
      return undefined;
    }
  };
  const channel = dc.tracingChannel(name);
  // traceCallback runs the callback inside asyncStart.runStores: a bound store
  // makes it run in the context its call was made in. (A transform must not
  // throw: that would surface as an uncaught exception.)
  const callers = how.callerContext ? new WeakMap<M, Context>() : undefined;
  if (callers !== undefined) bindChannelContext(channel.asyncStart, (message: M) => callers.get(message) ?? activeContext());
  if (how.active) {
    // The transform runs as the call starts, before `start` is published: the span begins here.
    bindChannelContext(dc.channel(`tracing:${name}:start`), (message: M) => {
      const parent = activeContext();
      const span = open(message, parent);
      return span === undefined ? parent : contextWithSpan(parent, span);
    });
  }
  (channel as unknown as { subscribe(s: dc.TracingChannelSubscribers<M>): void }).subscribe({
    start(message: M) {
      if (!guard.enabled) return;
      const parent = activeContext();
      callers?.set(message, parent);
      if (!how.active) open(message, parent);
    },
    end(message: M) {
      // A synchronous throw publishes `error` then `end`, and nothing after.
      if (how.sync || (message as { error?: unknown }).error !== undefined || (how.mixed && 'result' in message)) finish(message);
    },
    // asyncEnd too, for a library that publishes it alone; a span ends once.
    asyncStart: finish,
    asyncEnd: finish,
    error() {},
  } as dc.TracingChannelSubscribers<M>);
}

/** What a scoped call puts in the context of everything it does: whether it has ended. */
export interface CallScope {
  readonly done: boolean;
}

const scoped = new Set<string>();

/**
 * Marks the work of every call traced on TracingChannel `name`, including what
 * it starts asynchronously (a socket and its events): while the call runs, the
 * active context carries `key` with a CallScope, done once the call has ended.
 * A library's own commands sent inside its connect call (a handshake) are told
 * apart from the app's this way. Parents of spans are unchanged.
 */
export function scopeChannel(name: string, key: symbol, guard: HookGuard): void {
  if (scoped.has(name)) return;
  scoped.add(name);
  const scopes = new WeakMap<object, { done: boolean }>();
  bindChannelContext(dc.channel(`tracing:${name}:start`), (message: object) => {
    const active = activeContext();
    // A transform that throws would surface as an uncaught exception.
    if (!guard.enabled) return active;
    try {
      const scope = { done: false };
      scopes.set(message, scope);
      return active.setValue(key, scope);
    } catch (err) {
      guard.fail(err);
      return active;
    }
  });
  const close = (message: object) => {
    const scope = scopes.get(message);
    if (scope !== undefined) scope.done = true;
  };
  (dc.tracingChannel(name) as unknown as { subscribe(s: dc.TracingChannelSubscribers<object>): void }).subscribe({
    start() {},
    end(message: object) {
      if ((message as { error?: unknown }).error !== undefined) close(message);
    },
    asyncStart() {},
    asyncEnd: close,
    error() {},
  } as dc.TracingChannelSubscribers<object>);
}

/** Is `ctx` inside a call scoped under `key` that is still running? */
export function inScope(ctx: Context, key: symbol): boolean {
  const scope = ctx.getValue(key) as CallScope | undefined;
  return scope !== undefined && !scope.done;
}

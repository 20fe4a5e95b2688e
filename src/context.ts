// Context propagation on AsyncLocalStorage, written against the
// @opentelemetry/api interfaces without importing the API package: loading it
// costs ~20 ms, which the startup budget cannot pay. Context keys are the API's
// own global symbols, so every copy of the API (the agent's, the app's) agrees.

import { AsyncLocalStorage } from 'node:async_hooks';
import type { Context, ContextManager, Span, SpanContext } from '@opentelemetry/api';

export const SPAN_KEY = Symbol.for('OpenTelemetry Context Key SPAN');
export const BAGGAGE_KEY = Symbol.for('OpenTelemetry Baggage Key');
export const SUPPRESS_TRACING_KEY = Symbol.for('OpenTelemetry SDK Context Key SUPPRESS_TRACING');

const DELETED = Symbol('deleted');

/**
 * Immutable context values (same semantics as the API's BaseContext), kept as
 * a chain of one-entry links: setting a value, once per span, allocates one
 * small object instead of copying a map.
 */
export class AgentContext implements Context {
  constructor(
    private readonly parent?: AgentContext,
    private readonly key?: symbol,
    private readonly value?: unknown,
  ) {}

  getValue(key: symbol): unknown {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    for (let c: AgentContext | undefined = this; c !== undefined; c = c.parent) {
      if (c.key === key) return c.value === DELETED ? undefined : c.value;
    }
    return undefined;
  }

  setValue(key: symbol, value: unknown): Context {
    return new AgentContext(this, key, value);
  }

  deleteValue(key: symbol): Context {
    return new AgentContext(this, key, DELETED);
  }
}

export const ROOT_CONTEXT: Context = new AgentContext();

const storage = new AsyncLocalStorage<Context>();

export function activeContext(): Context {
  return storage.getStore() ?? ROOT_CONTEXT;
}

/** Runs fn with ctx active; the fast path hooks use (no argument spreading). */
export function runInContext<T>(ctx: Context, fn: () => T): T {
  return storage.run(ctx, fn);
}

function applyWith(fn: (...a: unknown[]) => unknown, thisArg: unknown, args: ArrayLike<unknown>): unknown {
  return fn.apply(thisArg, args as unknown[]);
}

/** Calls fn.apply(thisArg, args) with ctx active, without allocating a closure (hook hot path). */
export function applyInContext(ctx: Context, fn: (...a: any[]) => unknown, thisArg: unknown, args: ArrayLike<unknown>): any {
  return storage.run(ctx, applyWith, fn, thisArg, args);
}

export function currentStore(): Context | undefined {
  return storage.getStore();
}

/**
 * Makes ctx the active context for the rest of the current synchronous
 * execution and what it starts, without a frame of ours around it: for a
 * library's diagnostics channel published just before it calls the app, so
 * that the app's stack traces show no agent frames.
 */
export function enterContext(ctx: Context): void {
  storage.enterWith(ctx);
}

/**
 * Runs whatever a library calls through `channel.runStores(message, fn)` (a
 * TracingChannel's start) in the context `contextFor(message)` returns, and so
 * everything that call starts asynchronously too (diagnostics_channel bindStore).
 */
export function bindChannelContext(
  channel: { bindStore(store: AsyncLocalStorage<Context>, transform: (message: any) => Context): void },
  contextFor: (message: any) => Context,
): void {
  channel.bindStore(storage, contextFor);
}

export function spanFromContext(ctx: Context): Span | undefined {
  return ctx.getValue(SPAN_KEY) as Span | undefined;
}

export function contextWithSpan(ctx: Context, span: Span): Context {
  return ctx.setValue(SPAN_KEY, span);
}

export function isTracingSuppressed(ctx: Context): boolean {
  return ctx.getValue(SUPPRESS_TRACING_KEY) === true;
}

/**
 * A span that records nothing and only carries a span context: a remote parent
 * extracted from headers, or an unsampled span (as the API's NonRecordingSpan).
 */
export class RemoteParentSpan implements Span {
  constructor(private readonly ctx: SpanContext) {}
  spanContext(): SpanContext {
    return this.ctx;
  }
  setAttribute(): this {
    return this;
  }
  setAttributes(): this {
    return this;
  }
  addEvent(): this {
    return this;
  }
  addLink(): this {
    return this;
  }
  addLinks(): this {
    return this;
  }
  setStatus(): this {
    return this;
  }
  updateName(): this {
    return this;
  }
  end(): void {}
  isRecording(): boolean {
    return false;
  }
  recordException(): void {}
}

/** The ContextManager the API's `context` facade uses, for the agent's hooks and the app alike. */
export const contextManager: ContextManager = {
  active: activeContext,
  with(ctx, fn, thisArg, ...args) {
    return storage.run(ctx, () => fn.apply(thisArg, args));
  },
  bind(ctx, target) {
    if (typeof target !== 'function') return target;
    const fn = target as unknown as (...a: unknown[]) => unknown;
    const bound = function (this: unknown, ...args: unknown[]) {
      return storage.run(ctx, () => fn.apply(this, args));
    };
    return bound as unknown as typeof target;
  },
  enable() {
    return this;
  },
  disable() {
    storage.disable();
    return this;
  },
};

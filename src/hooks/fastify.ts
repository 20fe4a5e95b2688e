// fastify 4 and 5: the request's server span named by the route as declared,
// with the prefixes of the plugins it was registered in (`GET /v1/orgs/:orgId`),
// and the errors its handlers throw recorded on the server span (see
// recordServerError in http.ts).
//
// fastify 5 publishes the `fastify.request.handler` TracingChannel: its start
// carries the matched route (`route.url`, prefixes included), its error the
// error a handler or preHandler hook threw or rejected with. fastify 4
// publishes nothing: each instance gets an onRoute hook, which gives every
// route an onRequest hook naming it. On both, each instance gets an onError
// hook (fastify runs it for every error it handles, before the app's error
// handler): errors sent with reply.send() or raised by other hooks too.

import type { Span } from '@opentelemetry/api';
import * as dc from 'node:diagnostics_channel';
import type { IncomingMessage } from 'node:http';
import { activeContext, bindChannelContext, contextWithSpan, isTracingSuppressed, runInContext } from '../context';
import { callTraced, HookGuard, recordError, type Fn } from '../loader/trace-call';
import { SPAN_KIND_INTERNAL } from '../otel-constants';
import { wrap } from '../loader/wrap';
import { hookTracer } from '../provider';
import { recordServerError, serverSpanOf, setRoute } from './http';
import { handlerSpanName, middlewareSpansEnabled } from './shared/web';

const guard = new HookGuard('fastify');
const tracer = hookTracer('fastify');

/** TRACING_AGENT_MIDDLEWARE_SPANS: a `request handler - <route>` span around the route's handler, when the request is traced. */
function startHandlerSpan(raw: IncomingMessage | undefined, url: string): Span | undefined {
  const parent = activeContext();
  if (raw === undefined || isTracingSuppressed(parent) || !serverSpanOf(raw)?.isRecording()) return undefined;
  return tracer.startSpan(handlerSpanName(url), { kind: SPAN_KIND_INTERNAL, attributes: { 'fastify.type': 'request_handler', 'http.route': url } }, parent);
}

interface FastifyRequest {
  raw?: IncomingMessage;
}

interface HandlerMessage {
  request?: FastifyRequest;
  route?: { url?: unknown };
  error?: unknown;
}

function onHandlerStart(message: unknown): void {
  if (!guard.enabled) return;
  try {
    const { request, route } = message as HandlerMessage;
    if (request?.raw !== undefined && typeof route?.url === 'string') setRoute(request.raw, route.url);
  } catch (err) {
    guard.fail(err);
  }
}

function onHandlerError(message: unknown): void {
  if (!guard.enabled) return;
  try {
    const { request, error } = message as HandlerMessage;
    if (request?.raw !== undefined) recordServerError(request.raw, error);
  } catch (err) {
    guard.fail(err);
  }
}

/** fastify 5's handler channel with spans: made in the start's context transform, so that the handler runs inside its span. */
function traceHandlerChannel(): void {
  const spans = new WeakMap<object, Span>();
  bindChannelContext(dc.channel('tracing:fastify.request.handler:start'), (message: HandlerMessage) => {
    const active = activeContext();
    if (!guard.enabled) return active;
    try {
      const url = message.route?.url;
      const span = typeof url === 'string' ? startHandlerSpan(message.request?.raw, url) : undefined;
      if (span === undefined) return active;
      spans.set(message, span);
      return contextWithSpan(active, span);
    } catch (err) {
      guard.fail(err);
      return active;
    }
  });
  const finish = (message: unknown) => {
    const span = spans.get(message as object);
    if (span === undefined) return;
    spans.delete(message as object);
    const error = (message as HandlerMessage).error;
    if (error !== undefined) recordError(span, error);
    span.end();
  };
  (dc.tracingChannel('fastify.request.handler') as unknown as { subscribe(s: Record<string, (m: unknown) => void>): void }).subscribe({
    start() {},
    // A handler that threw or returned synchronously ends here; a promise's ends at asyncEnd.
    end(message) {
      if (!(message as { async?: boolean }).async) finish(message);
    },
    asyncStart() {},
    asyncEnd: finish,
    error() {},
  });
}

export function subscribeHandlerChannel(): void {
  if (middlewareSpansEnabled()) traceHandlerChannel();
  const noop = () => {};
  (dc.tracingChannel('fastify.request.handler') as unknown as { subscribe(s: Record<string, (m: unknown) => void>): void }).subscribe({
    start: onHandlerStart,
    end: noop,
    asyncStart: noop,
    asyncEnd: noop,
    error: onHandlerError,
  });
}

// ---- fastify 4 ----

interface RouteOptions {
  url?: unknown;
  onRequest?: Fn | Fn[];
  handler?: Fn;
}

/** fastify 4's handler, with its span (TRACING_AGENT_MIDDLEWARE_SPANS). */
function traceHandler(handler: Fn, url: string): Fn {
  return function (this: unknown, request: FastifyRequest) {
    let span: Span | undefined;
    try {
      if (guard.enabled) span = startHandlerSpan(request?.raw, url);
    } catch (err) {
      guard.fail(err);
    }
    if (span === undefined) return handler.apply(this, arguments as unknown as unknown[]);
    const traced = span;
    // (request, reply): no callback among them; a returned promise ends the span when it settles.
    return applyInSpan(traced, () => callTraced(traced, handler, this, arguments, undefined, false));
  };
}

function applyInSpan<T>(span: Span, fn: () => T): T {
  return runInContext(contextWithSpan(activeContext(), span), fn);
}

/** An onRequest hook that names the request by its route (added first, so a hook that answers early still leaves it named). */
function namingHook(url: string): Fn {
  return function nameRoute(request: FastifyRequest, _reply: unknown, done: Fn) {
    if (guard.enabled && request.raw !== undefined) setRoute(request.raw, url);
    done();
  };
}

function onRoute(routeOptions: RouteOptions): void {
  if (!guard.enabled) return;
  try {
    if (typeof routeOptions.url !== 'string') return;
    const hook = namingHook(routeOptions.url);
    if (handlerSpans && typeof routeOptions.handler === 'function') routeOptions.handler = traceHandler(routeOptions.handler, routeOptions.url);
    const existing = routeOptions.onRequest;
    routeOptions.onRequest = existing === undefined ? [hook] : [hook, ...(Array.isArray(existing) ? existing : [existing])];
  } catch (err) {
    guard.fail(err);
  }
}

function onError(request: FastifyRequest, _reply: unknown, error: unknown, done: Fn): void {
  if (guard.enabled && request.raw !== undefined) {
    try {
      recordServerError(request.raw, error);
    } catch (err) {
      guard.fail(err);
    }
  }
  done();
}

interface HookLists {
  onRoute?: Fn[];
  onError?: Fn[];
}

/** TRACING_AGENT_MIDDLEWARE_SPANS, read when fastify 4 loads. */
let handlerSpans = false;

/**
 * lib/hooks' Hooks: the hook lists of a root instance (fastify.js makes one per
 * instance; plugins copy their parent's), given ours first: on fastify 4 the
 * onRoute hook that names routes, on both the onError hook (fastify 5's
 * channel reports only what a handler throws, not an error sent with
 * reply.send() or raised by a hook). Patched in place, not through the
 * factory: a replaced package export would not reach an ESM import of
 * fastify on Node 20 and 22.
 */
function wrapHooks(original: Fn, nameRoutes: boolean): Fn {
  if (nameRoutes) handlerSpans = middlewareSpansEnabled();
  return function Hooks(this: unknown) {
    const hooks = new (original as unknown as new () => HookLists)();
    if (guard.enabled) {
      try {
        if (nameRoutes) hooks.onRoute?.push(onRoute);
        hooks.onError?.push(onError);
      } catch (err) {
        guard.fail(err);
      }
    }
    return hooks;
  };
}

export const patchHooks4 = (exports: any) => wrap(exports, 'Hooks', (original) => wrapHooks(original, true));
export const patchHooks5 = (exports: any) => wrap(exports, 'Hooks', (original) => wrapHooks(original, false));

// koa 2 and 3: the request's server span named by the route a router matched
// (`@koa/router` and `koa-router` leave it in `ctx._matchedRoute`, with the
// prefixes of nested routers), and the errors koa's own error path
// (`ctx.onerror`) answers recorded on the server span (see http.ts).
//
// The route is read once the app's middleware has run: a middleware of ours
// goes first in every app's stack when the app makes its request handler.
// With TRACING_AGENT_MIDDLEWARE_SPANS=true, each middleware of the app, and
// each handler and middleware of its routers, gets an INTERNAL span.

import type { Attributes, Span } from '@opentelemetry/api';
import type { IncomingMessage } from 'node:http';
import { activeContext, contextWithSpan, isTracingSuppressed, runInContext } from '../context';
import { callTraced, HookGuard, type Fn } from '../loader/trace-call';
import { SPAN_KIND_INTERNAL } from '../otel-constants';
import { wrap } from '../loader/wrap';
import { hookTracer } from '../provider';
import { recordServerError, serverSpanOf, setRoute } from './http';
import { handlerSpanName, middlewareSpanName, middlewareSpansEnabled } from './shared/web';

const guard = new HookGuard('koa');
const tracer = hookTracer('koa');
const kTraced = Symbol('tracing-agent.koa.traced');
/** TRACING_AGENT_MIDDLEWARE_SPANS, read when koa loads. */
let middlewareSpans = false;

/**
 * A middleware with its span (TRACING_AGENT_MIDDLEWARE_SPANS): from its call
 * until the promise it returns settles, which in koa's onion includes the
 * middleware after it. A route's handler (`handler`) is named by the route the
 * router matched, which the router notes on ctx just before the route's
 * handlers run.
 */
function traceMiddleware(fn: Fn, handler = false): Fn {
  const name = middlewareSpanName(fn.name);
  const traced = function (this: unknown, ctx: Context) {
    const parent = activeContext();
    let span: Span | undefined;
    try {
      if (guard.enabled && !isTracingSuppressed(parent) && ctx.req !== undefined && serverSpanOf(ctx.req)?.isRecording()) {
        const attributes: Attributes = { 'koa.type': handler ? 'router' : 'middleware', 'koa.name': fn.name || '<anonymous>' };
        const route = handler && typeof ctx._matchedRoute === 'string' ? ctx._matchedRoute : undefined;
        if (route !== undefined) attributes['http.route'] = route;
        span = tracer.startSpan(handler ? handlerSpanName(route) : name, { kind: SPAN_KIND_INTERNAL, attributes }, parent);
      }
    } catch (err) {
      guard.fail(err);
    }
    if (span === undefined) return fn.apply(this, arguments as unknown as unknown[]);
    const s = span;
    // `next` is the last argument but not a callback: the returned promise ends the span.
    return runInContext(contextWithSpan(parent, s), () => callTraced(s, fn, this, [ctx, arguments[1]], undefined, false));
  };
  (traced as unknown as Record<symbol, boolean>)[kTraced] = true;
  return traced;
}

/** What @koa/router and koa-router put on the middleware routes() returns: the router, its layers, each with the functions it runs. */
interface RouterLayer {
  methods?: unknown[];
  stack?: unknown[];
}

/**
 * A router's own functions, each with its span: a route's (a layer with
 * methods) as its handlers, the router's middleware (router.use) as middleware.
 * Nested routers are copied into the router they are mounted on.
 */
function traceRouter(routes: { router?: { stack?: unknown } }): void {
  const layers = routes.router?.stack;
  if (!Array.isArray(layers)) return;
  for (const layer of layers as (RouterLayer | undefined)[]) {
    const stack = layer?.stack;
    if (!Array.isArray(stack)) continue;
    const handler = Array.isArray(layer?.methods) && layer.methods.length > 0;
    for (let i = 0; i < stack.length; i++) {
      const fn = stack[i] as Fn;
      if (typeof fn === 'function' && !(fn as unknown as Record<symbol, boolean>)[kTraced]) stack[i] = traceMiddleware(fn, handler);
    }
  }
}

interface Context {
  req?: IncomingMessage;
  _matchedRoute?: unknown;
}

function nameRoute(ctx: Context): void {
  if (!guard.enabled) return;
  try {
    const route = ctx._matchedRoute;
    if (typeof route === 'string' && ctx.req !== undefined) setRoute(ctx.req, route);
  } catch (err) {
    guard.fail(err);
  }
}

/** Ours, first in the stack: names the request when everything after it is done, also when it failed. */
function traceRoute(ctx: Context, next: () => Promise<unknown>): Promise<unknown> {
  return next().then(
    (value) => {
      nameRoute(ctx);
      return value;
    },
    (err) => {
      nameRoute(ctx);
      throw err;
    },
  );
}

/** Application#callback: the request handler an app makes (app.listen() calls it); our middleware goes in first. */
function wrapCallback(original: Fn): Fn {
  return function callback(this: { middleware?: unknown[] }) {
    if (guard.enabled) {
      try {
        const stack = this.middleware;
        if (Array.isArray(stack) && stack[0] !== traceRoute) stack.unshift(traceRoute);
        if (middlewareSpans && Array.isArray(stack)) {
          for (let i = 1; i < stack.length; i++) {
            const fn = stack[i] as Fn;
            if (typeof fn !== 'function' || (fn as unknown as Record<symbol, boolean>)[kTraced]) continue;
            traceRouter(fn as { router?: { stack?: unknown } });
            stack[i] = traceMiddleware(fn);
          }
        }
      } catch (err) {
        guard.fail(err);
      }
    }
    return original.apply(this, arguments as unknown as unknown[]);
  };
}

/** ctx.onerror: koa's answer to an error a middleware threw (also called with null when a response ends). */
function wrapOnerror(original: Fn): Fn {
  return function onerror(this: Context, err: unknown) {
    if (guard.enabled && err != null && this.req !== undefined) {
      try {
        recordServerError(this.req, err);
      } catch (e) {
        guard.fail(e);
      }
    }
    return original.apply(this, arguments as unknown as unknown[]);
  };
}

export function patchApplication(Application: any): void {
  middlewareSpans = middlewareSpansEnabled();
  wrap(Application?.prototype, 'callback', wrapCallback);
}

export const patchContext = (context: any) => wrap(context, 'onerror', wrapOnerror);

// hapi 21: the request's server span named by its route as declared, with the
// prefixes of the plugins (realms) it was registered in (`GET /v1/items/{id}`),
// and the errors hapi answers (a Boom, or any error a handler threw, which hapi
// turns into one) recorded on the server span (see http.ts). Each server gets
// an onPreResponse extension of ours when it is made.

import type { Span } from '@opentelemetry/api';
import type { IncomingMessage } from 'node:http';
import { activeContext, contextWithSpan, isTracingSuppressed, runInContext } from '../context';
import { callTraced, HookGuard, type Fn } from '../loader/trace-call';
import { SPAN_KIND_INTERNAL } from '../otel-constants';
import { wrap } from '../loader/wrap';
import { hookTracer } from '../provider';
import { recordServerError, serverSpanOf, setRoute } from './http';
import { handlerSpanName, middlewareSpansEnabled } from './shared/web';

const guard = new HookGuard('hapi');
const tracer = hookTracer('hapi');

interface Request {
  raw?: { req?: IncomingMessage };
  route?: { path?: unknown; method?: unknown };
  response?: { isBoom?: boolean } | null;
}

interface Toolkit {
  continue: unknown;
}

function onPreResponse(request: Request, h: Toolkit): unknown {
  if (!guard.enabled) return h.continue;
  try {
    const req = request.raw?.req;
    const route = request.route;
    // hapi answers a request no route matched through its own `_special` route (`/{p*}`).
    if (req !== undefined && route !== undefined && route.method !== '_special') {
      if (typeof route.path === 'string') setRoute(req, route.path);
      if (request.response?.isBoom === true) recordServerError(req, request.response);
    }
  } catch (err) {
    guard.fail(err);
  }
  return h.continue;
}

/** A route's handler with its span (TRACING_AGENT_MIDDLEWARE_SPANS): `request handler - <route>`, what it calls under it. */
function traceHandler(handler: Fn): Fn {
  return function (this: unknown, request: Request) {
    const parent = activeContext();
    let span: Span | undefined;
    try {
      const req = request?.raw?.req;
      const path = request?.route?.path;
      if (guard.enabled && req !== undefined && typeof path === 'string' && !isTracingSuppressed(parent) && serverSpanOf(req)?.isRecording()) {
        span = tracer.startSpan(
          handlerSpanName(path),
          { kind: SPAN_KIND_INTERNAL, attributes: { 'hapi.type': 'request_handler', 'http.route': path } },
          parent,
        );
      }
    } catch (err) {
      guard.fail(err);
    }
    if (span === undefined) return handler.apply(this, arguments as unknown as unknown[]);
    const s = span;
    // (request, h): no callback; a returned promise ends the span when it settles.
    return runInContext(contextWithSpan(parent, s), () => callTraced(s, handler, this, arguments, undefined, false));
  };
}

interface RouteConfig {
  handler?: unknown;
  options?: { handler?: unknown } | unknown;
}

/** The route's config with its function handler traced: a copy, the app's own object is left as it is. */
function tracedRouteConfig(config: RouteConfig): RouteConfig {
  if (config === null || typeof config !== 'object') return config;
  if (typeof config.handler === 'function') return { ...config, handler: traceHandler(config.handler as Fn) };
  const options = config.options as { handler?: unknown } | undefined;
  if (options !== null && typeof options === 'object' && typeof options.handler === 'function')
    return { ...config, options: { ...options, handler: traceHandler(options.handler as Fn) } };
  return config;
}

/** server.route(config | config[]): each function handler traced (every plugin's server shares this prototype). */
function wrapRoute(original: Fn): Fn {
  return function route(this: unknown, config: RouteConfig | RouteConfig[]) {
    let traced: RouteConfig | RouteConfig[] | undefined;
    if (guard.enabled) {
      try {
        traced = Array.isArray(config) ? config.map(tracedRouteConfig) : tracedRouteConfig(config);
      } catch (err) {
        guard.fail(err);
      }
    }
    if (traced === undefined) return original.apply(this, arguments as unknown as unknown[]);
    return original.call(this, traced);
  };
}

/** lib/server's export: the function that makes a server (Hapi.server and Hapi.Server). */
function wrapServerFactory(original: Fn): Fn {
  const handlerSpans = middlewareSpansEnabled();
  return function server(this: unknown) {
    const made = original.apply(this, arguments as unknown as unknown[]) as { ext?: (event: string, method: Fn) => void };
    if (guard.enabled && typeof made?.ext === 'function') {
      try {
        made.ext('onPreResponse', onPreResponse);
        if (handlerSpans) wrap(Object.getPrototypeOf(made), 'route', wrapRoute);
      } catch (err) {
        guard.fail(err);
      }
    }
    return made;
  };
}

/** Returns the wrapper: the file's export is the factory itself. */
export const patchServerFactory = (factory: unknown) => (typeof factory === 'function' ? wrapServerFactory(factory as Fn) : factory);

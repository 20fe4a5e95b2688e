// express 4 and 5: the request's server span named by the route the app
// declared (`GET /orgs/:orgId/items/:id`), through nested and
// parameter-mounted routers, sub-apps, app.route(), array and RegExp paths;
// and the errors its error middleware and its default handler see, recorded on
// the server span (see recordServerError in http.ts).
//
// Express keeps only the concrete part of the URL a router was mounted on
// (req.baseUrl is `/orgs/42`), so each layer use() adds is marked with the path
// it was declared with, and a request entering such a layer carries that
// prefix until the layer passes it on (calls next).

import type { Context, Span } from '@opentelemetry/api';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { activeContext, applyInContext, contextWithSpan, isTracingSuppressed } from '../context';
import { HookGuard, recordError, type Fn } from '../loader/trace-call';
import { SPAN_KIND_INTERNAL } from '../otel-constants';
import { wrap } from '../loader/wrap';
import { hookTracer } from '../provider';
import { recordServerError, routeOf, serverSpanOf, setRoute } from './http';
import { handlerSpanName, middlewareSpanName, middlewareSpansEnabled } from './shared/web';

const guard = new HookGuard('express');
const tracer = hookTracer('express');
/** TRACING_AGENT_MIDDLEWARE_SPANS, read when express loads. */
let layerSpans = false;
const kMount = Symbol('tracing-agent.express.mount');
const kPrefix = Symbol('tracing-agent.express.prefix');
const kName = Symbol('tracing-agent.express.name');

interface Route {
  path?: unknown;
  [kName]?: string;
}

interface Layer {
  handle?: Fn;
  name?: string;
  route?: Route;
  /** Set on the layers inside a route (one per handler function). */
  method?: string;
  [kMount]?: string;
}

type Request = IncomingMessage & { [kPrefix]?: string };

/** A declared path as text: a string as written, a RegExp as its literal, an array as its items joined by `,` (as OpenTelemetry's express instrumentation names them). */
export function pathName(path: unknown): string | undefined {
  if (typeof path === 'string') return path;
  if (path instanceof RegExp || typeof path === 'number') return String(path);
  if (Array.isArray(path)) return path.map((p) => pathName(p) ?? '').join(',');
  return undefined;
}

/** A route under a mount prefix: `/orgs/:orgId` + `/items/:id`; a router's `/` is the prefix itself. */
export function joinRoute(prefix: string | undefined, path: string): string {
  if (prefix === undefined || prefix === '') return path;
  if (path === '/' || path === '') return prefix;
  return prefix.endsWith('/') && path.startsWith('/') ? prefix + path.slice(1) : prefix + path;
}

/** The path use() was given, by express's own rule: a first argument that is not (an array of) functions. */
function mountedPath(first: unknown): unknown {
  if (typeof first === 'function') return '/';
  let arg = first;
  while (Array.isArray(arg) && arg.length !== 0) arg = arg[0];
  return typeof arg === 'function' ? '/' : first;
}

/** Router#use: marks the layers it adds with the path they were mounted on (none for `/`). */
function wrapUse(original: Fn): Fn {
  return function use(this: { stack?: Layer[] }, first: unknown) {
    const stack = this.stack;
    const before = Array.isArray(stack) ? stack.length : 0;
    const result = original.apply(this, arguments as unknown as unknown[]);
    try {
      const path = pathName(mountedPath(first));
      if (path !== undefined && path !== '/' && Array.isArray(stack)) {
        for (let i = before; i < stack.length; i++) stack[i][kMount] = path;
      }
    } catch (err) {
      guard.fail(err);
    }
    return result;
  };
}

function routeName(route: Route): string | undefined {
  return (route[kName] ??= pathName(route.path));
}

/**
 * Layer#handle_request (express 4) / Layer#handleRequest (router 2, express 5):
 * a route layer names the request; a mounted layer adds its prefix while the request is inside it.
 */
function wrapHandleRequest(original: Fn): Fn {
  return function handleRequest(this: Layer, req: Request, res: unknown, next: Fn) {
    if (!guard.enabled) return original.apply(this, arguments as unknown as unknown[]);
    let passOn: Fn | undefined;
    try {
      const route = this.route;
      const mount = this[kMount];
      if (route !== undefined) {
        const name = routeName(route);
        if (name !== undefined) setRoute(req, joinRoute(req[kPrefix], name));
      } else if (mount !== undefined && typeof next === 'function') {
        const outer = req[kPrefix];
        req[kPrefix] = joinRoute(outer, mount);
        passOn = function (this: unknown) {
          req[kPrefix] = outer;
          return next.apply(this, arguments as unknown as unknown[]);
        };
      }
    } catch (err) {
      guard.fail(err);
    }
    if (layerSpans && this.method === undefined) return traceLayer(this, original, req, res as ServerResponse, passOn ?? next);
    if (passOn === undefined) return original.apply(this, arguments as unknown as unknown[]);
    return original.call(this, req, res, passOn);
  };
}

/**
 * TRACING_AGENT_MIDDLEWARE_SPANS: one span per middleware and per route,
 * active while it runs, ended when it passes the request on (next) or the
 * response is sent. What runs after next() runs beside it, not under it.
 */
function traceLayer(layer: Layer, original: Fn, req: Request, res: ServerResponse, next: Fn): unknown {
  const parent = activeContext();
  let span: Span | undefined;
  let passOn: Fn = next;
  try {
    if (!isTracingSuppressed(parent) && serverSpanOf(req)?.isRecording()) {
      const route = layer.route === undefined ? undefined : routeOf(req);
      span = tracer.startSpan(
        route === undefined ? middlewareSpanName(layer.name) : handlerSpanName(route),
        {
          kind: SPAN_KIND_INTERNAL,
          attributes:
            route === undefined
              ? { 'express.type': 'middleware', 'express.name': layer.name || '<anonymous>' }
              : { 'express.type': 'request_handler', 'http.route': route },
        },
        parent,
      );
      const traced = span;
      let ended = false;
      const end = (err?: unknown) => {
        if (ended) return;
        ended = true;
        res.removeListener('finish', end);
        if (err !== undefined && err !== null && err !== 'route' && err !== 'router') recordError(traced, err);
        traced.end();
      };
      res.once('finish', end);
      passOn = function (this: unknown, err?: unknown) {
        end(err);
        return applyInContext(parent, next, this, arguments);
      };
    }
  } catch (err) {
    guard.fail(err);
  }
  if (span === undefined) return original.call(layer, req, res, next);
  return applyInContext(contextWithSpan(parent, span) as Context, original, layer, [req, res, passOn]);
}

/** Layer#handle_error / #handleError: an error middleware about to handle an error. */
function wrapHandleError(original: Fn): Fn {
  return function handleError(this: Layer, error: unknown, req: Request) {
    // Express passes the error on, unhandled, to a layer that is not an error middleware (arity 4).
    if (guard.enabled && typeof this.handle === 'function' && this.handle.length === 4 && isError(error)) {
      try {
        recordServerError(req, error);
      } catch (err) {
        guard.fail(err);
      }
    }
    return original.apply(this, arguments as unknown as unknown[]);
  };
}

/** next('route') and next('router') are express's own signals, not errors. */
function isError(value: unknown): boolean {
  return value !== undefined && value !== null && value !== 'route' && value !== 'router';
}

/** finalhandler: express's default handler, which answers an error no middleware handled. */
function wrapFinalhandler(original: Fn): Fn {
  return function finalhandler(this: unknown, req: IncomingMessage) {
    const done = original.apply(this, arguments as unknown as unknown[]);
    if (typeof done !== 'function') return done;
    return function (this: unknown, err: unknown) {
      if (guard.enabled && isError(err)) {
        try {
          recordServerError(req, err);
        } catch (e) {
          guard.fail(e);
        }
      }
      return done.apply(this, arguments as unknown as unknown[]);
    };
  };
}

function patchLayer(Layer: { prototype?: object } | undefined, handleRequest: string, handleError: string): void {
  const proto = Layer?.prototype;
  if (proto === undefined) throw new Error('no Layer.prototype');
  layerSpans = middlewareSpansEnabled();
  wrap(proto, handleRequest, wrapHandleRequest);
  wrap(proto, handleError, wrapHandleError);
}

/** express 4: its own router; `express.Router` is the router's prototype object. */
export const patchExpress4 = (exports: any) => wrap(exports?.Router, 'use', wrapUse);
export const patchLayer4 = (Layer: any) => patchLayer(Layer, 'handle_request', 'handle_error');
/** express 5: the `router` package. */
export const patchExpress5 = (exports: any) => wrap(exports?.Router?.prototype, 'use', wrapUse);
export const patchLayer5 = (Layer: any) => patchLayer(Layer, 'handleRequest', 'handleError');
/** Returns the wrapper: finalhandler's export is the function itself. */
export const patchFinalhandler = (exports: unknown) => (typeof exports === 'function' ? wrapFinalhandler(exports as Fn) : exports);

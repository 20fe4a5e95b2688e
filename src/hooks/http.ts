// node:http and node:https: a SERVER span per incoming request and a CLIENT
// span per outgoing one. Each module is patched in place when the app first
// loads it (require, process.getBuiltinModule, or an ESM import seen by
// esm-builtins.ts), and the ESM named exports re-synced.

import type * as Http from 'node:http';
import type { Attributes, Context, Span } from '@opentelemetry/api';
import Module = require('node:module');
import * as dc from 'node:diagnostics_channel';
import { activeContext, applyInContext, contextWithSpan, currentStore, enterContext, isTracingSuppressed, ROOT_CONTEXT, spanFromContext } from '../context';
import { headersGetter, propagation } from '../propagation';
import { hookTracer } from '../provider';
import { normalizeMethod, originFormOf, redactQuery, redactUrl, splitHostHeader } from '../semconv';
import { onBuiltinImport } from '../loader/esm-builtins';
import { HookGuard, recordError } from '../loader/trace-call';
import { SPAN_KIND_CLIENT, SPAN_KIND_SERVER, STATUS_ERROR } from '../otel-constants';
import { wrap } from '../loader/wrap';
import { dbStatusCode, scrubErrorText } from './shared/db-errors';

const guard = new HookGuard('http');
const tracer = hookTracer('http');
const kSpan = Symbol('tracing-agent.span');
const kContext = Symbol('tracing-agent.context');
const kErrored = Symbol('tracing-agent.errored');
const kRoute = Symbol('tracing-agent.route');
const kError = Symbol('tracing-agent.error');

type Traced = { [kSpan]?: Span; [kContext]?: Context; [kErrored]?: boolean };
type ServerRequest = Http.IncomingMessage & Traced & { [kRoute]?: string; [kError]?: Exception };
type ServerResponse = Http.ServerResponse & Traced;
type ClientRequest = Http.ClientRequest & Traced;

// ---- server ----

function serverAttributes(req: ServerRequest, method: string): Attributes {
  const headers = req.headers;
  let url = req.url ?? '/';
  if (url.charCodeAt(0) !== 47 /* / */) url = originFormOf(url);
  const q = url.indexOf('?');
  const scheme = (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
  const attributes: Record<string, string | number> = {
    'http.request.method': method,
    'url.scheme': scheme,
    'url.path': q === -1 ? url : url.slice(0, q),
    'network.protocol.version': req.httpVersion,
  };
  if (q !== -1) attributes['url.query'] = redactQuery(url.slice(q + 1));
  if (method === '_OTHER') attributes['http.request.method_original'] = req.method ?? '';
  const host = headers.host;
  if (host !== undefined) {
    const [address, port] = splitHostHeader(host, scheme === 'https' ? 443 : 80);
    attributes['server.address'] = address;
    attributes['server.port'] = port;
  }
  const forwarded = headers['x-forwarded-for'];
  const client = typeof forwarded === 'string' ? forwarded.split(',')[0].trim() : req.socket.remoteAddress;
  if (client) attributes['client.address'] = client;
  const agent = headers['user-agent'];
  if (agent !== undefined) attributes['user_agent.original'] = agent;
  return attributes;
}

function startServerSpan(req: ServerRequest, res: ServerResponse): Context {
  const parent = propagation.current.extract(ROOT_CONTEXT, req.headers, headersGetter);
  const method = normalizeMethod(req.method);
  const span = tracer.startLazySpan(method, SPAN_KIND_SERVER, parent, () => serverAttributes(req, method));
  const ctx = contextWithSpan(parent, span);
  req[kContext] = ctx;
  // An unsampled request only carries its context (so downstream stays unsampled): nothing to end.
  // Ended by the response's 'close' (see patchServerResponseEmit).
  if (span.isRecording()) res[kSpan] = span;
  return ctx;
}

function endServerSpan(res: ServerResponse, span: Span): void {
  res[kSpan] = undefined;
  try {
    const status = res.statusCode;
    span.setAttribute('http.response.status_code', status);
    // What a web framework's integration told about the request (see setRoute, recordServerError).
    const req = res.req as ServerRequest | undefined;
    const route = req?.[kRoute];
    if (route !== undefined) {
      span.setAttribute('http.route', route);
      span.updateName(`${normalizeMethod(req?.method)} ${route}`);
    }
    if (!res.writableFinished) {
      span.setAttribute('error.type', 'aborted');
      span.setStatus({ code: STATUS_ERROR, message: 'connection closed before the response was complete' });
    } else if (status >= 500) {
      // A 4xx is the app's answer, not a failure of the server: only a 5xx is an error (semconv).
      const err = req?.[kError];
      span.setAttribute('error.type', err?.type ?? String(status));
      span.setStatus({ code: STATUS_ERROR, message: err?.message });
    }
  } catch (err) {
    guard.fail(err);
  }
  span.end();
}

// Node publishes 'http.server.request.start' for every request of every http
// and https server, just before it emits 'request' (or 'checkContinue') to the
// app. The span starts there, and its context is entered there: the app's
// handler runs in it with no wrapper of ours on its stack, so an error thrown
// in the handler prints the same stack trace with and without the agent.
// (Entered on the parser's own async resource: the connection's next request
// enters its own context before its handler runs.)
function onServerRequestStart(message: unknown): void {
  if (!guard.enabled) return;
  const { request, response } = message as { request: ServerRequest; response: ServerResponse };
  try {
    enterContext(startServerSpan(request, response));
  } catch (err) {
    guard.fail(err);
  }
}

// A response's 'close' (sent, or its connection gone) ends its span: a check
// in emit costs less than a listener added to every response.
function patchServerResponseEmit(proto: { emit: (...args: any[]) => boolean }): void {
  wrap(
    proto,
    'emit',
    (original) =>
      function emit(this: ServerResponse, event: string | symbol): boolean {
        if (event === 'close') {
          const span = this[kSpan];
          if (span !== undefined) endServerSpan(this, span);
        }
        return original.apply(this, arguments as unknown as any[]);
      },
  );
}

/** Whether `event` has a listener other than Node's own 'end' one (the server's clearIncoming). */
function hasAppListener(req: ServerRequest, event: string | symbol): boolean {
  // (EventEmitter keeps one listener as the function itself, several in an array.)
  const listeners = (req as unknown as { _events?: Record<string | symbol, unknown> })._events?.[event];
  if (listeners === undefined) return false;
  return typeof listeners !== 'function' || event !== 'end' || listeners.name !== 'clearIncoming';
}

// Request body events ('data', 'end') are driven by the socket, not by the
// handler, so without this they would run outside the request's context
// (always on Node ≥ 24, whose AsyncLocalStorage follows AsyncContextFrame).
function patchIncomingMessageEmit(proto: { emit: (...args: any[]) => boolean }): void {
  wrap(
    proto,
    'emit',
    (original) =>
      function emit(this: ServerRequest, event: string | symbol): boolean {
        const ctx = this[kContext];
        // No app listener, no app code to run: entering the context (a new frame on Node ≥ 24) would be wasted.
        if (ctx === undefined || !hasAppListener(this, event) || currentStore() === ctx) return original.apply(this, arguments as unknown as any[]);
        return applyInContext(ctx, original, this, arguments);
      },
  );
}

// ---- for the web frameworks' integrations (express.ts, fastify.ts, …) ----

/** The last exception recorded for a request, for its status if the response is a 5xx. */
interface Exception {
  type: string;
  message: string;
  /** The value thrown: the same error seen again (by the next error handler) is recorded once. */
  source: unknown;
}

/**
 * Names the request's server span by the route the framework matched, as the
 * app declared it (`/users/:id`): `http.route` and the span name `{method} {route}`,
 * set when the response ends (the last call wins; a request no route matched keeps `{method}`).
 */
export function setRoute(req: Http.IncomingMessage, route: string): void {
  (req as ServerRequest)[kRoute] = route;
}

/** The route set for the request so far (see setRoute). */
export function routeOf(req: Http.IncomingMessage): string | undefined {
  return (req as ServerRequest)[kRoute];
}

/** The server span of a traced request (undefined when the request is not traced). */
export function serverSpanOf(req: Http.IncomingMessage): Span | undefined {
  const ctx = (req as ServerRequest)[kContext];
  return ctx === undefined ? undefined : spanFromContext(ctx);
}

/**
 * An exception the framework's error path handled for this request: an
 * exception event on the server span now (once per error), and, if the
 * response turns out a 5xx, ERROR status with its message and its type as
 * `error.type`. Quoted values in a database error's message and stack become `?`,
 * as on the query's own span.
 */
export function recordServerError(req: Http.IncomingMessage, err: unknown): void {
  const request = req as ServerRequest;
  const ctx = request[kContext];
  if (ctx === undefined || err === undefined || err === null) return;
  const span = spanFromContext(ctx);
  if (span === undefined || !span.isRecording()) return;
  const e = (typeof err === 'object' ? err : {}) as { code?: unknown; name?: unknown; message?: unknown; stack?: unknown };
  if (request[kError]?.source === err) return;
  const scrub = dbStatusCode(err) !== undefined ? scrubErrorText : (text: string) => text;
  const type = typeof e.code === 'string' ? e.code : typeof e.name === 'string' ? e.name : 'Error';
  const message = scrub(typeof e.message === 'string' ? e.message : String(err));
  span.recordException({
    code: typeof e.code === 'string' ? e.code : undefined,
    name: type,
    message,
    stack: typeof e.stack === 'string' ? scrub(e.stack) : undefined,
  });
  request[kError] = { type, message, source: err };
}

// ---- client ----

const requestSetter = {
  set(req: ClientRequest, key: string, value: string): void {
    // A header the app set on purpose wins.
    if (req.getHeader(key) === undefined) req.setHeader(key, value);
  },
};

function clientAttributes(req: ClientRequest, method: string, scheme: 'http' | 'https'): Attributes {
  const hostHeader = req.getHeader('host');
  const authority = typeof hostHeader === 'string' ? hostHeader : req.host;
  const [, port] = splitHostHeader(authority, scheme === 'https' ? 443 : 80);
  const attributes: Record<string, string | number> = {
    'http.request.method': method,
    'server.address': req.host,
    'server.port': port,
    // A request through a proxy names its whole target in the path (absolute form).
    'url.full': redactUrl(req.path.charCodeAt(0) === 47 /* / */ ? `${scheme}://${authority}${req.path}` : req.path),
  };
  if (method === '_OTHER') attributes['http.request.method_original'] = req.method;
  return attributes;
}

function traceClientRequest(req: ClientRequest, parent: Context, scheme: 'http' | 'https'): void {
  const method = normalizeMethod(req.method);
  const span = tracer.startLazySpan(method, SPAN_KIND_CLIENT, parent, () => clientAttributes(req, method, scheme));
  // Headers given as a raw array are already serialised; nothing can be added then.
  if (!req.headersSent && (req as unknown as { _header?: unknown })._header == null) {
    try {
      propagation.current.inject(contextWithSpan(parent, span), req, requestSetter);
    } catch {
      // injection is best effort
    }
  }
  if (!span.isRecording()) return;
  req[kSpan] = span;
  req.on('response', onClientResponse);
  req.on('close', onClientClose);
}

function onClientResponse(this: ClientRequest, res: Http.IncomingMessage): void {
  const span = this[kSpan];
  if (span === undefined) return;
  const status = res.statusCode ?? 0;
  span.setAttribute('http.response.status_code', status);
  if (status >= 400) {
    span.setAttribute('error.type', String(status));
    span.setStatus({ code: STATUS_ERROR });
  }
  res.on('end', onResponseEnd);
}

// The span ends when the response has been read, before the app's code
// awaiting it runs on; the request's own 'close' (which ends it otherwise:
// no response, or one cut short) comes only when the connection closes, if
// it is not kept alive.
function onResponseEnd(this: Http.IncomingMessage): void {
  const req = (this as { req?: ClientRequest }).req;
  if (req !== undefined) onClientClose.call(req);
}

function onClientClose(this: ClientRequest): void {
  const span = this[kSpan];
  if (span === undefined) return;
  this[kSpan] = undefined;
  if (!this[kErrored] && (this as unknown as { res?: unknown }).res == null) {
    span.setAttribute('error.type', 'aborted');
    span.setStatus({ code: STATUS_ERROR, message: 'request closed before a response arrived' });
  }
  span.end();
}

function onClientError(message: unknown): void {
  const { request, error } = message as { request: ClientRequest; error: unknown };
  const span = request[kSpan];
  if (span === undefined) return;
  request[kErrored] = true;
  recordError(span, error);
}

type RequestFn = (...args: any[]) => Http.ClientRequest;

function wrapRequest(original: RequestFn, scheme: 'http' | 'https'): RequestFn {
  return function request(this: unknown) {
    const parent = activeContext();
    if (!guard.enabled || isTracingSuppressed(parent)) return original.apply(this, arguments as unknown as any[]);
    const req = original.apply(this, arguments as unknown as any[]);
    try {
      traceClientRequest(req, parent, scheme);
    } catch (err) {
      guard.fail(err);
    }
    return req;
  };
}

function wrapGet(request: RequestFn): RequestFn {
  // Same as Node's own get(): the request, ended at once.
  return function get(this: unknown) {
    const req = request.apply(this, arguments as unknown as any[]);
    req.end();
    return req;
  };
}

const patched = new Set<'http' | 'https'>();

function patchModule(mod: typeof Http, scheme: 'http' | 'https'): void {
  wrap(mod, 'request', (original) => wrapRequest(original as RequestFn, scheme));
  // Node's own get() calls the module's internal request: ours is the traced one, ended at once.
  const request = mod.request as RequestFn;
  wrap(mod, 'get', () => wrapGet(request));
  patchMessages();
  // `import { request } from 'node:http'` sees the patched functions only after this.
  Module.syncBuiltinESMExports();
}

let messagesPatched = false;

/** Requests and responses of http and https servers alike are http's IncomingMessage and ServerResponse. */
function patchMessages(): void {
  if (messagesPatched) return;
  messagesPatched = true;
  const http = require('node:http') as typeof Http; // (loaded already: https is built on it)
  patchIncomingMessageEmit(http.IncomingMessage.prototype as unknown as { emit: (...args: any[]) => boolean });
  patchServerResponseEmit(http.ServerResponse.prototype as unknown as { emit: (...args: any[]) => boolean });
  patchClientRequestHead(http.ClientRequest.prototype as unknown as { _implicitHeader?: (...args: any[]) => unknown });
  patchServerListen((require('node:net') as typeof import('node:net')).Server.prototype as unknown as { listen: (...args: any[]) => unknown });
}

// https used before it was patched (imported by ESM code on a runtime where
// that cannot be seen): its servers and requests are http's underneath, and
// these two places see them in time.

/** An https request, before its head is written: patches https for the next ones, and traces this one. */
function patchClientRequestHead(proto: { _implicitHeader?: (...args: any[]) => unknown }): void {
  wrap(
    proto,
    '_implicitHeader',
    (original) =>
      function _implicitHeader(this: ClientRequest) {
        if (!patched.has('https') && (this as { protocol?: string }).protocol === 'https:') {
          try {
            patchBuiltin('https');
            const parent = activeContext();
            if (guard.enabled && !isTracingSuppressed(parent)) traceClientRequest(this, parent, 'https');
          } catch (err) {
            guard.fail(err);
          }
        }
        return original.apply(this, arguments as unknown as any[]);
      },
  );
}

/**
 * A TLS server starting to listen: an app that serves https likely calls out
 * over https too, so https is patched now (a plain TLS or HTTP/2 server only
 * costs https's load, once). Its server spans need no patch: see onServerRequestStart.
 */
function patchServerListen(proto: { listen: (...args: any[]) => unknown }): void {
  wrap(
    proto,
    'listen',
    (original) =>
      function listen(this: { setSecureContext?: unknown }) {
        if (!patched.has('https') && typeof this.setSecureContext === 'function') patchBuiltin('https');
        return original.apply(this, arguments as unknown as any[]);
      },
  );
}

function patchBuiltin(name: 'http' | 'https'): void {
  if (patched.has(name)) return;
  patched.add(name);
  try {
    patchModule(require(`node:${name}`) as typeof Http, name);
  } catch (err) {
    guard.fail(err);
  }
}

// http and https cost ~8 ms to load, which an app that never uses them should
// not pay: each is patched when the app first loads it, or right away where
// the app's ESM imports of built-ins cannot be seen (see esm-builtins.ts).
export const patchHttp = () => patchBuiltin('http');
export const patchHttps = () => patchBuiltin('https');

export function start(): void {
  for (const name of ['http', 'https'] as const) {
    // https (and tls under it) costs ~4 ms to load: where ESM imports cannot be seen, it is
    // patched when an https server listens or the first https request is sent (see patchMessages).
    onBuiltinImport(name, () => patchBuiltin(name), name === 'https');
  }
  dc.subscribe('http.client.request.error', onClientError);
  // Safety nets for imports nothing could watch: the first request patches
  // the module (its clients, and the messages' events). A client request is traced from the next one.
  dc.subscribe('http.server.request.start', onFirstUse);
  dc.subscribe('http.client.request.start', onFirstUse);
  dc.subscribe('http.server.request.start', onServerRequestStart);
}

function onFirstUse(message: unknown): void {
  if (patched.size === 2) return;
  patchBuiltin('http');
  // After http the channel only guards https servers, which are rarely created late; stop paying for it.
  // (Deferred: unsubscribing inside a publish would make Node skip the next subscriber.)
  setImmediate(() => dc.unsubscribe('http.server.request.start', onFirstUse)).unref();
  const request = (message as { request?: { socket?: { encrypted?: boolean }; protocol?: string } }).request;
  if (request?.socket?.encrypted || request?.protocol === 'https:') patchBuiltin('https');
}

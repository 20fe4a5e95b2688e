// fastify 4 and 5: the request's server span named by the route as declared,
// with the prefixes of the plugins it was registered in (`GET /v1/orgs/:orgId`),
// and the errors its handlers throw recorded on the server span (see
// recordServerError in http.ts).
//
// fastify 5 publishes the `fastify.request.handler` TracingChannel: its start
// carries the matched route (`route.url`, prefixes included), its error the
// error a handler or preHandler hook threw or rejected with; nothing is patched.
// fastify 4 publishes nothing: each instance gets an onRoute hook, which gives
// every route an onRequest hook naming it, and an onError hook (fastify runs
// it for every error it handles, before the app's error handler).

import * as dc from 'node:diagnostics_channel';
import type { IncomingMessage } from 'node:http';
import { HookGuard, type Fn } from '../loader/trace-call';
import type { Integration } from '../loader/types';
import { wrap } from '../loader/wrap';
import { recordServerError, setRoute } from './http';

const guard = new HookGuard('fastify');

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

function subscribeHandlerChannel(): void {
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

/**
 * lib/hooks' Hooks: the hook lists of a root instance (fastify.js makes one per
 * instance; plugins copy their parent's), given ours first. Patched in place,
 * not through the factory: a replaced package export would not reach an ESM
 * import of fastify on Node 20 and 22.
 */
function wrapHooks(original: Fn): Fn {
  return function Hooks(this: unknown) {
    const hooks = new (original as unknown as new () => HookLists)();
    if (guard.enabled) {
      try {
        hooks.onRoute?.push(onRoute);
        hooks.onError?.push(onError);
      } catch (err) {
        guard.fail(err);
      }
    }
    return hooks;
  };
}

export const integration: Integration = {
  name: 'fastify',
  targets: [
    // Each module declares both majors, so that neither warns of an unknown version on the other.
    { package: 'fastify', versions: '>=4 <5', file: 'lib/hooks', patch: (exports) => wrap(exports, 'Hooks', wrapHooks) },
    { package: 'fastify', versions: '>=5 <6', file: 'lib/hooks' },
    { package: 'fastify', versions: '>=4 <5' },
    { package: 'fastify', versions: '>=5 <6', subscribe: subscribeHandlerChannel },
  ],
};

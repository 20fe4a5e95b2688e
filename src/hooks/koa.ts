// koa 2 and 3: the request's server span named by the route a router matched
// (`@koa/router` and `koa-router` leave it in `ctx._matchedRoute`, with the
// prefixes of nested routers), and the errors koa's own error path
// (`ctx.onerror`) answers recorded on the server span (see http.ts).
//
// The route is read once the app's middleware has run: a middleware of ours
// goes first in every app's stack when the app makes its request handler.

import type { IncomingMessage } from 'node:http';
import { HookGuard, type Fn } from '../loader/trace-call';
import type { Integration } from '../loader/types';
import { wrap } from '../loader/wrap';
import { recordServerError, setRoute } from './http';

const guard = new HookGuard('koa');

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

export const integration: Integration = {
  name: 'koa',
  targets: [
    { package: 'koa', versions: '>=2 <4', patch: (Application) => wrap(Application?.prototype, 'callback', wrapCallback) },
    // lib/context exports the prototype of every app's ctx.
    { package: 'koa', versions: '>=2 <4', file: 'lib/context', patch: (context) => wrap(context, 'onerror', wrapOnerror) },
  ],
};

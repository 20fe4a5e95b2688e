// hapi 21: the request's server span named by its route as declared, with the
// prefixes of the plugins (realms) it was registered in (`GET /v1/items/{id}`),
// and the errors hapi answers (a Boom, or any error a handler threw, which hapi
// turns into one) recorded on the server span (see http.ts). Each server gets
// an onPreResponse extension of ours when it is made.

import type { IncomingMessage } from 'node:http';
import { HookGuard, type Fn } from '../loader/trace-call';
import type { Integration } from '../loader/types';
import { recordServerError, setRoute } from './http';

const guard = new HookGuard('hapi');

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

/** lib/server's export: the function that makes a server (Hapi.server and Hapi.Server). */
function wrapServerFactory(original: Fn): Fn {
  return function server(this: unknown) {
    const made = original.apply(this, arguments as unknown as unknown[]) as { ext?: (event: string, method: Fn) => void };
    if (guard.enabled && typeof made?.ext === 'function') {
      try {
        made.ext('onPreResponse', onPreResponse);
      } catch (err) {
        guard.fail(err);
      }
    }
    return made;
  };
}

export const integration: Integration = {
  name: 'hapi',
  targets: [
    // Returns the wrapper: the file's export is the factory itself (lib/index requires it, so the replacement reaches every import).
    { package: '@hapi/hapi', versions: '>=21 <22', file: 'lib/server', patch: (factory) => (typeof factory === 'function' ? wrapServerFactory(factory) : factory) },
  ],
};

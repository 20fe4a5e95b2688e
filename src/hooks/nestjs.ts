// NestJS 11 and 12 (@nestjs/core): the controller and handler serving a request
// as attributes of its server span (`nestjs.controller`, `nestjs.callback`, the
// names OpenTelemetry's Nest instrumentation uses), and the exceptions Nest's
// exception filters handle recorded on the server span (see http.ts). The
// route itself is named by the express or fastify integration underneath.
// Nest 12 is published as ES modules only: its files are watched through
// import-in-the-middle, where the runtime has in-thread hooks (see module-load.ts).

import type { IncomingMessage } from 'node:http';
import { HookGuard, type Fn } from '../loader/trace-call';
import { wrap } from '../loader/wrap';
import { recordServerError, routeOf, serverSpanOf } from './http';

const guard = new HookGuard('nestjs');

/** A platform's request: express's is the IncomingMessage itself, fastify's holds it as `raw`. */
type PlatformRequest = (IncomingMessage & { raw?: undefined }) | { raw?: IncomingMessage };

function incoming(req: PlatformRequest | undefined): IncomingMessage | undefined {
  if (req === null || typeof req !== 'object') return undefined;
  return (req.raw ?? req) as IncomingMessage;
}

/** RouterExecutionContext#create: makes the function that runs one controller method for a route. */
function wrapCreate(original: Fn): Fn {
  return function create(
    this: unknown,
    instance: { constructor?: { name?: string } } | undefined,
    callback: { name?: string } | undefined,
    methodName: unknown,
  ) {
    const handler = original.apply(this, arguments as unknown as unknown[]);
    if (typeof handler !== 'function') return handler;
    const controller = instance?.constructor?.name;
    const method = typeof methodName === 'string' ? methodName : callback?.name;
    // Same arity as Nest's own (req, res, next): adapters look at it.
    return function nestHandler(this: unknown, req: PlatformRequest, _res: unknown, _next: unknown) {
      if (guard.enabled) {
        try {
          const span = serverSpanOf(incoming(req) as IncomingMessage);
          if (span !== undefined) {
            if (controller) span.setAttribute('nestjs.controller', controller);
            if (method) span.setAttribute('nestjs.callback', method);
          }
        } catch (err) {
          guard.fail(err);
        }
      }
      return handler.apply(this, arguments as unknown as unknown[]);
    };
  };
}

interface HostArguments {
  getType?(): string;
  getArgByIndex?(index: number): unknown;
}

/** ExceptionsHandler#next: every exception of an HTTP route, before the app's filters or Nest's own answer it. */
function wrapNext(original: Fn): Fn {
  return function next(this: unknown, exception: unknown, host: HostArguments | undefined) {
    if (guard.enabled) {
      try {
        if (host?.getType?.() === 'http') {
          const req = incoming(host.getArgByIndex?.(0) as PlatformRequest);
          // A request no route matched is Nest's own NotFoundException: a 404, not an exception of the app's.
          if (req !== undefined && routeOf(req) !== undefined) recordServerError(req, exception);
        }
      } catch (err) {
        guard.fail(err);
      }
    }
    return original.apply(this, arguments as unknown as unknown[]);
  };
}

export const patchCreate = (exports: any) => wrap(exports?.RouterExecutionContext?.prototype, 'create', wrapCreate);
export const patchNext = (exports: any) => wrap(exports?.ExceptionsHandler?.prototype, 'next', wrapNext);

// @grpc/grpc-js: a CLIENT span per call a client makes and a SERVER span per
// call a server handles, unary and streaming alike, named `package.Service/Method`,
// with the rpc semantic conventions (rpc.system=grpc, rpc.service, rpc.method,
// rpc.grpc.status_code). The context travels in the call's metadata (a copy:
// metadata the app passes is left as it was).
// Every generated client calls one of Client#make{Unary,ClientStream,ServerStream,BidiStream}Request,
// and every service method reaches the server through Server#register: those are patched, in
// build/src/client.js and build/src/server.js.

import type { Attributes, Context, Span, TextMapGetter } from '@opentelemetry/api';
import { activeContext, applyInContext, contextWithSpan, isTracingSuppressed, ROOT_CONTEXT } from '../context';
import { propagation } from '../propagation';
import { hookTracer } from '../provider';
import { HookGuard, type Fn } from '../loader/trace-call';
import { SPAN_KIND_CLIENT, SPAN_KIND_SERVER, STATUS_ERROR } from '../otel-constants';
import type { LoadedModule } from '../loader/types';
import { wrap } from '../loader/wrap';

const guard = new HookGuard('grpc');
const tracer = hookTracer('grpc');

const OK = 0;
const CANCELLED = 1;
const UNKNOWN = 2;
const CODE_NAMES = [
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
];
/** The codes that make a server span an error (rpc semconv for gRPC); on a client every code but OK does. */
const SERVER_ERRORS = new Set([2, 4, 12, 13, 14, 15]);

interface Metadata {
  get(key: string): Array<string | Buffer>;
  set(key: string, value: string): void;
  getMap(): Record<string, unknown>;
  clone(): Metadata;
}
type MetadataClass = new () => Metadata;

/** `/shop.Inventory/Get` → the span name and the rpc attributes. */
function rpcAttributes(path: string): [string, Attributes] {
  const name = path.startsWith('/') ? path.slice(1) : path;
  const slash = name.lastIndexOf('/');
  const attributes: Attributes = { 'rpc.system': 'grpc' };
  if (slash > 0) {
    attributes['rpc.service'] = name.slice(0, slash);
    attributes['rpc.method'] = name.slice(slash + 1);
  }
  return [name, attributes];
}

function endRpcSpan(span: Span, code: unknown, details: unknown, isError: (code: number) => boolean): void {
  const c = typeof code === 'number' ? code : UNKNOWN;
  try {
    span.setAttribute('rpc.grpc.status_code', c);
    if (isError(c)) {
      span.setAttribute('error.type', CODE_NAMES[c] ?? String(c));
      span.setStatus({ code: STATUS_ERROR, message: typeof details === 'string' ? details : undefined });
    }
  } catch {
    // a span that refuses attributes must not break the call
  }
  span.end();
}

// ---- client ----

const metadataSetter = {
  set(metadata: Metadata, key: string, value: string): void {
    // Metadata the app set on purpose wins.
    if (metadata.get(key).length === 0) metadata.set(key, value);
  },
};

/** `dns:///host:port`, `dns:host:port`, `ipv4:host:port`, `host:port`, `[::1]:port` → server.address / server.port. */
function targetAttributes(client: { getChannel?(): { getTarget?(): string } }, attributes: Attributes): void {
  const target = client.getChannel?.()?.getTarget?.();
  if (typeof target !== 'string') return;
  const rest = target.replace(/^(?:dns|ipv4|ipv6):(?:\/\/[^/]*\/)?/, '');
  if (/^(?:unix|unix-abstract|xds|vsock):/.test(rest)) return;
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest) ?? /^([^:]+)(?::(\d+))?$/.exec(rest);
  if (!m) return;
  attributes['server.address'] = m[1];
  if (m[2] !== undefined) attributes['server.port'] = Number(m[2]);
}

/**
 * A make*Request method, whose metadata is the argument at `metadataAt` when
 * the app passed one: a copy carries the trace context, or a new Metadata in
 * that place when it passed none (the library accepts metadata, options and
 * callback in any of their optional combinations).
 */
function wrapRequest(Metadata: MetadataClass, metadataAt: number): (original: Fn) => Fn {
  return (original) =>
    function request(this: any, path: unknown) {
      const parent = activeContext();
      if (!guard.enabled || isTracingSuppressed(parent) || typeof path !== 'string') return original.apply(this, arguments as unknown as unknown[]);
      let span: Span | undefined;
      const args = Array.prototype.slice.call(arguments) as unknown[];
      try {
        const [name, attributes] = rpcAttributes(path);
        targetAttributes(this, attributes);
        span = tracer.startSpan(name, { kind: SPAN_KIND_CLIENT, attributes }, parent);
        const given = args[metadataAt];
        const metadata = given instanceof Metadata ? given.clone() : new Metadata();
        propagation.current.inject(contextWithSpan(parent, span), metadata, metadataSetter);
        // Generated clients pass every argument, `undefined` for metadata not given: that place is taken.
        if (given instanceof Metadata || (given == null && args.length > metadataAt)) args[metadataAt] = metadata;
        else args.splice(metadataAt, 0, metadata);
        // The app's callback (unary and client-streaming calls) runs in the caller's context.
        const last = args.length - 1;
        const callback = args[last];
        if (typeof callback === 'function') {
          args[last] = function (this: unknown) {
            return applyInContext(parent, callback as Fn, this, arguments);
          };
        }
      } catch (err) {
        guard.fail(err);
        if (span !== undefined) span.end();
        return original.apply(this, arguments as unknown as unknown[]);
      }
      const traced = span;
      const call = original.apply(this, args);
      try {
        if (call !== null && typeof call === 'object' && typeof call.on === 'function') {
          call.on('status', (status: { code?: unknown; details?: unknown }) => endRpcSpan(traced, status?.code, status?.details, (c) => c !== OK));
          // What the app listens to on a streaming call (data, status, end) runs in the caller's context,
          // not in that of whichever call opened the connection.
          const emit = call.emit;
          if (typeof emit === 'function') {
            call.emit = function (this: unknown) {
              return applyInContext(parent, emit, this, arguments);
            };
          }
        } else {
          traced.end();
        }
      } catch (err) {
        guard.fail(err);
      }
      return call;
    };
}

// ---- server ----

const metadataGetter: TextMapGetter<Metadata> = {
  keys: (metadata) => Object.keys(metadata.getMap()),
  get(metadata, key) {
    const value = metadata.get(key)[0];
    return typeof value === 'string' ? value : undefined;
  },
};

interface ServerCall {
  metadata?: Metadata;
  on?(event: string, listener: (...args: any[]) => void): unknown;
  emit?: Fn;
}

function startServerSpan(path: string, call: ServerCall): [Span, Context] {
  let parent = ROOT_CONTEXT;
  const metadata = call?.metadata;
  if (metadata !== undefined && typeof metadata.get === 'function') parent = propagation.current.extract(ROOT_CONTEXT, metadata, metadataGetter);
  const [name, attributes] = rpcAttributes(path);
  const span = tracer.startSpan(name, { kind: SPAN_KIND_SERVER, attributes }, parent);
  return [span, contextWithSpan(parent, span)];
}

const isServerError = (code: number) => SERVER_ERRORS.has(code);

type CallError = { code?: unknown; details?: unknown; message?: unknown };

/** The call's SERVER span and a finish() that ends it once; undefined when the hook failed (the handler then runs untraced). */
function startServerCall(path: string, call: ServerCall): { ctx: Context; finish(code: unknown, details: unknown): void } | undefined {
  let span: Span;
  let ctx: Context;
  try {
    [span, ctx] = startServerSpan(path, call);
  } catch (err) {
    guard.fail(err);
    return undefined;
  }
  let ended = false;
  return {
    ctx,
    finish(code, details) {
      if (ended) return;
      ended = true;
      endRpcSpan(span, code, details, isServerError);
    },
  };
}

/** An error's status code and details, as the library turns it into the call's status. */
function finishFailed(finish: (code: unknown, details: unknown) => void, err: CallError): void {
  finish(typeof err.code === 'number' ? err.code : UNKNOWN, err.details ?? err.message);
}

/** A unary or client-streaming handler: the call ends when the handler answers through its callback. */
function traceRespondingHandler(path: string, handler: Fn): Fn {
  return function handle(this: unknown, call: ServerCall, respond: Fn) {
    const traced = guard.enabled && typeof respond === 'function' ? startServerCall(path, call) : undefined;
    if (traced === undefined) return handler.apply(this, arguments as unknown as unknown[]);
    const { ctx, finish } = traced;
    const args = Array.prototype.slice.call(arguments) as unknown[];
    args[1] = function (this: unknown, err: CallError | null) {
      if (err) finishFailed(finish, err);
      else finish(OK, undefined);
      return respond.apply(this, arguments as unknown as unknown[]);
    };
    call?.on?.('cancelled', () => finish(CANCELLED, 'cancelled'));
    if (typeof call?.emit === 'function') bindEmit(call, ctx);
    return applyInContext(ctx, handler, this, args);
  };
}

/** A server-streaming or bidi handler: the call ends when its stream finishes, fails or is cancelled. */
function traceStreamingHandler(path: string, handler: Fn): Fn {
  return function handle(this: unknown, call: ServerCall) {
    if (!guard.enabled || call === null || typeof call !== 'object' || typeof call.on !== 'function')
      return handler.apply(this, arguments as unknown as unknown[]);
    const traced = startServerCall(path, call);
    if (traced === undefined) return handler.apply(this, arguments as unknown as unknown[]);
    const { ctx, finish } = traced;
    let failure: CallError | undefined;
    const settle = () => (failure ? finishFailed(finish, failure) : finish(OK, undefined));
    // The library listens for 'error' itself (it becomes the call's status), so listening changes nothing.
    call.on('error', (err: CallError) => (failure = err ?? {}));
    call.on('finish', settle);
    call.on('cancelled', () => finish(CANCELLED, 'cancelled'));
    call.on('close', settle);
    bindEmit(call, ctx);
    return applyInContext(ctx, handler, this, arguments);
  };
}

/** What the handler listens to on its call ('data', 'end', …) runs in the call's context, not the connection's. */
function bindEmit(call: ServerCall, ctx: Context): void {
  const emit = call.emit as Fn;
  call.emit = function (this: unknown) {
    return applyInContext(ctx, emit, this, arguments);
  };
}

function wrapRegister(original: Fn): Fn {
  return function register(this: unknown, name: unknown, handler: unknown, serialize: unknown, deserialize: unknown, type: unknown) {
    if (!guard.enabled || typeof name !== 'string' || typeof handler !== 'function') return original.apply(this, arguments as unknown as unknown[]);
    const args = Array.prototype.slice.call(arguments) as unknown[];
    try {
      if (type === 'unary' || type === 'clientStream') args[1] = traceRespondingHandler(name, handler as Fn);
      else if (type === 'serverStream' || type === 'bidi') args[1] = traceStreamingHandler(name, handler as Fn);
    } catch (err) {
      guard.fail(err);
      args[1] = handler;
    }
    return original.apply(this, args);
  };
}

/** Each copy of the library's Metadata class, by package directory (build/src/metadata.js loads before client.js). */
const metadataClasses = new Map<string, MetadataClass>();

// Generated clients call the make*Request methods they captured when
// make-client.js loaded: client.js is patched as it loads, before that.
export function patchClient(exports: any, module: LoadedModule): void {
  const client = exports?.Client?.prototype;
  const Metadata = metadataClasses.get(module.baseDir);
  if (typeof client?.makeUnaryRequest !== 'function' || Metadata === undefined) throw new Error('unexpected shape: no Client#makeUnaryRequest or Metadata');
  // Where each method takes its optional metadata: (path, serialize, deserialize, [argument,] metadata, …).
  wrap(client, 'makeUnaryRequest', wrapRequest(Metadata, 4));
  wrap(client, 'makeServerStreamRequest', wrapRequest(Metadata, 4));
  wrap(client, 'makeClientStreamRequest', wrapRequest(Metadata, 3));
  wrap(client, 'makeBidiStreamRequest', wrapRequest(Metadata, 3));
}

export function noteMetadataClass(exports: any, module: LoadedModule): void {
  if (typeof exports?.Metadata === 'function') metadataClasses.set(module.baseDir, exports.Metadata);
}

export function patchServer(exports: any): void {
  if (typeof exports?.Server?.prototype?.register !== 'function') throw new Error('unexpected shape: no Server#register');
  wrap(exports.Server.prototype, 'register', wrapRegister);
}

// NATS: `nats` 2.x and its successor `@nats-io/transport-node` 3.x (whose
// core, @nats-io/nats-core, is where the code lives; @nats-io/jetstream
// builds on it). Both send every message through ProtocolHandler#publish and
// hand every delivery to a subscription through ProtocolHandler#processMsg
// (lib/nats-base-client/protocol.js, lib/protocol.js), so those two are patched:
// - each message sent (publish, request, respond, JetStream publish): a
//   PRODUCER span, its context in the message's NATS headers (a copy: the
//   app's headers object is left as it was);
// - each delivery: a CONSUMER span whose parent is the context in the headers
//   (none, or a malformed one: a new trace). A subscription callback, and a
//   JetStream consume() callback, run inside it; a `for await` loop over a
//   subscription runs outside (the span marks the delivery only).
// - a JetStream ack, nak or term (a message to its $JS.ACK reply subject): a
//   CLIENT span (`settle`). Replies to requests (_INBOX.…) and the JetStream
//   API's own requests ($JS.API.…) are not spans.

import type { Attributes, Context, Span, TextMapGetter, TextMapSetter } from '@opentelemetry/api';
import { activeContext, contextWithSpan, isTracingSuppressed, ROOT_CONTEXT } from '../context';
import { callSpanned, HookGuard, type Fn } from '../loader/trace-call';
import type { LoadedModule } from '../loader/types';
import { wrap } from '../loader/wrap';
import { hookTracer } from '../provider';
import { extractFrom, injectInto, startMessagingSpan } from './shared/messaging';

const guard = new HookGuard('nats');
const tracer = hookTracer('nats');

interface MsgHdrs {
  get(key: string): string;
  has(key: string): boolean;
  set(key: string, value: string): void;
  append(key: string, value: string): void;
  keys(): string[];
  values(key: string): string[];
}
interface HeadersModule {
  headers(): MsgHdrs;
  MsgHdrsImpl: { decode(bytes: Uint8Array): MsgHdrs };
}

/** Each copy's headers module (headers.js loads before protocol.js), by package directory. */
const headerModules = new Map<string, HeadersModule>();
/** Each copy's ProtocolHandler.prototype → its package directory. */
const copyOf = new WeakMap<object, string>();

/** The headers module of the copy of the library `protocol` (a ProtocolHandler) belongs to. */
function headersFor(protocol: object): HeadersModule | undefined {
  const baseDir = copyOf.get(Object.getPrototypeOf(protocol) as object);
  return baseDir === undefined ? undefined : headerModules.get(baseDir);
}

const hdrsGetter: TextMapGetter<MsgHdrs> = {
  keys: (h) => h.keys(),
  get: (h, key) => (h.has(key) ? h.get(key) : undefined),
};
const hdrsSetter: TextMapSetter<MsgHdrs> = {
  set(h, key, value) {
    // A header the app set on purpose wins.
    if (!h.has(key)) h.set(key, value);
  },
};

const decoder = new TextDecoder();
const ACKS: Record<string, string> = { '+ACK': 'ack', '-NAK': 'nak', '+TERM': 'term', '+NXT': 'ack' };

function inboxPrefix(protocol: { options?: { inboxPrefix?: unknown } }): string {
  const prefix = protocol?.options?.inboxPrefix;
  return typeof prefix === 'string' && prefix !== '' ? `${prefix}.` : '_INBOX.';
}

function sizeOf(data: unknown): number | undefined {
  if (data instanceof Uint8Array) return data.byteLength;
  if (typeof data === 'string') return Buffer.byteLength(data);
  return undefined;
}

// ---- sending ----

/** A JetStream ack (or nak, term) is a message to `$JS.ACK.<stream>.<consumer>.…`: a settle span. */
function startSettle(subject: string, data: unknown, parent: Context): Span | undefined {
  const token = data instanceof Uint8Array ? decoder.decode(data.subarray(0, 5)).trim() : typeof data === 'string' ? data.slice(0, 5).trim() : '+ACK';
  const operation = ACKS[token === '' ? '+ACK' : token];
  if (operation === undefined) return undefined; // +WPI (still working) settles nothing
  const stream = subject.split('.')[2] ?? '';
  const attributes: Attributes = {};
  if (stream !== '') attributes['messaging.destination.name'] = stream;
  return startMessagingSpan(tracer, parent, { system: 'nats', operation, type: 'settle', destination: stream, attributes });
}

function startSend(protocol: any, subject: string, data: unknown, parent: Context): Span {
  const temporary = subject.startsWith(inboxPrefix(protocol));
  const attributes: Attributes = { 'messaging.destination.name': subject };
  if (temporary) attributes['messaging.destination.temporary'] = true;
  const size = sizeOf(data);
  if (size !== undefined) attributes['messaging.message.body.size'] = size;
  // A reply to an inbox (a request's answer) is named without it: inboxes are one per request.
  return startMessagingSpan(tracer, parent, { system: 'nats', operation: 'publish', type: 'send', destination: temporary ? '' : subject, attributes });
}

function wrapPublish(original: Fn): Fn {
  return function publish(this: any, subject: unknown, data: unknown, options: { reply?: unknown; headers?: MsgHdrs } | undefined) {
    const parent = activeContext();
    if (!guard.enabled || isTracingSuppressed(parent) || typeof subject !== 'string' || subject.startsWith('$JS.API.'))
      return original.apply(this, arguments as unknown as unknown[]);
    let span: Span | undefined;
    const args = Array.prototype.slice.call(arguments) as unknown[];
    try {
      if (subject.startsWith('$JS.ACK.')) {
        span = startSettle(subject, data, parent);
      } else {
        const hdrs = headersFor(this);
        // A server without headers (NATS < 2.2) gets the message as the app sent it.
        const headersAllowed = !(this.info && this.info.headers === false);
        span = startSend(this, subject, data, parent);
        if (hdrs !== undefined && headersAllowed) {
          const copy = hdrs.headers();
          const given = options?.headers;
          if (given !== undefined && given !== null && typeof given.keys === 'function') {
            for (const key of given.keys()) for (const value of given.values(key)) copy.append(key, value);
          }
          injectInto(parent, span, copy, hdrsSetter);
          args[2] = { ...(options ?? {}), headers: copy };
        }
      }
    } catch (err) {
      guard.fail(err);
      if (span !== undefined) span.end();
      return original.apply(this, arguments as unknown as unknown[]);
    }
    if (span === undefined) return original.apply(this, arguments as unknown as unknown[]);
    return callSpanned(span, original, this, args);
  };
}

// ---- receiving ----

interface MsgArg {
  subject?: Uint8Array | string;
  reply?: Uint8Array | string;
  sid?: number;
  hdr?: number;
}

function text(value: Uint8Array | string | undefined): string {
  if (value === undefined) return '';
  return typeof value === 'string' ? value : decoder.decode(value);
}

function startDelivery(protocol: any, sub: any, msg: MsgArg, data: Uint8Array, subject: string): [Span, Context] {
  let parent: Context = ROOT_CONTEXT;
  const hdrs = headersFor(protocol);
  if (hdrs !== undefined && typeof msg.hdr === 'number' && msg.hdr > -1) {
    try {
      parent = extractFrom(hdrs.MsgHdrsImpl.decode(data.subarray(0, msg.hdr)), hdrsGetter);
    } catch {
      // headers the library cannot read either: a new trace
    }
  }
  const attributes: Attributes = { 'messaging.destination.name': subject };
  const subscribed = typeof sub.subject === 'string' ? sub.subject : '';
  // A wildcard subscription (orders.*) names the span: one name for every subject it matches.
  const template = subscribed !== subject && /(^|\.)(\*|>)(\.|$)/.test(subscribed) ? subscribed : undefined;
  if (template !== undefined) attributes['messaging.destination.template'] = template;
  if (typeof sub.queue === 'string' && sub.queue !== '') attributes['messaging.consumer.group.name'] = sub.queue;
  const size = typeof msg.hdr === 'number' && msg.hdr > 0 ? data.byteLength - msg.hdr : data.byteLength;
  attributes['messaging.message.body.size'] = size;
  const span = startMessagingSpan(tracer, parent, { system: 'nats', operation: 'process', type: 'process', destination: template ?? subject, attributes });
  return [span, contextWithSpan(parent, span)];
}

function wrapProcessMsg(original: Fn): Fn {
  return function processMsg(this: any, msg: MsgArg, data: Uint8Array) {
    if (!guard.enabled || msg === null || typeof msg !== 'object' || !(data instanceof Uint8Array))
      return original.apply(this, arguments as unknown as unknown[]);
    let span: Span | undefined;
    let ctx: Context | undefined;
    try {
      const sub = this.subscriptions?.get?.(msg.sid);
      const subject = text(msg.subject);
      // Answers to requests come to an inbox: they are part of the requester's wait, not deliveries.
      if (sub !== undefined && typeof sub.callback === 'function' && !subject.startsWith(inboxPrefix(this)))
        [span, ctx] = startDelivery(this, sub, msg, data, subject);
    } catch (err) {
      guard.fail(err);
    }
    if (span === undefined || ctx === undefined) return original.apply(this, arguments as unknown as unknown[]);
    return callSpanned(span, original, this, arguments, ctx);
  };
}

/** protocol.js: ProtocolHandler, told which copy of the library it belongs to (for its headers module). */
export function patchProtocol(exports: any, module: LoadedModule): void {
  const proto = exports?.ProtocolHandler?.prototype;
  if (typeof proto?.publish !== 'function' || typeof proto.processMsg !== 'function')
    throw new Error('unexpected shape: no ProtocolHandler#publish / #processMsg');
  copyOf.set(proto, module.baseDir);
  wrap(proto, 'publish', wrapPublish);
  wrap(proto, 'processMsg', wrapProcessMsg);
}

export function keepHeaders(exports: any, module: LoadedModule): void {
  if (typeof exports?.headers === 'function' && typeof exports?.MsgHdrsImpl?.decode === 'function') headerModules.set(module.baseDir, exports as HeadersModule);
}

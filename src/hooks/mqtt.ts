// mqtt (MQTT.js) 5.x:
// - publish (and publishAsync, which calls it): a PRODUCER span, ended when
//   the library reports the message sent (QoS 0) or acknowledged (QoS 1, 2);
//   on an MQTT 5 connection the context travels in the message's user
//   properties (a copy of the app's options is sent);
// - each 'message' event: a CONSUMER span whose parent is the context in the
//   user properties; the app's message listeners run inside it.
// MQTT 3.1.1 has no properties: nothing can carry the context, so the
// consumer's span starts a new trace (no parent, no link).
// The client is build/lib/client.js (5.1 and later) or build/src/lib/client.js (5.0).

import type { Attributes, Context, Span } from '@opentelemetry/api';
import { activeContext, applyInContext, contextWithSpan, isTracingSuppressed } from '../context';
import { callSpanned, HookGuard, recordError, type Fn } from '../loader/trace-call';
import { wrap } from '../loader/wrap';
import { hookTracer } from '../provider';
import { bodySize, extractFrom, injectInto, objectGetter, objectSetter, startMessagingSpan } from './shared/messaging';

const guard = new HookGuard('mqtt');
const tracer = hookTracer('mqtt');

interface MqttClient {
  options?: { protocolVersion?: number; host?: string; hostname?: string; port?: number };
}

interface PublishOptions {
  properties?: { userProperties?: Record<string, string | string[]> };
  [key: string]: unknown;
}

function serverAttributes(client: MqttClient, attributes: Attributes): void {
  const options = client?.options;
  const host = options?.hostname ?? options?.host;
  if (typeof host === 'string') attributes['server.address'] = host;
  if (typeof options?.port === 'number') attributes['server.port'] = options.port;
}

function wrapPublish(original: Fn): Fn {
  return function publish(this: MqttClient, topic: unknown, message: unknown, opts: unknown, callback: unknown) {
    const parent = activeContext();
    if (!guard.enabled || isTracingSuppressed(parent) || typeof topic !== 'string') return original.apply(this, arguments as unknown as unknown[]);
    let span: Span | undefined;
    let options = opts;
    let done = callback;
    try {
      if (typeof options === 'function') {
        done = options;
        options = undefined;
      }
      const attributes: Attributes = { 'messaging.destination.name': topic };
      const size = bodySize(message);
      if (size !== undefined) attributes['messaging.message.body.size'] = size;
      serverAttributes(this, attributes);
      span = startMessagingSpan(tracer, parent, { system: 'mqtt', operation: 'publish', type: 'send', destination: topic, attributes });
      if (this.options?.protocolVersion === 5) {
        const given = (options ?? {}) as PublishOptions;
        const userProperties: Record<string, string | string[]> = { ...given.properties?.userProperties };
        injectInto(parent, span, userProperties, objectSetter);
        options = { ...given, properties: { ...given.properties, userProperties } };
      }
    } catch (err) {
      guard.fail(err);
      if (span !== undefined) span.end();
      return original.apply(this, arguments as unknown as unknown[]);
    }
    const traced = span;
    const appCallback = typeof done === 'function' ? (done as Fn) : undefined;
    // The library calls this once the message is out (QoS 0) or acknowledged (QoS 1 and 2), or failed.
    const sent = function (this: unknown, err: unknown) {
      if (err) recordError(traced, err);
      traced.end();
      return appCallback === undefined ? undefined : applyInContext(parent, appCallback, this, arguments);
    };
    try {
      return original.call(this, topic, message, options ?? {}, sent);
    } catch (err) {
      recordError(traced, err);
      traced.end();
      throw err;
    }
  };
}

interface PublishPacket {
  properties?: { userProperties?: Record<string, unknown>; correlationData?: unknown };
  messageId?: number;
  qos?: number;
}

function wrapEmit(original: Fn): Fn {
  return function emit(this: MqttClient, event: unknown, topic: unknown, payload: unknown, packet: PublishPacket | undefined) {
    if (event !== 'message' || !guard.enabled || typeof topic !== 'string') return original.apply(this, arguments as unknown as unknown[]);
    let span: Span | undefined;
    let ctx: Context | undefined;
    try {
      // MQTT 5 user properties, when the sender put the context there; otherwise (MQTT 3.1.1 has none) a new trace.
      const parent = extractFrom(packet?.properties?.userProperties, objectGetter);
      const attributes: Attributes = { 'messaging.destination.name': topic };
      const size = bodySize(payload);
      if (size !== undefined) attributes['messaging.message.body.size'] = size;
      if (typeof packet?.messageId === 'number' && packet.qos) attributes['messaging.message.id'] = String(packet.messageId);
      serverAttributes(this, attributes);
      span = startMessagingSpan(tracer, parent, { system: 'mqtt', operation: 'process', type: 'process', destination: topic, attributes });
      ctx = contextWithSpan(parent, span);
    } catch (err) {
      guard.fail(err);
    }
    if (span === undefined || ctx === undefined) return original.apply(this, arguments as unknown as unknown[]);
    return callSpanned(span, original, this, arguments, ctx);
  };
}

export function patchClient(exports: any): void {
  const proto = (exports?.default ?? exports?.MqttClient)?.prototype;
  if (typeof proto?.publish !== 'function' || typeof proto.emit !== 'function') throw new Error('unexpected shape: no MqttClient#publish');
  wrap(proto, 'publish', wrapPublish);
  wrap(proto, 'emit', wrapEmit);
}

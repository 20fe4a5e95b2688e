// amqplib (RabbitMQ), promise and callback APIs alike:
// - publish / sendToQueue: a PRODUCER span, its context written into the
//   message's headers (a copy: the app's headers object is left as it was);
// - the consume callback: a CONSUMER span per delivery, whose parent is the
//   producer's context from the headers (none, or a malformed one: a new
//   trace), active while the callback runs and until the promise it returns
//   settles, so the callback's queries and requests nest under it;
// - ack / nack / reject: a CLIENT span (`settle`) under the delivery's span.
// Both APIs publish through lib/channel.js's sendMessage; each API has its
// own consume and settle methods, in lib/channel_model.js and lib/callback_model.js.

import type { Attributes, Context, Span } from '@opentelemetry/api';
import { activeContext, applyInContext, contextWithSpan, isTracingSuppressed } from '../context';
import { callSpanned, HookGuard, recordError, type Fn } from '../loader/trace-call';
import { wrap } from '../loader/wrap';
import { hookTracer } from '../provider';
import { bodySize, extractFrom, injectInto, objectGetter, objectSetter, startMessagingSpan } from './shared/messaging';

const guard = new HookGuard('amqplib');
const tracer = hookTracer('amqplib');

interface Message {
  fields?: { exchange?: string; routingKey?: string; deliveryTag?: number; redelivered?: boolean };
  properties?: { headers?: Record<string, unknown>; messageId?: unknown; correlationId?: unknown };
  content?: unknown;
}

interface AmqpChannel {
  connection?: { stream?: { remoteAddress?: string; remotePort?: number } };
}

/** The delivery each message came with, for the settle spans (the message object is the app's). */
const deliveries = new WeakMap<object, { ctx: Context; queue: string }>();

function serverAttributes(channel: AmqpChannel, attributes: Attributes): void {
  const stream = channel?.connection?.stream;
  if (typeof stream?.remoteAddress === 'string') attributes['server.address'] = stream.remoteAddress;
  if (typeof stream?.remotePort === 'number') attributes['server.port'] = stream.remotePort;
}

/**
 * The destination in a span's name: the exchange, or for the default exchange
 * ('') the queue it routes to, unless the server named that queue (amq.gen-…:
 * temporary, as a reply queue, and too many names for span names).
 */
function destinationOf(exchange: string, queue: string): string {
  if (exchange !== '') return exchange;
  return queue.startsWith('amq.gen-') ? '' : queue;
}

// ---- publish ----

interface PublishFields {
  exchange?: string;
  routingKey?: string;
  headers?: Record<string, unknown>;
  messageId?: unknown;
}

function wrapSendMessage(original: Fn): Fn {
  return function sendMessage(this: AmqpChannel, fields: PublishFields, properties: PublishFields, content: unknown) {
    const parent = activeContext();
    if (!guard.enabled || isTracingSuppressed(parent) || properties === null || typeof properties !== 'object')
      return original.apply(this, arguments as unknown as unknown[]);
    let span: Span | undefined;
    try {
      const exchange = typeof fields?.exchange === 'string' ? fields.exchange : '';
      const routingKey = typeof fields?.routingKey === 'string' ? fields.routingKey : '';
      const attributes: Attributes = { 'messaging.destination.name': exchange };
      if (routingKey !== '') attributes['messaging.rabbitmq.destination.routing_key'] = routingKey;
      if (properties.messageId !== undefined && properties.messageId !== null) attributes['messaging.message.id'] = String(properties.messageId);
      const size = bodySize(content);
      if (size !== undefined) attributes['messaging.message.body.size'] = size;
      serverAttributes(this, attributes);
      span = startMessagingSpan(tracer, parent, {
        system: 'rabbitmq',
        operation: 'publish',
        type: 'send',
        destination: destinationOf(exchange, routingKey),
        attributes,
      });
      // A copy, so the app's options.headers (often reused for every message) keeps no trace headers;
      // for…in, as the library's encoder, also sees headers inherited through options.
      const headers: Record<string, unknown> = {};
      const given = properties.headers;
      if (given !== null && typeof given === 'object') for (const key in given) headers[key] = given[key];
      injectInto(parent, span, headers, objectSetter);
      properties.headers = headers;
    } catch (err) {
      guard.fail(err);
    }
    if (span === undefined) return original.apply(this, arguments as unknown as unknown[]);
    return callSpanned(span, original, this, arguments);
  };
}

// ---- consume ----

/** A consumer's spans are named by the queue it consumes, or the exchange when the server named the queue. */
function consumedFrom(queue: string, exchange: string): string {
  return queue !== '' && !queue.startsWith('amq.gen-') ? queue : exchange;
}

function startDelivery(channel: AmqpChannel, queue: string, message: Message, parent: Context): Span {
  const fields = message.fields ?? {};
  const properties = message.properties ?? {};
  const exchange = typeof fields.exchange === 'string' ? fields.exchange : '';
  const attributes: Attributes = { 'messaging.destination.name': exchange };
  if (typeof fields.routingKey === 'string' && fields.routingKey !== '') attributes['messaging.rabbitmq.destination.routing_key'] = fields.routingKey;
  if (typeof fields.deliveryTag === 'number') attributes['messaging.rabbitmq.message.delivery_tag'] = fields.deliveryTag;
  if (queue !== '') attributes['messaging.destination.subscription.name'] = queue;
  if (properties.messageId !== undefined && properties.messageId !== null) attributes['messaging.message.id'] = String(properties.messageId);
  const size = bodySize(message.content);
  if (size !== undefined) attributes['messaging.message.body.size'] = size;
  serverAttributes(channel, attributes);
  return startMessagingSpan(tracer, parent, {
    system: 'rabbitmq',
    operation: 'process',
    type: 'process',
    destination: consumedFrom(queue, exchange),
    attributes,
  });
}

/** The app's consume callback, each delivery in a CONSUMER span (a null message, sent on cancel, untraced). */
function tracedConsumer(channel: AmqpChannel, queue: string, callback: Fn): Fn {
  return function consumer(this: unknown, message: Message | null) {
    if (!guard.enabled || message === null || typeof message !== 'object') return callback.apply(this, arguments as unknown as unknown[]);
    let span: Span | undefined;
    let ctx: Context | undefined;
    try {
      // The producer's context from the headers; without one (or with a malformed one), a new trace.
      const parent = extractFrom(message.properties?.headers, objectGetter);
      span = startDelivery(channel, queue, message, parent);
      ctx = contextWithSpan(parent, span);
      deliveries.set(message, { ctx, queue });
    } catch (err) {
      guard.fail(err);
    }
    if (span === undefined || ctx === undefined) return callback.apply(this, arguments as unknown as unknown[]);
    const delivered = span;
    let result: any;
    try {
      result = applyInContext(ctx, callback, this, arguments);
    } catch (err) {
      recordError(delivered, err);
      delivered.end();
      throw err;
    }
    if (result !== null && typeof result === 'object' && typeof result.then === 'function') {
      // Observed, not chained: the library ignores what the callback returns, and so must we.
      result.then(
        () => delivered.end(),
        (err: unknown) => {
          recordError(delivered, err);
          delivered.end();
        },
      );
    } else {
      delivered.end();
    }
    return result;
  };
}

function wrapConsume(original: Fn): Fn {
  return function consume(this: AmqpChannel, queue: unknown, callback: unknown) {
    if (!guard.enabled || typeof callback !== 'function') return original.apply(this, arguments as unknown as unknown[]);
    const args = Array.prototype.slice.call(arguments) as unknown[];
    try {
      args[1] = tracedConsumer(this, typeof queue === 'string' ? queue : '', callback as Fn);
    } catch (err) {
      guard.fail(err);
      args[1] = callback;
    }
    return original.apply(this, args);
  };
}

// ---- settle ----

function wrapSettle(operation: 'ack' | 'nack' | 'reject'): (original: Fn) => Fn {
  return (original) =>
    function settle(this: AmqpChannel, message: Message) {
      const active = activeContext();
      if (!guard.enabled || isTracingSuppressed(active) || message === null || typeof message !== 'object')
        return original.apply(this, arguments as unknown as unknown[]);
      let span: Span | undefined;
      try {
        const delivery = deliveries.get(message);
        const fields = message.fields ?? {};
        const exchange = typeof fields.exchange === 'string' ? fields.exchange : '';
        const attributes: Attributes = { 'messaging.destination.name': exchange };
        if (typeof fields.routingKey === 'string' && fields.routingKey !== '') attributes['messaging.rabbitmq.destination.routing_key'] = fields.routingKey;
        if (typeof fields.deliveryTag === 'number') attributes['messaging.rabbitmq.message.delivery_tag'] = fields.deliveryTag;
        serverAttributes(this, attributes);
        const destination = consumedFrom(delivery?.queue ?? '', exchange);
        // Under the delivery it settles, wherever the app settles it from (a later timer, another message's callback).
        span = startMessagingSpan(tracer, delivery?.ctx ?? active, { system: 'rabbitmq', operation, type: 'settle', destination, attributes });
      } catch (err) {
        guard.fail(err);
      }
      if (span === undefined) return original.apply(this, arguments as unknown as unknown[]);
      return callSpanned(span, original, this, arguments);
    };
}

/** lib/channel_model.js or lib/callback_model.js: the API's Channel (ConfirmChannel inherits from it). */
export function patchModel(model: any): void {
  const proto = model?.Channel?.prototype;
  if (typeof proto?.consume !== 'function') throw new Error('unexpected shape: no Channel#consume');
  wrap(proto, 'consume', wrapConsume);
  wrap(proto, 'ack', wrapSettle('ack'));
  wrap(proto, 'nack', wrapSettle('nack'));
  wrap(proto, 'reject', wrapSettle('reject'));
}

/** lib/channel.js: both APIs publish through its Channel#sendMessage. */
export function patchChannel(channel: any): void {
  if (typeof channel?.Channel?.prototype?.sendMessage !== 'function') throw new Error('unexpected shape: no Channel#sendMessage');
  wrap(channel.Channel.prototype, 'sendMessage', wrapSendMessage);
}

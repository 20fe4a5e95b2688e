// What every message-broker hook shares (messaging semantic conventions):
// the PRODUCER span of a send, with its context written into the message's
// headers; the CONSUMER span of a delivery, whose parent is the context read
// back from them (a message without one, or with a malformed one, starts a
// new trace); and the CLIENT span of a settlement (ack, nack, …). Message
// bodies are never recorded, only their size.

import type { Attributes, Context, Span, TextMapGetter, TextMapSetter, Tracer } from '@opentelemetry/api';
import { contextWithSpan, ROOT_CONTEXT } from '../../context';
import { propagation } from '../../propagation';
import { SPAN_KIND_CLIENT, SPAN_KIND_CONSUMER, SPAN_KIND_PRODUCER } from '../../otel-constants';

export type MessagingOperationType = 'send' | 'receive' | 'process' | 'settle';

export interface MessagingSpan {
  /** `messaging.system`: rabbitmq, nats, mqtt, … */
  system: string;
  /** `messaging.operation.name`, the library's own word: publish, process, ack, … */
  operation: string;
  type: MessagingOperationType;
  /** Shown in the span name (`{operation} {destination}`); omitted when empty. */
  destination?: string;
  attributes?: Attributes;
}

const KIND: Record<MessagingOperationType, number> = {
  send: SPAN_KIND_PRODUCER,
  receive: SPAN_KIND_CONSUMER,
  process: SPAN_KIND_CONSUMER,
  settle: SPAN_KIND_CLIENT,
};

/** Starts a messaging span under `parent`; its name is `{operation} {destination}`. */
export function startMessagingSpan(tracer: Tracer, parent: Context, how: MessagingSpan): Span {
  const attributes: Attributes = {
    'messaging.system': how.system,
    'messaging.operation.name': how.operation,
    'messaging.operation.type': how.type,
    ...how.attributes,
  };
  const name = how.destination ? `${how.operation} ${how.destination}` : how.operation;
  return tracer.startSpan(name, { kind: KIND[how.type], attributes }, parent);
}

/** Message size in bytes, for `messaging.message.body.size` (never the body itself). */
export function bodySize(body: unknown): number | undefined {
  if (typeof body === 'string') return Buffer.byteLength(body);
  if (body instanceof Uint8Array) return body.byteLength;
  if (body instanceof ArrayBuffer) return body.byteLength;
  return undefined;
}

/** The value of a header as text: brokers hand them back as strings, byte buffers or lists. */
function headerText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8');
  if (Array.isArray(value)) return headerText(value[0]);
  return undefined;
}

/** Reads trace headers from a plain object of message headers; anything that is not text is ignored. */
export const objectGetter: TextMapGetter<Record<string, unknown> | undefined> = {
  keys: (carrier) => (carrier && typeof carrier === 'object' ? Object.keys(carrier) : []),
  get: (carrier, key) => (carrier && typeof carrier === 'object' ? headerText(carrier[key]) : undefined),
};

/** Writes trace headers into a plain object, leaving a header the app set itself as it is. */
export const objectSetter: TextMapSetter<Record<string, unknown>> = {
  set(carrier, key, value) {
    if (carrier[key] === undefined) carrier[key] = value;
  },
};

/** The context a consumer's span continues: read from the message's headers, or a new trace. */
export function extractFrom<C>(carrier: C, getter: TextMapGetter<C>): Context {
  return propagation.current.extract(ROOT_CONTEXT, carrier, getter);
}

/** Writes `span`'s context (and the parent's baggage) into a message's headers. */
export function injectInto<C>(parent: Context, span: Span, carrier: C, setter: TextMapSetter<C>): void {
  propagation.current.inject(contextWithSpan(parent, span), carrier, setter);
}

// B3 (Zipkin): the single `b3` header and the multi-header X-B3-* form.
// https://github.com/openzipkin/b3-propagation
//
// As the OpenTelemetry B3 propagators do: 64-bit trace ids are left-padded to
// 128 bits on extract, the debug flag ("d" / X-B3-Flags: 1) means sampled and
// is carried in the context so it is injected again, ParentSpanId is never
// injected, and a missing sampling decision reads as not sampled.

import type { Context, TextMapGetter, TextMapPropagator, TextMapSetter } from '@opentelemetry/api';
import { contextWithSpan, isTracingSuppressed, RemoteParentSpan, spanFromContext } from '../context';
import { TRACE_FLAG_SAMPLED, TRACE_FLAGS_NONE } from '../otel-constants';
import { firstHeader, isValidSpanId, isValidTraceId } from './util';

/** The same key as @opentelemetry/propagator-b3 uses, so either can read what the other set. */
export const B3_DEBUG_FLAG_KEY = Symbol.for('OpenTelemetry Context Key B3 Debug Flag');

const B3 = 'b3';
const TRACE_ID = 'x-b3-traceid';
const SPAN_ID = 'x-b3-spanid';
const SAMPLED = 'x-b3-sampled';
const FLAGS = 'x-b3-flags';
const PARENT_SPAN_ID = 'x-b3-parentspanid';

const TRACE_ID_RE = /^([0-9a-f]{16}|[0-9a-f]{32})$/;
const SPAN_ID_RE = /^[0-9a-f]{16}$/;

interface B3Parts {
  traceId: string;
  spanId: string;
  sampled: boolean;
  debug: boolean;
}

function padTraceId(id: string): string {
  return id.length === 32 ? id : id.padStart(32, '0');
}

/** `1`, `d` (debug) and the legacy `true` mean sampled. */
function readSampled(value: string | undefined): { sampled: boolean; debug: boolean } {
  const v = value?.trim().toLowerCase();
  if (v === 'd') return { sampled: true, debug: true };
  return { sampled: v === '1' || v === 'true', debug: false };
}

function toContext(context: Context, parts: B3Parts | undefined): Context {
  if (parts === undefined) return context;
  const traceId = padTraceId(parts.traceId);
  if (!isValidTraceId(traceId) || !isValidSpanId(parts.spanId)) return context;
  let ctx = contextWithSpan(
    context,
    new RemoteParentSpan({ traceId, spanId: parts.spanId, traceFlags: parts.sampled ? TRACE_FLAG_SAMPLED : TRACE_FLAGS_NONE, isRemote: true }),
  );
  if (parts.debug) ctx = ctx.setValue(B3_DEBUG_FLAG_KEY, 'd');
  return ctx;
}

/** {TraceId}-{SpanId}[-{SamplingState}[-{ParentSpanId}]]; a lone sampling state carries no parent. */
export function parseB3Single(header: string): B3Parts | undefined {
  const parts = header.trim().toLowerCase().split('-');
  if (parts.length < 2 || parts.length > 4) return undefined;
  const [traceId, spanId, samplingState, parentSpanId] = parts;
  if (!TRACE_ID_RE.test(traceId) || !SPAN_ID_RE.test(spanId)) return undefined;
  if (samplingState !== undefined && !['0', '1', 'd'].includes(samplingState)) return undefined;
  if (parentSpanId !== undefined && !SPAN_ID_RE.test(parentSpanId)) return undefined;
  return { traceId, spanId, ...readSampled(samplingState) };
}

function spanToInject(context: Context): { traceId: string; spanId: string; sampled: boolean; debug: boolean } | undefined {
  const span = spanFromContext(context);
  if (span === undefined || isTracingSuppressed(context)) return undefined;
  const sc = span.spanContext();
  if (!isValidTraceId(sc.traceId) || !isValidSpanId(sc.spanId)) return undefined;
  return { traceId: sc.traceId, spanId: sc.spanId, sampled: (sc.traceFlags & TRACE_FLAG_SAMPLED) !== 0, debug: context.getValue(B3_DEBUG_FLAG_KEY) === 'd' };
}

/** The single `b3` header. */
export class B3SinglePropagator implements TextMapPropagator {
  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    const s = spanToInject(context);
    if (s === undefined) return;
    setter.set(carrier, B3, `${s.traceId}-${s.spanId}-${s.debug ? 'd' : s.sampled ? '1' : '0'}`);
  }

  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    const header = firstHeader(getter.get(carrier, B3));
    if (header === undefined) return context;
    return toContext(context, parseB3Single(header));
  }

  fields(): string[] {
    return [B3];
  }
}

/** X-B3-TraceId, X-B3-SpanId, X-B3-Sampled, X-B3-Flags. */
export class B3MultiPropagator implements TextMapPropagator {
  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    const s = spanToInject(context);
    if (s === undefined) return;
    setter.set(carrier, TRACE_ID, s.traceId);
    setter.set(carrier, SPAN_ID, s.spanId);
    // Debug implies sampled; the spec says not to send both.
    if (s.debug) setter.set(carrier, FLAGS, '1');
    else setter.set(carrier, SAMPLED, s.sampled ? '1' : '0');
  }

  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    const traceId = firstHeader(getter.get(carrier, TRACE_ID))?.trim().toLowerCase();
    const spanId = firstHeader(getter.get(carrier, SPAN_ID))?.trim().toLowerCase();
    if (traceId === undefined || spanId === undefined || !TRACE_ID_RE.test(traceId) || !SPAN_ID_RE.test(spanId)) return context;
    const debug = firstHeader(getter.get(carrier, FLAGS))?.trim() === '1';
    const sampled = readSampled(firstHeader(getter.get(carrier, SAMPLED)));
    return toContext(context, { traceId, spanId, sampled: debug || sampled.sampled, debug });
  }

  fields(): string[] {
    return [TRACE_ID, SPAN_ID, FLAGS, SAMPLED, PARENT_SPAN_ID];
  }
}

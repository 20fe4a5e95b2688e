// Jaeger's native propagation: `uber-trace-id: {trace-id}:{span-id}:{parent-span-id}:{flags}`
// and baggage in `uberctx-{key}` headers.
// https://www.jaegertracing.io/docs/latest/client-libraries/#propagation-format

import type { Baggage, Context, TextMapGetter, TextMapPropagator, TextMapSetter } from '@opentelemetry/api';
import { BAGGAGE_KEY, contextWithSpan, isTracingSuppressed, RemoteParentSpan, spanFromContext } from '../context';
import { TRACE_FLAG_SAMPLED, TRACE_FLAGS_NONE } from '../otel-constants';
import { AgentBaggage } from './baggage';
import { firstHeader, isValidSpanId, isValidTraceId } from './util';

const HEADER = 'uber-trace-id';
const BAGGAGE_PREFIX = 'uberctx-';
const HEX_RE = /^[0-9a-f]{1,32}$/;
const TOKEN_RE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function safeDecode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

/** Jaeger ids may drop leading zeros; trace ids may be 64 or 128 bits. */
export function parseUberTraceId(value: string): { traceId: string; spanId: string; traceFlags: number } | undefined {
  // Some proxies send the header URL-encoded (`%3A` for `:`).
  const decoded = value.includes('%') ? safeDecode(value) : value;
  if (decoded === undefined) return undefined;
  const parts = decoded.trim().toLowerCase().split(':');
  if (parts.length !== 4) return undefined;
  const [traceId, spanId, , flags] = parts;
  if (!HEX_RE.test(traceId) || !HEX_RE.test(spanId) || spanId.length > 16 || !/^[0-9a-f]{1,2}$/.test(flags)) return undefined;
  const fullTraceId = traceId.padStart(32, '0');
  const fullSpanId = spanId.padStart(16, '0');
  if (!isValidTraceId(fullTraceId) || !isValidSpanId(fullSpanId)) return undefined;
  // Bit 1 sampled, bit 2 debug (which implies sampled).
  const bits = parseInt(flags, 16);
  return { traceId: fullTraceId, spanId: fullSpanId, traceFlags: bits & 3 ? TRACE_FLAG_SAMPLED : TRACE_FLAGS_NONE };
}

export class JaegerPropagator implements TextMapPropagator {
  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    if (isTracingSuppressed(context)) return;
    const span = spanFromContext(context);
    if (span !== undefined) {
      const sc = span.spanContext();
      if (isValidTraceId(sc.traceId) && isValidSpanId(sc.spanId)) {
        setter.set(carrier, HEADER, `${sc.traceId}:${sc.spanId}:0:0${sc.traceFlags & TRACE_FLAG_SAMPLED}`);
      }
    }
    const baggage = context.getValue(BAGGAGE_KEY) as Baggage | undefined;
    if (baggage !== undefined) {
      for (const [key, entry] of baggage.getAllEntries()) {
        // The key becomes part of a header name: only HTTP token characters can go.
        if (TOKEN_RE.test(key)) setter.set(carrier, `${BAGGAGE_PREFIX}${key}`, encodeURIComponent(entry.value));
      }
    }
  }

  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    let ctx = context;
    const header = firstHeader(getter.get(carrier, HEADER));
    if (header !== undefined) {
      const parsed = parseUberTraceId(header);
      if (parsed !== undefined) ctx = contextWithSpan(ctx, new RemoteParentSpan({ ...parsed, isRemote: true }));
    }
    let baggage = ctx.getValue(BAGGAGE_KEY) as AgentBaggage | Baggage | undefined;
    let changed = false;
    for (const key of getter.keys(carrier)) {
      if (key.length <= BAGGAGE_PREFIX.length || key.slice(0, BAGGAGE_PREFIX.length).toLowerCase() !== BAGGAGE_PREFIX) continue;
      const raw = firstHeader(getter.get(carrier, key));
      if (raw === undefined) continue;
      const value = safeDecode(raw);
      if (value === undefined) continue;
      baggage = (baggage ?? new AgentBaggage()).setEntry(key.slice(BAGGAGE_PREFIX.length).toLowerCase(), { value });
      changed = true;
    }
    return changed && baggage !== undefined ? ctx.setValue(BAGGAGE_KEY, baggage) : ctx;
  }

  fields(): string[] {
    return [HEADER];
  }
}

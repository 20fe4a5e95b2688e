// Log correlation shared by the logger integrations (pino, winston, bunyan): a
// record written inside a span gets that span's `trace_id`, `span_id` and
// `trace_flags` (the OpenTelemetry names, as its own logger instrumentations
// write them); outside a span nothing is added, and a field the app set itself
// is never replaced. TRACING_AGENT_LOG_CORRELATION=false turns it off.

import type { SpanContext } from '@opentelemetry/api';
import { activeContext, spanFromContext } from '../../context';
import { agentConfig } from '../../provider';
import { INVALID_TRACE_ID } from '../../otel-constants';

export const TRACE_ID = 'trace_id';
export const SPAN_ID = 'span_id';
export const TRACE_FLAGS = 'trace_flags';

/** Whether the logger integrations should patch at all (decided once, when a logger loads). */
export function logCorrelationEnabled(): boolean {
  return agentConfig()?.logCorrelation !== false;
}

/** The active span's context, when there is a span with a valid trace id. */
export function activeSpanContext(): SpanContext | undefined {
  const span = spanFromContext(activeContext());
  if (span === undefined) return undefined;
  const sc = span.spanContext();
  return sc.traceId === INVALID_TRACE_ID ? undefined : sc;
}

/** `01` for a sampled span, `00` for an unsampled one (W3C trace flags, two hex digits). */
export function traceFlags(sc: SpanContext): string {
  return sc.traceFlags < 16 ? `0${sc.traceFlags.toString(16)}` : (sc.traceFlags & 0xff).toString(16);
}

/** Adds the active span's ids to `record`, each only where the record has no field of that name. */
export function addLogIds(record: Record<string, unknown>): void {
  const sc = activeSpanContext();
  if (sc === undefined) return;
  if (!(TRACE_ID in record)) record[TRACE_ID] = sc.traceId;
  if (!(SPAN_ID in record)) record[SPAN_ID] = sc.spanId;
  if (!(TRACE_FLAGS in record)) record[TRACE_FLAGS] = traceFlags(sc);
}

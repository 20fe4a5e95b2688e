// What exporters provide, and what they read of a span.

import type { TraceState } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';

/**
 * What the agent's own spans offer beyond ReadableSpan (span.ts): ids as
 * 32-bit words and times on the span clock (clock.ts), so an encoder that
 * reads these makes no hex id or [seconds, nanoseconds] pair for them.
 */
export interface RawSpan extends ReadableSpan {
  /** The trace id's words, most significant first. */
  readonly traceId: { readonly word0: number; readonly word1: number; readonly word2: number; readonly word3: number };
  readonly spanIdWord0: number;
  readonly spanIdWord1: number;
  readonly traceState: TraceState | undefined;
  /** The parent, when it is one of these spans; any other parent is read from parentSpanContext. */
  readonly localParent: { readonly spanIdWord0: number; readonly spanIdWord1: number } | undefined;
  /** Nanoseconds on the span clock. */
  readonly startClock: number;
  /** Nanoseconds on the span clock; -1 when the end time was given as a time (read endTime). */
  readonly endClock: number;
}

export function isRawSpan(span: ReadableSpan): span is RawSpan {
  return (span as Partial<RawSpan>).spanIdWord0 !== undefined;
}

export interface Exporter {
  /** Short name for logs, e.g. "otlp http://localhost:4318/v1/traces". */
  readonly description: string;
  /** An empty batch of this exporter's kind. */
  newBatch(): ExportBatch;
}

/** Spans on their way to one exporter: filled, sealed, then sent once (and sent again at exit if it has not been acknowledged). */
export interface ExportBatch {
  /** Spans added so far. */
  readonly count: number;
  /** Adds one ended span; throws (adding nothing) when it cannot be encoded. */
  add(span: ReadableSpan): void;
  /** No more spans: the batch is ready to send. */
  seal(): void;
  /** Delivers the batch. Resolves true when the receiver accepted it, false when it was dropped (the exporter has logged why). Never rejects. */
  send(): Promise<boolean>;
  /**
   * Delivers the batch while the process is ending and the event loop can no
   * longer run (`process.exit`, fatal errors): blocks for at most `budgetMs`.
   * A batch whose send() has settled is not sent again: its outcome is returned.
   */
  sendWithin(budgetMs: number): boolean;
}

/** An exporter that encodes a whole batch at once, from the span objects (OTLP/JSON, Jaeger, console). */
export interface SpanListExporter {
  sendSpans(spans: ReadableSpan[]): Promise<boolean>;
  sendSpansWithin(spans: ReadableSpan[], budgetMs: number): boolean;
}

// What every exporter provides. Spans arrive as the SDK's ReadableSpan.

import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';

export interface Exporter {
  /** Short name for logs, e.g. "otlp http://localhost:4318/v1/traces". */
  readonly description: string;
  /**
   * Delivers one batch. Resolves true when the receiver accepted it, false
   * when it was dropped (the exporter has logged why, once). Never rejects.
   */
  send(spans: ReadableSpan[]): Promise<boolean>;
  /**
   * Delivers one batch while the process is ending and the event loop can no
   * longer run (`process.exit`, fatal errors): blocks for at most `budgetMs`.
   */
  sendSync(spans: ReadableSpan[], budgetMs: number): boolean;
  /**
   * Optional, used when this is the only exporter: a batch that encodes each
   * span as it ends, so waiting spans are held as bytes, not objects.
   */
  createBatch?(): EncodingBatch;
  /** Delivers a request made by a batch of createBatch(), as send() does. */
  sendEncoded?(body: Uint8Array, count: number): Promise<boolean>;
  /** Delivers a request made by a batch of createBatch(), as sendSync() does. */
  sendEncodedSync?(body: Uint8Array, count: number, budgetMs: number): boolean;
  /** Takes back the memory of a request made by a batch of createBatch(), once nothing will read it again. */
  releaseEncoded?(body: Uint8Array): void;
}

/** An export request filled span by span. */
export interface EncodingBatch {
  /** Spans added so far. */
  readonly count: number;
  /** Encodes one ended span into the request. */
  add(span: ReadableSpan): void;
  /** The request body with every span added. */
  finish(): Uint8Array;
}

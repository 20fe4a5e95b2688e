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
}

// The batch of exporters that encode a whole batch at once: the span objects wait in a list.

import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { ExportBatch, SpanListExporter } from './types';

export class SpanListBatch implements ExportBatch {
  private readonly spans: ReadableSpan[] = [];
  private outcome: boolean | undefined;

  constructor(private readonly exporter: SpanListExporter) {}

  get count(): number {
    return this.spans.length;
  }

  add(span: ReadableSpan): void {
    this.spans.push(span);
  }

  seal(): void {}

  async send(): Promise<boolean> {
    this.outcome = await this.exporter.sendSpans(this.spans);
    return this.outcome;
  }

  sendWithin(budgetMs: number): boolean {
    return this.outcome ?? this.exporter.sendSpansWithin(this.spans, budgetMs);
  }
}

// Batches ended spans and hands them to the exporters. The queue is bounded
// (spans beyond it are dropped and counted), timers and sockets never keep the
// process alive, and the ending process can drain it synchronously.

import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Exporter } from './exporters/types';
import { log } from './log';

export interface BatchOptions {
  scheduleDelayMs: number;
  maxQueueSize: number;
  maxExportBatchSize: number;
  exportTimeoutMs: number;
}

/** At most this many batches travel at once; more waiting means the queue fills and drops. */
const MAX_IN_FLIGHT = 2;

export interface ProcessorStats {
  queued: number;
  exported: number;
  dropped: number;
  failed: number;
}

export class BatchProcessor implements SpanProcessor {
  private queue: ReadableSpan[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  /** Batches handed to an exporter and not yet acknowledged; resent by a synchronous drain. */
  private readonly unacknowledged = new Set<ReadableSpan[]>();
  private readonly stats: ProcessorStats = { queued: 0, exported: 0, dropped: 0, failed: 0 };
  private readonly openSpans = new Set<Span>();
  private shutDown = false;

  constructor(
    private readonly exporters: Exporter[],
    private readonly options: BatchOptions,
    /** Track spans between start and end, so the ending process can close them. */
    private readonly trackOpenSpans = true,
  ) {}

  onStart(span: Span, _parentContext: Context): void {
    if (this.trackOpenSpans) this.openSpans.add(span);
  }

  onEnd(span: ReadableSpan): void {
    if (this.trackOpenSpans) this.openSpans.delete(span as unknown as Span);
    if (this.shutDown || this.exporters.length === 0 || (span.spanContext().traceFlags & 1) === 0) return;
    if (this.queue.length >= this.options.maxQueueSize) {
      this.stats.dropped++;
      if (this.stats.dropped === 1 || this.stats.dropped % 10000 === 0)
        log.warn(`span queue full (OTEL_BSP_MAX_QUEUE_SIZE=${this.options.maxQueueSize}): ${this.stats.dropped} spans dropped so far`);
      return;
    }
    this.queue.push(span);
    this.stats.queued++;
    if (this.queue.length >= this.options.maxExportBatchSize) this.exportNow();
    else if (this.timer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.exportNow();
      }, this.options.scheduleDelayMs);
      this.timer.unref();
    }
  }

  /** Spans started and not yet ended (for the exit path). */
  pendingOpenSpans(): Span[] {
    return Array.from(this.openSpans);
  }

  getStats(): ProcessorStats {
    return { ...this.stats, queued: this.queue.length };
  }

  hasPendingWork(): boolean {
    return this.queue.length > 0 || this.inFlight.size > 0;
  }

  private exportNow(): void {
    while (this.queue.length > 0 && this.inFlight.size < MAX_IN_FLIGHT) {
      const batch = this.queue.splice(0, this.options.maxExportBatchSize);
      this.track(this.sendBatch(batch));
    }
  }

  private track(promise: Promise<void>): void {
    this.inFlight.add(promise);
    promise.then(() => {
      this.inFlight.delete(promise);
      // More spans may have queued while this batch travelled.
      if (this.queue.length >= this.options.maxExportBatchSize) this.exportNow();
    });
  }

  private async sendBatch(batch: ReadableSpan[]): Promise<void> {
    this.unacknowledged.add(batch);
    try {
      const results = await Promise.all(this.exporters.map((e) => e.send(batch)));
      if (results.every(Boolean)) this.stats.exported += batch.length;
      else this.stats.failed += batch.length;
    } catch (err) {
      this.stats.failed += batch.length;
      log.once('warn', 'export-crash', `export failed: ${(err as Error).message}`);
    } finally {
      this.unacknowledged.delete(batch);
    }
  }

  /** Exports everything queued and waits for it (and for batches already travelling). */
  async forceFlush(): Promise<void> {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    while (this.queue.length > 0 || this.inFlight.size > 0) {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.options.maxExportBatchSize);
        this.track(this.sendBatch(batch));
      }
      await Promise.all(Array.from(this.inFlight));
    }
  }

  /**
   * Delivers everything queued, and every batch still travelling, while the
   * event loop cannot run any more. Blocks for at most budgetMs in total.
   */
  flushSync(budgetMs: number): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const spans: ReadableSpan[] = [];
    for (const batch of this.unacknowledged) spans.push(...batch);
    this.unacknowledged.clear();
    spans.push(...this.queue);
    this.queue = [];
    if (spans.length === 0) return;
    const deadline = Date.now() + budgetMs;
    for (let i = 0; i < spans.length; i += this.options.maxExportBatchSize) {
      const batch = spans.slice(i, i + this.options.maxExportBatchSize);
      let delivered = true;
      for (const exporter of this.exporters) {
        const left = deadline - Date.now();
        if (left <= 0 || !exporter.sendSync(batch, left)) delivered = false;
      }
      if (delivered) this.stats.exported += batch.length;
      else this.stats.failed += batch.length;
    }
  }

  async shutdown(): Promise<void> {
    await this.forceFlush();
    this.shutDown = true;
  }
}

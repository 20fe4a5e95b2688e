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
/**
 * Open spans tracked for the exit path. A span the app starts and never ends
 * would otherwise be kept alive forever by this tracking: past this many, the
 * oldest (the likeliest to be forgotten) is let go.
 */
const MAX_OPEN_SPANS = 8192;

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
  private shutdownDone: Promise<void> | undefined;
  /**
   * Set once the ending process has drained the queue synchronously: a span
   * ended after that (by an app's own 'exit' listener) is delivered at once,
   * until this deadline.
   */
  private syncUntil: number | undefined;

  constructor(
    private readonly exporters: Exporter[],
    private readonly options: BatchOptions,
    /** Track spans between start and end, so the ending process can close them. */
    private trackOpenSpans = true,
  ) {}

  onStart(span: Span, _parentContext: Context): void {
    if (!this.trackOpenSpans) return;
    if (this.openSpans.size >= MAX_OPEN_SPANS) {
      for (const oldest of this.openSpans) {
        this.openSpans.delete(oldest);
        break;
      }
    }
    this.openSpans.add(span);
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
      // (Only reached once per batch window, so the exit check costs the hot path nothing.)
      if (this.syncUntil !== undefined) {
        this.flushSync(this.syncUntil - Date.now());
        return;
      }
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

  /** Spans queued or travelling. */
  pendingCount(): number {
    let count = this.queue.length;
    for (const batch of this.unacknowledged) count += batch.length;
    return count;
  }

  /** Whether an exit would have anything to send: spans queued, travelling, or still open. */
  hasWorkAtExit(): boolean {
    return !this.shutDown && this.exporters.length > 0 && (this.queue.length > 0 || this.inFlight.size > 0 || this.openSpans.size > 0);
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
   *
   * A batch still travelling may already have reached the collector: it is
   * sent again (delivered twice rather than lost).
   */
  flushSync(budgetMs: number): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const spans: ReadableSpan[] = [];
    for (const batch of this.unacknowledged) for (const span of batch) spans.push(span);
    this.unacknowledged.clear();
    for (const span of this.queue) spans.push(span);
    this.queue = [];
    if (spans.length === 0) return;
    const deadline = Date.now() + budgetMs;
    const size = this.options.maxExportBatchSize;
    const batches = Math.ceil(spans.length / size);
    const delivered = new Array<boolean>(batches).fill(true);
    for (const exporter of this.exporters) {
      for (let b = 0; b < batches; b++) {
        const left = deadline - Date.now();
        // A collector that failed one batch of this drain will fail the next: keep the budget.
        let ok = false;
        if (left > 0) {
          try {
            ok = exporter.sendSync(spans.slice(b * size, (b + 1) * size), left);
          } catch (err) {
            log.once('warn', 'export-crash', `export failed: ${(err as Error).message}`);
          }
        }
        if (!ok) {
          for (let rest = b; rest < batches; rest++) delivered[rest] = false;
          break;
        }
      }
    }
    for (let b = 0; b < batches; b++) {
      const count = Math.min(size, spans.length - b * size);
      if (delivered[b]) this.stats.exported += count;
      else this.stats.failed += count;
    }
  }

  /**
   * From now until the deadline, a span that ends is delivered synchronously
   * at once: the process is ending and no timer will fire again.
   */
  deliverSyncUntil(deadline: number): void {
    this.syncUntil = deadline;
  }

  /** Flushes, then drops every span ended afterwards. The same promise for every call. */
  shutdown(): Promise<void> {
    this.shutdownDone ??= this.forceFlush().then(() => {
      this.shutDown = true;
      this.trackOpenSpans = false;
      this.openSpans.clear();
    });
    return this.shutdownDone;
  }
}

// Batches ended spans and hands them to the exporters. The queue is bounded
// (spans beyond it are dropped and counted), timers and sockets never keep the
// process alive, and the ending process can drain it synchronously. What a
// batch holds (encoded bytes for OTLP/protobuf, span objects for the others)
// is each exporter's own business (ExportBatch in exporters/types.ts).

import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ExportBatch, Exporter } from './exporters/types';
import { countDropped } from './drops';
import { TRACE_FLAG_SAMPLED } from './otel-constants';

export interface BatchOptions {
  scheduleDelayMs: number;
  maxQueueSize: number;
  maxExportBatchSize: number;
  exportTimeoutMs: number;
}

/** At most this many batches travel at once; more waiting means the queue fills and drops. */
const MAX_IN_FLIGHT = 2;
/** Open spans tracked for the exit path, at most. */
const MAX_OPEN_SPANS = 8192;

export interface ProcessorStats {
  queued: number;
  exported: number;
  dropped: number;
  failed: number;
}

/** Spans on their way: one batch for each exporter. */
class Pending {
  readonly batches: ExportBatch[];
  /** Spans at least one exporter took. */
  count = 0;

  constructor(exporters: Exporter[]) {
    this.batches = exporters.map((e) => e.newBatch());
  }

  /** Whether any exporter took the span (one that cannot encode it has dropped it and said why). */
  add(span: ReadableSpan): boolean {
    const batches = this.batches;
    let taken = false;
    for (let i = 0; i < batches.length; i++) {
      try {
        batches[i].add(span);
        taken = true;
      } catch (err) {
        countDropped('failed', 1, `a span could not be encoded: ${(err as Error).message}`);
      }
    }
    if (taken) this.count++;
    return taken;
  }
}

/**
 * A span that can be linked into the open-span list: the agent's own spans
 * declare these fields (null when unlinked), so tracking them is two pointer
 * writes. Tracked in a Set instead, every span's insert and delete made V8
 * grow its young generation under load: the hello-world benchmark's peak RSS
 * added went from +14 to +28-30 MiB on Node 22 (side by side, same run), past
 * the 20 MiB target. (A span is tracked by one processor: the agent has one.)
 */
export interface OpenSpanLinks {
  openPrev: OpenSpanLinks | null;
  openNext: OpenSpanLinks | null;
}

function hasLinks(span: object): span is OpenSpanLinks {
  return (span as Partial<OpenSpanLinks>).openPrev !== undefined;
}

/** Spans started and not yet ended: the agent's in a linked list, the app's (SDK spans) in a set. */
class OpenSpans {
  private newest: OpenSpanLinks | null = null;
  private oldest: OpenSpanLinks | null = null;
  private linked = 0;
  private readonly others = new Set<Span>();

  get size(): number {
    return this.linked + this.others.size;
  }

  add(span: Span): void {
    if (!hasLinks(span)) {
      this.others.add(span);
      return;
    }
    span.openNext = this.newest;
    span.openPrev = null;
    if (this.newest !== null) this.newest.openPrev = span;
    else this.oldest = span;
    this.newest = span;
    this.linked++;
  }

  delete(span: Span | ReadableSpan): void {
    if (!hasLinks(span)) {
      this.others.delete(span as Span);
      return;
    }
    // Not in the list (never added, or dropped as the oldest): nothing to unlink.
    if (span.openPrev === null && span.openNext === null && this.newest !== span) return;
    if (span.openPrev !== null) span.openPrev.openNext = span.openNext;
    else this.newest = span.openNext;
    if (span.openNext !== null) span.openNext.openPrev = span.openPrev;
    else this.oldest = span.openPrev;
    span.openPrev = span.openNext = null;
    this.linked--;
  }

  /** Lets go of the oldest of the agent's spans (else of the app's). */
  dropOldest(): void {
    if (this.oldest !== null) this.delete(this.oldest as unknown as Span);
    else
      for (const span of this.others) {
        this.others.delete(span);
        break;
      }
  }

  values(): Span[] {
    const spans = Array.from(this.others);
    for (let node = this.newest; node !== null; node = node.openNext) spans.push(node as unknown as Span);
    return spans;
  }

  clear(): void {
    while (this.newest !== null) this.delete(this.newest as unknown as Span);
    this.others.clear();
  }
}

/** The agent's own spans say so without making their hex ids; others by their trace flags. */
function isSampled(span: ReadableSpan): boolean {
  return (span as { sampled?: boolean }).sampled === true || (span.spanContext().traceFlags & TRACE_FLAG_SAMPLED) !== 0;
}

export class BatchProcessor implements SpanProcessor {
  /** The batches filling now, and the full ones waiting for a send slot. */
  private filling: Pending | undefined;
  private waiting: Pending[] = [];
  private waitingCount = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  /** Batches handed to the exporters and not yet acknowledged; resent by a synchronous drain. */
  private readonly unacknowledged = new Set<Pending>();
  private readonly stats: ProcessorStats = { queued: 0, exported: 0, dropped: 0, failed: 0 };
  /** Spans started and not yet ended. */
  private readonly openSpans = new OpenSpans();
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

  /** Spans ended and not yet handed to the exporters. */
  private queuedCount(): number {
    return (this.filling?.count ?? 0) + this.waitingCount;
  }

  onStart(span: Span, _parentContext: Context): void {
    if (!this.trackOpenSpans) return;
    // A span the app starts and never ends would be kept forever: past the limit, the oldest (the likeliest to be forgotten) is let go.
    if (this.openSpans.size >= MAX_OPEN_SPANS) this.openSpans.dropOldest();
    this.openSpans.add(span);
  }

  onEnd(span: ReadableSpan): void {
    if (this.trackOpenSpans) this.openSpans.delete(span);
    if (this.shutDown || this.exporters.length === 0 || !isSampled(span)) return;
    if (this.queuedCount() >= this.options.maxQueueSize) {
      this.stats.dropped++;
      countDropped('queue_full', 1, `OTEL_BSP_MAX_QUEUE_SIZE=${this.options.maxQueueSize}`);
      return;
    }
    const filling = (this.filling ??= new Pending(this.exporters));
    if (!filling.add(span)) {
      this.stats.dropped++;
      return;
    }
    this.stats.queued++;
    if (filling.count >= this.options.maxExportBatchSize) this.exportNow();
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
    return this.openSpans.values();
  }

  /** Spans queued or travelling. */
  pendingCount(): number {
    let count = this.queuedCount();
    for (const batch of this.unacknowledged) count += batch.count;
    return count;
  }

  /** Whether an exit would have anything to send: spans queued, travelling, or still open. */
  hasWorkAtExit(): boolean {
    return !this.shutDown && this.exporters.length > 0 && (this.queuedCount() > 0 || this.inFlight.size > 0 || this.openSpans.size > 0);
  }

  getStats(): ProcessorStats {
    return { ...this.stats, queued: this.queuedCount() };
  }

  hasPendingWork(): boolean {
    return this.queuedCount() > 0 || this.inFlight.size > 0;
  }

  /** The filling batch is sealed and waits for a send slot. */
  private sealFilling(): void {
    const filling = this.filling;
    if (filling === undefined || filling.count === 0) return;
    this.filling = undefined;
    try {
      for (const batch of filling.batches) batch.seal();
    } catch (err) {
      this.stats.failed += filling.count;
      countDropped('failed', filling.count, `export failed: ${(err as Error).message}`);
      return;
    }
    this.waiting.push(filling);
    this.waitingCount += filling.count;
  }

  /** The next batch to send; undefined when nothing waits. */
  private takeBatch(): Pending | undefined {
    if (this.waiting.length === 0) this.sealFilling();
    const batch = this.waiting.shift();
    if (batch !== undefined) this.waitingCount -= batch.count;
    return batch;
  }

  private exportNow(): void {
    // A full batch is sealed now, even with no send slot free: the next spans start a new one.
    if ((this.filling?.count ?? 0) >= this.options.maxExportBatchSize) this.sealFilling();
    while (this.inFlight.size < MAX_IN_FLIGHT) {
      const batch = this.takeBatch();
      if (batch === undefined) break;
      this.track(this.send(batch));
    }
  }

  private track(promise: Promise<void>): void {
    this.inFlight.add(promise);
    promise.then(() => {
      this.inFlight.delete(promise);
      // More spans may have queued while this batch travelled: full batches,
      // and spans whose timer fired while both slots were busy (that timer is
      // gone, and no other comes unless another span ends).
      if (this.waiting.length > 0 || (this.timer === undefined && this.queuedCount() > 0)) this.exportNow();
    });
  }

  private async send(batch: Pending): Promise<void> {
    this.unacknowledged.add(batch);
    try {
      const results = await Promise.all(batch.batches.map((b) => b.send()));
      if (results.every(Boolean)) this.stats.exported += batch.count;
      else this.stats.failed += batch.count;
    } catch (err) {
      this.stats.failed += batch.count;
      countDropped('failed', batch.count, `export failed: ${(err as Error).message}`);
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
    while (this.queuedCount() > 0 || this.inFlight.size > 0) {
      for (let batch = this.takeBatch(); batch !== undefined; batch = this.takeBatch()) this.track(this.send(batch));
      await Promise.all(Array.from(this.inFlight));
    }
  }

  /**
   * Delivers every batch still travelling, then everything queued, while the
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
    const batches = Array.from(this.unacknowledged);
    this.unacknowledged.clear();
    this.sealFilling();
    batches.push(...this.waiting);
    this.waiting = [];
    this.waitingCount = 0;
    const deadline = Date.now() + budgetMs;
    // An exporter that failed one batch of this drain will fail the next: keep the budget for the others.
    const failing = this.exporters.map(() => false);
    for (const batch of batches) {
      let delivered = true;
      for (let e = 0; e < batch.batches.length; e++) {
        const left = deadline - Date.now();
        let ok = false;
        if (failing[e]) countDropped('unavailable', batch.count, `${this.exporters[e].description} failed at exit`);
        else if (left <= 0) countDropped('timeout', batch.count, 'exit budget (TRACING_AGENT_EXIT_TIMEOUT) spent');
        else {
          try {
            ok = batch.batches[e].sendWithin(left);
          } catch (err) {
            countDropped('failed', batch.count, `export failed: ${(err as Error).message}`);
          }
        }
        if (!ok) {
          failing[e] = true;
          delivered = false;
        }
      }
      if (delivered) this.stats.exported += batch.count;
      else this.stats.failed += batch.count;
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

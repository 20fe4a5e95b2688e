// Batches ended spans and hands them to the exporters. The queue is bounded
// (spans beyond it are dropped and counted), timers and sockets never keep the
// process alive, and the ending process can drain it synchronously.
//
// With one exporter that can encode as spans end (OTLP http/protobuf, the
// default), waiting spans are held as encoded requests instead of objects.

import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { EncodingBatch, Exporter } from './exporters/types';
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

/** A batch encoded while its spans ended, ready to send. */
interface EncodedRequest {
  body: Uint8Array;
  count: number;
}

type Batch = ReadableSpan[] | EncodedRequest;

function countOf(batch: Batch): number {
  return Array.isArray(batch) ? batch.length : batch.count;
}

/**
 * A span that can be linked into the open-span list: the agent's own spans
 * declare these fields (null when unlinked), so tracking them is two pointer
 * writes instead of a hash set's insert and delete, once per span each.
 * (A span is tracked by one processor: the agent has one.)
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
  /** Object mode: ended spans waiting. */
  private queue: ReadableSpan[] = [];
  /** Encoding mode: the exporter that encodes, the batch filling, the full batches waiting for a send slot. */
  private readonly encoder: Exporter | undefined;
  private filling: EncodingBatch | undefined;
  private encoded: EncodedRequest[] = [];
  private encodedCount = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  /** Batches handed to an exporter and not yet acknowledged; resent by a synchronous drain. */
  private readonly unacknowledged = new Set<Batch>();
  private readonly stats: ProcessorStats = { queued: 0, exported: 0, dropped: 0, failed: 0 };
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
  ) {
    const only = exporters.length === 1 ? exporters[0] : undefined;
    if (only?.createBatch && only.sendEncoded && only.sendEncodedSync) this.encoder = only;
  }

  /** Spans ended and not yet handed to an exporter. */
  private queuedCount(): number {
    return this.encoder === undefined ? this.queue.length : (this.filling?.count ?? 0) + this.encodedCount;
  }

  onStart(span: Span, _parentContext: Context): void {
    if (!this.trackOpenSpans) return;
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
    let batchSize: number;
    if (this.encoder !== undefined) {
      const filling = (this.filling ??= this.encoder.createBatch!());
      try {
        filling.add(span);
      } catch (err) {
        this.stats.dropped++;
        countDropped('failed', 1, `a span could not be encoded: ${(err as Error).message}`);
        return;
      }
      batchSize = filling.count;
    } else {
      this.queue.push(span);
      batchSize = this.queue.length;
    }
    this.stats.queued++;
    if (batchSize >= this.options.maxExportBatchSize) this.exportNow();
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
    for (const batch of this.unacknowledged) count += countOf(batch);
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

  /** Encoding mode: the filling batch becomes a request waiting to be sent. */
  private closeFilling(): void {
    const filling = this.filling;
    if (filling === undefined || filling.count === 0) return;
    this.filling = undefined;
    let body: Uint8Array;
    try {
      body = filling.finish();
    } catch (err) {
      this.stats.failed += filling.count;
      countDropped('failed', filling.count, `export failed: ${(err as Error).message}`);
      return;
    }
    this.encoded.push({ body, count: filling.count });
    this.encodedCount += filling.count;
  }

  /** The next batch to send, at most maxExportBatchSize spans; undefined when nothing waits. */
  private takeBatch(): Batch | undefined {
    if (this.encoder === undefined) return this.queue.length > 0 ? this.queue.splice(0, this.options.maxExportBatchSize) : undefined;
    if (this.encoded.length === 0) this.closeFilling();
    const request = this.encoded.shift();
    if (request !== undefined) this.encodedCount -= request.count;
    return request;
  }

  private exportNow(): void {
    // A full batch closes now, even with no send slot free: the next spans start a new one.
    if (this.encoder !== undefined && (this.filling?.count ?? 0) >= this.options.maxExportBatchSize) this.closeFilling();
    while (this.inFlight.size < MAX_IN_FLIGHT) {
      const batch = this.takeBatch();
      if (batch === undefined) break;
      this.track(this.sendBatch(batch));
    }
  }

  private track(promise: Promise<void>): void {
    this.inFlight.add(promise);
    promise.then(() => {
      this.inFlight.delete(promise);
      // More spans may have queued while this batch travelled: full batches,
      // and spans whose timer fired while both slots were busy (that timer is
      // gone, and no other comes unless another span ends).
      const full = this.encoder !== undefined ? this.encoded.length > 0 : this.queue.length >= this.options.maxExportBatchSize;
      if (full || (this.timer === undefined && this.queuedCount() > 0)) this.exportNow();
    });
  }

  private async sendBatch(batch: Batch): Promise<void> {
    this.unacknowledged.add(batch);
    const count = countOf(batch);
    try {
      const results = Array.isArray(batch)
        ? await Promise.all(this.exporters.map((e) => e.send(batch)))
        : [await this.encoder!.sendEncoded!(batch.body, batch.count)];
      if (results.every(Boolean)) this.stats.exported += count;
      else this.stats.failed += count;
    } catch (err) {
      this.stats.failed += count;
      countDropped('failed', count, `export failed: ${(err as Error).message}`);
    } finally {
      this.unacknowledged.delete(batch);
      // Sent (or given up): nothing reads this request again, not even the exit path.
      if (!Array.isArray(batch)) this.encoder!.releaseEncoded?.(batch.body);
    }
  }

  /** Exports everything queued and waits for it (and for batches already travelling). */
  async forceFlush(): Promise<void> {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    while (this.queuedCount() > 0 || this.inFlight.size > 0) {
      for (let batch = this.takeBatch(); batch !== undefined; batch = this.takeBatch()) this.track(this.sendBatch(batch));
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
    if (this.encoder !== undefined) {
      this.flushEncodedSync(this.encoder, budgetMs);
      return;
    }
    const spans: ReadableSpan[] = [];
    for (const batch of this.unacknowledged) for (const span of batch as ReadableSpan[]) spans.push(span);
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
            countDropped('failed', Math.min(size, spans.length - b * size), `export failed: ${(err as Error).message}`);
          }
        } else countDropped('timeout', Math.min(size, spans.length - b * size), 'exit budget (TRACING_AGENT_EXIT_TIMEOUT) spent');
        if (!ok) {
          for (let rest = b; rest < batches; rest++) delivered[rest] = false;
          // The batches not tried (this exporter failed one already) are dropped too.
          const untried = spans.length - Math.min(spans.length, (b + 1) * size);
          countDropped('unavailable', untried, `${exporter.description} failed at exit`);
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

  /** flushSync in encoding mode: the requests travelling, waiting and filling, in that order. */
  private flushEncodedSync(encoder: Exporter, budgetMs: number): void {
    const requests = Array.from(this.unacknowledged) as EncodedRequest[];
    this.unacknowledged.clear();
    this.closeFilling();
    requests.push(...this.encoded);
    this.encoded = [];
    this.encodedCount = 0;
    const deadline = Date.now() + budgetMs;
    let failing = false;
    for (const request of requests) {
      const left = deadline - Date.now();
      // A collector that failed one request of this drain will fail the next: keep the budget.
      let ok = false;
      if (failing) countDropped('unavailable', request.count, `${encoder.description} failed at exit`);
      else if (left <= 0) countDropped('timeout', request.count, 'exit budget (TRACING_AGENT_EXIT_TIMEOUT) spent');
      else {
        try {
          ok = encoder.sendEncodedSync!(request.body, request.count, left);
        } catch (err) {
          countDropped('failed', request.count, `export failed: ${(err as Error).message}`);
        }
      }
      if (ok) this.stats.exported += request.count;
      else {
        failing = true;
        this.stats.failed += request.count;
      }
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

// Delivering one batch to an HTTP collector: retried while the collector says
// "later" (429, 502, 503, 504) or cannot be reached, with exponential backoff
// and jitter, honouring Retry-After, all within the batch's export timeout
// (OTEL_BSP_EXPORT_TIMEOUT); split in halves while it is answered 413 (too
// large). What is given up is counted by cause (see drops.ts).
//
// While a batch waits to be retried it keeps its send slot: the processor's
// queue (OTEL_BSP_MAX_QUEUE_SIZE) fills behind it, and spans beyond that are
// dropped as queue_full, so memory stays bounded however long a collector is away.

import { countDropped, exportFailed, exportWorked } from '../drops';
import type { PostResult } from './request';

/** OTLP/HTTP's retryable statuses (429 Too Many Requests, 502, 503, 504). */
const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);
/** The first wait, and the most any wait grows to (doubling between). */
const FIRST_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 8000;

/** A request that can be sent, and, for a 413, split into two smaller ones. */
export interface Deliverable {
  count: number;
  send(timeoutMs: number): Promise<PostResult>;
  split?(): [Deliverable, Deliverable] | undefined;
}

/** Set while the process is ending: a failed attempt is not retried, and batches waiting to retry try once more now. */
let ending = false;
const waiting = new Set<() => void>();

/** The process is ending (the event loop drained): no more waiting between attempts. */
export function stopRetrying(): void {
  ending = true;
  for (const wake of Array.from(waiting)) wake();
}

/** The process went on after all (a 'beforeExit' listener scheduled more work). */
export function resumeRetrying(): void {
  ending = false;
}

/** Waits `ms` (the timer never holds the process open), or less if the process starts ending. */
function pause(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const wake = (): void => {
      clearTimeout(timer);
      waiting.delete(wake);
      resolve();
    };
    const timer = setTimeout(wake, ms);
    timer.unref();
    waiting.add(wake);
  });
}

/** 500 ms, 1 s, 2 s, … up to 8 s, each between half and all of it (jitter: many agents do not retry in step). */
export function backoffMs(attempt: number): number {
  const base = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** attempt);
  return base / 2 + Math.random() * (base / 2);
}

/**
 * Sends until delivered, refused for good, or out of time. Resolves true when
 * every span arrived; never rejects. `target` names the collector (no secrets).
 */
export async function deliver(request: Deliverable, deadline: number, attemptTimeoutMs: number, target: string): Promise<boolean> {
  // The last attempt's failure, if any: time running out while waiting to retry does not change why the spans were lost.
  let failed: { cause: 'timeout' | 'unavailable'; why: string } | undefined;
  for (let attempt = 0; ; attempt++) {
    const left = deadline - Date.now();
    if (left <= 0) {
      if (failed !== undefined) countDropped(failed.cause, request.count, failed.why);
      else countDropped('timeout', request.count, `export to ${target} not done within OTEL_BSP_EXPORT_TIMEOUT`);
      return false;
    }
    const result = await request.send(Math.min(attemptTimeoutMs, left));
    if (result.ok) {
      exportWorked(target);
      return true;
    }
    exportFailed();
    if (result.status === 413) {
      const halves = request.count > 1 ? request.split?.() : undefined;
      if (halves === undefined) {
        countDropped('too_large', request.count, `HTTP 413 from ${target}`);
        return false;
      }
      const first = await deliver(halves[0], deadline, attemptTimeoutMs, target);
      const second = await deliver(halves[1], deadline, attemptTimeoutMs, target);
      return first && second;
    }
    const why = `${result.error ?? `HTTP ${result.status}`} from ${target}`;
    // No status: the connection failed or timed out, which a later attempt may not.
    if (result.status !== undefined && !RETRYABLE_STATUS.has(result.status)) {
      countDropped('rejected', request.count, why);
      return false;
    }
    failed = { cause: result.timedOut ? 'timeout' : 'unavailable', why };
    const wait = result.retryAfterMs ?? backoffMs(attempt);
    if (ending || Date.now() + wait >= deadline) {
      countDropped(failed.cause, request.count, why);
      return false;
    }
    await pause(wait);
  }
}

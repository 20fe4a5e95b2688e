// Every span the agent had to give up on, counted by cause, and said on stderr
// without flooding it: one line when drops start, at most one line per
// interval while they continue, a warning when export works again, and a
// total when the process ends (unless the only line said so far told it). The counts are read through `exportStats()`.

import { log } from './log';

/** Why spans were dropped. */
export type DropCause =
  /** The queue was full (OTEL_BSP_MAX_QUEUE_SIZE): the exporter could not keep up, or the collector was away. */
  | 'queue_full'
  /** The collector answered with an error it will answer again (400, 401, 403, 404, …). */
  | 'rejected'
  /** The collector stayed unavailable (429, 502, 503, 504, no connection) past the retries' time. */
  | 'unavailable'
  /** No answer within the export timeout. */
  | 'timeout'
  /** Too large: a span that fits no UDP datagram, or a batch still refused (413) when it is one span. */
  | 'too_large'
  /** Spans that could not be encoded, or an exporter that failed outright. */
  | 'failed';

export const DROP_CAUSES: readonly DropCause[] = ['queue_full', 'rejected', 'unavailable', 'timeout', 'too_large', 'failed'];

/** At most one line per this many milliseconds while spans keep being dropped. */
export const REPORT_INTERVAL_MS = 10_000;

const total: Record<DropCause, number> = { queue_full: 0, rejected: 0, unavailable: 0, timeout: 0, too_large: 0, failed: 0 };
/** Drops not yet said on stderr, and the first reason of each cause (for the line). */
let unreported = 0;
const unreportedBy = new Map<DropCause, { count: number; why: string }>();
/** Set while an interval runs after a line: drops in it wait for its end. */
let timer: NodeJS.Timeout | undefined;
/** Lines said so far: with one only, it already told the total, and the exit says nothing more. */
let lines = 0;
/** Drops since the last export that worked (a span too large, or one that cannot be encoded, is no failure of the collector's). */
let sinceSuccess = 0;
/** Set when an attempt to export failed (refused, away, silent), cleared by one that works. */
let failing = false;
let lastRecovery = -Infinity;

function describe(by: Iterable<[DropCause, { count: number; why: string }]>): string {
  return Array.from(by, ([cause, { count, why }]) => `${count} ${cause.replace('_', ' ')}${why ? ` (${why})` : ''}`).join(', ');
}

function report(first: boolean): void {
  timer = undefined;
  if (unreported === 0) return;
  const count = unreported;
  const line = describe(unreportedBy);
  unreported = 0;
  unreportedBy.clear();
  lines++;
  log.warn(`${count} ${first ? '' : 'more '}spans dropped${first ? '' : ` in the last ${REPORT_INTERVAL_MS / 1000} s`}: ${line}; ${totalDropped()} in all`);
  // While drops continue, the next line comes one interval later at the earliest.
  timer = setTimeout(() => report(false), REPORT_INTERVAL_MS);
  timer.unref();
}

/** Counts `count` spans dropped for `cause`; `why` (short, no secrets) goes into the line that reports them. */
export function countDropped(cause: DropCause, count: number, why = ''): void {
  if (count <= 0) return;
  total[cause] += count;
  if (cause !== 'too_large' && cause !== 'failed') sinceSuccess += count;
  if (cause === 'rejected' || cause === 'unavailable' || cause === 'timeout') failing = true;
  unreported += count;
  const entry = unreportedBy.get(cause);
  if (entry === undefined) unreportedBy.set(cause, { count, why });
  else entry.count += count;
  // The first drop of a quiet period is said at once; the ones after it once per interval.
  if (timer === undefined) report(true);
}

/** An attempt to export failed (it may still be retried). */
export function exportFailed(): void {
  failing = true;
}

/** An export worked: after failures, say so at warn level (as the drops were), at most once per interval. */
export function exportWorked(target: string): void {
  if (!failing) return;
  failing = false;
  const dropped = sinceSuccess;
  sinceSuccess = 0;
  const now = Date.now();
  if (now - lastRecovery < REPORT_INTERVAL_MS) return;
  lastRecovery = now;
  lines++;
  log.warn(`export to ${target} works again${dropped > 0 ? ` (${dropped} spans dropped meanwhile)` : ''}`);
}

export function totalDropped(): number {
  let sum = 0;
  for (const cause of DROP_CAUSES) sum += total[cause];
  return sum;
}

export function droppedByCause(): Record<DropCause, number> {
  return { ...total };
}

/** The line for the end of the process: the total by cause, unless the one line said so far told it already. */
export function reportTotalAtExit(): void {
  const sum = totalDropped();
  if (sum === 0 || (lines === 1 && unreported === 0)) return;
  const by = DROP_CAUSES.filter((cause) => total[cause] > 0)
    .map((cause) => `${total[cause]} ${cause.replace('_', ' ')}`)
    .join(', ');
  log.warn(`${sum} spans dropped in all while this process ran: ${by}`);
}

// The clock the agent's spans keep (see span.ts), and its zero on the wall clock.

import type { HrTime } from '@opentelemetry/api';

// Wall-clock time read once, then advanced by the monotonic clock: nanosecond
// resolution without loading perf_hooks (~1 ms of startup).
const WALL_MS = Date.now();
const WALL_S = Math.floor(WALL_MS / 1000);
const WALL_NS = (WALL_MS - WALL_S * 1000) * 1e6;
const [MONO_S, MONO_NS] = process.hrtime();
/** The wall-clock time, in seconds and nanoseconds since the epoch, of the span clock's zero. */
export const CLOCK_BASE_SECONDS = WALL_S;
export const CLOCK_BASE_NANOS = WALL_NS;
/** performance.timeOrigin equivalent, for numeric times relative to it. */
export const TIME_ORIGIN_MS = WALL_MS - process.uptime() * 1000;

/**
 * The clock spans keep: nanoseconds since the wall-clock reading above, from
 * the monotonic clock, as one number (exact below 2^53 ns, 104 days): no
 * [seconds, nanoseconds] arrays to allocate per span; made on demand.
 */
export function clockNow(): number {
  const now = process.hrtime();
  return (now[0] - MONO_S) * 1e9 + (now[1] - MONO_NS);
}

/** A clock reading as wall-clock [seconds, nanoseconds] since the epoch. */
export function clockToEpoch(clock: number): HrTime {
  const total = WALL_NS + clock;
  const carry = Math.floor(total / 1e9);
  return [WALL_S + carry, total - carry * 1e9];
}

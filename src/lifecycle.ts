// Every way a process ends -> deliver the pending spans within one budget
// (TRACING_AGENT_EXIT_TIMEOUT) -> end exactly as the process would have ended
// without the agent: same exit status, same stderr, same signal.
//
// - the loop drains:        'beforeExit' holds the loop open just long enough for an async flush
// - process.exit(), fatal:  'exit' can only run synchronous code: spans go out through postSync
//                           (a worker thread waited on with Atomics.wait)
// - uncaught exception or rejection: 'uncaughtExceptionMonitor' observes without changing
//                           anything; the active span gets the error, 'exit' delivers
// - SIGTERM/SIGINT/SIGHUP:  with no listener of the app's own, end the open spans, deliver,
//                           then die by the same signal; with one, deliver and let the app decide

import type { Config } from './config';
import { activeContext, spanFromContext } from './context';
import { countDropped, reportTotalAtExit } from './drops';
import { STATUS_ERROR } from './otel-constants';
import { loadedTracing } from './provider';

const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;

let installed = false;
/** When the ending process must stop waiting for the collector (set by the first exit path taken). */
let exitDeadline: number | undefined;

function budgetLeft(config: Config): number {
  exitDeadline ??= Date.now() + config.exitTimeoutMs;
  return Math.max(0, exitDeadline - Date.now());
}

/** The uncaught exception or unhandled rejection that is ending the process, if one is. */
let fatalError: string | undefined;

/** Spans still open when the process ends are ended now, marked as cut short. */
function endOpenSpans(reason: string): void {
  const tracing = loadedTracing();
  if (tracing === undefined) return;
  const spans = tracing.processor.pendingOpenSpans();
  if (spans.length === 0) return;
  const message = `span still open when the process ended (${reason}${fatalError === undefined ? '' : `, after ${fatalError}`})`;
  for (const span of spans) {
    try {
      span.setAttribute('tracing_agent.cut_short', reason);
      // An error already recorded (the one that ends the process) says more than this.
      if ((span as unknown as { status?: { code: number } }).status?.code !== STATUS_ERROR) span.setStatus({ code: STATUS_ERROR, message });
      span.end();
    } catch {
      // one broken span must not stop the others
    }
  }
}

function flushSync(config: Config): void {
  const tracing = loadedTracing();
  if (tracing === undefined || !tracing.processor.hasPendingWork()) return;
  const left = budgetLeft(config);
  if (left <= 0) {
    countDropped(
      'timeout',
      tracing.processor.pendingCount(),
      `exit budget (TRACING_AGENT_EXIT_TIMEOUT=${config.exitTimeoutMs} ms) spent before they could be delivered`,
    );
    return;
  }
  tracing.processor.flushSync(left);
}

function retry(): typeof import('./exporters/retry') {
  return require('./exporters/retry') as typeof import('./exporters/retry');
}

function sender(): typeof import('./exporters/post') {
  return require('./exporters/post') as typeof import('./exporters/post');
}

/**
 * Starts the synchronous sender's thread now when something will have to be
 * sent: its start (~30-45 ms) then overlaps with ending spans and encoding.
 */
function warmIfNeeded(config: Config): boolean {
  const processor = loadedTracing()?.processor;
  if (processor === undefined || config.exitTimeoutMs <= 0 || !processor.hasWorkAtExit()) return false;
  return sender().warmSender();
}

/** How long the sender thread stays ready after a signal the app handles itself. */
const WARM_AFTER_SIGNAL_MS = 10000;

/**
 * Signal listeners that only re-raise a signal when no one else listens:
 * signal-exit's (v3 and v4, in the dependencies of many CLIs), counted through
 * the emitters it keeps on the process. Taking one of them for the app's own
 * would leave each waiting for the other, and a Ctrl-C doing nothing.
 */
function deferringListeners(): number {
  const v4 = (globalThis as Record<symbol, { count?: unknown } | undefined>)[Symbol.for('signal-exit emitter')]?.count;
  const v3 = (process as unknown as { __signal_exit_emitter__?: { count?: unknown } }).__signal_exit_emitter__?.count;
  return (typeof v4 === 'number' ? v4 : 0) + (typeof v3 === 'number' ? v3 : 0);
}

function onSignal(config: Config, signal: (typeof SIGNALS)[number], listener: () => void): void {
  const listeners = process.listeners(signal);
  const deferring = deferringListeners();
  if (listeners.length - 1 - deferring > 0) {
    // The app decides what happens next, often an exit soon: deliver what has
    // ended so far without blocking it, and have the sender ready for that exit.
    try {
      const processor = loadedTracing()?.processor;
      if (processor === undefined) return;
      if (warmIfNeeded(config)) setTimeout(() => sender().closeSender(), WARM_AFTER_SIGNAL_MS).unref();
      void processor.forceFlush();
    } catch {
      // the app's own listener runs regardless
    }
    return;
  }
  try {
    warmIfNeeded(config);
    endOpenSpans(signal);
    flushSync(config);
  } catch {
    // whatever failed, the process still ends as it would have
  } finally {
    process.removeListener(signal, listener);
    // Now die the way Node would have: by the signal itself (a shell sees 128 + n).
    // Deferring listeners that run after this one (in this same emit) see
    // themselves alone now and re-raise it themselves, after their own
    // cleanup, exactly as without the agent; ones that ran before did nothing.
    if (deferring === 0 || listeners.indexOf(listener) !== 0) process.kill(process.pid, signal);
  }
}

export function installLifecycle(config: Config): void {
  if (installed) return;
  installed = true;
  let holding = false;

  // The event loop drained. Export timers and sockets are unref'd, so the loop
  // can empty with spans still queued or travelling (also while the app awaits
  // flush() or shutdown()): hold it open with a ref'd timer until they are
  // delivered or the exit budget is spent. A delivery that completes gives the
  // budget back, for the next time the loop drains.
  process.on('beforeExit', () => {
    try {
      const tracing = loadedTracing();
      if (tracing === undefined || holding) return;
      // With no 'beforeExit' listener of the app's, nothing can end the spans
      // still open: the 'exit' that follows would cut them short. Do it now,
      // so they travel with this asynchronous flush instead of the sender thread.
      if (process.listenerCount('beforeExit') === 1 && tracing.processor.hasWorkAtExit()) {
        const code = Number(process.exitCode ?? 0) || 0;
        endOpenSpans(code === 0 ? 'exit' : `exit code ${code}`);
      }
      if (!tracing.processor.hasPendingWork()) return;
      const left = budgetLeft(config);
      if (left <= 0) return;
      holding = true;
      // A batch waiting to retry a collector that is away tries once more now, not after its backoff.
      retry().stopRetrying();
      const hold = setTimeout(() => {}, left);
      tracing.processor.forceFlush().finally(() => {
        clearTimeout(hold);
        holding = false;
        if (!tracing.processor.hasPendingWork()) {
          exitDeadline = undefined;
          // Delivered: if the process goes on after all, so do retries.
          retry().resumeRetrying();
        }
      });
    } catch {
      // never in the way of the process ending
    }
  });

  // process.exit(), a fatal exception, or the loop's end: only synchronous work is possible now.
  process.on('exit', (code) => {
    try {
      const processor = loadedTracing()?.processor;
      if (processor === undefined) return;
      warmIfNeeded(config);
      endOpenSpans(code === 0 ? 'exit' : `exit code ${code}`);
      flushSync(config);
      reportTotalAtExit();
      // The app's own 'exit' listeners run after this one: what they end still goes out.
      budgetLeft(config);
      processor.deliverSyncUntil(exitDeadline!);
    } catch {
      // an exception here would change the exit status: swallow it
    }
  });

  // Observes an uncaught exception (or an unhandled rejection raised as one)
  // before Node reports it, without changing whether or how the process ends.
  process.on('uncaughtExceptionMonitor', (err, origin) => {
    try {
      // (A capture callback, as the domain module sets one, handles it too.)
      const fatal = process.listenerCount('uncaughtException') === 0 && !process.hasUncaughtExceptionCaptureCallback();
      if (fatal) {
        const what = origin === 'unhandledRejection' ? 'unhandled rejection' : 'uncaught exception';
        fatalError = `${what} ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`;
      }
      const span = spanFromContext(activeContext());
      if (span !== undefined && span.isRecording()) {
        if (err instanceof Error) span.recordException(err);
        span.setAttribute('error.type', (err as { name?: string })?.name ?? 'Error');
        span.setStatus({ code: STATUS_ERROR, message: (err as Error)?.message ?? String(err) });
        // With no handler of the app's, this error ends the process: the span ends with it.
        if (fatal) span.end();
      }
      // The 'exit' that follows will send: start the sender while Node prints its report.
      if (fatal) warmIfNeeded(config);
    } catch {
      // never in the way of Node's own report
    }
  });

  for (const signal of SIGNALS) {
    const listener = () => onSignal(config, signal, listener);
    try {
      process.on(signal, listener);
    } catch {
      // signals cannot be listened to here (a worker thread): the 'exit' path still applies
    }
  }
}

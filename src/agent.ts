// start() / flush() / shutdown(): configuration -> propagators -> provider ->
// hooks -> lifecycle. Starting twice (two preload flags, a preload plus a
// programmatic start) does nothing the second time.

import { droppedByCause, totalDropped, type DropCause } from './drops';
import { describeExporter, describeSampler, readConfig, type Config } from './config';
import { INTEGRATIONS } from './hooks';
import { installIntegrations } from './loader/install';
import { installLifecycle } from './lifecycle';
import { log, setLogLevel } from './log';
import { createPropagator, propagation } from './propagation';
import { setRedactedQueryKeys } from './semconv';
import { API_BINDING, getTracing, initProvider, loadedTracing } from './provider';

const STARTED = Symbol.for('tracing-agent.started');

/**
 * The span processor and exporters are set up this long after the app first
 * loads a module the agent traces (http, a driver…): off the first request's
 * path, without holding the process. Not at startup: a timer is the first of a
 * process's costs ~0.4 ms, and a process that loads none of them (a script, a
 * CLI) never needs the rest. A span that comes first sets them up itself.
 */
const PRELOAD_DELAY_MS = 200;

export interface StartResult {
  started: boolean;
  config: Config;
  hooks: string[];
}

export function start(env: NodeJS.ProcessEnv = process.env): StartResult | undefined {
  const g = globalThis as Record<symbol, unknown>;
  if (g[STARTED]) return undefined;
  g[STARTED] = true;

  const config = readConfig(env);
  setLogLevel(config.logLevel);
  for (const error of config.errors) log.error(error);
  for (const warning of config.warnings) log.warn(warning);
  if (config.disabled) {
    log.info('OTEL_SDK_DISABLED=true: no hooks installed');
    return { started: false, config, hooks: [] };
  }

  if (config.redactQueryKeys.length > 0) setRedactedQueryKeys(config.redactQueryKeys);
  propagation.current = createPropagator(config.propagators);
  initProvider(config, propagation.current);
  const hooks = installIntegrations([...INTEGRATIONS, API_BINDING], config.hooks, () => setTimeout(getTracing, PRELOAD_DELAY_MS).unref());
  installLifecycle(config);

  log.info(
    `tracing ${config.serviceName}: export ${config.exporters.map((name) => describeExporter(config, name)).join(' + ') || 'none'}` +
      `, sampler ${describeSampler(config)}, propagators ${config.propagators.join(',') || 'none'}, hooks ${hooks.join(',') || 'none'}`,
  );
  return { started: true, config, hooks };
}

/**
 * Exports every span ended so far and waits until the collector has them (or
 * the export failed; failures are logged, never thrown). Safe to call any
 * time, any number of times, also concurrently: each call waits for
 * everything ended before it.
 */
export async function flush(): Promise<void> {
  const tracing = loadedTracing();
  if (tracing === undefined) return;
  const release = holdOpen();
  try {
    await tracing.processor.forceFlush();
  } catch {
    // flush() never rejects
  } finally {
    release();
  }
}

// Export sockets and retry timers never hold the process open on their own.
// While the app awaits flush() or shutdown(), the process is held open, so a
// batch waiting to retry a collector that said "later" is delivered before the
// app goes on (at most OTEL_BSP_EXPORT_TIMEOUT per batch), not cut short by the
// exit path as if the app had finished.
let holders = 0;
let holdTimer: NodeJS.Timeout | undefined;

function holdOpen(): () => void {
  if (holders++ === 0) holdTimer = setInterval(() => {}, 1 << 30);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--holders === 0) clearInterval(holdTimer);
  };
}

export interface ExportStats {
  /** Spans the exporters delivered (a batch split after a 413 counts once it is all delivered). */
  exported: number;
  /** Spans waiting in the queue now. */
  queued: number;
  /** Spans given up on, in all. */
  dropped: number;
  /** The same, by cause: queue_full, rejected (4xx), unavailable (429/5xx/no connection past the retries), timeout, too_large, failed. */
  droppedBy: Record<DropCause, number>;
}

/** What became of the spans so far: delivered, waiting, dropped (by cause). */
export function exportStats(): ExportStats {
  const processor = loadedTracing()?.processor.getStats();
  return { exported: processor?.exported ?? 0, queued: processor?.queued ?? 0, dropped: totalDropped(), droppedBy: droppedByCause() };
}

/**
 * Flushes (each batch tried once more, without waiting to retry), then stops
 * exporting: spans ended afterwards are dropped, and the process ends with
 * nothing left for the exit path to do. Every call returns
 * the same outcome; calling it again, or concurrently, does no more work.
 */
export async function shutdown(): Promise<void> {
  const tracing = loadedTracing();
  if (tracing === undefined) return;
  const release = holdOpen();
  try {
    // The app is stopping: a collector that said "later" gets one more attempt now, no backoff.
    (require('./exporters/retry') as typeof import('./exporters/retry')).stopRetrying();
    await tracing.processor.shutdown();
    // A sender thread warmed for an exit is not needed any more.
    (require('./exporters/post') as typeof import('./exporters/post')).closeSender();
  } catch {
    // shutdown() never rejects
  } finally {
    release();
  }
}

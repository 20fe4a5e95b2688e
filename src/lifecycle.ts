// Every way a process ends -> deliver the pending spans within a budget ->
// end exactly as the process would have ended without the agent.

import type { Config } from './config';
import { loadedTracing } from './provider';

let installed = false;

export function installLifecycle(config: Config): void {
  if (installed) return;
  installed = true;
  let finalFlushStarted = false;

  // The event loop drained by itself. Export timers and sockets are unref'd, so
  // the loop can empty with spans still queued: hold it open (a ref'd timer) just
  // long enough to deliver them, once.
  process.on('beforeExit', () => {
    const tracing = loadedTracing();
    if (tracing === undefined || finalFlushStarted || !tracing.processor.hasPendingWork()) return;
    finalFlushStarted = true;
    const hold = setTimeout(() => {}, config.exitTimeoutMs);
    tracing.processor.forceFlush().finally(() => clearTimeout(hold));
  });

  // process.exit() and everything else that ends the loop abruptly: only
  // synchronous work is possible now.
  process.on('exit', () => {
    const tracing = loadedTracing();
    if (tracing === undefined || !tracing.processor.hasPendingWork()) return;
    tracing.processor.flushSync(config.exitTimeoutMs);
  });
}

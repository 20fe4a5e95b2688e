// The agent's public entry: the programmatic API, and what the preload flags
// call. Built into the single file dist/tracing-agent.js.
import { start } from './agent';

export { start, flush, shutdown, exportStats, type StartResult, type ExportStats } from './agent';
export type { DropCause } from './drops';
export type { Config } from './config';

/** Called by the preload entries (register.cjs / register.mjs, through load.cjs): start, and never let a failure reach the app. */
export function startFromPreload(): void {
  try {
    start();
  } catch (err) {
    try {
      process.stderr.write(`tracing-agent error: could not start, the app runs untraced: ${(err as Error).message}\n`);
    } catch {
      // nothing left to report to
    }
  }
}

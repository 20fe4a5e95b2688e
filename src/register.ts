// Entry for the preload flags: start the agent, and never let its failure
// reach the app.
import { start } from './agent';

try {
  start();
} catch (err) {
  try {
    process.stderr.write(`tracing-agent error: could not start, the app runs untraced: ${(err as Error).message}\n`);
  } catch {
    // nothing left to report to
  }
}

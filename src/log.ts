// The agent's own diagnostics: one short line each on stderr, prefixed so a
// reader knows they come from the agent and not from the app.

export type LogLevel = 'none' | 'error' | 'warn' | 'info' | 'debug' | 'verbose' | 'all';

const RANK: Record<LogLevel, number> = { none: 0, error: 1, warn: 2, info: 3, debug: 4, verbose: 5, all: 6 };

let threshold = RANK.warn;
const onceKeys = new Set<string>();

export function setLogLevel(level: LogLevel): void {
  threshold = RANK[level];
}

function write(rank: number, label: string, message: string): void {
  if (rank > threshold) return;
  try {
    process.stderr.write(`tracing-agent ${label}: ${message}\n`);
  } catch {
    // stderr closed: nothing sensible left to do
  }
}

export const log = {
  error: (message: string) => write(RANK.error, 'error', message),
  warn: (message: string) => write(RANK.warn, 'warning', message),
  info: (message: string) => write(RANK.info, 'info', message),
  debug: (message: string) => write(RANK.debug, 'debug', message),
  /** Logs a message the first time `key` is seen; hooks use it so a broken hook cannot flood stderr. */
  once(level: 'error' | 'warn' | 'info' | 'debug', key: string, message: string): void {
    if (onceKeys.has(key)) return;
    onceKeys.add(key);
    log[level](message);
  },
};

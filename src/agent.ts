// start() / flush() / shutdown(): configuration -> propagators -> provider ->
// hooks -> lifecycle. Starting twice (two preload flags, a preload plus a
// programmatic start) does nothing the second time.

import { readConfig, type Config } from './config';
import { installHooks } from './hooks';
import { installLifecycle } from './lifecycle';
import { log, setLogLevel } from './log';
import { createPropagator, propagation } from './propagation';
import { getTracing, initProvider, loadedTracing } from './provider';

const STARTED = Symbol.for('tracing-agent.started');

/** Load the SDK shortly after startup, off the first request's path, without holding the process. */
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
  for (const warning of config.warnings) log.warn(warning);
  if (config.disabled) {
    log.info('OTEL_SDK_DISABLED=true: no hooks installed');
    return { started: false, config, hooks: [] };
  }

  propagation.current = createPropagator(config.propagators);
  initProvider(config, propagation.current);
  const hooks = installHooks(config.hooks);
  installLifecycle(config);
  setTimeout(getTracing, PRELOAD_DELAY_MS).unref();

  log.info(
    `tracing ${config.serviceName}: exporters ${config.exporters.join(',') || 'none'}` +
      (config.exporters.includes('otlp') ? ` (${config.otlp.protocol} ${config.otlp.endpoint})` : '') +
      `, sampler ${config.sampler.name}${config.sampler.name.includes('ratio') ? `(${config.sampler.ratio})` : ''}` +
      `, hooks ${hooks.join(',') || 'none'}`,
  );
  return { started: true, config, hooks };
}

/** Exports every span ended so far and waits for delivery. Safe to call any time, any number of times. */
export async function flush(): Promise<void> {
  await loadedTracing()?.processor.forceFlush();
}

/** Flushes and stops exporting; spans ended afterwards are dropped. */
export async function shutdown(): Promise<void> {
  await loadedTracing()?.processor.shutdown();
}

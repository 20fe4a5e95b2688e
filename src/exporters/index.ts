// Builds the configured exporters. Each is loaded only when configured.

import type { Config } from '../config';
import type { Exporter } from './types';

export function createExporters(config: Config): Exporter[] {
  const list: Exporter[] = [];
  for (const name of config.exporters) {
    if (name === 'otlp') {
      const { OtlpExporter } = require('./otlp') as typeof import('./otlp');
      list.push(new OtlpExporter(config.otlp, config.batch.exportTimeoutMs));
    } else if (name === 'console') {
      const { ConsoleExporter } = require('./console') as typeof import('./console');
      list.push(new ConsoleExporter());
    } else if (name === 'jaeger') {
      const { createJaegerExporter } = require('./jaeger') as typeof import('./jaeger');
      list.push(createJaegerExporter(config));
    }
  }
  return list;
}

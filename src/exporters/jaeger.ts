// Jaeger Thrift exporter (agent UDP or collector HTTP).
import type { Config } from '../config';
import { log } from '../log';
import type { Exporter } from './types';

export function createJaegerExporter(config: Config): Exporter {
  log.warn('the jaeger exporter is not available yet; jaeger spans are dropped');
  return { description: 'jaeger (unavailable)', send: async () => false, sendSync: () => false };
}

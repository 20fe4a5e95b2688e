// The configuration the agent runs with: every variable of the table in
// src/config-table.ts read from one environment (src/config-reader.ts warns
// about each malformed value and uses the default), then combined where
// variables work together (the Jaeger endpoint and protocol, the enabled and
// disabled hooks, headers from two variables) and checked across variables.

import type { LogLevel } from './log';
import { maskUrl, readVariables, type ConfigEntry } from './config-reader';
import {
  joinPath,
  VARIABLE_TABLE,
  type ConfigValues,
  type ExporterName,
  type JaegerProtocol,
  type OtlpProtocol,
  type PropagatorName,
  type SamplerName,
} from './config-table';

export { maskUrl, type ConfigEntry } from './config-reader';
export {
  DEFAULT_OTLP_BASE,
  type ConfigValues,
  type ExporterName,
  type JaegerProtocol,
  type OtlpProtocol,
  type PropagatorName,
  type SamplerName,
} from './config-table';

export const DEFAULT_JAEGER_ENDPOINT_PATH = '/api/traces';
export const DEFAULT_JAEGER_ENDPOINT = 'http://localhost:14268/api/traces';

export interface SpanLimitsConfig {
  attributeValueLengthLimit: number; // Infinity = no limit
  attributeCountLimit: number;
  eventCountLimit: number;
  linkCountLimit: number;
  attributePerEventCountLimit: number;
  attributePerLinkCountLimit: number;
}

export interface Config {
  disabled: boolean;
  logLevel: LogLevel;
  serviceName: string;
  resourceAttributes: Record<string, string>;
  exporters: ExporterName[];
  otlp: {
    endpoint: string;
    protocol: OtlpProtocol;
    headers: Record<string, string>;
    timeoutMs: number;
    compression: 'gzip' | 'none';
  };
  jaeger: {
    /** UDP to an agent, or HTTP to a collector (when an endpoint is set or the protocol says so). */
    protocol: JaegerProtocol;
    agentHost: string;
    agentPort: number;
    /** The collector URL in effect for http/thrift.binary. */
    endpoint: string;
    user: string | undefined;
    password: string | undefined;
    timeoutMs: number;
  };
  sampler: { name: SamplerName; ratio: number };
  propagators: PropagatorName[];
  batch: { scheduleDelayMs: number; maxQueueSize: number; maxExportBatchSize: number; exportTimeoutMs: number };
  spanLimits: SpanLimitsConfig;
  /** Hook names to install, after OTEL_NODE_ENABLED/DISABLED_INSTRUMENTATIONS. */
  hooks: string[];
  /** How long an ending process may wait for its last spans to be delivered. */
  exitTimeoutMs: number;
  /** What of a SQL query is recorded: sanitised text (literals → ?), the raw text, or none. */
  dbQueryText: 'sanitized' | 'raw' | 'off';
  /** Whether log records written inside a span get its trace_id, span_id and trace_flags (pino, winston, bunyan). */
  logCorrelation: boolean;
  /** One INTERNAL span per middleware and request handler of the web frameworks (off by default: noise for most). */
  middlewareSpans: boolean;
  /** GraphQL spans: the execution only, also parse and validate, or also the app's resolvers. */
  graphqlSpans: 'execute' | 'phases' | 'all';
  /** Query keys redacted besides the built-in rules (TRACING_AGENT_REDACT_QUERY_KEYS). */
  redactQueryKeys: string[];
  /**
   * Every variable's value by name, as read: a setting that needs no
   * combining with others (a TRACING_AGENT_* switch) is read from here,
   * e.g. `agentConfig()?.values.TRACING_AGENT_DB_QUERY_TEXT`.
   */
  values: ConfigValues;
  /** Every variable read, for `tracing-agent config`. */
  entries: ConfigEntry[];
  warnings: string[];
  /** Settings that turned something off (a malformed exporter endpoint), logged as errors. */
  errors: string[];
}

/** One exporter as the startup line and `tracing-agent config` name it (secrets masked). */
export function describeExporter(config: Config, name: ExporterName): string {
  if (name === 'otlp') return `otlp ${config.otlp.protocol} ${maskUrl(config.otlp.endpoint)}`;
  if (name === 'jaeger')
    return config.jaeger.protocol === 'udp/thrift.binary'
      ? `jaeger udp/thrift.binary ${config.jaeger.agentHost}:${config.jaeger.agentPort}`
      : `jaeger http/thrift.binary ${maskUrl(config.jaeger.endpoint)}`;
  return 'console (stdout)';
}

/** The sampler with its ratio, when it has one. */
export function describeSampler(config: Config): string {
  const { name, ratio } = config.sampler;
  return name.endsWith('traceidratio') ? `${name}(${ratio})` : name;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const { values: v, entries, warnings, errors } = readVariables(VARIABLE_TABLE, env);
  const malformed = (name: string) => errors.some((e) => e.startsWith(`${name}=`));
  const isSet = (name: string) => entries.some((e) => e.name === name && e.raw !== undefined);

  const otlpBase = v.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (otlpBase.endsWith('/v1/traces') || otlpBase.endsWith('/v1/traces/'))
    warnings.push(
      `OTEL_EXPORTER_OTLP_ENDPOINT already ends in /v1/traces, and /v1/traces is appended to it (spec rule); set OTEL_EXPORTER_OTLP_TRACES_ENDPOINT for a full URL`,
    );

  const jaegerEndpoint = v.OTEL_EXPORTER_JAEGER_ENDPOINT;
  if (v.OTEL_EXPORTER_JAEGER_PASSWORD !== undefined && v.OTEL_EXPORTER_JAEGER_USER === undefined)
    warnings.push('OTEL_EXPORTER_JAEGER_PASSWORD is set without OTEL_EXPORTER_JAEGER_USER; no authentication is sent');
  if (jaegerEndpoint !== undefined && v.OTEL_EXPORTER_JAEGER_PROTOCOL === 'udp/thrift.binary')
    warnings.push('OTEL_EXPORTER_JAEGER_ENDPOINT is ignored with OTEL_EXPORTER_JAEGER_PROTOCOL=udp/thrift.binary');

  const maxQueueSize = v.OTEL_BSP_MAX_QUEUE_SIZE;
  let maxExportBatchSize = v.OTEL_BSP_MAX_EXPORT_BATCH_SIZE;
  if (maxExportBatchSize > maxQueueSize) {
    warnings.push(`OTEL_BSP_MAX_EXPORT_BATCH_SIZE (${maxExportBatchSize}) exceeds OTEL_BSP_MAX_QUEUE_SIZE (${maxQueueSize}); using ${maxQueueSize}`);
    maxExportBatchSize = maxQueueSize;
  }

  const disabledHooks = v.OTEL_NODE_DISABLED_INSTRUMENTATIONS;

  // An exporter whose endpoint is malformed is off (its error says so), the others run.
  // OTLP: the traces endpoint, when set and valid, is used whatever the generic one says.
  const otlpTracesValid = isSet('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT') && !malformed('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const otlpOff = !otlpTracesValid && (malformed('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT') || malformed('OTEL_EXPORTER_OTLP_ENDPOINT'));
  const jaegerOff = malformed('OTEL_EXPORTER_JAEGER_ENDPOINT');

  return {
    disabled: v.OTEL_SDK_DISABLED,
    logLevel: v.OTEL_LOG_LEVEL,
    serviceName: v.OTEL_SERVICE_NAME,
    resourceAttributes: v.OTEL_RESOURCE_ATTRIBUTES,
    exporters: v.OTEL_TRACES_EXPORTER.filter((name) => !(name === 'otlp' && otlpOff) && !(name === 'jaeger' && jaegerOff)),
    otlp: {
      endpoint: v.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT,
      protocol: v.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL,
      headers: { ...v.OTEL_EXPORTER_OTLP_HEADERS, ...v.OTEL_EXPORTER_OTLP_TRACES_HEADERS },
      timeoutMs: v.OTEL_EXPORTER_OTLP_TRACES_TIMEOUT,
      compression: v.OTEL_EXPORTER_OTLP_TRACES_COMPRESSION,
    },
    jaeger: {
      protocol: v.OTEL_EXPORTER_JAEGER_PROTOCOL,
      agentHost: v.OTEL_EXPORTER_JAEGER_AGENT_HOST,
      agentPort: v.OTEL_EXPORTER_JAEGER_AGENT_PORT,
      // A bare collector address (no path) gets Jaeger's /api/traces.
      endpoint:
        jaegerEndpoint === undefined
          ? DEFAULT_JAEGER_ENDPOINT
          : new URL(jaegerEndpoint).pathname === '/'
            ? joinPath(jaegerEndpoint, DEFAULT_JAEGER_ENDPOINT_PATH)
            : jaegerEndpoint,
      user: v.OTEL_EXPORTER_JAEGER_USER,
      password: v.OTEL_EXPORTER_JAEGER_PASSWORD,
      timeoutMs: v.OTEL_EXPORTER_JAEGER_TIMEOUT,
    },
    sampler: { name: v.OTEL_TRACES_SAMPLER, ratio: v.OTEL_TRACES_SAMPLER_ARG },
    propagators: v.OTEL_PROPAGATORS,
    batch: { scheduleDelayMs: v.OTEL_BSP_SCHEDULE_DELAY, maxQueueSize, maxExportBatchSize, exportTimeoutMs: v.OTEL_BSP_EXPORT_TIMEOUT },
    spanLimits: {
      attributeValueLengthLimit: v.OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT,
      attributeCountLimit: v.OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT,
      eventCountLimit: v.OTEL_SPAN_EVENT_COUNT_LIMIT,
      linkCountLimit: v.OTEL_SPAN_LINK_COUNT_LIMIT,
      attributePerEventCountLimit: v.OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT,
      attributePerLinkCountLimit: v.OTEL_LINK_ATTRIBUTE_COUNT_LIMIT,
    },
    hooks: v.OTEL_NODE_ENABLED_INSTRUMENTATIONS.filter((name) => !disabledHooks.includes(name)),
    exitTimeoutMs: v.TRACING_AGENT_EXIT_TIMEOUT,
    dbQueryText: v.TRACING_AGENT_DB_QUERY_TEXT,
    logCorrelation: v.TRACING_AGENT_LOG_CORRELATION,
    middlewareSpans: v.TRACING_AGENT_MIDDLEWARE_SPANS,
    graphqlSpans: v.TRACING_AGENT_GRAPHQL_SPANS,
    redactQueryKeys: v.TRACING_AGENT_REDACT_QUERY_KEYS,
    values: v,
    entries,
    warnings,
    errors,
  };
}

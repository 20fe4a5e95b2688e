// Every environment variable the agent reads, one row each, in the order they
// are read: its name, the kind of value (src/config-reader.ts), its default,
// whether it is a secret, and what it does. This table is the only place a
// default is written: src/config.ts reads the variables through it,
// `tracing-agent config` shows them with it, and `npm run docs` writes the
// tables in README.md and docs/CONFIGURATION.md from it.
//
// To add a variable: one `.add({...})` row below (at the end, or after the
// variables its default depends on), then `npm run docs`. Its value is then
// `config.values.NAME`, typed.

import { INTEGRATIONS } from './hooks';
import type { LogLevel } from './log';
import {
  bool,
  endpoint,
  headers,
  int,
  items,
  keyValues,
  listOf,
  oneOf,
  optionalEndpoint,
  optionalText,
  ratio,
  text,
  VariableTable,
  type ValuesOf,
} from './config-reader';
import { DEFAULT_REDACTED_QUERY_KEYS } from './semconv';

export const LOG_LEVELS: readonly LogLevel[] = ['none', 'error', 'warn', 'info', 'debug', 'verbose', 'all'];
export const EXPORTERS = ['otlp', 'jaeger', 'console'] as const;
export const OTLP_PROTOCOLS = ['http/protobuf', 'http/json'] as const;
export const JAEGER_PROTOCOLS = ['udp/thrift.binary', 'http/thrift.binary'] as const;
export const COMPRESSIONS = ['gzip', 'none'] as const;
export const SAMPLERS = ['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'] as const;
export const PROPAGATORS = ['tracecontext', 'baggage', 'b3', 'b3multi', 'jaeger'] as const;
export const DB_QUERY_TEXT = ['sanitized', 'raw', 'off'] as const;

export type ExporterName = (typeof EXPORTERS)[number];
export type OtlpProtocol = (typeof OTLP_PROTOCOLS)[number];
export type JaegerProtocol = (typeof JAEGER_PROTOCOLS)[number];
export type SamplerName = (typeof SAMPLERS)[number];
export type PropagatorName = (typeof PROPAGATORS)[number];

export const DEFAULT_OTLP_BASE = 'http://localhost:4318';

const HOOK_NAMES = INTEGRATIONS.map((integration) => integration.name);
/** Names the OpenTelemetry Node agent uses for what a tracing-agent hook covers. */
const HOOK_ALIASES: Record<string, string> = { undici: 'fetch', https: 'http', 'redis-4': 'redis' };

/** base + path, without doubling the slash between them. */
export function joinPath(base: string, path: string): string {
  return base.replace(/\/+$/, '') + path;
}

export const VARIABLE_TABLE = new VariableTable()
  .add({ name: 'OTEL_SDK_DISABLED', type: bool, default: false, doc: '`true` turns the agent off: no hooks, no spans.' })
  .add({
    name: 'OTEL_LOG_LEVEL',
    type: oneOf(LOG_LEVELS, { aliases: { warning: 'warn' } }),
    default: 'warn',
    doc: "The agent's own messages on stderr: `none`, `error`, `warn`, `info`, `debug`, `verbose`, `all`. `info` adds one startup line (service, export, sampler, hooks).",
  })
  .add({
    name: 'OTEL_RESOURCE_ATTRIBUTES',
    type: keyValues({ wholeOnError: true }),
    default: {},
    doc: 'Resource attributes, `key=value,key2=value2`, values percent-encoded. Jaeger shows them as process tags. A malformed value is ignored whole (spec rule).',
  })
  .add({
    name: 'OTEL_SERVICE_NAME',
    type: text,
    default: (v) => v.OTEL_RESOURCE_ATTRIBUTES['service.name'] ?? 'unknown_service:node',
    defaultDoc: '`service.name` from OTEL_RESOURCE_ATTRIBUTES, else `unknown_service:node`',
    doc: "The service's name (`service.name`; Jaeger's `process.serviceName`).",
  })
  .add({
    name: 'OTEL_TRACES_EXPORTER',
    type: listOf(EXPORTERS, { none: true, unsupported: { zipkin: 'is not supported by tracing-agent', logging: 'is deprecated (use console)' } }),
    default: ['otlp'],
    doc: 'Where spans go, comma-separated, several at once allowed: `otlp`, `jaeger`, `console` (one JSON line per span on stdout), or `none`.',
  })

  // OTLP: the signal-specific variable wins over the generic one (spec rule).
  .add({
    name: 'OTEL_EXPORTER_OTLP_ENDPOINT',
    type: endpoint('otlp'),
    default: DEFAULT_OTLP_BASE,
    doc: 'Base URL of the OTLP/HTTP receiver; `/v1/traces` is appended.',
  })
  .add({
    name: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
    type: endpoint('otlp'),
    default: (v) => joinPath(v.OTEL_EXPORTER_OTLP_ENDPOINT, '/v1/traces'),
    defaultDoc: 'OTEL_EXPORTER_OTLP_ENDPOINT + `/v1/traces`',
    doc: 'Full URL for traces, used as written.',
  })
  .add({
    name: 'OTEL_EXPORTER_OTLP_PROTOCOL',
    type: oneOf(OTLP_PROTOCOLS, { unsupported: ['grpc'] }),
    default: 'http/protobuf',
    doc: '`http/protobuf` or `http/json` (`grpc` is not supported).',
  })
  .add({
    name: 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL',
    type: oneOf(OTLP_PROTOCOLS, { unsupported: ['grpc'] }),
    sameAs: 'OTEL_EXPORTER_OTLP_PROTOCOL',
    doc: 'The same, for traces.',
  })
  .add({
    name: 'OTEL_EXPORTER_OTLP_HEADERS',
    type: headers,
    default: {},
    secret: true,
    doc: 'Headers sent with every export, `key=value,…`, values percent-encoded.',
  })
  .add({
    name: 'OTEL_EXPORTER_OTLP_TRACES_HEADERS',
    type: headers,
    default: {},
    secret: true,
    doc: 'Headers for traces, added to (and overriding) OTEL_EXPORTER_OTLP_HEADERS.',
  })
  .add({ name: 'OTEL_EXPORTER_OTLP_TIMEOUT', type: int(1), default: 10000, doc: 'Milliseconds one OTLP export may take.' })
  .add({ name: 'OTEL_EXPORTER_OTLP_TRACES_TIMEOUT', type: int(1), sameAs: 'OTEL_EXPORTER_OTLP_TIMEOUT', doc: 'The same, for traces.' })
  .add({ name: 'OTEL_EXPORTER_OTLP_COMPRESSION', type: oneOf(COMPRESSIONS), default: 'none', doc: '`gzip` or `none`.' })
  .add({ name: 'OTEL_EXPORTER_OTLP_TRACES_COMPRESSION', type: oneOf(COMPRESSIONS), sameAs: 'OTEL_EXPORTER_OTLP_COMPRESSION', doc: 'The same, for traces.' })

  // Jaeger: an endpoint means the collector over HTTP, unless the protocol says otherwise.
  .add({
    name: 'OTEL_EXPORTER_JAEGER_ENDPOINT',
    type: optionalEndpoint('jaeger'),
    default: undefined,
    defaultDoc: '(unset: UDP to the agent)',
    doc: 'Jaeger collector URL: when set, spans go there over HTTP as a Thrift `Batch` (a URL without a path gets `/api/traces`, e.g. `http://jaeger:14268`).',
  })
  .add({
    name: 'OTEL_EXPORTER_JAEGER_PROTOCOL',
    type: oneOf(JAEGER_PROTOCOLS, { unsupported: ['udp/thrift.compact', 'grpc'] }),
    default: (v) => (v.OTEL_EXPORTER_JAEGER_ENDPOINT === undefined ? 'udp/thrift.binary' : 'http/thrift.binary'),
    defaultDoc: '`udp/thrift.binary`, or `http/thrift.binary` when OTEL_EXPORTER_JAEGER_ENDPOINT is set',
    doc: '`udp/thrift.binary` (agent) or `http/thrift.binary` (collector; `http://localhost:14268/api/traces` without an endpoint). `udp/thrift.compact` and `grpc` are not supported.',
  })
  .add({
    name: 'OTEL_EXPORTER_JAEGER_AGENT_HOST',
    type: text,
    default: 'localhost',
    doc: 'Jaeger agent host for UDP (names go over IPv4; an IPv6 literal over IPv6).',
  })
  .add({ name: 'OTEL_EXPORTER_JAEGER_AGENT_PORT', type: int(1, 65535), default: 6832, doc: "Jaeger agent UDP port (6832 is the agent's binary-Thrift port)." })
  .add({ name: 'OTEL_EXPORTER_JAEGER_USER', type: optionalText, default: undefined, doc: 'User name for basic authentication to the collector.' })
  .add({
    name: 'OTEL_EXPORTER_JAEGER_PASSWORD',
    type: optionalText,
    default: undefined,
    secret: true,
    doc: 'Password for basic authentication to the collector.',
  })
  .add({ name: 'OTEL_EXPORTER_JAEGER_TIMEOUT', type: int(1), default: 10000, doc: 'Milliseconds one HTTP export to the collector may take.' })

  .add({
    name: 'OTEL_TRACES_SAMPLER',
    type: oneOf(SAMPLERS, { unsupported: ['jaeger_remote', 'parentbased_jaeger_remote', 'xray'] }),
    default: 'parentbased_always_on',
    doc: '`always_on`, `always_off`, `traceidratio`, `parentbased_always_on`, `parentbased_always_off`, `parentbased_traceidratio`.',
  })
  .add({
    name: 'OTEL_TRACES_SAMPLER_ARG',
    type: ratio,
    default: 1,
    usedIf: { test: (v) => v.OTEL_TRACES_SAMPLER.endsWith('traceidratio'), unused: '(not used by this sampler)' },
    doc: 'The ratio (0 to 1) for the `traceidratio` samplers; other samplers ignore it.',
  })
  .add({
    name: 'OTEL_PROPAGATORS',
    type: listOf(PROPAGATORS, { none: true, unsupported: { xray: 'is not supported by tracing-agent', ottrace: 'is not supported by tracing-agent' } }),
    default: ['tracecontext', 'baggage'],
    doc: 'Header formats, comma-separated: `tracecontext`, `baggage`, `b3` (single header), `b3multi` (X-B3-*), `jaeger` (`uber-trace-id`, `uberctx-*`), or `none`. Incoming context is read from whichever is present; all are written.',
  })

  .add({ name: 'OTEL_BSP_SCHEDULE_DELAY', type: int(0), default: 5000, doc: 'Milliseconds between exports of queued spans.' })
  .add({ name: 'OTEL_BSP_MAX_QUEUE_SIZE', type: int(1), default: 2048, doc: 'Spans waiting for export at most; beyond it spans are dropped and counted.' })
  .add({ name: 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE', type: int(1), default: 512, doc: 'Spans per export at most (not more than the queue size).' })
  .add({ name: 'OTEL_BSP_EXPORT_TIMEOUT', type: int(1), default: 30000, doc: 'Milliseconds one batch export may take.' })

  // Limits: the specific variable wins over the generic attribute one, which
  // applies to span, event and link attributes alike (spec rule).
  .add({
    name: 'OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT',
    type: int(0),
    default: Infinity,
    doc: 'Longest string attribute value kept (span, event and link attributes); longer ones are cut.',
  })
  .add({ name: 'OTEL_ATTRIBUTE_COUNT_LIMIT', type: int(0), default: 128, doc: 'Most attributes kept per span, event or link.' })
  .add({ name: 'OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT', type: int(0), sameAs: 'OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT', doc: 'The same, for span attributes.' })
  .add({ name: 'OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT', type: int(0), sameAs: 'OTEL_ATTRIBUTE_COUNT_LIMIT', doc: 'Most attributes kept per span.' })
  .add({ name: 'OTEL_SPAN_EVENT_COUNT_LIMIT', type: int(0), default: 128, doc: 'Most events kept per span.' })
  .add({ name: 'OTEL_SPAN_LINK_COUNT_LIMIT', type: int(0), default: 128, doc: 'Most links kept per span.' })
  .add({ name: 'OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT', type: int(0), sameAs: 'OTEL_ATTRIBUTE_COUNT_LIMIT', doc: 'Most attributes kept per event.' })
  .add({ name: 'OTEL_LINK_ATTRIBUTE_COUNT_LIMIT', type: int(0), sameAs: 'OTEL_ATTRIBUTE_COUNT_LIMIT', doc: 'Most attributes kept per link.' })

  // Short names as the OpenTelemetry Node agent spells them are accepted too.
  .add({
    name: 'OTEL_NODE_ENABLED_INSTRUMENTATIONS',
    type: listOf(HOOK_NAMES, { none: true, aliases: HOOK_ALIASES }),
    default: [...HOOK_NAMES],
    defaultDoc: `all: ${HOOK_NAMES.join(',')}`,
    doc: 'Only these hooks, comma-separated, or `none` (`undici` is accepted for `fetch`, `https` for `http`, `redis-4` for `redis`). Unknown names are warned about.',
  })
  .add({
    name: 'OTEL_NODE_DISABLED_INSTRUMENTATIONS',
    type: listOf(HOOK_NAMES, { none: true, aliases: HOOK_ALIASES }),
    default: [],
    doc: 'Hooks to leave out, comma-separated; applied after OTEL_NODE_ENABLED_INSTRUMENTATIONS.',
  })

  .add({
    name: 'TRACING_AGENT_EXIT_TIMEOUT',
    type: int(0, 60000),
    default: 2000,
    doc: 'Milliseconds (0 to 60000) an ending process may wait for its last spans to be delivered.',
  })
  .add({
    name: 'TRACING_AGENT_DB_QUERY_TEXT',
    type: oneOf(DB_QUERY_TEXT),
    default: 'sanitized',
    doc: 'SQL text recorded in `db.query.text`: `sanitized` (literals replaced by `?`), `raw`, or `off`.',
  })
  .add({
    name: 'TRACING_AGENT_LOG_CORRELATION',
    type: bool,
    default: true,
    doc: 'Log records written inside a span through pino, winston or bunyan get `trace_id`, `span_id` and `trace_flags` (fields the record already has are kept); `false` leaves loggers untouched.',
  })
  .add({
    name: 'TRACING_AGENT_MIDDLEWARE_SPANS',
    type: bool,
    default: false,
    doc: "`true` adds an INTERNAL span per middleware (`middleware - <name>`) and route handler (`request handler - <route>`) of express, fastify, koa and hapi (NestJS through its platform) under each request's server span.",
  })
  .add({
    name: 'TRACING_AGENT_GRAPHQL_SPANS',
    type: oneOf(['execute', 'phases', 'all'] as const),
    default: 'execute',
    doc: 'GraphQL spans: `execute` (one per operation executed), `phases` (also one per parse and per validate), or `all` (also one per call of a resolver the app wrote).',
  })
  .add({
    name: 'TRACING_AGENT_REDACT_QUERY_KEYS',
    type: items,
    default: [],
    doc:
      'More URL query keys whose values become `REDACTED` in `url.query` and `url.full`, comma-separated, added to the built-in rules: ' +
      '`*x*` a key containing x, `x*` a key starting with x, `x` that key exactly (case-insensitive). Built in: ' +
      DEFAULT_REDACTED_QUERY_KEYS.map((rule) => `\`${rule}\``).join(', ') +
      '; a bracketed or dotted key (`user[password]`) is checked part by part too.',
  });

/** Every variable's value by name, as read (before readConfig combines them). */
export type ConfigValues = ValuesOf<typeof VARIABLE_TABLE>;

// `tracing-agent config`: the configuration the agent would use in this
// environment — every variable it reads, the value in effect (or its default),
// and every warning, with secrets masked. `--markdown` prints the reference
// table that docs/CONFIGURATION.md holds (a test keeps the two identical).

import { describeExporter, describeSampler, readConfig, type Config, type ConfigEntry } from './config';
import { INTEGRATIONS } from './hooks';

const HOOK_NAMES = INTEGRATIONS.map((integration) => integration.name);
import { DEFAULT_REDACTED_QUERY_KEYS } from './semconv';
import { VERSION } from './version';

export interface VariableDoc {
  name: string;
  /** The documented default, as text. */
  default: string;
  meaning: string;
}

/** Every variable the agent reads, in the order readConfig reads them. */
export const VARIABLES: readonly VariableDoc[] = [
  { name: 'OTEL_SDK_DISABLED', default: 'false', meaning: '`true` turns the agent off: no hooks, no spans.' },
  {
    name: 'OTEL_LOG_LEVEL',
    default: 'warn',
    meaning: "The agent's own messages on stderr: `none`, `error`, `warn`, `info`, `debug`, `verbose`, `all`. `info` adds one startup line (service, export, sampler, hooks).",
  },
  {
    name: 'OTEL_RESOURCE_ATTRIBUTES',
    default: '(none)',
    meaning: 'Resource attributes, `key=value,key2=value2`, values percent-encoded. Jaeger shows them as process tags. A malformed value is ignored whole (spec rule).',
  },
  {
    name: 'OTEL_SERVICE_NAME',
    default: '`service.name` from OTEL_RESOURCE_ATTRIBUTES, else `unknown_service:node`',
    meaning: "The service's name (`service.name`; Jaeger's `process.serviceName`).",
  },
  {
    name: 'OTEL_TRACES_EXPORTER',
    default: 'otlp',
    meaning: 'Where spans go, comma-separated, several at once allowed: `otlp`, `jaeger`, `console` (one JSON line per span on stdout), or `none`.',
  },
  { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', default: 'http://localhost:4318', meaning: 'Base URL of the OTLP/HTTP receiver; `/v1/traces` is appended.' },
  { name: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', default: 'OTEL_EXPORTER_OTLP_ENDPOINT + `/v1/traces`', meaning: 'Full URL for traces, used as written.' },
  { name: 'OTEL_EXPORTER_OTLP_PROTOCOL', default: 'http/protobuf', meaning: '`http/protobuf` or `http/json` (`grpc` is not supported).' },
  { name: 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', default: 'OTEL_EXPORTER_OTLP_PROTOCOL', meaning: 'The same, for traces.' },
  {
    name: 'OTEL_EXPORTER_OTLP_HEADERS',
    default: '(none)',
    meaning: 'Headers sent with every export, `key=value,…`, values percent-encoded. Values are masked wherever shown.',
  },
  { name: 'OTEL_EXPORTER_OTLP_TRACES_HEADERS', default: '(none)', meaning: 'Headers for traces, added to (and overriding) OTEL_EXPORTER_OTLP_HEADERS.' },
  { name: 'OTEL_EXPORTER_OTLP_TIMEOUT', default: '10000', meaning: 'Milliseconds one OTLP export may take.' },
  { name: 'OTEL_EXPORTER_OTLP_TRACES_TIMEOUT', default: 'OTEL_EXPORTER_OTLP_TIMEOUT', meaning: 'The same, for traces.' },
  { name: 'OTEL_EXPORTER_OTLP_COMPRESSION', default: 'none', meaning: '`gzip` or `none`.' },
  { name: 'OTEL_EXPORTER_OTLP_TRACES_COMPRESSION', default: 'OTEL_EXPORTER_OTLP_COMPRESSION', meaning: 'The same, for traces.' },
  {
    name: 'OTEL_EXPORTER_JAEGER_ENDPOINT',
    default: '(unset: UDP to the agent)',
    meaning: "Jaeger collector URL: when set, spans go there over HTTP as a Thrift `Batch` (a URL without a path gets `/api/traces`, e.g. `http://jaeger:14268`).",
  },
  {
    name: 'OTEL_EXPORTER_JAEGER_PROTOCOL',
    default: '`udp/thrift.binary`, or `http/thrift.binary` when OTEL_EXPORTER_JAEGER_ENDPOINT is set',
    meaning: '`udp/thrift.binary` (agent) or `http/thrift.binary` (collector; `http://localhost:14268/api/traces` without an endpoint). `udp/thrift.compact` and `grpc` are not supported.',
  },
  { name: 'OTEL_EXPORTER_JAEGER_AGENT_HOST', default: 'localhost', meaning: 'Jaeger agent host for UDP (names go over IPv4; an IPv6 literal over IPv6).' },
  { name: 'OTEL_EXPORTER_JAEGER_AGENT_PORT', default: '6832', meaning: "Jaeger agent UDP port (6832 is the agent's binary-Thrift port)." },
  { name: 'OTEL_EXPORTER_JAEGER_USER', default: '(unset)', meaning: 'User name for basic authentication to the collector.' },
  { name: 'OTEL_EXPORTER_JAEGER_PASSWORD', default: '(unset)', meaning: 'Password for basic authentication to the collector; masked wherever shown.' },
  { name: 'OTEL_EXPORTER_JAEGER_TIMEOUT', default: '10000', meaning: 'Milliseconds one HTTP export to the collector may take.' },
  {
    name: 'OTEL_TRACES_SAMPLER',
    default: 'parentbased_always_on',
    meaning: '`always_on`, `always_off`, `traceidratio`, `parentbased_always_on`, `parentbased_always_off`, `parentbased_traceidratio`.',
  },
  { name: 'OTEL_TRACES_SAMPLER_ARG', default: '1', meaning: 'The ratio (0 to 1) for the `traceidratio` samplers; other samplers ignore it.' },
  {
    name: 'OTEL_PROPAGATORS',
    default: 'tracecontext,baggage',
    meaning:
      'Header formats, comma-separated: `tracecontext`, `baggage`, `b3` (single header), `b3multi` (X-B3-*), `jaeger` (`uber-trace-id`, `uberctx-*`), or `none`. Incoming context is read from whichever is present; all are written.',
  },
  { name: 'OTEL_BSP_SCHEDULE_DELAY', default: '5000', meaning: 'Milliseconds between exports of queued spans.' },
  { name: 'OTEL_BSP_MAX_QUEUE_SIZE', default: '2048', meaning: 'Spans waiting for export at most; beyond it spans are dropped and counted.' },
  { name: 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE', default: '512', meaning: 'Spans per export at most (not more than the queue size).' },
  { name: 'OTEL_BSP_EXPORT_TIMEOUT', default: '30000', meaning: 'Milliseconds one batch export may take.' },
  { name: 'OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT', default: 'no limit', meaning: 'Longest string attribute value kept (span, event and link attributes); longer ones are cut.' },
  { name: 'OTEL_ATTRIBUTE_COUNT_LIMIT', default: '128', meaning: 'Most attributes kept per span, event or link.' },
  { name: 'OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT', default: 'OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT', meaning: 'The same, for span attributes.' },
  { name: 'OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT', default: 'OTEL_ATTRIBUTE_COUNT_LIMIT', meaning: 'Most attributes kept per span.' },
  { name: 'OTEL_SPAN_EVENT_COUNT_LIMIT', default: '128', meaning: 'Most events kept per span.' },
  { name: 'OTEL_SPAN_LINK_COUNT_LIMIT', default: '128', meaning: 'Most links kept per span.' },
  { name: 'OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT', default: 'OTEL_ATTRIBUTE_COUNT_LIMIT', meaning: 'Most attributes kept per event.' },
  { name: 'OTEL_LINK_ATTRIBUTE_COUNT_LIMIT', default: 'OTEL_ATTRIBUTE_COUNT_LIMIT', meaning: 'Most attributes kept per link.' },
  {
    name: 'OTEL_NODE_ENABLED_INSTRUMENTATIONS',
    default: `all: ${HOOK_NAMES.join(',')}`,
    meaning: 'Only these hooks, comma-separated, or `none` (`undici` is accepted for `fetch`, `https` for `http`, `redis-4` for `redis`). Unknown names are warned about.',
  },
  { name: 'OTEL_NODE_DISABLED_INSTRUMENTATIONS', default: '(none)', meaning: 'Hooks to leave out, comma-separated; applied after OTEL_NODE_ENABLED_INSTRUMENTATIONS.' },
  {
    name: 'TRACING_AGENT_EXIT_TIMEOUT',
    default: '2000',
    meaning: 'Milliseconds (0 to 60000) an ending process may wait for its last spans to be delivered.',
  },
  {
    name: 'TRACING_AGENT_DB_QUERY_TEXT',
    default: 'sanitized',
    meaning: 'SQL text recorded in `db.query.text`: `sanitized` (literals replaced by `?`), `raw`, or `off`.',
  },
  {
    name: 'TRACING_AGENT_LOG_CORRELATION',
    default: 'true',
    meaning: 'Log records written inside a span through pino, winston or bunyan get `trace_id`, `span_id` and `trace_flags` (fields the record already has are kept); `false` leaves loggers untouched.',
  },
  {
    name: 'TRACING_AGENT_MIDDLEWARE_SPANS',
    default: 'false',
    meaning: '`true` adds an INTERNAL span per middleware (`middleware - <name>`) and route handler (`request handler - <route>`) of express, fastify, koa and hapi (NestJS through its platform) under each request\'s server span.',
  },
  {
    name: 'TRACING_AGENT_GRAPHQL_SPANS',
    default: 'execute',
    meaning: 'GraphQL spans: `execute` (one per operation executed), `phases` (also one per parse and per validate), or `all` (also one per call of a resolver the app wrote).',
  },
  {
    name: 'TRACING_AGENT_REDACT_QUERY_KEYS',
    default: '(none)',
    meaning:
      'More URL query keys whose values become `REDACTED` in `url.query` and `url.full`, comma-separated, added to the built-in rules: ' +
      '`*x*` a key containing x, `x*` a key starting with x, `x` that key exactly (case-insensitive). Built in: ' +
      DEFAULT_REDACTED_QUERY_KEYS.map((rule) => `\`${rule}\``).join(', ') +
      '; a bracketed or dotted key (`user[password]`) is checked part by part too.',
  },
];

const USAGE = `usage: tracing-agent config [--json | --markdown] [--strict]

Prints the configuration the agent would use in this environment: every
variable it reads, the value in effect or its default, and each warning.
Secrets (header values, passwords, URL credentials) are masked.

  --json       the same as JSON
  --markdown   the reference table of every variable (docs/CONFIGURATION.md)
  --strict     exit with status 1 when there is any warning or error
`;

/** The reference table, as docs/CONFIGURATION.md has it. */
export function markdownTable(): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  const lines = ['| Variable | Default | Meaning |', '|---|---|---|'];
  for (const v of VARIABLES) lines.push(`| \`${v.name}\` | ${cell(v.default)} | ${cell(v.meaning)} |`);
  return lines.join('\n') + '\n';
}

function summary(config: Config): Array<[string, string]> {
  return [
    ['service', config.serviceName],
    ['export', config.exporters.map((name) => describeExporter(config, name)).join(' + ') || 'none'],
    ['sampler', describeSampler(config)],
    ['propagators', config.propagators.join(',') || 'none'],
    ['hooks', config.hooks.join(',') || 'none'],
  ];
}

function jsonReport(config: Config, entries: ConfigEntry[]): string {
  return JSON.stringify(
    {
      version: VERSION,
      disabled: config.disabled,
      summary: Object.fromEntries(summary(config)),
      variables: entries.map((e) => ({
        name: e.name,
        value: e.effective,
        source: e.raw === undefined ? 'default' : e.isDefault ? 'default (value set)' : 'environment',
        ...(e.raw !== undefined ? { raw: e.raw } : {}),
        default: VARIABLES.find((v) => v.name === e.name)?.default,
      })),
      warnings: config.warnings,
      errors: config.errors,
    },
    null,
    2,
  );
}

function textReport(config: Config, entries: ConfigEntry[]): string {
  const out: string[] = [];
  out.push(`tracing-agent ${VERSION}: the configuration in this environment${config.disabled ? ' (OTEL_SDK_DISABLED=true: the agent is off)' : ''}`);
  out.push('');
  for (const [key, value] of summary(config)) out.push(`  ${key.padEnd(12)} ${value}`);
  out.push('');
  out.push('Variables (* = set in the environment):');
  const width = Math.max(...entries.map((e) => e.name.length));
  for (const e of entries) {
    const mark = e.raw === undefined ? ' ' : '*';
    let note = '';
    if (e.raw === undefined) note = '(default)';
    else if (e.isDefault && e.raw !== e.effective && !e.secret) note = `(default; set to ${JSON.stringify(e.raw)})`;
    out.push(`${mark} ${e.name.padEnd(width)}  ${e.effective}${note ? `  ${note}` : ''}`);
  }
  out.push('');
  if (config.errors.length > 0) {
    out.push(`Errors (${config.errors.length}):`);
    for (const e of config.errors) out.push(`  - ${e}`);
  }
  if (config.warnings.length === 0) out.push('No warnings.');
  else {
    out.push(`Warnings (${config.warnings.length}):`);
    for (const w of config.warnings) out.push(`  - ${w}`);
  }
  return out.join('\n') + '\n';
}

export function main(argv: string[], env: NodeJS.ProcessEnv = process.env): number {
  const flags = new Set(argv);
  for (const flag of flags) {
    if (!['--json', '--markdown', '--strict', '--help', '-h'].includes(flag)) {
      process.stderr.write(`tracing-agent config: unknown option ${flag}\n${USAGE}`);
      return 2;
    }
  }
  if (flags.has('--help') || flags.has('-h')) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (flags.has('--markdown')) {
    process.stdout.write(markdownTable());
    return 0;
  }
  const config = readConfig(env);
  process.stdout.write(flags.has('--json') ? jsonReport(config, config.entries) + '\n' : textReport(config, config.entries));
  return flags.has('--strict') && config.warnings.length + config.errors.length > 0 ? 1 : 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));

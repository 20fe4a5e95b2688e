// The one place that reads process.env. Every variable goes through a small
// typed reader that records what was read (for `tracing-agent config`) and, on a
// malformed value, one warning naming the variable and the default used instead.

import type { LogLevel } from './log';
import { INTEGRATIONS } from './hooks';

const HOOK_NAMES = INTEGRATIONS.map((integration) => integration.name);

/** Names the OpenTelemetry Node agent uses for what a tracing-agent hook covers. */
const HOOK_ALIASES: Readonly<Record<string, string>> = { undici: 'fetch', https: 'http', 'redis-4': 'redis' };

export type ExporterName = 'otlp' | 'jaeger' | 'console';
export type OtlpProtocol = 'http/protobuf' | 'http/json';
export type SamplerName =
  | 'always_on'
  | 'always_off'
  | 'traceidratio'
  | 'parentbased_always_on'
  | 'parentbased_always_off'
  | 'parentbased_traceidratio';
export type PropagatorName = 'tracecontext' | 'baggage' | 'b3' | 'b3multi' | 'jaeger';
export type JaegerProtocol = 'udp/thrift.binary' | 'http/thrift.binary';

// RFC 9110 field names (tokens) and values (visible latin1, spaces and tabs; no CR, LF or NUL).
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

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
  /** Every variable read, for `tracing-agent config`. */
  entries: ConfigEntry[];
  warnings: string[];
  /** Settings that turned something off (a malformed exporter endpoint), logged as errors. */
  errors: string[];
}

export interface ConfigEntry {
  name: string;
  /** The raw value as set, or undefined when unset/empty. */
  raw: string | undefined;
  /** The value in effect, as text. */
  effective: string;
  /** True when the default is in effect (unset or rejected). */
  isDefault: boolean;
  secret: boolean;
}

export const DEFAULT_OTLP_BASE = 'http://localhost:4318';
export const DEFAULT_JAEGER_ENDPOINT_PATH = '/api/traces';
export const DEFAULT_JAEGER_ENDPOINT = 'http://localhost:14268/api/traces';

/** The URL with any password in it replaced by ***, for logs and `tracing-agent config`. */
export function maskUrl(url: string): string {
  if (!url.includes('@')) return url;
  try {
    const u = new URL(url);
    if (u.password === '' && u.username === '') return url;
    // A password, or a lone user name (often a token), is the secret.
    if (u.password !== '') u.password = '***';
    else u.username = '***';
    return u.toString();
  } catch {
    return url;
  }
}

const SAMPLERS: readonly SamplerName[] = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
];
const PROPAGATORS: readonly PropagatorName[] = ['tracecontext', 'baggage', 'b3', 'b3multi', 'jaeger'];
const LOG_LEVELS: readonly LogLevel[] = ['none', 'error', 'warn', 'info', 'debug', 'verbose', 'all'];

/** Reads variables from one environment, remembering what it read and what it rejected. */
class EnvReader {
  readonly entries: ConfigEntry[] = [];
  readonly warnings: string[] = [];
  readonly errors: string[] = [];

  constructor(private readonly env: NodeJS.ProcessEnv) {}

  /** The trimmed value, or undefined for unset and empty (the spec treats empty as unset). */
  raw(name: string): string | undefined {
    const value = this.env[name];
    if (value === undefined) return undefined;
    const trimmed = value.trim();
    return trimmed === '' ? undefined : trimmed;
  }

  warn(name: string, value: string, why: string, fallback: string): void {
    this.warnings.push(`${name}=${JSON.stringify(value)} ${why}; using ${fallback}`);
  }

  /** Secrets are masked here, so nothing that reads the entries can show them. */
  record(name: string, raw: string | undefined, effective: string, isDefault: boolean, secret = false): void {
    this.entries.push({ name, raw: secret && raw !== undefined ? '***' : raw, effective, isDefault, secret });
  }

  string(name: string, fallback: string, secret = false): string {
    const raw = this.raw(name);
    this.record(name, raw, raw === undefined ? fallback : secret ? '***' : raw, raw === undefined, secret);
    return raw ?? fallback;
  }

  optionalString(name: string, secret = false): string | undefined {
    const raw = this.raw(name);
    this.record(name, raw, raw === undefined ? '(unset)' : secret ? '***' : raw, raw === undefined, secret);
    return raw;
  }

  bool(name: string, fallback: boolean): boolean {
    const raw = this.raw(name);
    let value = fallback;
    if (raw !== undefined) {
      const lower = raw.toLowerCase();
      if (lower === 'true') value = true;
      else if (lower === 'false') value = false;
      else this.warn(name, raw, 'is not true or false', String(fallback));
    }
    this.record(name, raw, String(value), value === fallback);
    return value;
  }

  /** A whole number within [min, max]; values out of range or not integral fall back. */
  int(name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
    const raw = this.raw(name);
    let value = fallback;
    if (raw !== undefined) {
      const n = /^[+-]?\d+$/.test(raw) ? Number(raw) : NaN;
      if (!Number.isSafeInteger(n)) this.warn(name, raw, 'is not a whole number', fallback === Infinity ? 'no limit' : String(fallback));
      else if (n < min || n > max)
        this.warn(name, raw, max === Number.MAX_SAFE_INTEGER ? `is below ${min}` : `is out of range ${min}..${max}`, fallback === Infinity ? 'no limit' : String(fallback));
      else value = n;
    }
    this.record(name, raw, value === Infinity ? 'no limit' : String(value), raw === undefined || value === fallback);
    return value;
  }

  choice<T extends string>(name: string, allowed: readonly T[], fallback: T, aliases: Record<string, T> = {}, unsupported: readonly string[] = []): T {
    const raw = this.raw(name);
    let value = fallback;
    if (raw !== undefined) {
      const lower = raw.toLowerCase();
      const found = (allowed as readonly string[]).includes(lower) ? (lower as T) : Object.hasOwn(aliases, lower) ? aliases[lower] : undefined;
      if (found !== undefined) value = found;
      else if (unsupported.includes(lower)) this.warn(name, raw, 'is not supported by tracing-agent', fallback);
      else this.warn(name, raw, `is not one of ${allowed.join(', ')}`, fallback);
    }
    this.record(name, raw, value, value === fallback);
    return value;
  }

  /**
   * A comma-separated list of known names. Unknown names are warned about and
   * skipped; `none` alone means an empty list.
   */
  list<T extends string>(
    name: string,
    allowed: readonly T[],
    fallback: T[],
    opts: { none?: boolean; unsupported?: Record<string, string>; aliases?: Record<string, T> } = {},
  ): T[] {
    const raw = this.raw(name);
    let value = fallback;
    if (raw !== undefined) {
      const items = raw.split(',').map((s) => s.trim().toLowerCase()).filter((s) => s !== '');
      const picked: T[] = [];
      let sawNone = false;
      for (const item of items) {
        const known = (allowed as readonly string[]).includes(item)
          ? (item as T)
          : opts.aliases && Object.hasOwn(opts.aliases, item)
            ? opts.aliases[item]
            : undefined;
        if (item === 'none' && opts.none) sawNone = true;
        else if (known !== undefined) {
          if (!picked.includes(known)) picked.push(known);
        } else if (opts.unsupported && Object.hasOwn(opts.unsupported, item)) this.warnings.push(`${name}: ${item} ${opts.unsupported[item]}; ignored`);
        else this.warnings.push(`${name}: unknown name ${JSON.stringify(item)} ignored (known: ${allowed.join(', ')})`);
      }
      if (sawNone && picked.length > 0) this.warnings.push(`${name}: "none" given with other names; using none`);
      if (sawNone) value = [];
      else if (picked.length > 0) value = picked;
      else this.warn(name, raw, 'names nothing known', fallback.join(',') || 'none');
    }
    this.record(name, raw, value.length ? value.join(',') : 'none', value === fallback);
    return value;
  }

  /**
   * `key=value,key2=value2` with percent-encoded values (W3C baggage style, as
   * the spec asks). A malformed entry is skipped; with `wholeOnError` (the
   * spec's rule for OTEL_RESOURCE_ATTRIBUTES) the whole value is discarded.
   */
  keyValues(name: string, secret = false, wholeOnError = false): Record<string, string> {
    const raw = this.raw(name);
    let out: Record<string, string> = {};
    if (raw !== undefined) {
      const problems: string[] = [];
      const parts = raw.split(',');
      for (let i = 0; i < parts.length; i++) {
        const part = parts[i];
        if (part.trim() === '') continue;
        const eq = part.indexOf('=');
        const key = eq > 0 ? part.slice(0, eq).trim() : '';
        if (key === '') {
          // A secret's malformed entry may be the secret itself: name it by position only.
          problems.push(`entry ${secret ? `#${i + 1}` : JSON.stringify(part.trim())} is not key=value`);
          continue;
        }
        const rawValue = part.slice(eq + 1).trim();
        try {
          out[key] = decodeURIComponent(rawValue);
        } catch {
          problems.push(`the value of ${key} is not valid percent-encoding`);
          if (!wholeOnError) out[key] = rawValue;
        }
      }
      if (problems.length > 0 && wholeOnError) {
        this.warnings.push(`${name}: ${problems.join(', ')}; the whole value is ignored`);
        out = {};
      } else {
        for (const problem of problems) this.warnings.push(`${name}: ${problem}; ${problem.startsWith('entry') ? 'skipped' : 'used as written'}`);
      }
    }
    const shown = Object.keys(out)
      .map((k) => `${k}=${secret ? '***' : out[k]}`)
      .join(',');
    this.record(name, raw, shown || '(none)', shown === '', secret);
    return out;
  }

  /** Request headers (key=value pairs, secret): an entry no HTTP header can carry is skipped. */
  headers(name: string): Record<string, string> {
    const out = this.keyValues(name, true);
    for (const key of Object.keys(out)) {
      const problem = !HEADER_NAME.test(key) ? 'is not a valid header name' : !HEADER_VALUE.test(out[key]) ? 'has a value with characters a header cannot carry' : undefined;
      if (problem === undefined) continue;
      this.warnings.push(`${name}: entry ${JSON.stringify(key)} ${problem}; skipped`);
      delete out[key];
    }
    return out;
  }

  /** A comma-separated list of free-form items (trimmed, empty ones skipped). */
  items(name: string): string[] {
    const raw = this.raw(name);
    const value = raw === undefined ? [] : raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
    this.record(name, raw, value.length ? value.join(',') : '(none)', value.length === 0);
    return value;
  }

  /**
   * An exporter's endpoint: an http(s) URL, or undefined when unset. A value
   * that is not one (no scheme, `ftp:`, not a URL) is an error that turns the
   * exporter off (`invalid`): sending to a default instead would deliver the
   * app's spans somewhere nobody asked for.
   */
  endpoint(name: string, exporter: string, fallback?: string): { value: string | undefined; invalid: boolean } {
    const raw = this.raw(name);
    let invalid = false;
    if (raw !== undefined) {
      let parsed: URL | undefined;
      try {
        parsed = new URL(raw);
      } catch {
        parsed = undefined;
      }
      if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || parsed.hostname === '') {
        invalid = true;
        this.errors.push(`${name}=${JSON.stringify(maskUrl(raw))} is not an http(s) URL; the ${exporter} exporter is off`);
      }
    }
    const shown = raw === undefined ? undefined : maskUrl(raw);
    this.record(name, shown, raw === undefined ? (fallback === undefined ? '(unset)' : maskUrl(fallback)) : invalid ? `(invalid: the ${exporter} exporter is off)` : shown!, raw === undefined || invalid);
    return { value: invalid ? undefined : raw, invalid };
  }
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

function joinPath(base: string, path: string): string {
  return base.replace(/\/+$/, '') + path;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const r = new EnvReader(env);

  const disabled = r.bool('OTEL_SDK_DISABLED', false);
  const logLevel = r.choice<LogLevel>('OTEL_LOG_LEVEL', LOG_LEVELS, 'warn', { warning: 'warn' });

  const resourceAttributes = r.keyValues('OTEL_RESOURCE_ATTRIBUTES', false, true);
  const serviceName = r.string('OTEL_SERVICE_NAME', resourceAttributes['service.name'] ?? 'unknown_service:node');

  const exporters = r.list<ExporterName>('OTEL_TRACES_EXPORTER', ['otlp', 'jaeger', 'console'], ['otlp'], {
    none: true,
    unsupported: { zipkin: 'is not supported by tracing-agent', logging: 'is deprecated (use console)' },
  });

  // OTLP: the signal-specific variable wins over the generic one (spec rule).
  const generic = r.endpoint('OTEL_EXPORTER_OTLP_ENDPOINT', 'otlp', DEFAULT_OTLP_BASE);
  const genericEndpoint = generic.value ?? DEFAULT_OTLP_BASE;
  if (/\/v1\/traces\/?$/.test(genericEndpoint))
    r.warnings.push(
      `OTEL_EXPORTER_OTLP_ENDPOINT already ends in /v1/traces, and /v1/traces is appended to it (spec rule); set OTEL_EXPORTER_OTLP_TRACES_ENDPOINT for a full URL`,
    );
  const specific = r.endpoint('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'otlp', joinPath(genericEndpoint, '/v1/traces'));
  const tracesEndpoint = specific.value ?? joinPath(genericEndpoint, '/v1/traces');
  // The specific variable, when valid, is used whatever the generic one says.
  const otlpInvalid = specific.value === undefined && (specific.invalid || generic.invalid);
  const OTLP_PROTOCOLS: readonly OtlpProtocol[] = ['http/protobuf', 'http/json'];
  const genericProtocol = r.choice<OtlpProtocol>('OTEL_EXPORTER_OTLP_PROTOCOL', OTLP_PROTOCOLS, 'http/protobuf', {}, ['grpc']);
  const protocol = r.choice<OtlpProtocol>('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', OTLP_PROTOCOLS, genericProtocol, {}, ['grpc']);
  const headers = { ...r.headers('OTEL_EXPORTER_OTLP_HEADERS'), ...r.headers('OTEL_EXPORTER_OTLP_TRACES_HEADERS') };
  const genericTimeout = r.int('OTEL_EXPORTER_OTLP_TIMEOUT', 10000, 1);
  const timeoutMs = r.int('OTEL_EXPORTER_OTLP_TRACES_TIMEOUT', genericTimeout, 1);
  const genericCompression = r.choice<'gzip' | 'none'>('OTEL_EXPORTER_OTLP_COMPRESSION', ['gzip', 'none'], 'none');
  const compression = r.choice<'gzip' | 'none'>('OTEL_EXPORTER_OTLP_TRACES_COMPRESSION', ['gzip', 'none'], genericCompression);

  // Jaeger: an endpoint means the collector over HTTP, unless the protocol says otherwise.
  const jaegerSetting = r.endpoint('OTEL_EXPORTER_JAEGER_ENDPOINT', 'jaeger');
  const jaegerEndpoint = jaegerSetting.value;
  const jaegerProtocol = r.choice<JaegerProtocol>(
    'OTEL_EXPORTER_JAEGER_PROTOCOL',
    ['udp/thrift.binary', 'http/thrift.binary'],
    jaegerEndpoint === undefined ? 'udp/thrift.binary' : 'http/thrift.binary',
    {},
    ['udp/thrift.compact', 'grpc'],
  );
  const jaeger = {
    protocol: jaegerProtocol,
    agentHost: r.string('OTEL_EXPORTER_JAEGER_AGENT_HOST', 'localhost'),
    agentPort: r.int('OTEL_EXPORTER_JAEGER_AGENT_PORT', 6832, 1, 65535),
    // A bare collector address (no path) gets Jaeger's /api/traces.
    endpoint: jaegerEndpoint === undefined ? DEFAULT_JAEGER_ENDPOINT : new URL(jaegerEndpoint).pathname === '/' ? joinPath(jaegerEndpoint, DEFAULT_JAEGER_ENDPOINT_PATH) : jaegerEndpoint,
    user: r.optionalString('OTEL_EXPORTER_JAEGER_USER'),
    password: r.optionalString('OTEL_EXPORTER_JAEGER_PASSWORD', true),
    timeoutMs: r.int('OTEL_EXPORTER_JAEGER_TIMEOUT', 10000, 1),
  };
  if (jaeger.password !== undefined && jaeger.user === undefined)
    r.warnings.push('OTEL_EXPORTER_JAEGER_PASSWORD is set without OTEL_EXPORTER_JAEGER_USER; no authentication is sent');
  if (jaegerEndpoint !== undefined && jaeger.protocol === 'udp/thrift.binary')
    r.warnings.push('OTEL_EXPORTER_JAEGER_ENDPOINT is ignored with OTEL_EXPORTER_JAEGER_PROTOCOL=udp/thrift.binary');

  const samplerName = r.choice<SamplerName>('OTEL_TRACES_SAMPLER', SAMPLERS, 'parentbased_always_on', {}, [
    'jaeger_remote',
    'parentbased_jaeger_remote',
    'xray',
  ]);
  let ratio = 1;
  {
    const raw = r.raw('OTEL_TRACES_SAMPLER_ARG');
    const usesRatio = samplerName === 'traceidratio' || samplerName === 'parentbased_traceidratio';
    if (raw !== undefined && usesRatio) {
      const n = /^\s*[+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$/.test(raw) ? Number(raw) : NaN;
      if (Number.isFinite(n) && n >= 0 && n <= 1) ratio = n;
      else r.warn('OTEL_TRACES_SAMPLER_ARG', raw, 'is not a ratio between 0 and 1', '1');
    }
    r.record('OTEL_TRACES_SAMPLER_ARG', raw, usesRatio ? String(ratio) : '(not used by this sampler)', !usesRatio || ratio === 1);
  }

  const propagators = r.list<PropagatorName>('OTEL_PROPAGATORS', PROPAGATORS, ['tracecontext', 'baggage'], {
    none: true,
    unsupported: { xray: 'is not supported by tracing-agent', ottrace: 'is not supported by tracing-agent' },
  });

  const scheduleDelayMs = r.int('OTEL_BSP_SCHEDULE_DELAY', 5000, 0);
  const maxQueueSize = r.int('OTEL_BSP_MAX_QUEUE_SIZE', 2048, 1);
  let maxExportBatchSize = r.int('OTEL_BSP_MAX_EXPORT_BATCH_SIZE', 512, 1);
  if (maxExportBatchSize > maxQueueSize) {
    r.warnings.push(`OTEL_BSP_MAX_EXPORT_BATCH_SIZE (${maxExportBatchSize}) exceeds OTEL_BSP_MAX_QUEUE_SIZE (${maxQueueSize}); using ${maxQueueSize}`);
    maxExportBatchSize = maxQueueSize;
  }
  const exportTimeoutMs = r.int('OTEL_BSP_EXPORT_TIMEOUT', 30000, 1);

  // Limits: the specific variable wins over the generic attribute one, which
  // applies to span, event and link attributes alike (spec rule).
  const genericLength = r.int('OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT', Infinity, 0);
  const genericCount = r.int('OTEL_ATTRIBUTE_COUNT_LIMIT', 128, 0);
  const spanLimits: SpanLimitsConfig = {
    attributeValueLengthLimit: r.int('OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT', genericLength, 0),
    attributeCountLimit: r.int('OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT', genericCount, 0),
    eventCountLimit: r.int('OTEL_SPAN_EVENT_COUNT_LIMIT', 128, 0),
    linkCountLimit: r.int('OTEL_SPAN_LINK_COUNT_LIMIT', 128, 0),
    attributePerEventCountLimit: r.int('OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT', genericCount, 0),
    attributePerLinkCountLimit: r.int('OTEL_LINK_ATTRIBUTE_COUNT_LIMIT', genericCount, 0),
  };

  // Short names as the OpenTelemetry Node agent spells them are accepted too.
  const hookAliases = HOOK_ALIASES as Record<string, string>;
  const enabled = r.list<string>('OTEL_NODE_ENABLED_INSTRUMENTATIONS', HOOK_NAMES, [...HOOK_NAMES], { aliases: hookAliases, none: true });
  const disabledHooks = r.list<string>('OTEL_NODE_DISABLED_INSTRUMENTATIONS', HOOK_NAMES, [], { aliases: hookAliases, none: true });
  const hooks = enabled.filter((name) => !disabledHooks.includes(name));

  const exitTimeoutMs = r.int('TRACING_AGENT_EXIT_TIMEOUT', 2000, 0, 60000);
  const dbQueryText = r.choice<'sanitized' | 'raw' | 'off'>('TRACING_AGENT_DB_QUERY_TEXT', ['sanitized', 'raw', 'off'], 'sanitized');
  const logCorrelation = r.bool('TRACING_AGENT_LOG_CORRELATION', true);
  const middlewareSpans = r.bool('TRACING_AGENT_MIDDLEWARE_SPANS', false);
  const graphqlSpans = r.choice<'execute' | 'phases' | 'all'>('TRACING_AGENT_GRAPHQL_SPANS', ['execute', 'phases', 'all'], 'execute');
  const redactQueryKeys = r.items('TRACING_AGENT_REDACT_QUERY_KEYS');

  // An exporter whose endpoint is malformed is off (its error says so), the others run.
  const activeExporters = exporters.filter((name) => !(name === 'otlp' && otlpInvalid) && !(name === 'jaeger' && jaegerSetting.invalid));

  return {
    disabled,
    logLevel,
    serviceName,
    resourceAttributes,
    exporters: activeExporters,
    otlp: {
      endpoint: tracesEndpoint,
      protocol,
      headers,
      timeoutMs,
      compression,
    },
    jaeger,
    sampler: { name: samplerName, ratio },
    propagators,
    batch: { scheduleDelayMs, maxQueueSize, maxExportBatchSize, exportTimeoutMs },
    spanLimits,
    hooks,
    exitTimeoutMs,
    dbQueryText,
    logCorrelation,
    middlewareSpans,
    graphqlSpans,
    redactQueryKeys,
    entries: r.entries,
    warnings: r.warnings,
    errors: r.errors,
  };
}

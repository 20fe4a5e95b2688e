// The tracing core (resource, sampler, span processor) and the API globals
// that let any copy of @opentelemetry/api (the app's too) use it.
//
// The agent's own spans (src/span.ts) need none of the SDK, which costs ~60 ms
// and ~15 MiB to load: it is loaded only for the app's own API spans, when the
// app first asks for a tracer (shortly after, on an unref'd timer, or at its
// first span). The API globals registered at startup are small stand-ins.

import type { Attributes, Span, SpanOptions, Tracer, TracerProvider, Context, TextMapPropagator } from '@opentelemetry/api';
import type { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { Sampler } from '@opentelemetry/sdk-trace-base';
import type { Resource } from '@opentelemetry/resources';
import type { Config } from './config';
import { activeContext, contextManager, contextWithSpan, RemoteParentSpan } from './context';
import type { SpanShared } from './span';
import { log } from './log';
import { INVALID_SPAN_ID, INVALID_TRACE_ID, SPAN_KIND_INTERNAL, TRACE_FLAGS_NONE } from './otel-constants';
import type { BatchProcessor } from './processor';
import { appPackageVersion } from './loader/module-load';
import type { Integration, LoadedModule } from './loader/types';
import { OWN_API_VERSION, VERSION } from './version';

export interface Tracing {
  processor: BatchProcessor;
  sampler: Sampler;
  resource: Resource;
}

let config: Config | undefined;
let tracing: Tracing | undefined;
let loadFailed = false;
let sdkProvider: NodeTracerProvider | undefined;
let sdkFailed = false;

/** The SDK's version, read from its package.json (it does not export one). */
function sdkVersion(): string {
  try {
    return (require('@opentelemetry/sdk-trace-base/package.json') as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

function resourceAttributes(cfg: Config): Record<string, string | number> {
  const attributes: Record<string, string | number> = {
    'telemetry.sdk.name': 'opentelemetry',
    'telemetry.sdk.language': 'nodejs',
    'telemetry.sdk.version': sdkVersion(),
    'telemetry.distro.name': 'tracing-agent',
    'telemetry.distro.version': VERSION,
    'process.pid': process.pid,
    'process.runtime.name': 'nodejs',
    'process.runtime.version': process.versions.node,
    'process.executable.name': process.title,
    'host.name': (require('node:os') as typeof import('node:os')).hostname(),
    'host.arch': process.arch,
    'os.type': process.platform,
  };
  Object.assign(attributes, cfg.resourceAttributes);
  attributes['service.name'] = cfg.serviceName;
  return attributes;
}

/** A settled resource with the SDK's Resource interface (no async detectors: nothing to wait for). */
function createResource(attributes: Resource['attributes']): Resource {
  const resource: Resource = {
    attributes,
    asyncAttributesPending: false,
    schemaUrl: undefined,
    waitForAsyncAttributes: () => Promise.resolve(),
    getRawAttributes: () => Object.entries(attributes),
    merge: (other) => (other ? createResource({ ...attributes, ...other.attributes }) : resource),
  };
  return resource;
}

function load(cfg: Config): Tracing {
  // Required here, not at the top: none of this is needed before the first span.
  const { BatchProcessor } = require('./processor') as typeof import('./processor');
  const { createExporters } = require('./exporters') as typeof import('./exporters');
  const { createSampler } = require('./sampler') as typeof import('./sampler');
  const processor = new BatchProcessor(createExporters(cfg), cfg.batch);
  return { processor, sampler: createSampler(cfg.sampler), resource: createResource(resourceAttributes(cfg)) };
}

/** The tracing core, set up now if needed; undefined when disabled or broken. */
export function getTracing(): Tracing | undefined {
  if (tracing !== undefined || loadFailed || config === undefined) return tracing;
  try {
    tracing = load(config);
  } catch (err) {
    loadFailed = true;
    log.error(`cannot start the tracer, tracing is off: ${(err as Error).message}`);
  }
  return tracing;
}

/** The SDK's provider for the app's API spans, on the same sampler, resource and processor. */
function getSdkProvider(): NodeTracerProvider | undefined {
  if (sdkProvider !== undefined || sdkFailed) return sdkProvider;
  const core = getTracing();
  if (core === undefined || config === undefined) return undefined;
  try {
    const sdk = require('@opentelemetry/sdk-trace-node') as typeof import('@opentelemetry/sdk-trace-node');
    const limits = config.spanLimits;
    sdkProvider = new sdk.NodeTracerProvider({
      resource: core.resource,
      sampler: core.sampler,
      spanLimits: {
        attributeValueLengthLimit: limits.attributeValueLengthLimit,
        attributeCountLimit: limits.attributeCountLimit,
        eventCountLimit: limits.eventCountLimit,
        linkCountLimit: limits.linkCountLimit,
        attributePerEventCountLimit: limits.attributePerEventCountLimit,
        attributePerLinkCountLimit: limits.attributePerLinkCountLimit,
      },
      spanProcessors: [core.processor],
    });
  } catch (err) {
    sdkFailed = true;
    log.error(`cannot load the OpenTelemetry SDK, the app's own spans are off: ${(err as Error).message}`);
  }
  return sdkProvider;
}

/** The configuration in effect (undefined before start). */
export function agentConfig(): Config | undefined {
  return config;
}

/** Only if already loaded: for exit paths that must not start loading code. */
export function loadedTracing(): Tracing | undefined {
  return tracing;
}

const NOOP_SPAN_CONTEXT = { traceId: INVALID_TRACE_ID, spanId: INVALID_SPAN_ID, traceFlags: TRACE_FLAGS_NONE };

/** Tracer handed out before the SDK is loaded; resolves the real one on first use. */
class DeferredTracer implements Tracer {
  private real: Tracer | undefined;

  constructor(
    private readonly name: string,
    private readonly version?: string,
    private readonly options?: { schemaUrl?: string },
  ) {}

  private resolve(): Tracer | undefined {
    if (this.real === undefined) this.real = getSdkProvider()?.getTracer(this.name, this.version, this.options);
    return this.real;
  }

  startSpan(name: string, options?: SpanOptions, context?: Context): Span {
    const real = this.resolve();
    if (real) return real.startSpan(name, options, context);
    return nonRecordingSpan();
  }

  startActiveSpan(...args: unknown[]): unknown {
    const real = this.resolve();
    if (real) return (real.startActiveSpan as (...a: unknown[]) => unknown)(...args);
    const fn = args[args.length - 1] as (span: Span) => unknown;
    return fn(nonRecordingSpan());
  }
}

function nonRecordingSpan(): Span {
  return new RemoteParentSpan(NOOP_SPAN_CONTEXT);
}

let spanCode: typeof import('./span') | undefined;
/** span.ts is not needed at startup: loaded with the first span. */
function spanModule(): typeof import('./span') {
  return (spanCode ??= require('./span') as typeof import('./span'));
}

/** Tracer for the agent's own hooks: spans from src/span.ts, fed to the same processor. */
export class HookTracer implements Tracer {
  private shared: SpanShared | undefined;

  constructor(private readonly name: string) {}

  startSpan(name: string, options?: SpanOptions, context?: Context): Span {
    return this.start(name, options?.kind ?? SPAN_KIND_INTERNAL, options?.attributes, context ?? activeContext());
  }

  /**
   * For the hottest hooks: the attributes are built only when the span is
   * sampled (the agent's samplers do not read them), so an unsampled request
   * costs an id and a context, not a dozen strings.
   */
  startLazySpan(name: string, kind: number, parent: Context, attributes: () => Attributes): Span {
    return this.start(name, kind, attributes, parent);
  }

  private start(name: string, kind: number, attributes: Attributes | (() => Attributes) | undefined, parent: Context): Span {
    const tracing = getTracing();
    if (tracing === undefined || config === undefined) return nonRecordingSpan();
    this.shared ??= {
      resource: tracing.resource,
      scope: { name: this.name, version: VERSION },
      processor: tracing.processor,
      limits: config.spanLimits,
    };
    return spanModule().startAgentSpan(this.shared, tracing.sampler, name, kind, attributes, parent);
  }

  startActiveSpan(name: string, ...rest: unknown[]): unknown {
    // (name, fn) | (name, options, fn) | (name, options, context, fn), as the API's.
    const fn = rest[rest.length - 1] as (span: Span) => unknown;
    const options = rest.length > 1 ? (rest[0] as SpanOptions | undefined) : undefined;
    const parent = rest.length > 2 ? ((rest[1] as Context | undefined) ?? activeContext()) : activeContext();
    const span = this.startSpan(name, options, parent);
    return contextManager.with(contextWithSpan(parent, span), fn, undefined, span);
  }
}

/** A tracer for the agent's own hooks; scope name `tracing-agent/<hook>`. */
export function hookTracer(hook: string): HookTracer {
  return new HookTracer(`tracing-agent/${hook}`);
}

/** Load the SDK shortly after the app first asks for a tracer, off its first span's path, without holding the process. */
const SDK_PRELOAD_DELAY_MS = 200;
let sdkPreload: NodeJS.Timeout | undefined;

const deferredProvider: TracerProvider = {
  getTracer(name, version, options) {
    if (sdkPreload === undefined && sdkProvider === undefined) {
      sdkPreload = setTimeout(getSdkProvider, SDK_PRELOAD_DELAY_MS);
      sdkPreload.unref();
    }
    return new DeferredTracer(name, version, options);
  },
};

const API_GLOBAL = Symbol.for('opentelemetry.js.api.1');

/** `1.10.0` → 10; undefined for anything but a 1.x release (a prerelease only ever accepts itself). */
function apiMinor(version: unknown): number | undefined {
  const m = typeof version === 'string' ? /^1\.(\d+)\.\d+$/.exec(version) : null;
  return m ? Number(m[1]) : undefined;
}

/** The newest API version claimed so far; the app's own copy is looked up on the first read (see registerApiGlobals). */
let claimedVersion = OWN_API_VERSION;
let appVersionRead = false;

/** Claims `version` if it is a newer 1.x minor than the one claimed. */
function claim(version: string): void {
  const minor = apiMinor(version);
  if (minor !== undefined && minor > (apiMinor(claimedVersion) ?? -1)) claimedVersion = version;
}

/**
 * A copy of @opentelemetry/api uses the global only when the global's minor
 * version is at least its own: the globals claim the newest version of every
 * copy seen (the agent's, the app's, any loaded later), so each of them binds.
 */
function claimApiVersion(version: string): void {
  const g = (globalThis as unknown as Record<symbol, Record<string, unknown> | undefined>)[API_GLOBAL];
  if (g === undefined || g.trace !== deferredProvider) return;
  claim(version);
}

/**
 * The version the globals declare. Read only by a copy of the API, when the
 * app first uses it: the app's own copy's version (from its package.json, as
 * Node would find it) is looked up then, not at startup. It covers a copy
 * imported as an ES module, where no loader hook saw it load.
 */
function declaredVersion(): string {
  if (!appVersionRead) {
    appVersionRead = true;
    const appVersion = appPackageVersion('@opentelemetry/api');
    if (appVersion !== '') claim(appVersion);
  }
  return claimedVersion;
}

/**
 * Registers the provider, context manager and propagator as the API's
 * globals, exactly as `trace.setGlobalTracerProvider()` & co would, but without
 * loading the API package.
 */
function registerApiGlobals(propagator: TextMapPropagator): void {
  const g = globalThis as unknown as Record<symbol, Record<string, unknown> | undefined>;
  const existing = g[API_GLOBAL];
  if (existing !== undefined && (existing.trace !== undefined || existing.context !== undefined)) {
    log.warn(`another OpenTelemetry SDK is already registered (API ${String(existing.version)}); tracing-agent leaves it in place`);
    return;
  }
  g[API_GLOBAL] = {
    ...(existing ?? {}),
    get version() {
      return declaredVersion();
    },
    set version(version: string) {
      claimedVersion = version;
      appVersionRead = true;
    },
    trace: deferredProvider,
    context: contextManager,
    propagation: propagator,
  };
}

/** Every copy of @opentelemetry/api that loads, through require or import, claims its version (see claimApiVersion). */
export const API_BINDING: Integration = {
  name: '@opentelemetry/api',
  internal: true,
  code: () => ({ claim: (_exports: unknown, module: LoadedModule) => claimApiVersion(module.version) }),
  targets: [{ package: '@opentelemetry/api', versions: '>=1.0.0 <2', patch: 'claim' }],
};

export function initProvider(cfg: Config, propagator: TextMapPropagator): void {
  config = cfg;
  registerApiGlobals(propagator);
}

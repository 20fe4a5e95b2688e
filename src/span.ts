// The span the agent's own hooks create: one per request or query, so it is
// built for the hot path. It is both an API Span and an SDK ReadableSpan, uses
// the provider's sampler, limits, resource and span processor, and is
// exported exactly like the SDK's own spans (which the app's manual spans are).
//
// Why not the SDK's Span: measured in a hello-world server, the SDK's
// startSpan/end costs ~10 µs a request in place (sanitising attributes twice,
// self-metrics closures, Date-based clocks), several times this class.

import type { Attributes, AttributeValue, Context, Exception, HrTime, Link, Span, SpanContext, SpanStatus, TimeInput } from '@opentelemetry/api';
import type { ReadableSpan, Sampler, SpanProcessor, TimedEvent } from '@opentelemetry/sdk-trace-base';
import type { Resource } from '@opentelemetry/resources';
import { randomFillSync } from 'node:crypto';
import type { SpanLimitsConfig } from './config';
import { RemoteParentSpan as UnsampledSpan, spanFromContext } from './context';

// Wall-clock time read once, then advanced by the monotonic clock: nanosecond
// resolution without loading perf_hooks (~1 ms of startup).
const WALL_MS = Date.now();
const WALL_S = Math.floor(WALL_MS / 1000);
const WALL_NS = (WALL_MS - WALL_S * 1000) * 1e6;
const [MONO_S, MONO_NS] = process.hrtime();
/** performance.timeOrigin equivalent, for numeric times relative to it. */
const TIME_ORIGIN_MS = WALL_MS - process.uptime() * 1000;

/** Wall-clock time as [seconds, nanoseconds]. */
export function hrNow(): HrTime {
  const now = process.hrtime();
  let seconds = WALL_S + (now[0] - MONO_S);
  let nanos = WALL_NS + (now[1] - MONO_NS);
  if (nanos >= 1e9) {
    seconds += 1;
    nanos -= 1e9;
  } else if (nanos < 0) {
    seconds -= 1;
    nanos += 1e9;
  }
  return [seconds, nanos];
}

function toHrTime(t: TimeInput | undefined): HrTime {
  if (t === undefined) return hrNow();
  if (Array.isArray(t)) return t as HrTime;
  const ms = t instanceof Date ? t.getTime() : (t as number) < TIME_ORIGIN_MS ? TIME_ORIGIN_MS + (t as number) : (t as number);
  const seconds = Math.floor(ms / 1000);
  return [seconds, Math.round((ms - seconds * 1000) * 1e6)];
}

function hrDiff(end: HrTime, start: HrTime): HrTime {
  let seconds = end[0] - start[0];
  let nanos = end[1] - start[1];
  if (nanos < 0) {
    seconds -= 1;
    nanos += 1e9;
  }
  return seconds < 0 ? [0, 0] : [seconds, nanos];
}

// Random ids from a pooled buffer, hex-encoded natively.
const POOL = Buffer.allocUnsafe(65536);
let poolAt = POOL.length;
const ZERO_IDS = new Set(['0'.repeat(16), '0'.repeat(32)]);

function randomHex(bytes: number): string {
  if (poolAt + bytes > POOL.length) {
    randomFillSync(POOL);
    poolAt = 0;
  }
  const id = POOL.toString('hex', poolAt, (poolAt += bytes));
  return ZERO_IDS.has(id) ? randomHex(bytes) : id; // all-zero ids are invalid
}

export const newTraceId = (): string => randomHex(16);
export const newSpanId = (): string => randomHex(8);

/** What every span of one tracer shares. */
export interface SpanShared {
  resource: Resource;
  scope: { name: string; version?: string; schemaUrl?: string };
  processor: SpanProcessor;
  limits: SpanLimitsConfig;
}

function isAttributeValue(v: unknown): v is AttributeValue {
  const t = typeof v;
  return t === 'string' || t === 'number' || t === 'boolean' || (Array.isArray(v) && v.every((x) => x == null || typeof x === typeof v.find((y) => y != null)));
}

function truncate(v: AttributeValue, max: number): AttributeValue {
  if (typeof v === 'string') return v.length > max ? v.slice(0, max) : v;
  if (Array.isArray(v)) return (v as unknown[]).map((x) => (typeof x === 'string' && x.length > max ? x.slice(0, max) : x)) as AttributeValue;
  return v;
}

const UNSET: SpanStatus = Object.freeze({ code: 0 }) as SpanStatus;
const NO_TIME: HrTime = Object.freeze([0, 0]) as unknown as HrTime;
/** Shared until the first event or link: most spans have neither. */
const NONE: never[] = Object.freeze([]) as unknown as never[];

export class AgentSpan implements Span, ReadableSpan {
  readonly attributes: Attributes = {};
  links: Link[] = NONE;
  events: TimedEvent[] = NONE;
  status: SpanStatus = UNSET;
  endTime: HrTime = NO_TIME;
  duration: HrTime = NO_TIME;
  ended = false;
  droppedAttributesCount = 0;
  droppedEventsCount = 0;
  droppedLinksCount = 0;
  readonly resource: Resource;
  readonly instrumentationScope: SpanShared['scope'];
  private attributeCount = 0;

  constructor(
    private readonly shared: SpanShared,
    private readonly context: SpanContext,
    public name: string,
    readonly kind: number,
    readonly parentSpanContext: SpanContext | undefined,
    attributes: Attributes | undefined,
    readonly startTime: HrTime,
  ) {
    this.resource = shared.resource;
    this.instrumentationScope = shared.scope;
    if (attributes !== undefined) this.setInitialAttributes(attributes);
  }

  /** Hooks pass well-formed attributes: copy them with only the limits applied. */
  private setInitialAttributes(attributes: Attributes): void {
    const limits = this.shared.limits;
    const noLength = limits.attributeValueLengthLimit === Infinity;
    for (const key in attributes) {
      const value = attributes[key];
      if (value == null) continue;
      if (this.attributeCount >= limits.attributeCountLimit) {
        this.droppedAttributesCount++;
        continue;
      }
      this.attributeCount++;
      this.attributes[key] = noLength ? value : truncate(value, limits.attributeValueLengthLimit);
    }
  }

  spanContext(): SpanContext {
    return this.context;
  }

  setAttribute(key: string, value?: AttributeValue): this {
    if (this.ended || value == null || key === '') return this;
    if (!isAttributeValue(value)) return this;
    const limits = this.shared.limits;
    if (!(key in this.attributes)) {
      if (this.attributeCount >= limits.attributeCountLimit) {
        this.droppedAttributesCount++;
        return this;
      }
      this.attributeCount++;
    }
    this.attributes[key] = limits.attributeValueLengthLimit === Infinity ? value : truncate(value, limits.attributeValueLengthLimit);
    return this;
  }

  setAttributes(attributes: Attributes): this {
    for (const key in attributes) this.setAttribute(key, attributes[key]);
    return this;
  }

  addEvent(name: string, attributesOrTime?: Attributes | TimeInput, time?: TimeInput): this {
    if (this.ended) return this;
    const limits = this.shared.limits;
    if (this.events.length >= limits.eventCountLimit) {
      this.droppedEventsCount++;
      return this;
    }
    let attributes: Attributes | undefined;
    if (attributesOrTime !== undefined && typeof attributesOrTime === 'object' && !Array.isArray(attributesOrTime) && !(attributesOrTime instanceof Date)) {
      attributes = attributesOrTime as Attributes;
    } else if (attributesOrTime !== undefined) {
      time = attributesOrTime as TimeInput;
    }
    const kept: Attributes = {};
    let count = 0;
    let dropped = 0;
    for (const key in attributes) {
      const v = attributes[key];
      if (v == null || !isAttributeValue(v)) continue;
      if (count >= limits.attributePerEventCountLimit) {
        dropped++;
        continue;
      }
      kept[key] = limits.attributeValueLengthLimit === Infinity ? v : truncate(v, limits.attributeValueLengthLimit);
      count++;
    }
    if (this.events === NONE) this.events = [];
    this.events.push({ name, attributes: kept, time: toHrTime(time), droppedAttributesCount: dropped });
    return this;
  }

  addLink(link: Link): this {
    if (this.ended) return this;
    if (this.links.length >= this.shared.limits.linkCountLimit) this.droppedLinksCount++;
    else {
      if (this.links === NONE) this.links = [];
      this.links.push(link);
    }
    return this;
  }

  addLinks(links: Link[]): this {
    for (const link of links) this.addLink(link);
    return this;
  }

  setStatus(status: SpanStatus): this {
    if (this.ended) return this;
    // OK is final; UNSET never overrides (API rule).
    if (this.status.code === 1 || status.code === 0) return this;
    this.status = status.code === 2 ? { code: 2, message: status.message } : { code: status.code };
    return this;
  }

  updateName(name: string): this {
    if (!this.ended) this.name = name;
    return this;
  }

  end(endTime?: TimeInput): void {
    if (this.ended) return;
    this.endTime = toHrTime(endTime);
    this.duration = hrDiff(this.endTime, this.startTime);
    this.ended = true;
    this.shared.processor.onEnd(this);
  }

  isRecording(): boolean {
    return !this.ended;
  }

  recordException(exception: Exception, time?: TimeInput): void {
    const attributes: Attributes = {};
    if (typeof exception === 'string') attributes['exception.message'] = exception;
    else if (exception) {
      const e = exception as { code?: unknown; name?: string; message?: string; stack?: string };
      if (e.code !== undefined) attributes['exception.type'] = String(e.code);
      else if (e.name) attributes['exception.type'] = e.name;
      if (e.message) attributes['exception.message'] = e.message;
      if (e.stack) attributes['exception.stacktrace'] = e.stack;
    }
    this.addEvent('exception', attributes, time);
  }
}

const RECORD_AND_SAMPLED = 2;

/**
 * Starts a span for a hook: same decisions as the SDK's tracer (sampler,
 * parent from context, limits), without its per-span overhead.
 */
export function startAgentSpan(
  shared: SpanShared,
  sampler: Sampler,
  name: string,
  kind: number,
  attributes: Attributes | (() => Attributes) | undefined,
  parent: Context,
): Span {
  const parentSpan = spanFromContext(parent);
  const parentContext = parentSpan?.spanContext();
  const validParent = parentContext !== undefined && parentContext.traceId !== '00000000000000000000000000000000';
  const traceId = validParent ? parentContext.traceId : newTraceId();
  const spanId = newSpanId();
  // Attributes built on demand (a function) are not shown to the sampler.
  const result = sampler.shouldSample(parent, traceId, name, kind, typeof attributes === 'object' ? attributes : {}, []);
  const traceState = result.traceState ?? (validParent ? parentContext.traceState : undefined);
  if (result.decision !== RECORD_AND_SAMPLED) {
    return new UnsampledSpan({ traceId, spanId, traceFlags: 0, traceState });
  }
  const context: SpanContext = { traceId, spanId, traceFlags: 1, traceState };
  const span = new AgentSpan(shared, context, name, kind, validParent ? parentContext : undefined, typeof attributes === 'function' ? attributes() : attributes, hrNow());
  if (result.attributes !== undefined) span.setAttributes(result.attributes);
  shared.processor.onStart(span as never, parent);
  return span;
}

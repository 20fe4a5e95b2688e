// The span the agent's own hooks create: one per request or query, so it is
// built for the hot path. It is both an API Span and an SDK ReadableSpan, uses
// the provider's sampler, limits, resource and span processor, and is
// exported exactly like the SDK's own spans (which the app's manual spans are).
//
// Why not the SDK's Span: measured in a hello-world server, the SDK's
// startSpan/end costs ~10 µs a request in place (sanitising attributes twice,
// self-metrics closures, Date-based clocks), several times this class.

import type { Attributes, AttributeValue, Context, Exception, HrTime, Link, Span, SpanContext, SpanStatus, TimeInput, TraceState } from '@opentelemetry/api';
import type { Sampler, SpanProcessor, TimedEvent } from '@opentelemetry/sdk-trace-base';
import type { Resource } from '@opentelemetry/resources';
import type { SpanLimitsConfig } from './config';
import type { RawSpan } from './exporters/types';
import { RemoteParentSpan as UnsampledSpan, spanFromContext } from './context';
import {
  INVALID_SPAN_ID,
  INVALID_TRACE_ID,
  SAMPLING_RECORD_AND_SAMPLED,
  STATUS_ERROR,
  STATUS_OK,
  STATUS_UNSET,
  TRACE_FLAG_SAMPLED,
  TRACE_FLAGS_NONE,
} from './otel-constants';
import { clockNow, clockToEpoch, TIME_ORIGIN_MS } from './clock';

/** Wall-clock time as [seconds, nanoseconds]. */
function hrNow(): HrTime {
  return clockToEpoch(clockNow());
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

// Random ids from Math.random, 32 bits at a time, as the SDK's own
// RandomIdGenerator makes them (ids need to be unique, not secret), written
// straight to lowercase hex: ~30 ns a span id, a third of a crypto pool's
// fill, hex slice and all-zero check.
const HEX_DIGIT = Array.from('0123456789abcdef', (c) => c.charCodeAt(0));
const fromCharCode = String.fromCharCode;

// (Signed: 32-bit words stay small integers, not boxed numbers, in the span's fields.)
const randomWord = (): number => (Math.random() * 4294967296) | 0;

// One String.fromCharCode call per id builds it flat (no concatenation to flatten later).
/** 16 hex digits of two 32-bit words. */
function hex16(a: number, b: number): string {
  const h = HEX_DIGIT;
  return fromCharCode(
    h[a >>> 28],
    h[(a >>> 24) & 15],
    h[(a >>> 20) & 15],
    h[(a >>> 16) & 15],
    h[(a >>> 12) & 15],
    h[(a >>> 8) & 15],
    h[(a >>> 4) & 15],
    h[a & 15],
    h[b >>> 28],
    h[(b >>> 24) & 15],
    h[(b >>> 20) & 15],
    h[(b >>> 16) & 15],
    h[(b >>> 12) & 15],
    h[(b >>> 8) & 15],
    h[(b >>> 4) & 15],
    h[b & 15],
  );
}

/** 32 hex digits of four 32-bit words. */
function hex32(a: number, b: number, c: number, d: number): string {
  const h = HEX_DIGIT;
  return fromCharCode(
    h[a >>> 28],
    h[(a >>> 24) & 15],
    h[(a >>> 20) & 15],
    h[(a >>> 16) & 15],
    h[(a >>> 12) & 15],
    h[(a >>> 8) & 15],
    h[(a >>> 4) & 15],
    h[a & 15],
    h[b >>> 28],
    h[(b >>> 24) & 15],
    h[(b >>> 20) & 15],
    h[(b >>> 16) & 15],
    h[(b >>> 12) & 15],
    h[(b >>> 8) & 15],
    h[(b >>> 4) & 15],
    h[b & 15],
    h[c >>> 28],
    h[(c >>> 24) & 15],
    h[(c >>> 20) & 15],
    h[(c >>> 16) & 15],
    h[(c >>> 12) & 15],
    h[(c >>> 8) & 15],
    h[(c >>> 4) & 15],
    h[c & 15],
    h[d >>> 28],
    h[(d >>> 24) & 15],
    h[(d >>> 20) & 15],
    h[(d >>> 16) & 15],
    h[(d >>> 12) & 15],
    h[(d >>> 8) & 15],
    h[(d >>> 4) & 15],
    h[d & 15],
  );
}

/** A random span id; never all zeros (invalid). */
export function newSpanId(): string {
  const a = randomWord();
  const b = randomWord();
  return hex16(a === 0 && b === 0 ? 1 : a, b);
}

/** One 32-bit word from the 8 hex digits of `hex` at `at` (a validated id). */
function wordOfHex(hex: string, at: number): number {
  let word = 0;
  for (let i = at; i < at + 8; i++) {
    const c = hex.charCodeAt(i) | 0x20; // lowercase
    word = (word << 4) | (c <= 0x39 ? c - 0x30 : c - 0x57);
  }
  return word | 0;
}

/**
 * A trace id as four 32-bit words, shared by every local span of the trace:
 * the protobuf encoder writes the words as they are, and the hex form is made
 * once, only if something asks for it (a child's sampler, propagation, the app).
 */
export class TraceId {
  private hexForm: string | undefined;

  constructor(
    readonly word0: number,
    readonly word1: number,
    readonly word2: number,
    readonly word3: number,
    hex?: string,
  ) {
    this.hexForm = hex;
  }

  static random(): TraceId {
    const a = randomWord();
    const b = randomWord();
    const c = randomWord();
    const d = randomWord();
    return new TraceId(a === 0 && b === 0 && c === 0 && d === 0 ? 1 : a, b, c, d);
  }

  static fromHex(hex: string): TraceId {
    return new TraceId(wordOfHex(hex, 0), wordOfHex(hex, 8), wordOfHex(hex, 16), wordOfHex(hex, 24), hex);
  }

  get hex(): string {
    return (this.hexForm ??= hex32(this.word0, this.word1, this.word2, this.word3));
  }
}

/** What every span of one tracer shares. */
export interface SpanShared {
  resource: Resource;
  scope: { name: string; version?: string; schemaUrl?: string };
  /** Told when each span starts and ends: all a span needs of the provider's processor. */
  processor: Pick<SpanProcessor, 'onStart' | 'onEnd'>;
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

const UNSET: SpanStatus = Object.freeze({ code: STATUS_UNSET }) as SpanStatus;
const NO_TIME: HrTime = Object.freeze([0, 0]) as unknown as HrTime;
/** Shared until the first event or link: most spans have neither. */
const NONE: never[] = Object.freeze([]) as unknown as never[];
const NO_ATTRIBUTES: Attributes = Object.freeze({});

const TRACE_ID = /^[0-9a-f]{32}$/i;
const SPAN_ID = /^[0-9a-f]{16}$/i;

/** As the API's isSpanContextValid: a parent with malformed ids starts a new trace instead. */
function isValidParent(context: SpanContext): boolean {
  return TRACE_ID.test(context.traceId) && context.traceId !== INVALID_TRACE_ID && SPAN_ID.test(context.spanId) && context.spanId !== INVALID_SPAN_ID;
}

export class AgentSpan implements Span, RawSpan {
  attributes: Attributes;
  links: Link[] = NONE;
  events: TimedEvent[] = NONE;
  status: SpanStatus = UNSET;
  ended = false;
  /** When it ended, on the span clock (see clockNow); -1 while open. */
  endClock = -1;
  /** An end time the caller gave, kept as given. */
  endGiven: HrTime | undefined = undefined;
  droppedAttributesCount = 0;
  droppedEventsCount = 0;
  droppedLinksCount = 0;
  readonly resource: Resource;
  readonly instrumentationScope: SpanShared['scope'];
  private attributeCount = 0;
  /** The span id as two 32-bit words (hex only when asked, as for the trace id). */
  readonly spanIdWord0: number;
  readonly spanIdWord1: number;
  private context: SpanContext | undefined;
  /** Links of the processor's open-span list (see OpenSpanLinks in processor.ts); null when unlinked. */
  openPrev: AgentSpan | null = null;
  openNext: AgentSpan | null = null;

  constructor(
    private readonly shared: SpanShared,
    readonly traceId: TraceId,
    readonly traceState: TraceState | undefined,
    public name: string,
    readonly kind: number,
    /** A local agent span, or the span context of any other parent (remote, the app's, …). */
    readonly parent: AgentSpan | SpanContext | undefined,
    attributes: Attributes | undefined,
    ownsAttributes: boolean,
    /** When it started, on the span clock (see clockNow). */
    readonly startClock: number,
  ) {
    const a = randomWord();
    const b = randomWord();
    this.spanIdWord0 = a === 0 && b === 0 ? 1 : a;
    this.spanIdWord1 = b;
    this.resource = shared.resource;
    this.instrumentationScope = shared.scope;
    this.attributes = attributes !== undefined && ownsAttributes && this.canAdopt(attributes) ? attributes : {};
    if (attributes !== undefined && this.attributes !== attributes) this.setInitialAttributes(attributes);
  }

  /**
   * Whether a hook's freshly built attributes can become the span's own as
   * they are (no null values, no limit to apply): saves copying them.
   */
  private canAdopt(attributes: Attributes): boolean {
    const limits = this.shared.limits;
    if (limits.attributeValueLengthLimit !== Infinity) return false;
    let count = 0;
    for (const key in attributes) {
      if (attributes[key] == null) return false;
      count++;
    }
    if (count > limits.attributeCountLimit) return false;
    this.attributeCount = count;
    return true;
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
    return (this.context ??= {
      traceId: this.traceId.hex,
      spanId: hex16(this.spanIdWord0, this.spanIdWord1),
      traceFlags: TRACE_FLAG_SAMPLED,
      traceState: this.traceState,
    });
  }

  /** Always: an unsampled span is never made (the processor asks, to skip making hex ids). */
  get sampled(): boolean {
    return true;
  }

  get startTime(): HrTime {
    return clockToEpoch(this.startClock);
  }

  get endTime(): HrTime {
    return this.endGiven ?? (this.ended ? clockToEpoch(this.endClock) : NO_TIME);
  }

  get duration(): HrTime {
    if (!this.ended) return NO_TIME;
    if (this.endGiven !== undefined) return hrDiff(this.endGiven, this.startTime);
    const ns = Math.max(0, this.endClock - this.startClock);
    const seconds = Math.floor(ns / 1e9);
    return [seconds, ns - seconds * 1e9];
  }

  /** The parent, when it is a local span of the agent's (RawSpan's view of it). */
  get localParent(): AgentSpan | undefined {
    const parent = this.parent;
    return parent instanceof AgentSpan ? parent : undefined;
  }

  /** ReadableSpan's view of the parent. */
  get parentSpanContext(): SpanContext | undefined {
    const parent = this.parent;
    return parent instanceof AgentSpan ? parent.spanContext() : parent;
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
    if (this.status.code === STATUS_OK || status.code === STATUS_UNSET) return this;
    this.status = status.code === STATUS_ERROR ? { code: STATUS_ERROR, message: status.message } : { code: status.code };
    return this;
  }

  updateName(name: string): this {
    if (!this.ended) this.name = name;
    return this;
  }

  end(endTime?: TimeInput): void {
    if (this.ended) return;
    if (endTime === undefined) this.endClock = clockNow();
    else this.endGiven = toHrTime(endTime);
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

/**
 * Starts a span for a hook: same decisions as the SDK's tracer (sampler,
 * parent from context, limits), without its per-span overhead.
 */
export function startAgentSpan(
  shared: SpanShared,
  sampler: Sampler & { readsTraceId?: boolean },
  name: string,
  kind: number,
  attributes: Attributes | (() => Attributes) | undefined,
  parent: Context,
): Span {
  const parentSpan = spanFromContext(parent);
  let localParent: AgentSpan | SpanContext | undefined;
  let traceId: TraceId;
  let traceState: TraceState | undefined;
  if (parentSpan instanceof AgentSpan) {
    localParent = parentSpan;
    traceId = parentSpan.traceId;
    traceState = parentSpan.traceState;
  } else {
    const parentContext = parentSpan?.spanContext();
    if (parentContext !== undefined && isValidParent(parentContext)) {
      localParent = parentContext;
      traceId = TraceId.fromHex(parentContext.traceId);
      traceState = parentContext.traceState;
    } else traceId = TraceId.random();
  }
  // The trace id goes to hex only for a sampler that reads it (trace-id ratio).
  const traceIdForSampler = sampler.readsTraceId !== false ? traceId.hex : '';
  // Attributes built on demand (a function) are not shown to the sampler.
  const result = sampler.shouldSample(parent, traceIdForSampler, name, kind, typeof attributes === 'object' ? attributes : NO_ATTRIBUTES, NONE);
  if (result.traceState !== undefined) traceState = result.traceState;
  if (result.decision !== SAMPLING_RECORD_AND_SAMPLED) {
    return new UnsampledSpan({ traceId: traceId.hex, spanId: newSpanId(), traceFlags: TRACE_FLAGS_NONE, traceState });
  }
  const owned = typeof attributes === 'function';
  const span = new AgentSpan(shared, traceId, traceState, name, kind, localParent, owned ? attributes() : attributes, owned, clockNow());
  if (result.attributes !== undefined) span.setAttributes(result.attributes);
  shared.processor.onStart(span as never, parent);
  return span;
}

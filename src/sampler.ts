// The OTEL_TRACES_SAMPLER samplers, written to the SDK's Sampler interface and
// with its decisions (the trace-id ratio uses the SDK's own arithmetic), so one
// instance serves the agent's spans and, once loaded, the SDK's: the SDK is
// only loaded when the app itself asks the API for spans.

import type { Context } from '@opentelemetry/api';
import type { Sampler, SamplingResult } from '@opentelemetry/sdk-trace-base';
import type { Config } from './config';
import { spanFromContext } from './context';
import { INVALID_TRACE_ID, SAMPLING_NOT_RECORD, SAMPLING_RECORD_AND_SAMPLED, TRACE_FLAG_SAMPLED } from './otel-constants';

const NOT_RECORD: SamplingResult = Object.freeze({ decision: SAMPLING_NOT_RECORD });
const RECORD_AND_SAMPLED: SamplingResult = Object.freeze({ decision: SAMPLING_RECORD_AND_SAMPLED });

// readsTraceId: whether shouldSample looks at its traceId argument; the
// agent's spans skip making the hex id for samplers that do not.

class AlwaysOn implements Sampler {
  readonly readsTraceId = false;
  shouldSample(): SamplingResult {
    return RECORD_AND_SAMPLED;
  }
  toString(): string {
    return 'AlwaysOnSampler';
  }
}

class AlwaysOff implements Sampler {
  readonly readsTraceId = false;
  shouldSample(): SamplingResult {
    return NOT_RECORD;
  }
  toString(): string {
    return 'AlwaysOffSampler';
  }
}

class TraceIdRatio implements Sampler {
  readonly readsTraceId = true;
  private readonly upperBound: number;

  constructor(private readonly ratio: number) {
    this.upperBound = Math.floor(ratio * 0xffffffff);
  }

  shouldSample(_context: Context, traceId: string): SamplingResult {
    if (traceId.length !== 32 || traceId === INVALID_TRACE_ID) return NOT_RECORD;
    // XOR of the id's four 32-bit words, compared with ratio × 2³²-1 (as the SDK does).
    let accumulated = 0;
    for (let at = 0; at < 32; at += 8) accumulated = (accumulated ^ parseInt(traceId.slice(at, at + 8), 16)) >>> 0;
    return accumulated < this.upperBound ? RECORD_AND_SAMPLED : NOT_RECORD;
  }

  toString(): string {
    return `TraceIdRatioBased{${this.ratio}}`;
  }
}

/** Follows the parent's sampled flag; decides with `root` only for a trace's first span. */
class ParentBased implements Sampler {
  readonly readsTraceId: boolean;

  constructor(private readonly root: Sampler & { readsTraceId: boolean }) {
    this.readsTraceId = root.readsTraceId;
  }

  shouldSample(context: Context, traceId: string, name: string, kind: number, attributes: never, links: never): SamplingResult {
    const span = spanFromContext(context);
    // The agent's own spans are all sampled, and asking for their span context would make their hex ids.
    if ((span as { sampled?: boolean } | undefined)?.sampled === true) return RECORD_AND_SAMPLED;
    const parent = span?.spanContext();
    if (parent === undefined || parent.traceId === INVALID_TRACE_ID) return this.root.shouldSample(context, traceId, name, kind, attributes, links);
    return parent.traceFlags & TRACE_FLAG_SAMPLED ? RECORD_AND_SAMPLED : NOT_RECORD;
  }

  toString(): string {
    return `ParentBased{root=${this.root.toString()}, remoteParentSampled=AlwaysOnSampler, remoteParentNotSampled=AlwaysOffSampler, localParentSampled=AlwaysOnSampler, localParentNotSampled=AlwaysOffSampler}`;
  }
}

export function createSampler({ name, ratio }: Config['sampler']): Sampler {
  switch (name) {
    case 'always_on':
      return new AlwaysOn();
    case 'always_off':
      return new AlwaysOff();
    case 'traceidratio':
      return new TraceIdRatio(ratio);
    case 'parentbased_always_off':
      return new ParentBased(new AlwaysOff());
    case 'parentbased_traceidratio':
      return new ParentBased(new TraceIdRatio(ratio));
    default:
      return new ParentBased(new AlwaysOn());
  }
}

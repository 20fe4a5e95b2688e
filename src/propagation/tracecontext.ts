// W3C Trace Context: `traceparent` and `tracestate`.
// https://www.w3.org/TR/trace-context/

import type { Context, TextMapGetter, TextMapPropagator, TextMapSetter, TraceState } from '@opentelemetry/api';
import { contextWithSpan, isTracingSuppressed, RemoteParentSpan, spanFromContext } from '../context';
import { TRACE_FLAG_SAMPLED } from '../otel-constants';
import { firstHeader, isValidSpanId, isValidTraceId } from './util';

const TRACEPARENT = 'traceparent';
const TRACESTATE = 'tracestate';
const TRACEPARENT_RE = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const MAX_TRACESTATE_MEMBERS = 32;
const TRACESTATE_KEY_RE = /^(?:[a-z][_0-9a-z\-*/]{0,255}|[a-z0-9][_0-9a-z\-*/]{0,240}@[a-z][_0-9a-z\-*/]{0,13})$/;
const TRACESTATE_VALUE_RE = /^[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]$/;

/** The API's TraceState contract over an ordered list of members (newest first). */
export class AgentTraceState implements TraceState {
  private constructor(private readonly members: Array<[string, string]>) {}

  static parse(header: string): AgentTraceState {
    const members: Array<[string, string]> = [];
    for (const part of header.split(',')) {
      const item = part.trim();
      if (item === '') continue;
      const eq = item.indexOf('=');
      if (eq <= 0) continue;
      const key = item.slice(0, eq);
      const value = item.slice(eq + 1);
      if (!TRACESTATE_KEY_RE.test(key) || !TRACESTATE_VALUE_RE.test(value)) continue;
      if (members.some(([k]) => k === key)) continue;
      members.push([key, value]);
      if (members.length === MAX_TRACESTATE_MEMBERS) break;
    }
    return new AgentTraceState(members);
  }

  get(key: string): string | undefined {
    const found = this.members.find(([k]) => k === key);
    return found?.[1];
  }

  set(key: string, value: string): TraceState {
    const rest = this.members.filter(([k]) => k !== key);
    return new AgentTraceState([[key, value] as [string, string], ...rest].slice(0, MAX_TRACESTATE_MEMBERS));
  }

  unset(key: string): TraceState {
    return new AgentTraceState(this.members.filter(([k]) => k !== key));
  }

  serialize(): string {
    return this.members.map(([k, v]) => `${k}=${v}`).join(',');
  }
}

export function parseTraceparent(value: string): { traceId: string; spanId: string; traceFlags: number } | undefined {
  const m = TRACEPARENT_RE.exec(value.trim());
  if (m === null) return undefined;
  const version = m[1];
  // Version ff is forbidden; version 00 has no trailing fields; later versions may add some.
  if (version === 'ff' || (version === '00' && m[5] !== undefined)) return undefined;
  if (!isValidTraceId(m[2]) || !isValidSpanId(m[3])) return undefined;
  return { traceId: m[2], spanId: m[3], traceFlags: parseInt(m[4], 16) & TRACE_FLAG_SAMPLED };
}

export class TraceContextPropagator implements TextMapPropagator {
  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    const span = spanFromContext(context);
    if (span === undefined || isTracingSuppressed(context)) return;
    const sc = span.spanContext();
    if (!isValidTraceId(sc.traceId) || !isValidSpanId(sc.spanId)) return;
    setter.set(carrier, TRACEPARENT, `00-${sc.traceId}-${sc.spanId}-0${(sc.traceFlags & TRACE_FLAG_SAMPLED).toString(16)}`);
    if (sc.traceState !== undefined) {
      const state = sc.traceState.serialize();
      if (state !== '') setter.set(carrier, TRACESTATE, state);
    }
  }

  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    const header = firstHeader(getter.get(carrier, TRACEPARENT));
    if (header === undefined) return context;
    const parsed = parseTraceparent(header);
    if (parsed === undefined) return context;
    const stateHeader = getter.get(carrier, TRACESTATE);
    const state = Array.isArray(stateHeader) ? stateHeader.join(',') : stateHeader;
    return contextWithSpan(
      context,
      new RemoteParentSpan({
        traceId: parsed.traceId,
        spanId: parsed.spanId,
        traceFlags: parsed.traceFlags,
        isRemote: true,
        traceState: state ? AgentTraceState.parse(state) : undefined,
      }),
    );
  }

  fields(): string[] {
    return [TRACEPARENT, TRACESTATE];
  }
}

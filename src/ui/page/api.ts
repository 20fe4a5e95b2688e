// The viewer's own API, as the page reads it: Jaeger's query API (in Jaeger's
// JSON shapes, see ../query.ts) and the viewer's info and stats. Every request
// the page makes, apart from the live stream (live.ts), is made here.
import type { Log, Process, Reference, Tag } from '../model';

export type { Log, Process, Reference, Tag };

/** A span in Jaeger's trace JSON: its process by reference into the trace's `processes`. */
export interface WireSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  references: Reference[];
  /** µs since the epoch */
  startTime: number;
  /** µs */
  duration: number;
  tags: Tag[];
  logs: Log[];
  processID: string;
}

export interface WireTrace {
  traceID: string;
  spans: WireSpan[];
  processes: Record<string, Process>;
}

export interface Dependency {
  parent: string;
  child: string;
  callCount: number;
}

export interface Stats {
  traces: number;
  spans: number;
  /** bumped whenever the store changes */
  version: number;
}

/** Where this viewer receives spans (for the "how to send traces here" hint). */
export interface Info {
  otlp?: string;
}

/** The live stream's `update` event. */
export interface LiveUpdate {
  stats: Stats;
  /** ids of the traces that changed */
  traces: string[];
}

interface Envelope<T> {
  data: T;
  errors?: Array<{ code?: number; msg?: string }> | null;
}

/** GET `path`; its `data`, or an Error with the viewer's own message. */
async function api<T>(path: string): Promise<T> {
  const res = await fetch(path, { headers: { Accept: 'application/json' } });
  let body: Envelope<T>;
  try {
    body = (await res.json()) as Envelope<T>;
  } catch {
    throw new Error(`${res.status} ${res.statusText}`);
  }
  if (!res.ok || (body.errors && body.errors.length))
    throw new Error((body.errors && body.errors[0] && body.errors[0].msg) || `${res.status} ${res.statusText}`);
  return body.data;
}

export const getServices = (): Promise<string[]> => api('/api/services');

export const getOperations = (service: string): Promise<string[]> => api(`/api/services/${encodeURIComponent(service)}/operations`);

/** `query`: Jaeger's search parameters (service, operation, tags, minDuration, maxDuration, lookback, end, limit). */
export const findTraces = (query: URLSearchParams): Promise<WireTrace[]> => api('/api/traces?' + query);

/** The trace (one element), or an Error when the viewer does not hold it. */
export const getTrace = (id: string): Promise<WireTrace[]> => api(`/api/traces/${id}`);

/** Calls between services ending at `endTs` (ms since the epoch), over `lookback` ms. */
export const getDependencies = (endTs: number, lookback: string): Promise<Dependency[]> => api(`/api/dependencies?endTs=${endTs}&lookback=${lookback}`);

export const getStats = (): Promise<Stats> => api('/api/stats');

export const getInfo = (): Promise<Info> => api('/api/info');

// Global fetch and the undici package: both publish diagnostics channels, so
// nothing is patched. One CLIENT span per request undici sends (each redirect
// hop is a request of its own).

import type { Attributes, Context, Span } from '@opentelemetry/api';
import * as dc from 'node:diagnostics_channel';
import { activeContext, contextWithSpan, isTracingSuppressed } from '../context';
import { propagation } from '../propagation';
import { hookTracer } from '../provider';
import { normalizeMethod, redactUrl } from '../semconv';
import { HookGuard, recordError } from '../loader/trace-call';
import { SPAN_KIND_CLIENT, STATUS_ERROR } from '../otel-constants';

const guard = new HookGuard('fetch');
const tracer = hookTracer('fetch');
const kSpan = Symbol('tracing-agent.span');

/** The parts of undici's internal Request the hook reads (undici 5 to 7). */
interface UndiciRequest {
  origin: string | URL;
  method: string;
  path: string;
  headers: string | string[] | Record<string, string> | null;
  addHeader(key: string, value: string): unknown;
  [kSpan]?: Span;
}

function hasHeader(request: UndiciRequest, name: string): boolean {
  const headers = request.headers;
  if (headers == null) return false;
  if (typeof headers === 'string') return headers.toLowerCase().includes(`${name}:`);
  if (Array.isArray(headers)) {
    for (let i = 0; i < headers.length; i += 2) if (String(headers[i]).toLowerCase() === name) return true;
    return false;
  }
  return Object.keys(headers).some((k) => k.toLowerCase() === name);
}

const requestSetter = {
  set(request: UndiciRequest, key: string, value: string): void {
    if (!hasHeader(request, key)) request.addHeader(key, value);
  },
};

function requestAttributes(request: UndiciRequest, method: string): Attributes {
  const origin = new URL(String(request.origin));
  const scheme = origin.protocol.slice(0, -1);
  const attributes: Record<string, string | number> = {
    'http.request.method': method,
    'server.address': origin.hostname.replace(/^\[|\]$/g, ''),
    'server.port': origin.port ? Number(origin.port) : scheme === 'https' ? 443 : 80,
    'url.full': redactUrl(origin.origin + request.path),
  };
  if (method === '_OTHER') attributes['http.request.method_original'] = request.method;
  return attributes;
}

function onCreate(message: unknown): void {
  if (!guard.enabled) return;
  const { request } = message as { request: UndiciRequest };
  const parent: Context = activeContext();
  if (isTracingSuppressed(parent)) return;
  try {
    const method = normalizeMethod(request.method);
    // As for http: an unsampled request builds no attributes and is not followed, only propagated.
    const span = tracer.startLazySpan(method, SPAN_KIND_CLIENT, parent, () => requestAttributes(request, method));
    if (span.isRecording()) request[kSpan] = span;
    propagation.current.inject(contextWithSpan(parent, span), request, requestSetter);
  } catch (err) {
    guard.fail(err);
  }
}

function onHeaders(message: unknown): void {
  const { request, response } = message as { request: UndiciRequest; response: { statusCode: number } };
  const span = request[kSpan];
  if (span === undefined) return;
  span.setAttribute('http.response.status_code', response.statusCode);
  if (response.statusCode >= 400) {
    span.setAttribute('error.type', String(response.statusCode));
    span.setStatus({ code: STATUS_ERROR });
  }
}

function onTrailers(message: unknown): void {
  const { request } = message as { request: UndiciRequest };
  const span = request[kSpan];
  if (span === undefined) return;
  request[kSpan] = undefined;
  span.end();
}

function onError(message: unknown): void {
  const { request, error } = message as { request: UndiciRequest; error: unknown };
  const span = request[kSpan];
  if (span === undefined) return;
  request[kSpan] = undefined;
  recordError(span, error);
  span.end();
}

export function start(): void {
  dc.subscribe('undici:request:create', onCreate);
  dc.subscribe('undici:request:headers', onHeaders);
  dc.subscribe('undici:request:trailers', onTrailers);
  dc.subscribe('undici:request:error', onError);
}

// What an export POST is, and the one place where a collector's URL and
// headers become the request sent: the normal client (http1.ts) and the
// exit-time sender (post.ts) both send what buildRequest() makes, so
// credentials in the URL travel the same way on both paths.

import { maskUrl } from '../config-reader';

export interface PostRequest {
  url: string;
  headers: Record<string, string>;
  body: Uint8Array;
  timeoutMs: number;
}

export interface PostResult {
  ok: boolean;
  /** HTTP status, when one arrived. */
  status?: number;
  /** Why it failed, for the one-line log. */
  error?: string;
  /** How long the collector asked to wait before trying again (its Retry-After), when it did. */
  retryAfterMs?: number;
  /** No answer within the time given. */
  timedOut?: boolean;
}

/** A POST ready to write: where to connect, and every header line, framing included. */
export interface HttpRequest {
  https: boolean;
  /** Host name or IP address to connect to (an IPv6 address without its brackets). */
  host: string;
  port: number;
  /** Requests with the same origin share kept-alive connections. */
  origin: string;
  /** Path and query. */
  path: string;
  headers: Record<string, string>;
}

/** Framing headers are the client's own; a configured Host header wins over the URL's. */
const OWN_HEADERS = new Set(['content-length', 'connection', 'transfer-encoding', 'host']);

/** A user name or password from a URL as typed (a malformed escape is kept as it is). */
function decoded(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

/**
 * The request for `url` with `headers` and a body of `length` bytes, or why
 * there is none (the URL masked). A user and password in the URL become basic
 * auth, as the OpenTelemetry exporters send them, unless an Authorization
 * header is configured.
 */
export function buildRequest(url: string, headers: Record<string, string>, length: number): HttpRequest | string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return `bad URL ${maskUrl(url)}`;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return `bad URL ${maskUrl(url)}`;
  const https = u.protocol === 'https:';
  const all: Record<string, string> = { Host: u.host };
  let hasAuthorization = false;
  for (const name in headers) {
    const lower = name.toLowerCase();
    if (lower === 'host') all.Host = headers[name];
    else if (!OWN_HEADERS.has(lower)) {
      all[name] = headers[name];
      if (lower === 'authorization') hasAuthorization = true;
    }
  }
  if (!hasAuthorization && (u.username !== '' || u.password !== '')) {
    const credentials = `${decoded(u.username)}:${decoded(u.password)}`;
    all.Authorization = `Basic ${Buffer.from(credentials).toString('base64')}`;
  }
  all['Content-Length'] = String(length);
  return {
    https,
    host: u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname,
    port: Number(u.port) || (https ? 443 : 80),
    origin: `${u.protocol}//${u.host}`,
    path: `${u.pathname}${u.search}`,
    headers: all,
  };
}

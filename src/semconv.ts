// Helpers for the stable HTTP semantic conventions (semconv >= 1.23) shared by
// the http and fetch hooks.

const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH', 'QUERY']);

/**
 * Query keys whose values are credentials, as rules: `*x*` a key containing x,
 * `x*` one starting with x, `x` that key exactly (case-insensitive, after
 * percent-decoding). A bracketed or dotted key (`user[password]`, `auth.code`)
 * is checked whole and part by part. TRACING_AGENT_REDACT_QUERY_KEYS adds rules.
 */
export const DEFAULT_REDACTED_QUERY_KEYS: readonly string[] = [
  '*token*',
  '*secret*',
  '*passw*',
  '*pwd*',
  '*key*',
  '*sig*',
  '*auth*',
  '*credential*',
  '*cookie*',
  '*jwt*',
  '*session*',
  '*sessid*',
  'code',
  'pass',
  'pin',
  'otp',
  'sess',
  'sid',
];

/** Rules sorted by form: plain string tests, no regular expression a long hostile key could make slow. */
interface KeyRules {
  exact: Set<string>;
  prefixes: string[];
  suffixes: string[];
  contained: string[];
  /** any other pattern with `*` inside (`a*b`), as a regular expression */
  other: RegExp | undefined;
}

export function compileKeyRules(rules: readonly string[]): KeyRules {
  const compiled: KeyRules = { exact: new Set(), prefixes: [], suffixes: [], contained: [], other: undefined };
  const others: string[] = [];
  for (const raw of rules) {
    const rule = raw.trim().toLowerCase();
    const inner = rule.replace(/^\*+|\*+$/g, '');
    if (inner === '') continue;
    const starts = rule.startsWith('*');
    const ends = rule.endsWith('*');
    if (inner.includes('*'))
      others.push(
        rule
          .split('*')
          .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
          .join('[^]*'),
      );
    else if (starts && ends) compiled.contained.push(inner);
    else if (ends) compiled.prefixes.push(inner);
    else if (starts) compiled.suffixes.push(inner);
    else compiled.exact.add(inner);
  }
  if (others.length > 0) compiled.other = new RegExp(`^(?:${others.join('|')})$`);
  return compiled;
}

function matches(rules: KeyRules, key: string): boolean {
  if (rules.exact.has(key)) return true;
  for (const p of rules.prefixes) if (key.startsWith(p)) return true;
  for (const p of rules.suffixes) if (key.endsWith(p)) return true;
  for (const c of rules.contained) if (key.includes(c)) return true;
  // (Operator-given patterns only; keys past 256 characters are cut for them.)
  return rules.other !== undefined && rules.other.test(key.length > 256 ? key.slice(0, 256) : key);
}

let redactedKeys: readonly string[] = DEFAULT_REDACTED_QUERY_KEYS;
/** Compiled on the first query that has keys (not at startup). */
let sensitiveKeys: KeyRules | undefined;

/** Adds the rules of TRACING_AGENT_REDACT_QUERY_KEYS to the built-in ones. */
export function setRedactedQueryKeys(extra: readonly string[]): void {
  redactedKeys = [...DEFAULT_REDACTED_QUERY_KEYS, ...extra];
  sensitiveKeys = undefined;
}

/** Whether a query key names a credential: the whole key, or any of its bracketed or dotted parts. */
export function isSensitiveQueryKey(key: string): boolean {
  const lower = key.toLowerCase();
  sensitiveKeys ??= compileKeyRules(redactedKeys);
  if (matches(sensitiveKeys, lower)) return true;
  if (!/[[\].]/.test(lower)) return false;
  for (const part of lower.split(/[[\].]+/)) if (part !== '' && matches(sensitiveKeys, part)) return true;
  return false;
}

/** `http.request.method` is the method when known, else `_OTHER` (with the original kept). */
export function normalizeMethod(method: string | undefined): string {
  if (method === undefined) return 'GET';
  if (KNOWN_METHODS.has(method)) return method;
  const upper = method.toUpperCase();
  return KNOWN_METHODS.has(upper) ? upper : '_OTHER';
}

/** Replaces the values of credential-bearing query keys with REDACTED; leaves other text as is. */
export function redactQuery(query: string): string {
  if (query === '') return query;
  let changed = false;
  const parts = query.split('&');
  for (let i = 0; i < parts.length; i++) {
    const eq = parts[i].indexOf('=');
    if (eq <= 0) continue;
    let key = parts[i].slice(0, eq);
    try {
      key = decodeURIComponent(key.replace(/\+/g, ' '));
    } catch {
      // keep the raw key
    }
    if (isSensitiveQueryKey(key)) {
      parts[i] = parts[i].slice(0, eq + 1) + 'REDACTED';
      changed = true;
    }
  }
  return changed ? parts.join('&') : query;
}

/** `url.full` without `user:password@` and with credential query values redacted. */
export function redactUrl(url: string): string {
  let out = url;
  const schemeEnd = out.indexOf('://');
  if (schemeEnd > 0) {
    const authorityStart = schemeEnd + 3;
    let authorityEnd = out.length;
    for (const ch of ['/', '?', '#']) {
      const i = out.indexOf(ch, authorityStart);
      if (i !== -1 && i < authorityEnd) authorityEnd = i;
    }
    const at = out.lastIndexOf('@', authorityEnd);
    if (at >= authorityStart) out = out.slice(0, authorityStart) + 'REDACTED:REDACTED@' + out.slice(at + 1);
  }
  const q = out.indexOf('?');
  if (q !== -1) {
    const hash = out.indexOf('#', q);
    const query = hash === -1 ? out.slice(q + 1) : out.slice(q + 1, hash);
    const redacted = redactQuery(query);
    if (redacted !== query) out = out.slice(0, q + 1) + redacted + (hash === -1 ? '' : out.slice(hash));
  }
  return out;
}

/**
 * The path and query of a request target that is not in origin form
 * (`/path?q`): an absolute-form target (`http://user:pass@host/path?q`, sent
 * to proxies, or by anyone) loses its scheme and authority, userinfo with them;
 * an authority-form or asterisk target has no path, and any userinfo is dropped.
 */
export function originFormOf(target: string): string {
  const schemeEnd = target.indexOf('://');
  if (schemeEnd === -1) {
    const at = target.lastIndexOf('@');
    return at === -1 ? target : target.slice(at + 1);
  }
  const authorityStart = schemeEnd + 3;
  for (let i = authorityStart; i < target.length; i++) {
    const ch = target.charCodeAt(i);
    if (ch === 47 /* / */) return target.slice(i);
    if (ch === 63 /* ? */) return '/' + target.slice(i);
    if (ch === 35 /* # */) break;
  }
  return '/';
}

// A server mostly sees one Host header over and over, a client one authority: split once.
let lastHost = '';
let lastDefaultPort = 0;
let lastSplit: readonly [string, number] = ['', 0];

/** Splits a Host header into address and port (the result is shared: read it, do not change it). */
export function splitHostHeader(host: string, defaultPort: number): readonly [string, number] {
  if (host !== lastHost || defaultPort !== lastDefaultPort) {
    lastSplit = splitHost(host, defaultPort);
    lastHost = host;
    lastDefaultPort = defaultPort;
  }
  return lastSplit;
}

function splitHost(host: string, defaultPort: number): readonly [string, number] {
  if (host.startsWith('[')) {
    const close = host.indexOf(']');
    const port = host.charCodeAt(close + 1) === 58 /* : */ ? Number(host.slice(close + 2)) : defaultPort;
    return [host.slice(1, close), Number.isFinite(port) ? port : defaultPort];
  }
  const colon = host.lastIndexOf(':');
  if (colon === -1) return [host, defaultPort];
  const port = Number(host.slice(colon + 1));
  return [host.slice(0, colon), Number.isFinite(port) && port > 0 ? port : defaultPort];
}

// A failed query's span says what failed without repeating the query's values.
// Databases quote the offending value in their messages (MySQL: "Duplicate
// entry 'alice@example.com' for key 'email'"; PostgreSQL: 'invalid input syntax
// for type integer: "abc"'), and a bound parameter is no safer there than a
// literal: the quoted parts of message and stack become `?`.

import type { Span } from '@opentelemetry/api';
import { STATUS_ERROR } from '../../otel-constants';

const QUOTED = /'(?:[^'\\]|\\[\s\S]|'')*'?|"(?:[^"\\]|\\[\s\S]|"")*"?/g;

/** `Duplicate entry 'x' for key 'PRIMARY'` → `Duplicate entry ? for key ?`. */
export function scrubErrorText(text: string): string {
  return text.replace(QUOTED, '?');
}

const REDIS_REPLY_ERRORS = new Set(['ReplyError', 'ErrorReply', 'SimpleError', 'BlobError']);

/**
 * The database's own code for a failure it reported, as db.response.status_code
 * wants it: MySQL/MariaDB's error number, PostgreSQL's SQLSTATE, SQLite's result
 * code, the Redis error prefix. Client-side failures (refused connection, …) have none.
 */
export function dbStatusCode(err: unknown): string | undefined {
  if (err === null || typeof err !== 'object') return undefined;
  const e = err as { code?: unknown; errno?: unknown; sqlState?: unknown; severity?: unknown; name?: unknown; message?: unknown };
  if (typeof e.sqlState === 'string' && typeof e.errno === 'number') return String(e.errno);
  if (typeof e.severity === 'string' && typeof e.code === 'string') return e.code;
  if (e.name === 'SqliteError' && typeof e.code === 'string') return e.code;
  if (REDIS_REPLY_ERRORS.has((err as object).constructor?.name) && typeof e.message === 'string') {
    const prefix = /^[A-Z][A-Z_]*(?=\s|$)/.exec(e.message);
    return prefix === null ? undefined : prefix[0];
  }
  return undefined;
}

/** error.type, db.response.status_code, ERROR status and the exception event, with quoted values scrubbed. */
export function recordDbError(span: Span, err: unknown): void {
  try {
    const e = (err !== null && typeof err === 'object' ? err : {}) as { code?: unknown; name?: unknown; message?: unknown; stack?: unknown };
    const status = dbStatusCode(err);
    const type = status ?? (typeof e.code === 'string' ? e.code : typeof e.name === 'string' ? e.name : 'Error');
    const message = scrubErrorText(typeof e.message === 'string' ? e.message : String(err));
    span.recordException({
      code: typeof e.code === 'string' || typeof e.code === 'number' ? e.code : undefined,
      name: typeof e.name === 'string' ? e.name : 'Error',
      message,
      stack: typeof e.stack === 'string' ? scrubErrorText(e.stack) : undefined,
    });
    span.setAttribute('error.type', type);
    if (status !== undefined) span.setAttribute('db.response.status_code', status);
    span.setStatus({ code: STATUS_ERROR, message });
  } catch {
    // a span that refuses attributes must not break the app
  }
}

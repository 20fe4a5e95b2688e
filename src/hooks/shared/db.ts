// What every database hook shares: one CLIENT span per query with the stable
// database semantic conventions (semconv ≥ 1.33), sanitised query text, and the
// way a query's end (callback, promise or error) ends its span.

import type { Context, Span, Tracer } from '@opentelemetry/api';
import { runInContext } from '../../context';
import { agentConfig } from '../../provider';
import { recordDbError } from './db-errors';
import { SPAN_KIND_CLIENT } from '../../otel-constants';
import { sanitizeSql, summarizeSql, type SqlDialect } from './sql';

export interface DbTarget {
  system: string;
  namespace?: string;
  host?: string;
  port?: number;
}

interface Analysed {
  sanitized: string;
  operation?: string;
  collection?: string;
  summary?: string;
}

// Apps send the same statements over and over: analyse each text once.
const MAX_CACHED = 2000;
const MAX_CACHED_LENGTH = 1024;
const analysed: Record<SqlDialect, Map<string, Analysed>> = { postgresql: new Map(), mysql: new Map(), sqlite: new Map() };

function analyse(text: string, dialect: SqlDialect): Analysed {
  const cache = analysed[dialect];
  let found = cache.get(text);
  if (found === undefined) {
    const sanitized = sanitizeSql(text, dialect);
    found = { sanitized, ...summarizeSql(sanitized) };
    if (text.length <= MAX_CACHED_LENGTH) {
      if (cache.size >= MAX_CACHED) cache.clear();
      cache.set(text, found);
    }
  }
  return found;
}

/** Starts the span for one SQL query; the text is sanitised before it is stored anywhere. */
export function startSqlSpan(tracer: Tracer, parent: Context, target: DbTarget, text: string, dialect: SqlDialect): Span {
  const { sanitized, operation, collection, summary } = analyse(text, dialect);
  const attributes: Record<string, string | number> = { 'db.system.name': target.system };
  // TRACING_AGENT_DB_QUERY_TEXT: sanitised by default; the raw text only when the user opts in.
  const mode = agentConfig()?.dbQueryText ?? 'sanitized';
  if (mode === 'sanitized') attributes['db.query.text'] = sanitized;
  else if (mode === 'raw') attributes['db.query.text'] = text;
  if (target.namespace) attributes['db.namespace'] = target.namespace;
  if (operation) attributes['db.operation.name'] = operation;
  if (collection) attributes['db.collection.name'] = collection;
  if (summary) attributes['db.query.summary'] = summary;
  if (target.host) attributes['server.address'] = target.host;
  if (target.port) attributes['server.port'] = target.port;
  return tracer.startSpan(summary ?? target.system, { kind: SPAN_KIND_CLIENT, attributes }, parent);
}

/** Ends a query's span: error.type and ERROR status on failure, the database's own code when it has one. */
export function endDbSpan(span: Span, err: unknown): void {
  if (err) recordDbError(span, err);
  span.end();
}

/**
 * For drivers that return a command object (mysql, mysql2): the span ends with
 * the command, through its result callback when it has one, else through the
 * 'end' event it emits. The callback runs in the caller's context, which the
 * driver (answering from its socket) would lose.
 */
export function traceCommand(span: Span, command: any, callbackKey: string, parent: Context, onEnd?: () => void): void {
  if (command === null || typeof command !== 'object') {
    endDbSpan(span, undefined);
    return;
  }
  const callback = command[callbackKey];
  if (typeof callback === 'function') {
    command[callbackKey] = function (this: unknown, err: unknown) {
      onEnd?.();
      endDbSpan(span, err);
      const args = arguments;
      return runInContext(parent, () => callback.apply(this, args as unknown as unknown[]));
    };
    return;
  }
  if (typeof command.emit !== 'function') {
    endDbSpan(span, undefined);
    return;
  }
  // Event mode: observe 'error' and 'end' without adding listeners (an 'error'
  // listener of ours would change what happens when the app has none).
  const emit = command.emit;
  let failure: unknown;
  command.emit = function (this: unknown, event: string, arg: unknown) {
    if (event === 'error') failure = arg;
    else if (event === 'end') {
      onEnd?.();
      endDbSpan(span, failure);
    }
    return emit.apply(this, arguments as unknown as unknown[]);
  };
}

/** Runs a pool's connection callback in the context of whoever asked (not of the query that freed the connection). */
export function bindCallbackArg(args: IArguments, index: number, ctx: Context): unknown[] {
  const list = Array.prototype.slice.call(args) as unknown[];
  const callback = list[index];
  if (typeof callback === 'function') {
    list[index] = function (this: unknown) {
      const a = arguments;
      return runInContext(ctx, () => (callback as (...x: unknown[]) => unknown).apply(this, a as unknown as unknown[]));
    };
  }
  return list;
}

// The MySQL-protocol drivers (mysql, mysql2) trace alike: a query call returns
// a command object that ends through its result callback or its 'end' event,
// and a pool may hand a connection over from inside another request's query.

import type { Tracer } from '@opentelemetry/api';
import { activeContext, isTracingSuppressed } from '../../context';
import { bindCallbackArg, startSqlSpan, traceCommand } from './db';
import type { HookGuard } from '../../loader/trace-call';

type Fn = (...a: any[]) => any;

export interface MysqlLikeConnection {
  config?: { host?: string; port?: number; database?: string };
}

export interface MysqlDriver<C extends MysqlLikeConnection> {
  tracer: Tracer;
  guard: HookGuard;
  /** Where the driver keeps a command's result callback. */
  callbackKey: string;
  /** Known once the handshake is done, which may be after a query was queued. */
  isMariaDB(conn: C): boolean;
}

/** The SQL of `query(sql)` / `query({sql})`, before the driver formats values into it. */
function sqlOf(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  if (arg !== null && typeof arg === 'object' && typeof (arg as { sql?: unknown }).sql === 'string') return (arg as { sql: string }).sql;
  return undefined;
}

/** Wraps a driver's query (or execute) method. */
export function wrapMysqlQuery<C extends MysqlLikeConnection>(driver: MysqlDriver<C>): (original: Fn) => Fn {
  const { tracer, guard, callbackKey, isMariaDB } = driver;
  return (original) =>
    function query(this: C, sql: unknown) {
      const parent = activeContext();
      const text = sqlOf(sql);
      if (!guard.enabled || text === undefined || isTracingSuppressed(parent)) return original.apply(this, arguments as unknown as unknown[]);
      let span;
      try {
        const config = this.config ?? {};
        span = startSqlSpan(tracer, parent, { system: isMariaDB(this) ? 'mariadb' : 'mysql', namespace: config.database, host: config.host, port: config.port }, text, 'mysql');
      } catch (err) {
        guard.fail(err);
        return original.apply(this, arguments as unknown as unknown[]);
      }
      let command;
      try {
        command = original.apply(this, arguments as unknown as unknown[]);
      } catch (err) {
        span.end();
        throw err;
      }
      const conn = this;
      traceCommand(span, command, callbackKey, parent, () => {
        if (isMariaDB(conn)) span.setAttribute('db.system.name', 'mariadb');
      });
      return command;
    };
}

/** Wraps a pool's getConnection so its callback runs in the caller's context. */
export function wrapGetConnection(guard: HookGuard): (original: Fn) => Fn {
  return (original) =>
    function getConnection(this: unknown) {
      if (!guard.enabled) return original.apply(this, arguments as unknown as unknown[]);
      return original.apply(this, bindCallbackArg(arguments, arguments.length - 1, activeContext()));
    };
}

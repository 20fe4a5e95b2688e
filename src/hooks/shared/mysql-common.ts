// The MySQL-protocol drivers (mysql, mysql2) trace alike: a query call returns
// a command object that ends through its result callback or its 'end' event,
// and a pool may hand a connection over from inside another request's query.

import type { Tracer } from '@opentelemetry/api';
import { activeContext } from '../../context';
import { traceMethod, type Fn, type HookGuard, type TracedCall } from '../../loader/trace-call';
import { bindCallbackArg, startSqlSpan, traceCommand } from './db';

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

/** The SQL of `query(sql)` / `query({sql})` / `query(command)`, before the driver formats values into it. */
export function sqlOf(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  if (arg !== null && typeof arg === 'object' && typeof (arg as { sql?: unknown }).sql === 'string') return (arg as { sql: string }).sql;
  return undefined;
}

/** A driver's query (or execute) method, traced: for traceMethod. */
export function mysqlQueryCall<C extends MysqlLikeConnection>(driver: MysqlDriver<C>): TracedCall<C> {
  const { tracer, guard, callbackKey, isMariaDB } = driver;
  return {
    guard,
    start(conn, args, parent) {
      const text = sqlOf(args[0]);
      if (text === undefined) return undefined;
      const config = conn.config ?? {};
      return startSqlSpan(
        tracer,
        parent,
        { system: isMariaDB(conn) ? 'mariadb' : 'mysql', namespace: config.database, host: config.host, port: config.port },
        text,
        'mysql',
      );
    },
    call(span, original, conn, args, parent) {
      let command;
      try {
        command = original.apply(conn, args as unknown as unknown[]);
      } catch (err) {
        span.end();
        throw err;
      }
      traceCommand(span, command, callbackKey, parent, () => {
        if (isMariaDB(conn)) span.setAttribute('db.system.name', 'mariadb');
      });
      return command;
    },
  };
}

/** Wraps a driver's query (or execute) method. */
export function wrapMysqlQuery<C extends MysqlLikeConnection>(driver: MysqlDriver<C>): (original: Fn) => Fn {
  return traceMethod(mysqlQueryCall(driver));
}

/** Wraps a pool's getConnection so its callback runs in the caller's context. */
export function wrapGetConnection(guard: HookGuard): (original: Fn) => Fn {
  return (original) =>
    function getConnection(this: unknown) {
      if (!guard.enabled) return original.apply(this, arguments as unknown as unknown[]);
      return original.apply(this, bindCallbackArg(arguments, arguments.length - 1, activeContext()));
    };
}

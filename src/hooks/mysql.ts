// mysql (the original driver): a CLIENT span per Connection#query, on plain
// connections, pool connections and pools. Its classes are not exported, so
// they are read from the package's own files.

import * as path from 'node:path';
import { activeContext, isTracingSuppressed } from '../context';
import { hookTracer } from '../provider';
import { bindCallbackArg, startSqlSpan, traceCommand, wrapMethod } from './db';
import type { Hook } from './index';
import type { LoadedModule } from './module-hook';
import { HookGuard } from './shared';

const guard = new HookGuard('mysql');
const tracer = hookTracer('mysql');

interface MysqlConnection {
  config?: { host?: string; port?: number; database?: string };
  _protocol?: { _handshakeInitializationPacket?: { serverVersion?: string } };
}

function sqlOf(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  if (arg !== null && typeof arg === 'object' && typeof (arg as { sql?: unknown }).sql === 'string') return (arg as { sql: string }).sql;
  return undefined;
}

function isMariaDB(conn: MysqlConnection): boolean {
  return /mariadb/i.test(conn._protocol?._handshakeInitializationPacket?.serverVersion ?? '');
}

function wrapQuery(original: (...a: any[]) => any) {
  return function query(this: MysqlConnection, sql: unknown) {
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
    traceCommand(span, command, '_callback', parent, () => {
      if (isMariaDB(conn)) span.setAttribute('db.system.name', 'mariadb');
    });
    return command;
  };
}

function wrapGetConnection(original: (...a: any[]) => any) {
  return function getConnection(this: unknown) {
    if (!guard.enabled) return original.apply(this, arguments as unknown as unknown[]);
    return original.apply(this, bindCallbackArg(arguments, arguments.length - 1, activeContext()));
  };
}

export const hook: Hook = {
  patch(exports: any, module: LoadedModule) {
    const Connection = require(path.join(module.baseDir, 'lib', 'Connection.js'));
    const Pool = require(path.join(module.baseDir, 'lib', 'Pool.js'));
    if (!wrapMethod(Connection?.prototype, 'query', wrapQuery)) throw new Error('unexpected shape: no Connection#query');
    wrapMethod(Pool?.prototype, 'getConnection', wrapGetConnection);
    return exports;
  },
};

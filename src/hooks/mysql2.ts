// mysql2 (callback API and mysql2/promise, which calls it): a CLIENT span per
// query() and execute(), on connections, pool connections and pools (clusters
// use pools). The text is taken before mysql2 formats values into it.

import * as path from 'node:path';
import { activeContext, isTracingSuppressed } from '../context';
import { hookTracer } from '../provider';
import { bindCallbackArg, ownerOf, startSqlSpan, traceCommand, wrapMethod } from './db';
import type { Hook } from './index';
import type { LoadedModule } from './module-hook';
import { HookGuard } from './shared';

const guard = new HookGuard('mysql2');
const tracer = hookTracer('mysql2');

interface Mysql2Connection {
  config?: { host?: string; port?: number; database?: string };
  _isMariaDB?: boolean;
  serverVersion?: string;
  _handshakePacket?: { serverVersion?: string };
}

function isMariaDB(conn: Mysql2Connection): boolean {
  return conn._isMariaDB === true || /mariadb/i.test(conn._handshakePacket?.serverVersion ?? conn.serverVersion ?? '');
}

function sqlOf(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  if (arg !== null && typeof arg === 'object' && typeof (arg as { sql?: unknown }).sql === 'string') return (arg as { sql: string }).sql;
  return undefined;
}

function wrapQuery(original: (...a: any[]) => any) {
  return function query(this: Mysql2Connection, sql: unknown) {
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
    // The server's identity is known once the handshake is done, which may be after this query was queued.
    traceCommand(span, command, 'onResult', parent, () => {
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

function patchCore(core: any): void {
  const connection = ownerOf(core?.Connection?.prototype, 'query');
  if (!connection) throw new Error('unexpected shape: no Connection#query');
  wrapMethod(connection, 'query', wrapQuery);
  wrapMethod(ownerOf(core.Connection.prototype, 'execute'), 'execute', wrapQuery);
  wrapMethod(ownerOf(core.Pool?.prototype, 'getConnection'), 'getConnection', wrapGetConnection);
}

export const hook: Hook = {
  patch(exports: any, module: LoadedModule) {
    // mysql2/promise wraps the callback API's classes, which it loads by relative paths.
    patchCore(module.id === 'mysql2/promise' ? require(path.join(module.baseDir, 'index.js')) : exports);
    return exports;
  },
};

// mysql2 (callback API and mysql2/promise, which calls it): a CLIENT span per
// query() and execute(), on connections, pool connections, pools and pool
// clusters. Up to 3.19 the methods are patched. From 3.20 mysql2 publishes its
// own TracingChannels (mysql2:query, mysql2:execute, mysql2:connect,
// mysql2:pool:connect) and the spans come from those; the handshake is no span.
// Either way the text is the app's, before mysql2 formats values into it.

import type { Context, Span } from '@opentelemetry/api';
import * as path from 'node:path';
import { traceChannel } from '../loader/channels';
import { CallNote, HookGuard } from '../loader/trace-call';
import type { LoadedModule } from '../loader/types';
import { ownerOf, wrap } from '../loader/wrap';
import { hookTracer } from '../provider';
import { endDbSpan, startSqlSpan } from './shared/db';
import { sqlOf, wrapGetConnection, wrapMysqlQuery } from './shared/mysql-common';

const guard = new HookGuard('mysql2');
const tracer = hookTracer('mysql2');

/** The first mysql2 that publishes its TracingChannels (3.19.1 has none). */

interface Mysql2Connection {
  config?: { host?: string; port?: number; database?: string };
  _isMariaDB?: boolean;
  serverVersion?: string;
  _handshakePacket?: { serverVersion?: string } | null;
}

function isMariaDB(conn: Mysql2Connection): boolean {
  return conn._isMariaDB === true || /mariadb/i.test(conn._handshakePacket?.serverVersion ?? conn.serverVersion ?? '');
}

/** The callback API's classes; mysql2/promise wraps them and loads them by relative paths. */
function coreOf(exports: any, module: LoadedModule): any {
  return module.name === 'mysql2/promise' ? require(path.join(module.baseDir, 'index.js')) : exports;
}

// Up to 3.19: query() and execute() patched, and the pool's getConnection so
// that a connection handed over from inside another request's query runs its
// callback in its own caller's context.

const wrapQuery = wrapMysqlQuery<Mysql2Connection>({ tracer, guard, callbackKey: 'onResult', isMariaDB });

export function patchMethods(exports: any, module: LoadedModule): unknown {
  const core = coreOf(exports, module);
  const connection = ownerOf(core?.Connection?.prototype, 'query');
  if (!connection) throw new Error('unexpected shape: no Connection#query');
  wrap(connection, 'query', wrapQuery);
  wrap(ownerOf(core.Connection.prototype, 'execute'), 'execute', wrapQuery);
  wrap(ownerOf(core.Pool?.prototype, 'getConnection'), 'getConnection', wrapGetConnection(guard));
  return exports;
}

// From 3.20: the channels. mysql2 publishes query() and execute() with
// traceCallback (tracePromise without a callback) and the pool's checkout with
// traceCallback; callbacks come from the socket, so each runs in its caller's
// context through the channel (the pool's checkout included).
//
// What the message lacks is noted by a small patch of query() and execute()
// for the `start` published inside the same call: the text as the app wrote
// it (query()'s message has the values formatted in) and the connection
// (MariaDB is told only by its handshake; the message has no server version).

interface StatementMessage {
  query?: string;
  database?: string;
  serverAddress?: string;
  serverPort?: number;
}

// The channel's message has the text after values are formatted in and no
// connection: both are noted from the query()/execute() call that publishes it.
const noted = new CallNote<{ text: string | undefined; connection: Mysql2Connection }>();
const noteStatement = noted.around((connection: Mysql2Connection, args) => ({ text: sqlOf(args[0]), connection }));

export function noteStatements(exports: any, module: LoadedModule): unknown {
  const core = coreOf(exports, module);
  const connection = ownerOf(core?.Connection?.prototype, 'query');
  if (!connection) throw new Error('unexpected shape: no Connection#query');
  wrap(connection, 'query', noteStatement);
  wrap(ownerOf(core.Connection.prototype, 'execute'), 'execute', noteStatement);
  return exports;
}

/** Statements queued on a connection whose handshake had not ended when they started. */
const beforeHandshake = new WeakMap<StatementMessage, Mysql2Connection>();

function startStatement(message: StatementMessage, parent: Context): Span | undefined {
  const conn = noted.current?.connection;
  const text = noted.current?.text ?? message.query;
  noted.current = undefined;
  if (typeof text !== 'string') return undefined;
  const config = conn?.config;
  const span = config
    ? startSqlSpan(
        tracer,
        parent,
        { system: isMariaDB(conn!) ? 'mariadb' : 'mysql', namespace: config.database, host: config.host, port: config.port },
        text,
        'mysql',
      )
    : startSqlSpan(
        tracer,
        parent,
        { system: 'mysql', namespace: message.database || undefined, host: message.serverAddress, port: message.serverPort },
        text,
        'mysql',
      );
  if (conn !== undefined && !conn._handshakePacket) beforeHandshake.set(message, conn);
  return span;
}

function endStatement(span: Span, err: unknown, message: StatementMessage): void {
  const conn = beforeHandshake.get(message);
  if (conn !== undefined && isMariaDB(conn)) span.setAttribute('db.system.name', 'mariadb');
  endDbSpan(span, err);
}

export function subscribe(): void {
  const statements = { guard, start: startStatement, end: endStatement, callerContext: true };
  traceChannel<StatementMessage>('mysql2:query', statements);
  traceChannel<StatementMessage>('mysql2:execute', statements);
  // No span for a checkout: only its callback's context.
  traceChannel<object>('mysql2:pool:connect', { guard, start: () => undefined, end: () => {}, callerContext: true });
}

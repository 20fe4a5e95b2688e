// mysql (the original driver): a CLIENT span per Connection#query, on plain
// connections, pool connections and pools. Its classes are not exported: the
// package's own files are declared instead.

import { HookGuard } from '../loader/trace-call';
import { wrap } from '../loader/wrap';
import { hookTracer } from '../provider';
import { wrapGetConnection, wrapMysqlQuery } from './shared/mysql-common';

const guard = new HookGuard('mysql');
const tracer = hookTracer('mysql');

interface MysqlConnection {
  config?: { host?: string; port?: number; database?: string };
  _protocol?: { _handshakeInitializationPacket?: { serverVersion?: string } };
}

function isMariaDB(conn: MysqlConnection): boolean {
  return /mariadb/i.test(conn._protocol?._handshakeInitializationPacket?.serverVersion ?? '');
}

const wrapQuery = wrapMysqlQuery<MysqlConnection>({ tracer, guard, callbackKey: '_callback', isMariaDB });

export function patchConnection(Connection: any): void {
  if (!wrap(Connection?.prototype, 'query', wrapQuery)) throw new Error('unexpected shape: no Connection#query');
}

export function patchPool(Pool: any): void {
  wrap(Pool?.prototype, 'getConnection', wrapGetConnection(guard));
}

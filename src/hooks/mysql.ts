// mysql (the original driver): a CLIENT span per Connection#query, on plain
// connections, pool connections and pools. Its classes are not exported, so
// they are read from the package's own files.

import * as path from 'node:path';
import { hookTracer } from '../provider';
import { wrapMethod } from './db';
import type { Hook } from './index';
import type { LoadedModule } from './module-hook';
import { wrapGetConnection, wrapMysqlQuery } from './mysql-common';
import { HookGuard } from './shared';

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

export const hook: Hook = {
  patch(exports: any, module: LoadedModule) {
    const Connection = require(path.join(module.baseDir, 'lib', 'Connection.js'));
    const Pool = require(path.join(module.baseDir, 'lib', 'Pool.js'));
    if (!wrapMethod(Connection?.prototype, 'query', wrapQuery)) throw new Error('unexpected shape: no Connection#query');
    wrapMethod(Pool?.prototype, 'getConnection', wrapGetConnection(guard));
    return exports;
  },
};

// mysql2 (callback API and mysql2/promise, which calls it): a CLIENT span per
// query() and execute(), on connections, pool connections and pools (clusters
// use pools). The text is taken before mysql2 formats values into it.

import * as path from 'node:path';
import { hookTracer } from '../provider';
import { ownerOf, wrapMethod } from './shared/db';
import type { Integration, LoadedModule } from '../loader/types';

interface Hook {
  patch?(exports: any, module: LoadedModule): any;
}
import { wrapGetConnection, wrapMysqlQuery } from './shared/mysql-common';
import { HookGuard } from '../loader/trace-call';

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

const wrapQuery = wrapMysqlQuery<Mysql2Connection>({ tracer, guard, callbackKey: 'onResult', isMariaDB });

function patchCore(core: any): void {
  const connection = ownerOf(core?.Connection?.prototype, 'query');
  if (!connection) throw new Error('unexpected shape: no Connection#query');
  wrapMethod(connection, 'query', wrapQuery);
  wrapMethod(ownerOf(core.Connection.prototype, 'execute'), 'execute', wrapQuery);
  wrapMethod(ownerOf(core.Pool?.prototype, 'getConnection'), 'getConnection', wrapGetConnection(guard));
}

export const hook: Hook = {
  patch(exports: any, module: LoadedModule) {
    // mysql2/promise wraps the callback API's classes, which it loads by relative paths.
    patchCore(module.name === 'mysql2/promise' ? require(path.join(module.baseDir, 'index.js')) : exports);
    return exports;
  },
};

export const integration: Integration = {
  name: 'mysql2',
  targets: [
    { package: 'mysql2', versions: '>=2 <4', patch: (lib: any, module: LoadedModule) => hook.patch!(lib, module) },
    { package: 'mysql2', file: 'promise', versions: '>=2 <4', patch: (lib: any, module: LoadedModule) => hook.patch!(lib, module) },
  ],
};

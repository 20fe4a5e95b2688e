// Only for type-checking the JavaScript files (tsconfig.js.json), never loaded.
// Every server the tests, fixtures, benchmarks and demo start listens on a TCP
// port, never on a pipe or socket path, so `server.address()` is an AddressInfo
// there; saying so once here spares a cast at each of some forty calls.
import type { AddressInfo } from 'node:net';

declare module 'node:net' {
  interface Server {
    address(): AddressInfo;
  }
}

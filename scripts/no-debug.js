'use strict';
// Stands in for the `debug` package inside the agent's bundle: its only user
// there (require-in-the-middle) logs for its own developers, and loading the
// real one pulls in tty, net and streams, ~5 ms of every traced app's startup.
module.exports = function createDebug() {
  const debug = () => {};
  debug.enabled = false;
  return debug;
};

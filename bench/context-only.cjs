'use strict';
// Preload for the throughput benchmark's reference case: each request runs in
// an AsyncLocalStorage context and nothing else. That is what any agent that
// carries context through async code pays on this Node version (on Node 20,
// async_hooks), the floor for the unsampled case. Strict, as the agent's own
// code is: a sloppy-mode wrapper that reads its parameters and applies
// `arguments` costs a few percent more on its own.
const { AsyncLocalStorage } = require('node:async_hooks');
const http = require('node:http');

const storage = new AsyncLocalStorage();
const emit = http.Server.prototype.emit;
http.Server.prototype.emit = function (event, req) {
  if (event !== 'request') return emit.apply(this, arguments);
  return storage.run({ req }, () => emit.apply(this, arguments));
};

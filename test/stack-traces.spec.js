'use strict';
// Transparent stack traces: an error thrown in the app's request handler
// prints the same report on stderr with and without the agent (no frame of
// the agent's in it), under either preload flag, and the request's span still
// records the error.
const assert = require('node:assert/strict');
const { startReceiver } = require('./support/receiver');
const { agentEnv, runNode, fixture } = require('./support/processes');

describe('stack traces: the app sees its own', function () {
  this.timeout(30000);
  let receiver;
  before(async () => (receiver = await startReceiver()));
  after(() => receiver.close());

  for (const flag of ['import', 'require']) {
    it(`an error thrown in a request handler prints the same stack with and without the agent (${flag === 'import' ? '--import' : '-r'})`, async () => {
      const bare = await runNode([fixture('handler-throws.cjs')], { env: agentEnv(null) });
      const traced = await runNode([fixture('handler-throws.cjs')], { flag, env: agentEnv(receiver, { OTEL_SERVICE_NAME: `stack-${flag}` }) });
      assert.equal(bare.code, 1);
      assert.equal(traced.code, 1);
      assert.match(bare.stderr, /Error: boom in \/checkout\n\s+at Server\.handler/);
      assert.equal(traced.stderr, bare.stderr);
      assert.doesNotMatch(traced.stderr, /tracing-agent/);
      const spans = await receiver.waitForSpans((all) => all.some((s) => s.resource['service.name'] === `stack-${flag}` && s.kind === 2));
      const server = spans.find((s) => s.resource['service.name'] === `stack-${flag}` && s.kind === 2);
      assert.equal(server.status.code, 2, 'the server span records the error');
      assert.equal(server.status.message, 'boom in /checkout');
    });
  }
});

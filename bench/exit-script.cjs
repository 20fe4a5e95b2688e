// Creates one span through the API, leaves one open, and ends: by draining
// the event loop, or with `process.exit(0)` when run with the argument "exit"
// (the synchronous path: a sender thread, waited on with Atomics.wait). With a
// dead or silent collector the agent must not hold the exit for long.
const tracer = require('@opentelemetry/api').trace.getTracer('bench');
tracer.startSpan('one').end();
tracer.startSpan('left-open');
if (process.argv[2] === 'exit') process.exit(0);

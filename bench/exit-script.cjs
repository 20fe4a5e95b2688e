// Creates one span through the API and ends: with a dead or silent collector
// the agent must not hold the exit for long.
require('@opentelemetry/api').trace.getTracer('bench').startSpan('one').end();

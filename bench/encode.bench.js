'use strict';
// Cost of encoding typical HTTP server spans into an OTLP request, per span.
// Prints one line per encoder (median of rounds, batches of 512 spans).
const { encodeTraceRequest } = require('../dist/exporters/otlp-proto');
const { encodeTraceRequestJson } = require('../dist/exporters/otlp-json');
const { startAgentSpan } = require('../dist/span');
const { ROOT_CONTEXT } = require('../dist/context');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { AlwaysOnSampler } = require('@opentelemetry/sdk-trace-node');

const ROUNDS = Number(process.env.BENCH_ROUNDS || 5) * 4;
const spans = [];
const shared = {
  resource: resourceFromAttributes({ 'service.name': 'bench', 'host.name': 'node-svc', 'process.pid': 1234, 'telemetry.sdk.language': 'nodejs' }),
  scope: { name: 'tracing-agent/http', version: '0.1.0' },
  processor: {
    onStart() {},
    onEnd(s) {
      spans.push(s);
    },
  },
  limits: {
    attributeValueLengthLimit: Infinity,
    attributeCountLimit: 128,
    eventCountLimit: 128,
    linkCountLimit: 128,
    attributePerEventCountLimit: 128,
    attributePerLinkCountLimit: 128,
  },
};
for (let i = 0; i < 512; i++) {
  const span = startAgentSpan(
    shared,
    new AlwaysOnSampler(),
    'GET',
    1,
    {
      'http.request.method': 'GET',
      'url.scheme': 'http',
      'url.path': `/orders/${i}`,
      'network.protocol.version': '1.1',
      'server.address': '127.0.0.1',
      'server.port': 8080,
      'client.address': '127.0.0.1',
      'user_agent.original': 'load-generator/1.0',
    },
    ROOT_CONTEXT,
  );
  span.setAttribute('http.response.status_code', 200);
  span.end();
}

function measure(encode) {
  const perSpan = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t = process.hrtime.bigint();
    for (let k = 0; k < 10; k++) encode(spans);
    perSpan.push(Number(process.hrtime.bigint() - t) / 10 / spans.length / 1000);
  }
  perSpan.sort((a, b) => a - b);
  return perSpan[perSpan.length >> 1];
}

const bytes = encodeTraceRequest(spans).length / spans.length;
console.log(`OTLP/protobuf encoding: ${measure(encodeTraceRequest).toFixed(2)} µs per span (${bytes.toFixed(0)} bytes per span)`);
console.log(`OTLP/JSON encoding: ${measure(encodeTraceRequestJson).toFixed(2)} µs per span`);

'use strict';
// CPU per span of the agent's own hooks, away from any server: a server-like
// span (seven attributes, a status code added, ended) made 200 000 times (SPANS sets it),
// with the exporter off and with OTLP/protobuf export to a local sink. The
// difference is what encoding and sending cost per span.
const { spawn, spawnSync } = require('node:child_process');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const ROUNDS = Number(process.env.BENCH_ROUNDS || 5);
const N = Number(process.env.SPANS || 200000);

/** The measured process: makes N spans, then prints the CPU microseconds they took. */
function child() {
  const D = path.join(ROOT, 'dist');
  require(path.join(D, 'agent.js')).start();
  const tracer = require(path.join(D, 'provider.js')).hookTracer('http');
  const { ROOT_CONTEXT } = require(path.join(D, 'context.js'));
  const { SPAN_KIND_SERVER } = require(path.join(D, 'otel-constants.js'));
  const attributes = () => ({
    'http.request.method': 'GET',
    'url.scheme': 'http',
    'url.path': '/',
    'network.protocol.version': '1.1',
    'server.address': '127.0.0.1',
    'server.port': 41234,
    'client.address': '127.0.0.1',
  });
  let i = 0;
  const started = process.cpuUsage();
  // In slices, so export batches travel while spans are made, as in a server.
  const slice = () => {
    for (let k = 0; k < 500 && i < N; k++, i++) {
      const span = tracer.startLazySpan('GET', SPAN_KIND_SERVER, ROOT_CONTEXT, attributes);
      span.setAttribute('http.response.status_code', 200);
      span.end();
    }
    if (i < N) return setImmediate(slice);
    require(path.join(D, 'agent.js'))
      .flush()
      .then(() => {
        const used = process.cpuUsage(started);
        process.stdout.write(String((used.user + used.system) / N));
      });
  };
  slice();
}

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

async function main() {
  const sink = spawn(process.execPath, [path.join(__dirname, 'sink.cjs')], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const port = await new Promise((resolve) => sink.on('message', (/** @type {{ port?: number }} */ m) => m.port && resolve(m.port)));
  const run = (env) =>
    Number(spawnSync(process.execPath, [__filename, 'child'], { encoding: 'utf8', env: { PATH: process.env.PATH, OTEL_LOG_LEVEL: 'error', ...env } }).stdout);
  const off = [];
  const otlp = [];
  for (let r = 0; r < ROUNDS; r++) {
    off.push(run({ OTEL_TRACES_EXPORTER: 'none' }));
    otlp.push(run({ OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}` }));
  }
  sink.kill();
  console.log(`hook span, made and ended, exporter off: ${median(off).toFixed(2)} µs CPU per span`);
  console.log(`hook span, made, ended, encoded and sent over OTLP/protobuf: ${median(otlp).toFixed(2)} µs CPU per span`);
}

if (process.argv[2] === 'child') child();
else main();

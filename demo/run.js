'use strict';
// `npm run demo`: two services run under the agent (frontend → backend), some
// traffic including one failing request, and the traces they export, received
// here over OTLP/HTTP and printed as trees.
const { spawn } = require('node:child_process');
const http = require('node:http');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const traces = new Map();

function startCollector() {
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      try {
        for (const rs of JSON.parse(body).resourceSpans || []) {
          const service = (rs.resource.attributes.find((a) => a.key === 'service.name') || {}).value.stringValue;
          for (const ss of rs.scopeSpans) for (const span of ss.spans) {
            if (!traces.has(span.traceId)) traces.set(span.traceId, []);
            traces.get(span.traceId).push({ ...span, service });
          }
        }
        res.end('{}');
      } catch (err) {
        res.statusCode = 400;
        res.end(err.message);
      }
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function startService(role, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tracing-agent/register', path.join(__dirname, 'shop.js')], {
      cwd: ROOT,
      env: { ...process.env, ...env, ROLE: role, OTEL_SERVICE_NAME: role, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_BSP_SCHEDULE_DELAY: '100' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child.stdout.on('data', (d) => {
      const m = /listening (\d+)/.exec(String(d));
      if (m) resolve({ child, url: `http://127.0.0.1:${m[1]}` });
    });
    child.on('exit', (code) => reject(new Error(`${role} exited (${code})`)));
  });
}

function printTree(spans) {
  const byParent = new Map();
  const ids = new Set(spans.map((s) => s.spanId));
  for (const s of spans) {
    const parent = ids.has(s.parentSpanId) ? s.parentSpanId : '';
    if (!byParent.has(parent)) byParent.set(parent, []);
    byParent.get(parent).push(s);
  }
  const kinds = ['', 'internal', 'server', 'client', 'producer', 'consumer'];
  const walk = (parent, depth) => {
    for (const s of (byParent.get(parent) || []).sort((a, b) => (BigInt(a.startTimeUnixNano) < BigInt(b.startTimeUnixNano) ? -1 : 1))) {
      const ms = Number(BigInt(s.endTimeUnixNano) - BigInt(s.startTimeUnixNano)) / 1e6;
      const attr = (k) => (s.attributes.find((a) => a.key === k) || {}).value;
      const url = attr('url.full') || attr('url.path');
      const status = attr('http.response.status_code');
      const error = s.status && s.status.code === 2 ? '  ✗ error' + (s.status.message ? `: ${s.status.message}` : '') : '';
      console.log(`  ${'  '.repeat(depth)}${s.service} ${kinds[s.kind]} "${s.name}" ${ms.toFixed(1)} ms${url ? ` ${Object.values(url)[0]}` : ''}${status ? ` → ${Object.values(status)[0]}` : ''}${error}`);
      walk(s.spanId, depth + 1);
    }
  };
  walk('', 0);
}

async function main() {
  const collector = await startCollector();
  const endpoint = `http://127.0.0.1:${collector.address().port}`;
  const backend = await startService('backend', { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint });
  const frontend = await startService('frontend', { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, BACKEND_URL: backend.url });
  console.log(`frontend ${frontend.url} → backend ${backend.url}, both under --import tracing-agent/register\n`);
  for (const path of ['/order', '/order', '/fail']) {
    const res = await fetch(frontend.url + path);
    console.log(`GET ${path} → ${res.status} ${(await res.text()).trim()}`);
  }
  // Stop the services: the agent delivers their last spans as they exit.
  for (const service of [frontend, backend]) {
    service.child.removeAllListeners('exit');
    const exited = new Promise((resolve) => service.child.on('exit', resolve));
    service.child.kill('SIGTERM');
    await exited;
  }
  console.log(`\n${traces.size} traces received:`);
  for (const [traceId, spans] of traces) {
    console.log(`\ntrace ${traceId}`);
    printTree(spans);
  }
  collector.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

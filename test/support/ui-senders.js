'use strict';
// Foreign clients for the viewer's receivers, independent of its decoders:
// the official OpenTelemetry OTLP exporters (protobuf and JSON, gzip or not)
// fed hand-made ReadableSpans with exactly known ids and times, and Jaeger
// Thrift encoded by thriftrw from the IDL files jaeger-client ships.
const crypto = require('node:crypto');
const dgram = require('node:dgram');
const path = require('node:path');
const { Thrift } = require('thriftrw');
const { OTLPTraceExporter: ProtoExporter } = require('@opentelemetry/exporter-trace-otlp-proto');
const { OTLPTraceExporter: JsonExporter } = require('@opentelemetry/exporter-trace-otlp-http');
const { resourceFromAttributes } = require('@opentelemetry/resources');

const IDL = path.join(path.dirname(require.resolve('jaeger-client/package.json')), 'dist', 'src');
const jaegerThrift = new Thrift({
  entryPoint: path.join(IDL, 'jaeger-idl', 'thrift', 'jaeger.thrift'),
  allowFilesystemAccess: true,
  allowOptionalArguments: true,
});
const agentThrift = new Thrift({ entryPoint: path.join(IDL, 'thriftrw-idl', 'agent.thrift'), allowFilesystemAccess: true, allowOptionalArguments: true });

const hexId = (bytes) => crypto.randomBytes(bytes).toString('hex');
const KIND = { internal: 0, server: 1, client: 2, producer: 3, consumer: 4 };
const hr = (ms) => [Math.floor(ms / 1000), Math.round((ms % 1000) * 1e6)];

/**
 * A ReadableSpan as the SDK hands it to exporters. Times in ms since the epoch (fractions allowed).
 * {traceId, spanId, parentSpanId, name, kind, startMs, durationMs, attributes, events:[{name, atMs, attributes}],
 *  status:{code, message}, links:[{traceId, spanId}], resource (attributes), scope:{name, version}}
 */
function readableSpan(o) {
  const startMs = o.startMs ?? Date.now() - 1000;
  const endMs = startMs + (o.durationMs ?? 1);
  return {
    name: o.name,
    kind: KIND[o.kind || 'internal'],
    spanContext: () => ({ traceId: o.traceId, spanId: o.spanId, traceFlags: 1, traceState: undefined }),
    parentSpanContext: o.parentSpanId ? { traceId: o.traceId, spanId: o.parentSpanId, traceFlags: 1, isRemote: false } : undefined,
    startTime: hr(startMs),
    endTime: hr(endMs),
    duration: hr(endMs - startMs),
    status: o.status || { code: 0 },
    attributes: o.attributes || {},
    links: (o.links || []).map((l) => ({ context: { traceId: l.traceId, spanId: l.spanId, traceFlags: 1 }, attributes: {} })),
    events: (o.events || []).map((e) => ({ name: e.name, time: hr(e.atMs), attributes: e.attributes || {} })),
    ended: true,
    resource: resourceFromAttributes(o.resource || { 'service.name': 'unnamed' }),
    instrumentationScope: o.scope || { name: 'ui-spec', version: '1.0.0' },
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  };
}

/** Exports spans through the official exporter. protocol 'proto' | 'json'; compression 'gzip' | 'none'. */
async function sendOtlp(baseUrl, spans, { protocol = 'proto', compression = 'none' } = {}) {
  const Exporter = protocol === 'json' ? JsonExporter : ProtoExporter;
  // The exporter's CompressionAlgorithm enum is these same two strings.
  const exporter = new Exporter({ url: `${baseUrl}/v1/traces`, compression: /** @type {any} */ (compression), timeoutMillis: 5000 });
  try {
    const result = await new Promise((resolve) => exporter.export(spans.map(readableSpan), resolve));
    if (result.code !== 0) throw result.error || new Error(`export failed (${result.code})`);
  } finally {
    await exporter.shutdown();
  }
}

// ------------------------------------------------------------------ Jaeger Thrift

function i64(value) {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt.asIntN(64, BigInt(value)));
  return b;
}

function jaegerTag(key, value) {
  const base = { key, vType: 'STRING', vStr: null, vDouble: null, vBool: null, vLong: null, vBinary: null };
  if (typeof value === 'boolean') return { ...base, vType: 'BOOL', vBool: value };
  if (typeof value === 'number' && Number.isInteger(value)) return { ...base, vType: 'LONG', vLong: i64(value) };
  if (typeof value === 'number') return { ...base, vType: 'DOUBLE', vDouble: value };
  if (Buffer.isBuffer(value)) return { ...base, vType: 'BINARY', vBinary: value };
  return { ...base, vStr: String(value) };
}

/**
 * A Jaeger `Batch` object for thriftrw. spans: {traceId (32 hex), spanId, parentSpanId, name, startMs,
 * durationMs, tags: {k: v}, logs: [{atMs, fields: {k: v}}], references: [{refType, traceId, spanId}]}
 */
function jaegerBatch({ serviceName, tags = {}, spans }) {
  return new jaegerThrift.Batch({
    process: new jaegerThrift.Process({ serviceName, tags: Object.entries(tags).map(([k, v]) => new jaegerThrift.Tag(jaegerTag(k, v))) }),
    spans: spans.map(
      (s) =>
        new jaegerThrift.Span({
          traceIdLow: Buffer.from(s.traceId.slice(16), 'hex'),
          traceIdHigh: Buffer.from(s.traceId.slice(0, 16), 'hex'),
          spanId: Buffer.from(s.spanId, 'hex'),
          parentSpanId: s.parentSpanId ? Buffer.from(s.parentSpanId, 'hex') : i64(0),
          operationName: s.name,
          references: (s.references || []).map(
            (r) =>
              new jaegerThrift.SpanRef({
                refType: r.refType || 'FOLLOWS_FROM',
                traceIdLow: Buffer.from(r.traceId.slice(16), 'hex'),
                traceIdHigh: Buffer.from(r.traceId.slice(0, 16), 'hex'),
                spanId: Buffer.from(r.spanId, 'hex'),
              }),
          ),
          flags: 1,
          startTime: i64(Math.round(s.startMs * 1000)),
          duration: i64(Math.round(s.durationMs * 1000)),
          tags: Object.entries(s.tags || {}).map(([k, v]) => new jaegerThrift.Tag(jaegerTag(k, v))),
          logs: (s.logs || []).map(
            (l) =>
              new jaegerThrift.Log({
                timestamp: i64(Math.round(l.atMs * 1000)),
                fields: Object.entries(l.fields).map(([k, v]) => new jaegerThrift.Tag(jaegerTag(k, v))),
              }),
          ),
        }),
    ),
  });
}

function encodeBatch(batch) {
  const r = jaegerThrift.Batch.rw.toBuffer(batch);
  if (r.err) throw r.err;
  return r.value;
}

/** The UDP datagram jaeger-client sends: a binary-protocol Agent.emitBatch message. */
function encodeEmitBatch(batch) {
  const message = new agentThrift.Agent.emitBatch.ArgumentsMessage({ version: 1, id: 0, body: { batch } });
  const r = agentThrift.Agent.emitBatch.argumentsMessageRW.toBuffer(message);
  if (r.err) throw r.err;
  return r.value;
}

async function postJaeger(url, body, headers = { 'Content-Type': 'application/x-thrift' }) {
  const res = await fetch(url, { method: 'POST', headers, body });
  return { status: res.status, body: await res.text() };
}

function sendUdp(udpUrl, datagram) {
  const { hostname, port } = new URL(udpUrl);
  const host = hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
    socket.send(datagram, Number(port), host, (err) => {
      socket.close();
      if (err) reject(err);
      else resolve();
    });
  });
}

module.exports = { hexId, readableSpan, sendOtlp, jaegerBatch, encodeBatch, encodeEmitBatch, postJaeger, sendUdp };

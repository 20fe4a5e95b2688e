'use strict';
// An OTLP/HTTP trace receiver for the tests: decodes protobuf with protobufjs
// from the OTLP .proto (a decoder independent of the agent's encoder) and
// JSON, gzip or not, and keeps every span in one normalized shape.
const http = require('node:http');
const path = require('node:path');
const zlib = require('node:zlib');
const protobuf = require('protobufjs');

const root = protobuf.loadSync(path.join(__dirname, 'otlp.proto'));
const ExportTraceServiceRequest = root.lookupType('opentelemetry.proto.ExportTraceServiceRequest');

const hex = (bytes) => (bytes && bytes.length ? Buffer.from(bytes).toString('hex') : '');

function toBigInt(v) {
  if (v === undefined || v === null) return 0n;
  if (typeof v === 'bigint') return v;
  if (typeof v === 'string' || typeof v === 'number') return BigInt(v);
  // protobufjs Long
  return (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0);
}

function intValue(v) {
  const big = toBigInt(v);
  return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
}

/** OTLP AnyValue (protobuf-decoded or JSON) → plain JS value. */
function anyValue(v) {
  if (!v) return undefined;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.intValue !== undefined) return intValue(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.arrayValue !== undefined) return (v.arrayValue.values || []).map(anyValue);
  if (v.kvlistValue !== undefined) return attributes(v.kvlistValue.values);
  if (v.bytesValue !== undefined) return Buffer.from(v.bytesValue);
  return null;
}

function attributes(list) {
  const out = {};
  for (const kv of list || []) out[kv.key] = anyValue(kv.value);
  return out;
}

/** Normalizes one decoded request (protobuf object or parsed JSON) into flat spans. */
function normalize(request, json) {
  const id = (v) => (json ? v || '' : hex(v));
  const spans = [];
  for (const rs of request.resourceSpans || []) {
    const resource = attributes(rs.resource && rs.resource.attributes);
    for (const ss of rs.scopeSpans || []) {
      const scope = { name: (ss.scope && ss.scope.name) || '', version: (ss.scope && ss.scope.version) || '' };
      for (const s of ss.spans || []) {
        spans.push({
          traceId: id(s.traceId),
          spanId: id(s.spanId),
          parentSpanId: id(s.parentSpanId),
          traceState: s.traceState || '',
          flags: s.flags || 0,
          name: s.name,
          kind: s.kind || 0,
          startTimeUnixNano: toBigInt(s.startTimeUnixNano),
          endTimeUnixNano: toBigInt(s.endTimeUnixNano),
          attributes: attributes(s.attributes),
          droppedAttributesCount: s.droppedAttributesCount || 0,
          events: (s.events || []).map((e) => ({
            name: e.name,
            timeUnixNano: toBigInt(e.timeUnixNano),
            attributes: attributes(e.attributes),
            droppedAttributesCount: e.droppedAttributesCount || 0,
          })),
          droppedEventsCount: s.droppedEventsCount || 0,
          links: (s.links || []).map((l) => ({
            traceId: id(l.traceId),
            spanId: id(l.spanId),
            traceState: l.traceState || '',
            attributes: attributes(l.attributes),
            flags: l.flags || 0,
          })),
          droppedLinksCount: s.droppedLinksCount || 0,
          status: { code: (s.status && s.status.code) || 0, message: (s.status && s.status.message) || '' },
          resource,
          scope,
        });
      }
    }
  }
  return spans;
}

function describe(spans) {
  return spans.map((s) => `${s.resource['service.name']}:${s.name}(${s.kind})`).join(', ') || '(none)';
}

/**
 * Starts a receiver on 127.0.0.1:0.
 * opts.status: answer this HTTP status instead of 200; opts.silent: accept and never answer.
 */
function startReceiver(opts = {}) {
  const receiver = {
    spans: [],
    requests: [],
    errors: [],
    waiters: new Set(),
    sockets: new Set(),
  };
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      if (opts.silent) return;
      if (req.method !== 'POST' || req.url !== '/v1/traces') {
        res.statusCode = 404;
        res.end();
        return;
      }
      let body = Buffer.concat(chunks);
      const encoding = req.headers['content-encoding'] || '';
      const contentType = req.headers['content-type'] || '';
      receiver.requests.push({ headers: req.headers, contentType, encoding, bytes: body.length });
      try {
        if (encoding === 'gzip') body = zlib.gunzipSync(body);
        const json = contentType.startsWith('application/json');
        const decoded = json
          ? JSON.parse(body.toString('utf8'))
          : ExportTraceServiceRequest.toObject(ExportTraceServiceRequest.decode(body), { longs: String, enums: Number, bytes: Buffer, defaults: false, arrays: true });
        receiver.spans.push(...normalize(decoded, json));
      } catch (err) {
        receiver.errors.push(err);
        res.statusCode = 400;
        res.end(String(err.message));
        return;
      }
      if (opts.status) {
        res.statusCode = opts.status;
        res.end();
      } else if (contentType.startsWith('application/json')) {
        res.setHeader('content-type', 'application/json');
        res.end('{}');
      } else {
        res.setHeader('content-type', 'application/x-protobuf');
        res.end();
      }
      for (const check of receiver.waiters) check();
    });
  });
  server.on('connection', (socket) => {
    receiver.sockets.add(socket);
    socket.on('close', () => receiver.sockets.delete(socket));
  });

  /** Resolves with all spans once `countOrPredicate` holds (a count, or a function of the spans). */
  receiver.waitForSpans = (countOrPredicate, timeoutMs = 10000) =>
    new Promise((resolve, reject) => {
      const test = typeof countOrPredicate === 'number' ? (spans) => spans.length >= countOrPredicate : countOrPredicate;
      const check = () => {
        if (receiver.errors.length) {
          cleanup();
          reject(receiver.errors[0]);
        } else if (test(receiver.spans)) {
          cleanup();
          resolve(receiver.spans.slice());
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`receiver: condition not met within ${timeoutMs} ms; ${receiver.spans.length} spans: ${describe(receiver.spans)}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        receiver.waiters.delete(check);
      };
      receiver.waiters.add(check);
      check();
    });

  receiver.reset = () => {
    receiver.spans = [];
    receiver.requests = [];
    receiver.errors = [];
  };

  receiver.close = () =>
    new Promise((resolve) => {
      for (const s of receiver.sockets) s.destroy();
      server.close(() => resolve());
    });

  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      receiver.port = server.address().port;
      receiver.url = `http://127.0.0.1:${receiver.port}`;
      receiver.endpoint = `${receiver.url}/v1/traces`;
      resolve(receiver);
    });
  });
}

/** The one span matching predicate; a readable error otherwise. */
function findSpan(spans, predicate, what = 'span') {
  const found = spans.filter(predicate);
  if (found.length !== 1) throw new Error(`expected one ${what}, found ${found.length} among: ${describe(spans)}`);
  return found[0];
}

/** Children by parent span id. */
function spanTree(spans) {
  const children = new Map();
  for (const s of spans) {
    if (!children.has(s.parentSpanId)) children.set(s.parentSpanId, []);
    children.get(s.parentSpanId).push(s);
  }
  return children;
}

module.exports = { startReceiver, findSpan, spanTree, normalize };

'use strict';
// An OTLP/HTTP trace receiver for the tests. It decodes protobuf with protobufjs
// from test/support/otlp.proto (a decoder independent of the agent's encoder,
// so the tests check the encoder honestly) and JSON with JSON.parse, gzip'ed or
// not, and keeps every span it accepted in one normalized, flat shape:
//
//   { traceId, spanId, parentSpanId,            lowercase hex; parentSpanId '' for a root
//     traceState, flags,                        string ('' if none); number (fixed32)
//     name, kind,                               kind in OTLP numbering: 1 internal, 2 server, 3 client, 4 producer, 5 consumer
//     startTimeUnixNano, endTimeUnixNano,       BigInt
//     attributes, droppedAttributesCount,       plain object key → JS value (see anyValue below)
//     events: [{ name, timeUnixNano, attributes, droppedAttributesCount }], droppedEventsCount,
//     links: [{ traceId, spanId, traceState, attributes, droppedAttributesCount, flags }], droppedLinksCount,
//     status: { code, message },                code 0 unset, 1 ok, 2 error; message '' if none
//     resource, resourceSchemaUrl,              resource attributes as a plain object
//     scope: { name, version }, scopeSchemaUrl }
//
// Attribute values: string, boolean, number (int64 → Number when safe, BigInt
// beyond), arrays of those (an empty AnyValue element → null), Buffer for
// bytes, plain object for a kvlist.
const http = require('node:http');
const https = require('node:https');
const path = require('node:path');
const zlib = require('node:zlib');
const protobuf = require('protobufjs');

const root = protobuf.loadSync(path.join(__dirname, 'otlp.proto'));
const ExportTraceServiceRequest = root.lookupType('opentelemetry.proto.ExportTraceServiceRequest');
const TO_OBJECT = { longs: String, enums: Number, bytes: Buffer, defaults: false, arrays: true };

const hex = (bytes) => (bytes && bytes.length ? Buffer.from(bytes).toString('hex') : '');

function toBigInt(v) {
  if (v === undefined || v === null) return 0n;
  if (typeof v === 'bigint') return v;
  if (typeof v === 'string' || typeof v === 'number') return BigInt(v);
  return (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0); // a protobufjs Long
}

function intValue(v) {
  const big = toBigInt(v);
  return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
}

/** OTLP AnyValue (protobuf-decoded or JSON) → plain JS value; an empty AnyValue → null. */
function anyValue(v) {
  if (!v) return undefined;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.intValue !== undefined) return intValue(v.intValue);
  if (v.doubleValue !== undefined) return Number(v.doubleValue); // JSON spells NaN / ±Infinity as strings
  if (v.arrayValue !== undefined) return (v.arrayValue.values || []).map(anyValue);
  if (v.kvlistValue !== undefined) return attributes(v.kvlistValue.values);
  if (v.bytesValue !== undefined) return typeof v.bytesValue === 'string' ? Buffer.from(v.bytesValue, 'base64') : Buffer.from(v.bytesValue);
  return null;
}

function attributes(list) {
  const out = {};
  for (const kv of list || []) out[kv.key] = anyValue(kv.value);
  return out;
}

/** Normalizes one decoded request (protobufjs toObject output, or parsed OTLP/JSON) into flat spans. */
function normalize(request, json) {
  const id = (v) => (json ? v || '' : hex(v));
  const spans = [];
  for (const rs of request.resourceSpans || []) {
    const resource = attributes(rs.resource && rs.resource.attributes);
    const resourceSchemaUrl = rs.schemaUrl || '';
    for (const ss of rs.scopeSpans || []) {
      const scope = { name: (ss.scope && ss.scope.name) || '', version: (ss.scope && ss.scope.version) || '' };
      const scopeSchemaUrl = ss.schemaUrl || '';
      for (const s of ss.spans || []) {
        spans.push({
          traceId: id(s.traceId),
          spanId: id(s.spanId),
          parentSpanId: id(s.parentSpanId),
          traceState: s.traceState || '',
          flags: s.flags || 0,
          name: s.name || '',
          kind: s.kind || 0,
          startTimeUnixNano: toBigInt(s.startTimeUnixNano),
          endTimeUnixNano: toBigInt(s.endTimeUnixNano),
          attributes: attributes(s.attributes),
          droppedAttributesCount: s.droppedAttributesCount || 0,
          events: (s.events || []).map((e) => ({
            name: e.name || '',
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
            droppedAttributesCount: l.droppedAttributesCount || 0,
            flags: l.flags || 0,
          })),
          droppedLinksCount: s.droppedLinksCount || 0,
          status: { code: (s.status && s.status.code) || 0, message: (s.status && s.status.message) || '' },
          resource,
          resourceSchemaUrl,
          scope,
          scopeSchemaUrl,
        });
      }
    }
  }
  return spans;
}

/** Decodes a request body (already gunzip'ed) of the given content type into the raw request object. */
function decodeBody(body, contentType) {
  if (contentType.startsWith('application/json')) return JSON.parse(body.toString('utf8'));
  return ExportTraceServiceRequest.toObject(ExportTraceServiceRequest.decode(body), TO_OBJECT);
}

function describe(spans) {
  return spans.map((s) => `${s.resource['service.name']}:${s.name}(${s.kind})`).join(', ') || '(none)';
}

/**
 * Starts a receiver on 127.0.0.1 (a free port).
 *   opts.status: answer this HTTP status instead of 200 (spans of such requests are not kept);
 *                change it later with receiver.setStatus(code)
 *   opts.silent: read requests but never answer them
 *   opts.answerDelayMs: keep the spans at once but answer this much later (a slow collector)
 *   opts.answer(request, receiver): { status, headers } to answer one request with (its spans are kept only for a 2xx)
 * Resolves with the Receiver: { url, endpoint, port, spans, requests, errors,
 *   waitForSpans(countOrPredicate, timeoutMs = 10000), setStatus(code), reset(), close() }.
 */
function startReceiver(opts = {}) {
  let status = opts.status || 200;
  const receiver = {
    spans: [],
    /** Every POST /v1/traces received: { headers, contentType, encoding, bytes (body length as sent), status (0 if unanswered), spanCount } */
    requests: [],
    /** Bodies that failed to decode (answered 400); waitForSpans rejects with the first. */
    errors: [],
    waiters: new Set(),
    sockets: new Set(),
  };

  // opts.tls ({ key, cert }): an https receiver; opts.closeEach: every answer closes its connection.
  const handler = (req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/traces') {
        // Not an export (the tests' apps may call the receiver's port): not recorded.
        if (!opts.silent) res.writeHead(404).end();
        return;
      }
      const contentType = req.headers['content-type'] || '';
      const encoding = req.headers['content-encoding'] || '';
      let body = Buffer.concat(chunks);
      const request = { headers: req.headers, contentType, encoding, bytes: body.length, status: 0, spanCount: 0 };
      receiver.requests.push(request);
      if (opts.silent) return; // keep the socket open, never answer
      let spans;
      try {
        if (encoding === 'gzip') body = zlib.gunzipSync(body);
        else if (encoding && encoding !== 'identity') throw new Error(`unsupported content-encoding ${encoding}`);
        spans = normalize(decodeBody(body, contentType), contentType.startsWith('application/json'));
      } catch (err) {
        receiver.errors.push(err);
        request.status = 400;
        res.writeHead(400, { 'content-type': 'text/plain' }).end(String(err.message));
        for (const check of receiver.waiters) check();
        return;
      }
      request.spanCount = spans.length;
      // opts.answer(request, receiver): { status, headers } for this request instead (e.g. 429 with Retry-After).
      const custom = opts.answer ? opts.answer(request, receiver) : undefined;
      request.status = custom ? custom.status : status;
      if (request.status < 200 || request.status >= 300) {
        res.writeHead(request.status, custom?.headers ?? {}).end();
        for (const check of receiver.waiters) check();
        return;
      }
      receiver.spans.push(...spans);
      if (opts.closeEach) res.setHeader('connection', 'close');
      // An empty ExportTraceServiceResponse: no bytes in protobuf, {} in JSON.
      const answer = () => {
        if (contentType.startsWith('application/json')) res.writeHead(request.status, { 'content-type': 'application/json' }).end('{}');
        else res.writeHead(request.status, { 'content-type': 'application/x-protobuf' }).end();
      };
      if (opts.answerDelayMs) setTimeout(answer, opts.answerDelayMs);
      else answer();
      for (const check of receiver.waiters) check();
    });
  };
  const server = opts.tls ? https.createServer(opts.tls, handler) : http.createServer(handler);
  receiver.connections = 0;
  server.on(opts.tls ? 'secureConnection' : 'connection', (socket) => {
    receiver.connections++;
    receiver.sockets.add(socket);
    socket.on('close', () => receiver.sockets.delete(socket));
  });

  /** Resolves with (a copy of) all spans once `countOrPredicate` holds: a count, or a function of all spans. */
  receiver.waitForSpans = (countOrPredicate, timeoutMs = 10000) =>
    new Promise((resolve, reject) => {
      const test = typeof countOrPredicate === 'number' ? (spans) => spans.length >= countOrPredicate : countOrPredicate;
      const what = typeof countOrPredicate === 'number' ? `${countOrPredicate} spans` : 'the condition';
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
        reject(
          new Error(
            `receiver: waited ${timeoutMs} ms for ${what}; got ${receiver.spans.length} spans in ${receiver.requests.length} requests: ${describe(receiver.spans)}`,
          ),
        );
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        receiver.waiters.delete(check);
      };
      receiver.waiters.add(check);
      check();
    });

  receiver.setStatus = (code) => {
    status = code;
  };

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

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      receiver.port = /** @type {import('node:net').AddressInfo} */ (server.address()).port;
      receiver.url = opts.tls ? `https://localhost:${receiver.port}` : `http://127.0.0.1:${receiver.port}`;
      receiver.endpoint = `${receiver.url}/v1/traces`;
      resolve(receiver);
    });
  });
}

/** The one span matching predicate; throws a readable error listing the spans when there are none or several. */
function findSpan(spans, predicate, what = 'span') {
  const found = spans.filter(predicate);
  if (found.length !== 1) throw new Error(`expected one ${what}, found ${found.length} among: ${describe(spans)}`);
  return found[0];
}

/** Children by parent span id: Map parentSpanId → spans ('' → the roots). */
function spanTree(spans) {
  const children = new Map();
  for (const s of spans) {
    if (!children.has(s.parentSpanId)) children.set(s.parentSpanId, []);
    children.get(s.parentSpanId).push(s);
  }
  return children;
}

/**
 * Mocha hooks for a suite that reads what one receiver decoded: started before
 * the suite (`prepare`, e.g. installing the versions tested, runs then too),
 * emptied before each test, closed after. `set` is given the receiver.
 * @param {(receiver: Awaited<ReturnType<typeof startReceiver>>) => void} set
 * @param {() => void} [prepare]
 */
function useReceiver(set, prepare) {
  /* global before, after, beforeEach -- mocha's, in the spec that calls this */
  let receiver;
  before(async function () {
    this.timeout(300000); // a first run installs the versions tested
    receiver = await startReceiver();
    set(receiver);
    prepare?.();
  });
  after(async () => receiver && receiver.close());
  beforeEach(() => receiver.reset());
}

module.exports = { startReceiver, useReceiver, findSpan, spanTree, normalize, decodeBody, ExportTraceServiceRequest };

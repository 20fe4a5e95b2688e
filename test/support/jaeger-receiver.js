'use strict';
// A Jaeger receiver for the tests: the agent's UDP port (Agent.emitBatch,
// binary protocol) and the collector's HTTP /api/traces (a binary Batch),
// decoded with thriftrw from the IDL files shipped inside jaeger-client, a
// decoder independent of the agent's own Thrift writer.
const dgram = require('node:dgram');
const { once } = require('node:events');
const http = require('node:http');
const path = require('node:path');
const { Thrift } = require('thriftrw');

const IDL_DIR = path.join(path.dirname(require.resolve('jaeger-client/package.json')), 'dist', 'src', 'jaeger-idl', 'thrift');
// strict: false because zipkincore.thrift (included by agent.thrift) leaves some fields unqualified.
const agentThrift = new Thrift({ entryPoint: path.join(IDL_DIR, 'agent.thrift'), allowFilesystemAccess: true, allowOptionalArguments: true, strict: false });
const jaegerThrift = agentThrift.modules.jaeger;

const hex = (buf) => Buffer.from(buf).toString('hex');

function tagValue(tag) {
  switch (tag.vType) {
    case 'STRING':
      return tag.vStr;
    case 'DOUBLE':
      return tag.vDouble;
    case 'BOOL':
      return tag.vBool;
    case 'LONG':
      return Number(Buffer.from(tag.vLong).readBigInt64BE());
    case 'BINARY':
      return Buffer.from(tag.vBinary);
    default:
      throw new Error(`unknown tag type ${tag.vType}`);
  }
}

/** Tags as {key: value}, plus {key: type} beside them. */
function tags(list) {
  const values = {};
  const types = {};
  for (const tag of list || []) {
    if (Object.hasOwn(values, tag.key)) throw new Error(`tag ${tag.key} appears twice`);
    values[tag.key] = tagValue(tag);
    types[tag.key] = tag.vType;
  }
  return { values, types };
}

const i64Number = (buf) => Number(Buffer.from(buf).readBigInt64BE());

/** A decoded Batch → flat spans, each with its process. */
function normalizeBatch(batch, transport) {
  const processTags = tags(batch.process.tags);
  const process = { serviceName: batch.process.serviceName, tags: processTags.values, tagTypes: processTags.types };
  return batch.spans.map((s) => {
    const spanTags = tags(s.tags);
    return {
      transport,
      traceIdHigh: hex(s.traceIdHigh),
      traceIdLow: hex(s.traceIdLow),
      traceId: hex(s.traceIdHigh) + hex(s.traceIdLow),
      spanId: hex(s.spanId),
      parentSpanId: hex(s.parentSpanId),
      operationName: s.operationName,
      references: (s.references || []).map((r) => ({ refType: r.refType, traceId: hex(r.traceIdHigh) + hex(r.traceIdLow), spanId: hex(r.spanId) })),
      flags: s.flags,
      startTime: i64Number(s.startTime),
      duration: i64Number(s.duration),
      tags: spanTags.values,
      tagTypes: spanTags.types,
      logs: (s.logs || []).map((l) => ({ timestamp: i64Number(l.timestamp), fields: tags(l.fields).values })),
      process,
    };
  });
}

function decodeEmitBatch(buffer) {
  const result = agentThrift.Agent.emitBatch.argumentsMessageRW.readFrom(buffer, 0);
  if (result.err) throw result.err;
  if (result.offset !== buffer.length) throw new Error(`emitBatch: ${buffer.length - result.offset} bytes left over`);
  const message = result.value;
  if (message.name !== 'emitBatch') throw new Error(`unexpected method ${message.name}`);
  if (message.type !== 'ONEWAY') throw new Error(`emitBatch message type ${message.type}, expected ONEWAY`);
  return message.body.batch;
}

function decodeBatch(buffer) {
  const result = jaegerThrift.Batch.rw.readFrom(buffer, 0);
  if (result.err) throw result.err;
  if (result.offset !== buffer.length) throw new Error(`Batch: ${buffer.length - result.offset} bytes left over`);
  return result.value;
}

function describe(spans) {
  return spans.map((s) => `${s.process.serviceName}:${s.operationName}`).join(', ') || '(none)';
}

/**
 * Starts a UDP agent port and an HTTP collector on 127.0.0.1.
 * opts.status: answer HTTP with this status instead of 202.
 */
async function startJaegerReceiver(opts = {}) {
  const receiver = { spans: [], batches: [], datagrams: [], requests: [], errors: [], waiters: new Set() };
  const notify = () => {
    for (const check of receiver.waiters) check();
  };
  const accept = (batch, transport) => {
    receiver.batches.push({ transport, batch });
    receiver.spans.push(...normalizeBatch(batch, transport));
  };

  // A big receive buffer: a burst of full-size datagrams must not overflow the default one.
  const udp = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 * 1024 * 1024 });
  udp.on('message', (msg) => {
    receiver.datagrams.push({ bytes: msg.length });
    try {
      accept(decodeEmitBatch(msg), 'udp');
    } catch (err) {
      receiver.errors.push(err);
    }
    notify();
  });
  await once(udp.bind(0, '127.0.0.1'), 'listening');

  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      receiver.requests.push({ method: req.method, url: req.url, headers: req.headers, bytes: body.length });
      if (req.method !== 'POST' || req.url.split('?')[0] !== '/api/traces') {
        res.statusCode = 404;
        res.end();
        return;
      }
      try {
        accept(decodeBatch(body), 'http');
      } catch (err) {
        receiver.errors.push(err);
        res.statusCode = 400;
        res.end(String(err.message));
        notify();
        return;
      }
      res.statusCode = opts.status || 202;
      res.end();
      notify();
    });
  });
  const sockets = new Set();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await once(server.listen(0, '127.0.0.1'), 'listening');

  receiver.udpPort = udp.address().port;
  receiver.httpPort = server.address().port;
  receiver.url = `http://127.0.0.1:${receiver.httpPort}`;
  receiver.endpoint = `${receiver.url}/api/traces`;

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
        reject(new Error(`jaeger receiver: condition not met within ${timeoutMs} ms; ${receiver.spans.length} spans: ${describe(receiver.spans)}`));
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
    receiver.batches = [];
    receiver.datagrams = [];
    receiver.requests = [];
    receiver.errors = [];
  };

  receiver.close = () =>
    new Promise((resolve) => {
      udp.close();
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });

  return receiver;
}

module.exports = { startJaegerReceiver, decodeEmitBatch, decodeBatch, normalizeBatch };

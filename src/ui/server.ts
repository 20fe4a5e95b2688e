// The viewer's listeners: the page and query API, the OTLP/HTTP receiver, the
// Jaeger collector's HTTP endpoint and the Jaeger agent's UDP port, all
// feeding one store. Node built-ins only.
import * as dgram from 'node:dgram';
import { promises as dns } from 'node:dns';
import * as net from 'node:net';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as zlib from 'node:zlib';
import { DecodeError, decodeOtlpJson, decodeOtlpProtobuf, type DecodeResult } from './otlp';
import { handleQuery } from './query';
import { Store } from './store';
import { decodeJaegerAgentMessage, decodeJaegerBatch } from './thrift';
import { renderAsset } from './page';

export interface ViewerOptions {
  host: string;
  port: number;
  otlpPort: number;
  jaegerPort: number;
  jaegerAgentPort: number;
  maxTraces: number;
  /** largest accepted request body, after decompression (bytes) */
  maxBodyBytes: number;
  dataFile?: string;
  /** where decode problems are reported (default: stderr) */
  warn?: (message: string) => void;
}

export const DEFAULTS = {
  host: '127.0.0.1',
  port: 16686,
  otlpPort: 4318,
  jaegerPort: 14268,
  jaegerAgentPort: 6832,
  maxTraces: 5000,
  maxBodyBytes: 16 * 1024 * 1024,
};

export interface Viewer {
  urls: { ui: string; otlp: string; jaegerHttp: string; jaegerUdp: string };
  store: Store;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

// ---------------------------------------------------------------- request bodies

function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (declared > limit) {
      req.resume();
      reject(new HttpError(413, `request body of ${declared} bytes is over the limit of ${limit} bytes`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > limit) {
        over = true;
        chunks.length = 0;
        reject(new HttpError(413, `request body is over the limit of ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!over) resolve(Buffer.concat(chunks, size));
    });
    req.on('error', (err) => {
      if (!over) reject(new HttpError(400, `reading the request: ${err.message}`));
    });
  });
}

function decompress(body: Buffer, encoding: string | undefined, limit: number): Buffer {
  const enc = (encoding || 'identity').trim().toLowerCase();
  if (enc === 'identity' || enc === '') return body;
  try {
    if (enc === 'gzip' || enc === 'x-gzip') return zlib.gunzipSync(body, { maxOutputLength: limit });
    if (enc === 'deflate') return zlib.inflateSync(body, { maxOutputLength: limit });
    if (enc === 'br') return zlib.brotliDecompressSync(body, { maxOutputLength: limit });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
      throw new HttpError(413, `decompressed body is over the limit of ${limit} bytes`);
    }
    throw new HttpError(400, `cannot ${enc}-decode the body: ${(err as Error).message}`);
  }
  throw new HttpError(415, `unsupported Content-Encoding: ${enc}`);
}

function mediaType(req: http.IncomingMessage): string {
  return String(req.headers['content-type'] || '')
    .split(';')[0]
    .trim()
    .toLowerCase();
}

function send(res: http.ServerResponse, status: number, type: string, body: string | Buffer, headers: http.OutgoingHttpHeaders = {}): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

function sendText(res: http.ServerResponse, status: number, message: string, close = false): void {
  send(res, status, 'text/plain; charset=utf-8', message + '\n', close ? { Connection: 'close' } : {});
}

// ---------------------------------------------------------------- OTLP/HTTP

// ExportTraceServiceResponse / google.rpc.Status, hand-encoded: both are tiny.
function pbVarint(n: number): number[] {
  const out: number[] = [];
  while (n > 127) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

function pbField(field: number, wire: number, payload: number[] | Buffer): Buffer {
  const key = pbVarint(field * 8 + wire);
  if (wire === 0) return Buffer.from([...key, ...(payload as number[])]);
  return Buffer.concat([Buffer.from([...key, ...pbVarint(payload.length)]), Buffer.from(payload)]);
}

function otlpStatus(json: boolean, code: number, message: string): [string, string | Buffer] {
  if (json) return ['application/json', JSON.stringify({ code, message })];
  return ['application/x-protobuf', Buffer.concat([pbField(1, 0, pbVarint(code)), pbField(2, 2, Buffer.from(message))])];
}

function otlpSuccess(json: boolean, result: DecodeResult): [string, string | Buffer] {
  if (!result.rejected) return json ? ['application/json', '{}'] : ['application/x-protobuf', Buffer.alloc(0)];
  if (json) {
    return ['application/json', JSON.stringify({ partialSuccess: { rejectedSpans: String(result.rejected), errorMessage: result.rejectReason } })];
  }
  const partial = Buffer.concat([pbField(1, 0, pbVarint(result.rejected)), pbField(2, 2, Buffer.from(result.rejectReason))]);
  return ['application/x-protobuf', pbField(1, 2, partial)];
}

const CORS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'POST, OPTIONS',
  'Access-Control-Allow-Headers': 'Content-Type, Content-Encoding',
};

function otlpHandler(store: Store, opts: ViewerOptions) {
  return async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const path = (req.url || '/').split('?')[0];
    const type = mediaType(req);
    const json = type === 'application/json';
    const reply = (status: number, [ctype, body]: [string, string | Buffer], close = false) =>
      send(res, status, ctype, body, { ...CORS, ...(close ? { Connection: 'close' } : {}) });
    if (req.method === 'OPTIONS') return send(res, 204, 'text/plain', '', { ...CORS, 'Access-Control-Max-Age': '86400' });
    if (path !== '/v1/traces') {
      req.resume();
      const what = /^\/v1\/(metrics|logs|profiles)$/.test(path) ? `this viewer receives traces only; ${path} is not accepted` : `no such endpoint: ${path} (send traces to POST /v1/traces)`;
      return reply(404, otlpStatus(json, 5, what));
    }
    if (req.method !== 'POST') {
      req.resume();
      return reply(405, otlpStatus(json, 12, 'use POST'));
    }
    let sniffJson = json;
    try {
      const raw = await readBody(req, opts.maxBodyBytes);
      const body = decompress(raw, req.headers['content-encoding'] as string | undefined, opts.maxBodyBytes);
      let result: DecodeResult;
      if (type === 'application/json') result = decodeOtlpJson(body);
      else if (type === 'application/x-protobuf' || type === 'application/protobuf') result = decodeOtlpProtobuf(body);
      else if (type === '' || type === 'application/octet-stream') {
        sniffJson = /^\s*\{/.test(body.subarray(0, 64).toString('latin1'));
        result = sniffJson ? decodeOtlpJson(body) : decodeOtlpProtobuf(body);
      } else throw new HttpError(415, `unsupported Content-Type ${type}: use application/x-protobuf or application/json`);
      store.add(result.batches);
      reply(200, otlpSuccess(sniffJson, result));
    } catch (err) {
      const status = err instanceof HttpError ? err.status : err instanceof DecodeError ? 400 : 500;
      const message = err instanceof DecodeError ? `malformed OTLP request: ${err.message}` : (err as Error).message;
      if (status === 500) opts.warn?.(`OTLP request failed: ${(err as Error).stack}`);
      reply(status, otlpStatus(sniffJson, status === 413 ? 8 : status === 500 ? 13 : 3, message), status === 413);
    }
  };
}

// ---------------------------------------------------------------- Jaeger collector HTTP

const THRIFT_TYPES = new Set(['application/x-thrift', 'application/vnd.apache.thrift.binary', 'application/octet-stream', '']);

function jaegerHttpHandler(store: Store, opts: ViewerOptions) {
  return async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const path = (req.url || '/').split('?')[0];
    if (path !== '/api/traces') {
      req.resume();
      return sendText(res, 404, `no such endpoint: ${path} (send Jaeger Thrift batches to POST /api/traces)`);
    }
    if (req.method !== 'POST') {
      req.resume();
      return sendText(res, 405, 'use POST');
    }
    try {
      const type = mediaType(req);
      if (type === 'application/vnd.apache.thrift.compact') throw new HttpError(415, 'the Thrift compact protocol is not supported: send the binary protocol (application/x-thrift)');
      if (!THRIFT_TYPES.has(type)) throw new HttpError(415, `unsupported Content-Type ${type}: send application/x-thrift`);
      const raw = await readBody(req, opts.maxBodyBytes);
      const body = decompress(raw, req.headers['content-encoding'] as string | undefined, opts.maxBodyBytes);
      const batch = decodeJaegerBatch(body);
      store.add([batch]);
      send(res, 202, 'text/plain; charset=utf-8', '');
    } catch (err) {
      const status = err instanceof HttpError ? err.status : err instanceof DecodeError ? 400 : 500;
      if (status === 500) opts.warn?.(`Jaeger request failed: ${(err as Error).stack}`);
      sendText(res, status, err instanceof DecodeError ? `Unable to process request body: ${err.message}` : (err as Error).message, status === 413);
    }
  };
}

// ---------------------------------------------------------------- page + query API

function uiHandler(store: Store, live: Set<http.ServerResponse>, info: Record<string, string>) {
  return (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = new URL(req.url || '/', 'http://viewer');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      req.resume();
      return sendText(res, 405, 'the query API and page are read-only: use GET');
    }
    if (url.pathname === '/api/live') return openLive(store, live, req, res);
    // Where this viewer receives spans, for the page's "how to send traces here" hint.
    if (url.pathname === '/api/info') return send(res, 200, 'application/json', JSON.stringify({ data: info, errors: null }));
    if (url.pathname.startsWith('/api/')) {
      let result;
      try {
        result = handleQuery(store, url.pathname, url.searchParams);
      } catch (err) {
        result = { status: 500, body: { data: null, errors: [{ code: 500, msg: (err as Error).message }] } };
      }
      return send(res, result.status, 'application/json', JSON.stringify(result.body), { 'Cache-Control': 'no-store' });
    }
    const asset = renderAsset(url.pathname);
    if (!asset) return sendText(res, 404, `not found: ${url.pathname}`);
    send(res, 200, asset.type, asset.body, {
      'Cache-Control': 'no-cache',
      'Content-Security-Policy': "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'",
      'X-Content-Type-Options': 'nosniff',
    });
  };
}

/** Server-sent events: one `update` event (throttled) whenever traces change, so the page refreshes without polling. */
function openLive(store: Store, live: Set<http.ServerResponse>, req: http.IncomingMessage, res: http.ServerResponse): void {
  res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
  const pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    timer = undefined;
    const traces = [...pending].slice(0, 200);
    pending.clear();
    res.write(`event: update\ndata: ${JSON.stringify({ version: store.lastVersion, stats: store.stats(), traces })}\n\n`);
  };
  const onUpdate = (ids: string[]) => {
    for (const id of ids) pending.add(id);
    if (!timer) timer = setTimeout(flush, 250);
  };
  const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15000);
  heartbeat.unref();
  store.on('update', onUpdate);
  live.add(res);
  res.write(`retry: 2000\nevent: hello\ndata: ${JSON.stringify({ version: store.lastVersion, stats: store.stats() })}\n\n`);
  const cleanup = () => {
    store.off('update', onUpdate);
    clearInterval(heartbeat);
    if (timer) clearTimeout(timer);
    live.delete(res);
  };
  req.on('close', cleanup);
  res.on('close', cleanup);
}

// ---------------------------------------------------------------- listeners

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

function listen(server: http.Server, host: string, port: number, flag: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      reject(new Error(`cannot listen on ${urlHost(host)}:${port} (${flag}): ${err.code === 'EADDRINUSE' ? 'the port is in use' : err.message}`));
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function bindUdp(socket: dgram.Socket, host: string, port: number, flag: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      reject(new Error(`cannot listen on udp ${urlHost(host)}:${port} (${flag}): ${err.code === 'EADDRINUSE' ? 'the port is in use' : err.message}`));
    };
    socket.once('error', onError);
    socket.bind(port, host, () => {
      socket.off('error', onError);
      resolve(socket.address().port);
    });
  });
}

export async function startViewer(options: Partial<ViewerOptions> = {}): Promise<Viewer> {
  const opts: ViewerOptions = { ...DEFAULTS, ...options };
  const warn = opts.warn || ((m: string) => process.stderr.write(`tracing-agent ui: ${m}\n`));
  opts.warn = warn;
  const store = new Store({ maxTraces: opts.maxTraces, dataFile: opts.dataFile });
  store.setMaxListeners(0); // one listener per open page (its live stream)
  const live = new Set<http.ServerResponse>();

  const servers: http.Server[] = [];
  const make = (handler: http.RequestListener) => {
    const server = http.createServer(handler);
    server.keepAliveTimeout = 5000;
    server.on('clientError', (_err, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      else socket.destroy();
    });
    servers.push(server);
    return server;
  };
  const info: Record<string, string> = {};
  const ui = make(uiHandler(store, live, info));
  const otlp = make(otlpHandler(store, opts));
  const jaeger = make(jaegerHttpHandler(store, opts));
  // A UDP socket has one address family: resolve a host name (localhost) to pick it.
  let udpHost = opts.host;
  if (!net.isIP(udpHost)) {
    try {
      udpHost = (await dns.lookup(udpHost)).address;
    } catch (err) {
      store.close();
      throw new Error(`cannot resolve --host ${opts.host}: ${(err as Error).message}`, { cause: err });
    }
  }
  const udp = dgram.createSocket({ type: net.isIPv6(udpHost) ? 'udp6' : 'udp4', recvBufferSize: 4 * 1024 * 1024 });
  let udpErrors = 0;
  udp.on('message', (msg) => {
    try {
      store.add(decodeJaegerAgentMessage(msg));
    } catch (err) {
      udpErrors++;
      // The first few, then every hundredth: a misdirected sender must not flood the terminal.
      if (udpErrors <= 3 || udpErrors % 100 === 0) warn(`dropped a UDP datagram (${msg.length} bytes, ${udpErrors} so far): ${(err as Error).message}`);
    }
  });

  const close = async () => {
    for (const res of live) res.end();
    live.clear();
    await Promise.all([
      ...servers.map(
        (s) =>
          new Promise<void>((resolve) => {
            if (!s.listening) return resolve();
            s.close(() => resolve());
            s.closeAllConnections();
          }),
      ),
      new Promise<void>((resolve) => {
        try {
          udp.close(() => resolve());
        } catch {
          resolve();
        }
      }),
    ]);
    store.close();
  };

  try {
    const host = opts.host;
    const [uiPort, otlpPort, jaegerPort, udpPort] = await Promise.all([
      listen(ui, host, opts.port, '--port'),
      listen(otlp, host, opts.otlpPort, '--otlp-port'),
      listen(jaeger, host, opts.jaegerPort, '--jaeger-port'),
      bindUdp(udp, udpHost, opts.jaegerAgentPort, '--jaeger-agent-port'),
    ]);
    const h = urlHost(host);
    const urls = {
      ui: `http://${h}:${uiPort}`,
      otlp: `http://${h}:${otlpPort}`,
      jaegerHttp: `http://${h}:${jaegerPort}/api/traces`,
      jaegerUdp: `udp://${h}:${udpPort}`,
    };
    Object.assign(info, urls);
    return { urls, store, close };
  } catch (err) {
    await close();
    throw err;
  }
}

// The viewer's listeners: the page and query API, the OTLP/HTTP receiver, the
// Jaeger collector's HTTP endpoint and the Jaeger agent's UDP port, all
// feeding one store. Node built-ins only.
import * as dgram from 'node:dgram';
import { promises as dns } from 'node:dns';
import * as net from 'node:net';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as zlib from 'node:zlib';
import { DEFAULT_LIMITS, Trimmed, type SpanLimits } from './limits';
import { DecodeError, decodeOtlpJson, decodeOtlpProtobuf, type DecodeOptions, type DecodeResult } from './otlp';
import { handleQuery } from './query';
import { Store } from './store';
import { decodeJaegerAgentMessage, decodeJaegerBatchAsync } from './thrift';
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
  /** the memory the viewer may use (bytes): the store, requests being read and decoded, and the UDP queue share it */
  maxMemory: number;
  /** what is kept of each span */
  limits: SpanLimits;
  /** origins whose pages may send OTLP from a browser (CORS); none by default */
  corsOrigins: string[];
  dataFile?: string;
  /** the data file's largest size (bytes) */
  maxDataBytes: number;
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
  maxMemory: 512 * 1024 * 1024,
  limits: DEFAULT_LIMITS,
  corsOrigins: [] as string[],
  maxDataBytes: 1024 * 1024 * 1024,
};

/**
 * How --max-memory is shared out. The store's estimate counts V8's objects
 * and characters (see limits.ts), but V8 lets its heap grow to about twice
 * what is alive before it collects, and reading requests takes memory of its
 * own (measured here: RSS ≈ 150 MiB + 2 × the store's estimate under a flood of
 * 8 MiB requests at --max-memory 256m). So the store takes 10%, requests being
 * read and decoded at once a quarter, one request's decoded spans 5%, the UDP
 * queue 2%. JSON bodies cost ~20 times their size while parsed (every value an
 * object), so they are held to a 128th.
 */
export function memoryShares(maxMemory: number) {
  return {
    store: Math.floor(maxMemory * 0.1),
    inFlight: Math.floor(maxMemory * 0.25),
    request: Math.floor(maxMemory * 0.05),
    udpQueue: Math.floor(maxMemory * 0.02),
    jsonBody: Math.floor(maxMemory / 128),
  };
}

/** How much a body of `bytes` weighs against the in-flight share while it is read and decoded. */
const weight = (bytes: number, json: boolean) => bytes * (json ? 20 : 2);

/** Hands the thread back to the event loop when this piece of work has had it for SLICE_MS: queries answer meanwhile. */
const SLICE_MS = 8;

function slicer(): () => Promise<void> | undefined {
  let since = performance.now();
  return () => {
    if (performance.now() - since < SLICE_MS) return undefined;
    return new Promise<void>((resolve) =>
      setImmediate(() => {
        since = performance.now();
        resolve();
      }),
    );
  };
}

export interface Viewer {
  urls: { ui: string; otlp: string; jaegerHttp: string; jaegerUdp: string };
  store: Store;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: http.OutgoingHttpHeaders = {},
  ) {
    super(message);
  }
}

// ---------------------------------------------------------------- request bodies

/** Bytes of request bodies being read and decoded, weighed (see weight()), against the in-flight share of memory. */
class InFlight {
  used = 0;
  constructor(readonly budget: number) {}

  /** Takes `amount` of the share, or throws 429 (the exporters retry later) when it is taken. */
  take(amount: number): void {
    if (this.used > 0 && this.used + amount > this.budget)
      throw new HttpError(429, 'the viewer is busy with other requests; retry shortly', { 'Retry-After': '1' });
    this.used += amount;
  }

  give(amount: number): void {
    this.used = Math.max(0, this.used - amount);
  }
}

/** Reads a body of at most `limit` bytes, its weight taken from `inFlight` as it arrives; `release()` gives it back. */
function readBody(req: http.IncomingMessage, limit: number, inFlight: InFlight, json: boolean): Promise<{ body: Buffer; release: () => void }> {
  return new Promise((resolve, reject) => {
    let held = 0;
    const release = () => {
      inFlight.give(held);
      held = 0;
    };
    const hold = (bytes: number) => {
      const amount = weight(bytes, json);
      inFlight.take(amount);
      held += amount;
    };
    const declared = Number(req.headers['content-length']);
    if (declared > limit) {
      req.resume();
      reject(new HttpError(413, `request body of ${declared} bytes is over the limit of ${limit} bytes`));
      return;
    }
    try {
      if (declared > 0) hold(declared);
    } catch (err) {
      req.resume();
      reject(err);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    const fail = (err: Error) => {
      failed = true;
      chunks.length = 0;
      release();
      req.resume();
      reject(err);
    };
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) return fail(new HttpError(413, `request body is over the limit of ${limit} bytes`));
      try {
        if (!(declared > 0)) hold(chunk.length);
      } catch (err) {
        return fail(err as Error);
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!failed) resolve({ body: Buffer.concat(chunks, size), release });
    });
    req.on('error', (err) => {
      if (!failed) fail(new HttpError(400, `reading the request: ${err.message}`));
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

/** 200, with partialSuccess (rejectedSpans and a message) when spans were refused or trimmed. */
function otlpSuccess(json: boolean, result: DecodeResult): [string, string | Buffer] {
  const rejected = result.rejected + result.trimmed.spans;
  const message = [result.rejectReason, result.trimmed.message()].filter(Boolean).join('; ');
  if (rejected === 0 && message === '') return json ? ['application/json', '{}'] : ['application/x-protobuf', Buffer.alloc(0)];
  if (json) return ['application/json', JSON.stringify({ partialSuccess: { rejectedSpans: String(rejected), errorMessage: message } })];
  const partial = Buffer.concat([pbField(1, 0, pbVarint(rejected)), pbField(2, 2, Buffer.from(message))]);
  return ['application/x-protobuf', pbField(1, 2, partial)];
}

/** The origins allowed to send from a browser; every other one gets no CORS headers. */
function corsHeaders(req: http.IncomingMessage, origins: string[]): http.OutgoingHttpHeaders {
  const origin = req.headers.origin;
  if (origin === undefined || !origins.includes(origin)) return {};
  return {
    'Access-Control-Allow-Origin': origin,
    'Access-Control-Allow-Methods': 'POST, OPTIONS',
    'Access-Control-Allow-Headers': 'Content-Type, Content-Encoding',
    Vary: 'Origin',
  };
}

/**
 * Whether a request's Host names this viewer: a page on another site that
 * rebinds its own name to 127.0.0.1 (DNS rebinding) sends its own name, and
 * is refused. Bound to every address (--host 0.0.0.0 or ::), any name goes.
 */
export function hostAllowed(hostHeader: string | undefined, boundHost: string): boolean {
  if (hostHeader === undefined) return true; // HTTP/1.0 without Host: not a browser
  const bound = boundHost.toLowerCase();
  if (bound === '0.0.0.0' || bound === '::') return true;
  let name = hostHeader.trim().toLowerCase();
  if (name.startsWith('[')) name = name.slice(1, name.indexOf(']'));
  else if (name.lastIndexOf(':') !== -1 && name.indexOf(':') === name.lastIndexOf(':')) name = name.slice(0, name.lastIndexOf(':'));
  if (name.endsWith('.')) name = name.slice(0, -1);
  if (name === bound || name === 'localhost' || name.endsWith('.localhost') || name === '::1') return true;
  return net.isIPv4(name) && name.startsWith('127.');
}

/** What the receivers share: the store, the options, the in-flight share of memory. */
interface Receiving {
  store: Store;
  opts: ViewerOptions;
  inFlight: InFlight;
  shares: ReturnType<typeof memoryShares>;
}

/** A client error's answer never prints a stack; only the viewer's own failures (500) are said, in one line. */
function failed(err: unknown, what: string, warn: ViewerOptions['warn']): { status: number; message: string; headers: http.OutgoingHttpHeaders } {
  const status = err instanceof HttpError ? err.status : err instanceof DecodeError ? 400 : 500;
  if (status === 500) warn?.(`${what} request failed: ${(err as Error).message}`);
  return { status, message: (err as Error).message, headers: err instanceof HttpError ? err.headers : {} };
}

function otlpHandler({ store, opts, inFlight, shares }: Receiving) {
  return async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const path = (req.url || '/').split('?')[0];
    const type = mediaType(req);
    const json = type === 'application/json';
    const cors = corsHeaders(req, opts.corsOrigins);
    const reply = (status: number, [ctype, body]: [string, string | Buffer], extra: http.OutgoingHttpHeaders = {}) =>
      send(res, status, ctype, body, { ...cors, ...extra });
    if (req.method === 'OPTIONS') {
      req.resume();
      // A preflight from an origin not allowed gets no CORS headers: the browser does not send.
      return send(res, cors['Access-Control-Allow-Origin'] ? 204 : 403, 'text/plain', '', {
        ...cors,
        ...(cors['Access-Control-Allow-Origin'] ? { 'Access-Control-Max-Age': '86400' } : {}),
      });
    }
    if (path !== '/v1/traces') {
      req.resume();
      const what = /^\/v1\/(metrics|logs|profiles)$/.test(path)
        ? `this viewer receives traces only; ${path} is not accepted`
        : `no such endpoint: ${path} (send traces to POST /v1/traces)`;
      return reply(404, otlpStatus(json, 5, what));
    }
    if (req.method !== 'POST') {
      req.resume();
      return reply(405, otlpStatus(json, 12, 'use POST'));
    }
    let sniffJson = json;
    let release = () => {};
    try {
      if (
        type !== 'application/json' &&
        type !== 'application/x-protobuf' &&
        type !== 'application/protobuf' &&
        type !== '' &&
        type !== 'application/octet-stream'
      ) {
        req.resume();
        throw new HttpError(415, `unsupported Content-Type ${type}: use application/x-protobuf or application/json`);
      }
      // JSON costs far more memory than its size while parsed: a smaller limit.
      const limit = json ? Math.min(opts.maxBodyBytes, shares.jsonBody) : opts.maxBodyBytes;
      const read = await readBody(req, limit, inFlight, json);
      release = read.release;
      const body = decompress(read.body, req.headers['content-encoding'] as string | undefined, limit);
      const options: DecodeOptions = { limits: opts.limits, requestBytes: shares.request, pause: slicer() };
      let result: DecodeResult;
      if (type === 'application/json') result = await decodeOtlpJson(body, options);
      else if (type === 'application/x-protobuf' || type === 'application/protobuf') result = await decodeOtlpProtobuf(body, options);
      else {
        sniffJson = /^\s*\{/.test(body.subarray(0, 64).toString('latin1'));
        if (sniffJson && body.length > shares.jsonBody)
          throw new HttpError(413, `OTLP/JSON bodies are limited to ${shares.jsonBody} bytes (a 128th of --max-memory)`);
        result = sniffJson ? await decodeOtlpJson(body, options) : await decodeOtlpProtobuf(body, options);
      }
      await store.addInSlices(result.batches, result.trimmed, slicer());
      release();
      reply(200, otlpSuccess(sniffJson, result));
    } catch (err) {
      release();
      const { status, message, headers } = failed(err, 'OTLP', opts.warn);
      const text = err instanceof DecodeError ? `malformed OTLP request: ${message}` : message;
      reply(status, otlpStatus(sniffJson, status === 413 || status === 429 ? 8 : status === 500 ? 13 : 3, text), headers);
    }
  };
}

// ---------------------------------------------------------------- Jaeger collector HTTP

const THRIFT_TYPES = new Set(['application/x-thrift', 'application/vnd.apache.thrift.binary', 'application/octet-stream', '']);

function jaegerHttpHandler({ store, opts, inFlight, shares }: Receiving) {
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
    let release = () => {};
    try {
      const type = mediaType(req);
      if (type === 'application/vnd.apache.thrift.compact')
        throw new HttpError(415, 'the Thrift compact protocol is not supported: send the binary protocol (application/x-thrift)');
      if (!THRIFT_TYPES.has(type)) throw new HttpError(415, `unsupported Content-Type ${type}: send application/x-thrift`);
      const read = await readBody(req, opts.maxBodyBytes, inFlight, false);
      release = read.release;
      const body = decompress(read.body, req.headers['content-encoding'] as string | undefined, opts.maxBodyBytes);
      const trimmed = new Trimmed();
      const batch = await decodeJaegerBatchAsync(body, { limits: opts.limits, trimmed }, shares.request, slicer());
      await store.addInSlices([batch], trimmed, slicer());
      release();
      send(res, 202, 'text/plain; charset=utf-8', trimmed.any ? `${trimmed.message()}\n` : '');
    } catch (err) {
      release();
      if (!req.complete) req.resume();
      const { status, message, headers } = failed(err, 'Jaeger', opts.warn);
      send(res, status, 'text/plain; charset=utf-8', `${err instanceof DecodeError ? `Unable to process request body: ${message}` : message}\n`, headers);
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
  const shares = memoryShares(opts.maxMemory);
  const store = new Store({ maxTraces: opts.maxTraces, maxBytes: shares.store, dataFile: opts.dataFile, maxDataBytes: opts.maxDataBytes });
  store.setMaxListeners(0); // one listener per open page (its live stream)
  const live = new Set<http.ServerResponse>();

  const servers: http.Server[] = [];
  // Every listener answers only requests that name this viewer (see hostAllowed).
  const make = (handler: http.RequestListener) => {
    const server = http.createServer((req, res) => {
      if (!hostAllowed(req.headers.host, opts.host)) {
        req.resume();
        return sendText(res, 403, `Host ${JSON.stringify(req.headers.host)} is not this viewer's address; start it with --host to listen on another`, true);
      }
      return handler(req, res);
    });
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
  const receiving: Receiving = { store, opts, inFlight: new InFlight(shares.inFlight), shares };
  const otlp = make(otlpHandler(receiving));
  const jaeger = make(jaegerHttpHandler(receiving));
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
  // Datagrams wait in a bounded queue and are decoded a slice of time at a
  // time, so that a flood neither grows memory nor keeps queries waiting;
  // past the queue's share of memory they are dropped and counted.
  let udpErrors = 0;
  let udpDropped = 0;
  const queue: Buffer[] = [];
  let queuedBytes = 0;
  let pumping = false;
  const pump = () => {
    const started = performance.now();
    while (queue.length > 0 && performance.now() - started < SLICE_MS) {
      const msg = queue.shift()!;
      queuedBytes -= msg.length;
      try {
        store.add(decodeJaegerAgentMessage(msg, { limits: opts.limits, trimmed: new Trimmed() }));
      } catch (err) {
        udpErrors++;
        // The first few, then every hundredth: a misdirected sender must not flood the terminal.
        if (udpErrors <= 3 || udpErrors % 100 === 0) warn(`dropped a UDP datagram (${msg.length} bytes, ${udpErrors} so far): ${(err as Error).message}`);
      }
    }
    pumping = queue.length > 0;
    if (pumping) setImmediate(pump);
  };
  udp.on('message', (msg) => {
    if (queuedBytes + msg.length > shares.udpQueue) {
      udpDropped++;
      if (udpDropped === 1 || udpDropped % 1000 === 0) warn(`UDP datagrams arrive faster than they can be read: ${udpDropped} dropped so far`);
      return;
    }
    queue.push(msg);
    queuedBytes += msg.length;
    if (!pumping) {
      pumping = true;
      setImmediate(pump);
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

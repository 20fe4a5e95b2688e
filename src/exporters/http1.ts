// A lean HTTP/1.1 client for the exporters' POSTs, over kept-alive net/tls
// sockets: write the request in one go, read the status, skip the body.
//
// Why not node:http's client: exports are a few large POSTs a second from a
// busy process, and node:http's per-request machinery (agent bookkeeping,
// header objects, stream state, timers), run cold between batches, cost
// ~0.6 µs of CPU per exported span in the hello-world benchmark, user and
// kernel time together: about a fifth of everything the agent adds there.

import type { Socket } from 'node:net';
import { runInContext, ROOT_CONTEXT, SUPPRESS_TRACING_KEY } from '../context';
import { buildRequest, type HttpRequest, type PostRequest, type PostResult } from './request';

// Export traffic must not be traced, nor parent its socket callbacks under the caller's context.
const EXPORT_CONTEXT = ROOT_CONTEXT.setValue(SUPPRESS_TRACING_KEY, true);

/** Idle connections kept per origin; more in flight at once are closed when done. */
const MAX_IDLE_PER_ORIGIN = 4;
/** A response head larger than this is not a collector's: the connection is dropped. */
const MAX_HEAD_BYTES = 64 * 1024;
/**
 * Of a response body only this much is read: the status says what happened,
 * and a collector that streams without end must not cost the app CPU. Past
 * it the response counts as complete and the connection is closed.
 */
const MAX_BODY_BYTES = 64 * 1024;

/** A Retry-After value (seconds, or an HTTP date) in milliseconds from now; undefined when it is neither. */
export function parseRetryAfter(value: string): number | undefined {
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

type Done = (result: PostResult, retry: boolean) => void;

/** One socket and the response it is reading (at most one request at a time). */
class Connection {
  /** Response bytes not yet consumed, as latin1 text (one char per byte). */
  private pending = '';
  private state: 'idle' | 'head' | 'length' | 'chunk-size' | 'chunk-data' | 'trailers' | 'until-close' = 'idle';
  private status = 0;
  private retryAfterMs: number | undefined;
  private bodyBytes = 0;
  private remaining = 0;
  private keepAlive = true;
  private gotBytes = false;
  /** The request is still being written (a collector may answer before reading all of it). */
  private writing = false;
  private done: Done | undefined;
  /** Whether an earlier request used this connection (a failure then may be a stale socket: retry). */
  used = false;
  closed = false;

  constructor(
    readonly origin: string,
    readonly socket: Socket,
    private readonly onIdle: (c: Connection) => void,
  ) {
    socket.setNoDelay(true);
    // An idle or busy export socket never holds the process open; the exit path waits for exports instead.
    socket.unref();
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err: NodeJS.ErrnoException) => this.fail(err.code ?? err.message));
    socket.on('end', () => this.onEnd());
    socket.on('close', () => this.onEnd());
  }

  send(head: string, body: Uint8Array, done: Done): void {
    this.done = done;
    this.state = 'head';
    this.pending = '';
    this.gotBytes = false;
    const socket = this.socket;
    socket.cork();
    socket.write(head, 'latin1');
    this.writing = true;
    socket.write(body, () => (this.writing = false));
    socket.uncork();
  }

  /** Ends the request in progress with an error, and the connection with it. */
  fail(error: string): void {
    this.closed = true;
    this.socket.destroy();
    const done = this.done;
    if (done === undefined) return;
    this.done = undefined;
    this.state = 'idle';
    done({ ok: false, error }, this.used && !this.gotBytes);
  }

  private onEnd(): void {
    this.closed = true;
    if (this.state === 'until-close') this.complete();
    else if (this.done !== undefined) this.fail('connection closed before the response was complete');
  }

  private onData(chunk: Buffer): void {
    if (this.done === undefined) {
      // Bytes nobody asked for: the connection is out of step; drop it.
      this.fail('unexpected data');
      return;
    }
    this.gotBytes = true;
    if (this.state !== 'head') {
      this.bodyBytes += chunk.length;
      if (this.bodyBytes > MAX_BODY_BYTES) {
        this.keepAlive = false;
        this.complete();
        return;
      }
    }
    this.pending += chunk.toString('latin1');
    try {
      this.parse();
    } catch (err) {
      this.fail(`bad response: ${(err as Error).message}`);
    }
  }

  private parse(): void {
    for (;;) {
      switch (this.state) {
        case 'head': {
          const end = this.pending.indexOf('\r\n\r\n');
          if (end === -1) {
            if (this.pending.length > MAX_HEAD_BYTES) throw new Error('response head too large');
            return;
          }
          const head = this.pending.slice(0, end);
          this.pending = this.pending.slice(end + 4);
          this.readHead(head);
          break;
        }
        case 'length':
          if (this.skipRemaining()) this.complete();
          return;
        case 'chunk-size': {
          const eol = this.pending.indexOf('\r\n');
          if (eol === -1) return;
          const size = parseInt(this.pending.slice(0, eol), 16); // (chunk extensions after ';' are ignored by parseInt)
          if (Number.isNaN(size)) throw new Error('bad chunk size');
          this.pending = this.pending.slice(eol + 2);
          if (size === 0) this.state = 'trailers';
          else {
            this.remaining = size + 2; // the data and its CRLF
            this.state = 'chunk-data';
          }
          break;
        }
        case 'chunk-data':
          if (!this.skipRemaining()) return;
          this.state = 'chunk-size';
          break;
        case 'trailers': {
          // No trailers: a bare CRLF; else trailer lines up to an empty one.
          if (this.pending.startsWith('\r\n')) this.pending = this.pending.slice(2);
          else {
            const end = this.pending.indexOf('\r\n\r\n');
            if (end === -1) return;
            this.pending = this.pending.slice(end + 4);
          }
          this.complete();
          return;
        }
        default:
          // 'until-close' (the body ends with the connection) or 'idle'.
          this.pending = '';
          return;
      }
    }
  }

  /** Drops up to `remaining` body bytes from what has arrived; true once all of them have. */
  private skipRemaining(): boolean {
    const n = Math.min(this.remaining, this.pending.length);
    this.remaining -= n;
    this.pending = this.pending.slice(n);
    return this.remaining === 0;
  }

  private readHead(head: string): void {
    const match = /^HTTP\/1\.([01]) (\d{3})/.exec(head);
    if (match === null) throw new Error(`not HTTP/1.x: ${JSON.stringify(head.slice(0, 40))}`);
    const status = Number(match[2]);
    if (status >= 100 && status < 200) return; // an interim response; the real one follows
    this.status = status;
    this.retryAfterMs = undefined;
    this.bodyBytes = 0;
    let length = -1;
    let chunked = false;
    let connection = match[1] === '1' ? 'keep-alive' : 'close';
    for (const line of head.split('\r\n').slice(1)) {
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line
        .slice(colon + 1)
        .trim()
        .toLowerCase();
      if (name === 'content-length') length = Number(value);
      else if (name === 'transfer-encoding') chunked = value.split(',').pop()!.trim() === 'chunked';
      else if (name === 'retry-after') this.retryAfterMs = parseRetryAfter(value);
      else if (name === 'connection') connection = value.includes('close') ? 'close' : value.includes('keep-alive') ? 'keep-alive' : connection;
    }
    this.keepAlive = connection === 'keep-alive';
    if (status === 204 || status === 304) this.complete();
    else if (chunked) this.state = 'chunk-size';
    else if (length >= 0 && Number.isSafeInteger(length)) {
      this.remaining = length;
      this.state = 'length';
      if (length === 0) this.complete();
    } else {
      this.keepAlive = false;
      this.state = 'until-close';
    }
  }

  private complete(): void {
    const done = this.done;
    this.done = undefined;
    this.state = 'idle';
    this.used = true;
    const status = this.status;
    // An answer before the whole request was written leaves the connection out of step, and the
    // body still in use: closing it ends the write (the caller may reuse the body's memory).
    if (!this.keepAlive || this.pending.length > 0 || this.writing) {
      this.closed = true;
      this.socket.destroy();
    } else if (!this.closed) this.onIdle(this);
    if (done !== undefined)
      done(
        status >= 200 && status < 300
          ? { ok: true, status }
          : this.retryAfterMs === undefined
            ? { ok: false, status, error: `HTTP ${status}` }
            : { ok: false, status, error: `HTTP ${status}`, retryAfterMs: this.retryAfterMs },
        false,
      );
  }
}

const idle = new Map<string, Connection[]>();

function release(connection: Connection): void {
  let list = idle.get(connection.origin);
  if (list === undefined) idle.set(connection.origin, (list = []));
  if (list.length < MAX_IDLE_PER_ORIGIN) list.push(connection);
  else connection.socket.destroy();
}

function connect(request: HttpRequest): Connection {
  const { host, port, origin } = request;
  let socket: Socket;
  if (request.https) {
    const tls = require('node:tls') as typeof import('node:tls');
    const isIp = (require('node:net') as typeof import('node:net')).isIP(host) !== 0;
    socket = tls.connect({ host, port, servername: isIp ? undefined : host, ALPNProtocols: ['http/1.1'] });
  } else {
    socket = (require('node:net') as typeof import('node:net')).connect({ host, port });
  }
  const connection = new Connection(origin, socket, release);
  socket.on('close', () => {
    const list = idle.get(origin);
    const at = list?.indexOf(connection) ?? -1;
    if (at !== -1) list!.splice(at, 1);
  });
  return connection;
}

function takeConnection(request: HttpRequest, fresh: boolean): Connection {
  const list = idle.get(request.origin);
  if (!fresh && list !== undefined) {
    for (let c = list.pop(); c !== undefined; c = list.pop()) if (!c.closed) return c;
  }
  return connect(request);
}

function requestHead(request: HttpRequest): string {
  let head = `POST ${request.path} HTTP/1.1\r\n`;
  for (const name in request.headers) head += `${name}: ${request.headers[name]}\r\n`;
  return `${head}Connection: keep-alive\r\n\r\n`;
}

/** POSTs `request.body`; resolves with the status (never rejects). One retry on a fresh socket when a kept-alive one turns out closed. */
export function post1(request: PostRequest): Promise<PostResult> {
  return new Promise((resolve) => {
    const http = buildRequest(request.url, request.headers, request.body.byteLength);
    if (typeof http === 'string') {
      resolve({ ok: false, error: http });
      return;
    }
    const head = requestHead(http);
    let settled = false;
    let connection: Connection | undefined;
    const settle = (result: PostResult): void => {
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const timer = setTimeout(() => {
      settle({ ok: false, error: `no answer within ${request.timeoutMs} ms`, timedOut: true });
      connection?.fail('timed out');
    }, request.timeoutMs);
    timer.unref();
    const attempt = (fresh: boolean): void => {
      runInContext(EXPORT_CONTEXT, () => {
        connection = takeConnection(http, fresh);
        connection.send(head, request.body, (result, retry) => {
          if (settled) return;
          if (retry && !fresh) attempt(true);
          else settle(result);
        });
      });
    };
    attempt(false);
  });
}

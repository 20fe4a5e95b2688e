// HTTP POST for exporters: asynchronous for normal operation, synchronous for
// a process that is ending. Neither keeps the process alive on its own.

import { Worker } from 'node:worker_threads';
import { runInContext, ROOT_CONTEXT, SUPPRESS_TRACING_KEY } from '../context';

export interface PostRequest {
  url: string;
  headers: Record<string, string>;
  body: Uint8Array;
  timeoutMs: number;
}

export interface PostResult {
  ok: boolean;
  /** HTTP status, when one arrived. */
  status?: number;
  /** Why it failed, for the one-line log. */
  error?: string;
}

// Export requests must not be traced themselves, and must not inherit the
// caller's context (which would parent socket callbacks under an app span).
const EXPORT_CONTEXT = ROOT_CONTEXT.setValue(SUPPRESS_TRACING_KEY, true);

type HttpModule = typeof import('node:http');
let httpAgent: import('node:http').Agent | undefined;
let httpsAgent: import('node:http').Agent | undefined;

function moduleFor(url: URL): { mod: HttpModule; agent: import('node:http').Agent } {
  if (url.protocol === 'https:') {
    const https = require('node:https') as typeof import('node:https');
    httpsAgent ??= new https.Agent({ keepAlive: true, maxSockets: 4 });
    return { mod: https as unknown as HttpModule, agent: httpsAgent };
  }
  const http = require('node:http') as HttpModule;
  httpAgent ??= new http.Agent({ keepAlive: true, maxSockets: 4 });
  return { mod: http, agent: httpAgent };
}

export function post(request: PostRequest): Promise<PostResult> {
  return new Promise((resolve) => {
    runInContext(EXPORT_CONTEXT, () => {
      let settled = false;
      const finish = (result: PostResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(result);
      };
      const timer = setTimeout(() => {
        finish({ ok: false, error: `no answer within ${request.timeoutMs} ms` });
        req.destroy();
      }, request.timeoutMs);
      timer.unref();
      let url: URL;
      try {
        url = new URL(request.url);
      } catch {
        finish({ ok: false, error: `bad URL ${request.url}` });
        return;
      }
      const { mod, agent } = moduleFor(url);
      const req = mod.request(url, {
        method: 'POST',
        agent,
        headers: { ...request.headers, 'content-length': String(request.body.byteLength) },
      });
      // A pending export never holds the process open; the exit path waits for it instead.
      req.on('socket', (socket) => socket.unref());
      req.on('error', (err) => finish({ ok: false, error: (err as NodeJS.ErrnoException).code ?? err.message }));
      req.on('response', (res) => {
        res.resume();
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          finish(status >= 200 && status < 300 ? { ok: true, status } : { ok: false, status, error: `HTTP ${status}` });
        });
        res.on('error', (err) => finish({ ok: false, status: res.statusCode, error: err.message }));
      });
      req.end(request.body);
    });
  });
}

// The synchronous path: a short-lived worker thread does the request while
// this thread sleeps on Atomics.wait, so it works inside process 'exit'
// handlers where no event loop turn will ever come.
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { url, headers, body, timeoutMs, signal } = workerData;
const state = new Int32Array(signal);
function done(code) { Atomics.store(state, 1, code); Atomics.store(state, 0, 1); Atomics.notify(state, 0); }
try {
  const u = new URL(url);
  const mod = require(u.protocol === 'https:' ? 'node:https' : 'node:http');
  const req = mod.request(u, { method: 'POST', headers: { ...headers, 'content-length': String(body.byteLength) }, timeout: timeoutMs }, (res) => {
    res.resume();
    res.on('end', () => done(res.statusCode));
    res.on('error', () => done(-2));
  });
  req.on('timeout', () => { req.destroy(); done(-3); });
  req.on('error', () => done(-1));
  req.end(Buffer.from(body));
} catch (e) { done(-4); }
`;

export function postSync(request: PostRequest): PostResult {
  const signal = new SharedArrayBuffer(8);
  const state = new Int32Array(signal);
  let worker: Worker;
  try {
    worker = new Worker(WORKER_SOURCE, {
      eval: true,
      // The sender must not load the agent itself.
      execArgv: [],
      env: { ...process.env, OTEL_SDK_DISABLED: 'true', NODE_OPTIONS: '' },
      workerData: { url: request.url, headers: request.headers, body: request.body, timeoutMs: request.timeoutMs, signal },
    });
  } catch (err) {
    return { ok: false, error: `cannot start sender thread: ${(err as Error).message}` };
  }
  worker.unref();
  const deadline = Date.now() + request.timeoutMs;
  while (Atomics.load(state, 0) === 0) {
    const left = deadline - Date.now();
    if (left <= 0) break;
    Atomics.wait(state, 0, 0, left);
  }
  const code = Atomics.load(state, 1);
  void worker.terminate();
  if (Atomics.load(state, 0) === 0) return { ok: false, error: `no answer within ${request.timeoutMs} ms` };
  if (code >= 200 && code < 300) return { ok: true, status: code };
  if (code > 0) return { ok: false, status: code, error: `HTTP ${code}` };
  return { ok: false, error: ['connection failed', 'response failed', 'timed out', 'sender crashed'][-code - 1] ?? 'failed' };
}

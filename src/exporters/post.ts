// HTTP POST for exporters: asynchronous for normal operation, synchronous for
// a process that is ending. Neither keeps the process alive on its own.

import { buildRequest, type PostRequest, type PostResult } from './request';

export type { PostRequest, PostResult } from './request';

/** The asynchronous POST, for normal operation (see http1.ts). */
export { post1 as post } from './http1';

// The synchronous path, for an ending process whose event loop will never
// turn again ('exit' listeners, a signal being handled synchronously): a
// sender thread does the request while this thread sleeps on Atomics.wait.
//
// The thread is started on the first synchronous send (or earlier, by
// warmSender(), when an exit looks near), then reused for every later batch:
// starting one costs ~30-45 ms of thread and isolate start (measured on Node
// 20, 22, 24 here), while an idle one costs ~9-18 MiB of memory, too much to
// keep in every process just in case. It is unref'd, never loads the agent,
// and keeps its connection to the collector alive between batches.
const SENDER_SOURCE = `
const { parentPort } = require('node:worker_threads');
// http now, while nobody waits yet (a warmed sender); https only when a collector needs it.
const agents = { http: { mod: require('node:http') } };
agents.http.agent = new agents.http.mod.Agent({ keepAlive: true, maxSockets: 4 });
function agentFor(https) {
  const key = https ? 'https' : 'http';
  if (!agents[key]) { const mod = require('node:https'); agents[key] = { mod, agent: new mod.Agent({ keepAlive: true, maxSockets: 4 }) }; }
  return agents[key];
}
parentPort.on('message', (m) => {
  const state = new Int32Array(m.signal, 0, 2);
  const text = new Uint8Array(m.signal, 8);
  let settled = false;
  function done(code, why) {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    if (why) text.set(Buffer.from(String(why)).subarray(0, text.length - 1));
    Atomics.store(state, 1, code);
    Atomics.store(state, 0, 1);
    Atomics.notify(state, 0);
  }
  const timer = setTimeout(() => { done(-3); if (req) req.destroy(); }, m.timeoutMs);
  let req;
  try {
    // The request as request.ts built it, for the main thread's client too.
    const r = m.request;
    const { mod, agent } = agentFor(r.https);
    req = mod.request({ method: 'POST', host: r.host, port: r.port, path: r.path, agent, headers: r.headers }, (res) => {
      // The status is all that matters: a body past 64 KiB is not read on (a collector that streams forever).
      let bytes = 0;
      res.on('data', (chunk) => { bytes += chunk.length; if (bytes > 65536) { done(res.statusCode || -2, 'response too long'); req.destroy(); } });
      res.on('end', () => (res.statusCode ? done(res.statusCode) : done(-2, 'no status')));
      res.on('error', (e) => done(-2, e.code || e.message));
    });
    req.on('error', (e) => done(-1, e.code || e.message));
    req.end(Buffer.from(m.body.buffer, m.body.byteOffset, m.body.byteLength));
  } catch (e) { done(-4, e && e.message); }
});
`;

/** Bytes of the shared block per request: two Int32 (done flag, status) and the error text. */
const SIGNAL_BYTES = 8 + 120;

let sender: import('node:worker_threads').Worker | undefined;

/** Starts the sender thread now, if it is not running, so a coming exit does not wait for it. */
export function warmSender(): boolean {
  if (sender !== undefined) return true;
  try {
    const { Worker } = require('node:worker_threads') as typeof import('node:worker_threads');
    const env: NodeJS.ProcessEnv = { ...process.env, OTEL_SDK_DISABLED: 'true' };
    delete env.NODE_OPTIONS;
    const worker = new Worker(SENDER_SOURCE, {
      eval: true,
      // The sender must not load the agent (nor any other preload) itself.
      execArgv: [],
      env,
      stdout: true,
      stderr: true,
    });
    worker.unref();
    // A sender that fails is replaced by the next send; its failure never reaches the app.
    worker.on('error', () => {
      if (sender === worker) sender = undefined;
    });
    worker.on('exit', () => {
      if (sender === worker) sender = undefined;
    });
    sender = worker;
    return true;
  } catch {
    return false;
  }
}

/** Stops the sender thread, if one runs (after shutdown, or when an exit did not come after all). */
export function closeSender(): void {
  const worker = sender;
  sender = undefined;
  if (worker !== undefined) void worker.terminate().catch(() => {});
}

const SYNC_ERRORS: Record<number, string> = { [-1]: 'connection failed', [-2]: 'response failed', [-3]: 'timed out', [-4]: 'sender failed' };

export function postSync(request: PostRequest): PostResult {
  if (request.timeoutMs <= 0) return { ok: false, error: 'no time left' };
  const http = buildRequest(request.url, request.headers, request.body.byteLength);
  if (typeof http === 'string') return { ok: false, error: http };
  if (!warmSender() || sender === undefined) return { ok: false, error: 'cannot start the sender thread' };
  const signal = new SharedArrayBuffer(SIGNAL_BYTES);
  const state = new Int32Array(signal, 0, 2);
  try {
    sender.postMessage({ request: http, body: request.body, timeoutMs: request.timeoutMs, signal });
  } catch (err) {
    closeSender();
    return { ok: false, error: `cannot reach the sender thread: ${(err as Error).message}` };
  }
  const deadline = Date.now() + request.timeoutMs;
  while (Atomics.load(state, 0) === 0) {
    const left = deadline - Date.now();
    if (left <= 0) break;
    Atomics.wait(state, 0, 0, left);
  }
  if (Atomics.load(state, 0) === 0) return { ok: false, error: `no answer within ${request.timeoutMs} ms`, timedOut: true };
  const code = Atomics.load(state, 1);
  if (code >= 200 && code < 300) return { ok: true, status: code };
  if (code > 0) return { ok: false, status: code, error: `HTTP ${code}` };
  if (code === -3) return { ok: false, error: `no answer within ${request.timeoutMs} ms`, timedOut: true };
  const bytes = new Uint8Array(signal, 8);
  const end = bytes.indexOf(0);
  const why = Buffer.from(bytes.subarray(0, end < 0 ? bytes.length : end)).toString();
  return { ok: false, error: why || SYNC_ERRORS[code] || 'failed' };
}

// UDP datagrams for exporters: asynchronous for normal operation, synchronous
// (a short-lived worker thread, as post.ts does for HTTP) for a process that
// is ending. The socket never keeps the process alive.

import type { Socket } from 'node:dgram';
import { Worker } from 'node:worker_threads';
import { isIP } from 'node:net';
import { runInContext, ROOT_CONTEXT, SUPPRESS_TRACING_KEY } from '../context';

export interface UdpResult {
  /** Datagrams the kernel accepted. */
  sent: number;
  /** Why the first failure happened, for the one-line log. */
  error?: string;
  /** The indexes of the datagrams that failed (asynchronous sends). */
  failed?: number[];
}

const EXPORT_CONTEXT = ROOT_CONTEXT.setValue(SUPPRESS_TRACING_KEY, true);

/**
 * `localhost` and names go over IPv4 (a Jaeger agent listens on 0.0.0.0 by
 * default, and `localhost` resolving to ::1 would lose every datagram without
 * an error); an IPv6 literal goes over IPv6.
 */
export function udpFamily(host: string): 'udp4' | 'udp6' {
  return isIP(host.replace(/^\[|\]$/g, '')) === 6 ? 'udp6' : 'udp4';
}

export class UdpSender {
  private socket: Socket | undefined;
  private readonly host: string;

  constructor(
    host: string,
    private readonly port: number,
  ) {
    this.host = host.replace(/^\[|\]$/g, '');
  }

  private open(): Socket {
    if (this.socket === undefined) {
      const dgram = require('node:dgram') as typeof import('node:dgram');
      const socket = dgram.createSocket(udpFamily(this.host));
      socket.on('error', () => {
        // Reported per send; an 'error' event must not become an uncaught exception.
        if (this.socket === socket) this.socket = undefined;
        try {
          socket.close();
        } catch {
          // already closed
        }
      });
      socket.unref();
      this.socket = socket;
    }
    return this.socket;
  }

  /** Sends each datagram in order; resolves how many went out. Never rejects. */
  send(datagrams: Buffer[]): Promise<UdpResult> {
    return new Promise((resolve) => {
      runInContext(EXPORT_CONTEXT, () => {
        const result: UdpResult = { sent: 0 };
        let i = 0;
        const next = (): void => {
          if (i === datagrams.length) {
            resolve(result);
            return;
          }
          const index = i++;
          const datagram = datagrams[index];
          let socket: Socket;
          try {
            socket = this.open();
          } catch (err) {
            result.error ??= (err as Error).message;
            result.failed = [];
            for (let rest = index; rest < datagrams.length; rest++) result.failed.push(rest);
            resolve(result);
            return;
          }
          try {
            socket.send(datagram, this.port, this.host, (err) => {
              if (err) {
                result.error ??= (err as NodeJS.ErrnoException).code ?? err.message;
                (result.failed ??= []).push(index);
              } else result.sent++;
              next();
            });
          } catch (err) {
            result.error ??= (err as Error).message;
            (result.failed ??= []).push(index);
            next();
          }
        };
        next();
      });
    });
  }

  close(): void {
    const socket = this.socket;
    this.socket = undefined;
    try {
      socket?.close();
    } catch {
      // already closed
    }
  }
}

// The synchronous path: a worker sends the datagrams while this thread sleeps
// on Atomics.wait, so it works in 'exit' handlers where the loop never turns.
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { host, port, family, datagrams, signal } = workerData;
const state = new Int32Array(signal);
function done(sent) { Atomics.store(state, 1, sent); Atomics.store(state, 0, 1); Atomics.notify(state, 0); }
try {
  const socket = require('node:dgram').createSocket(family);
  let sent = 0, i = 0;
  socket.on('error', () => { done(sent); socket.close(); });
  const next = () => {
    if (i === datagrams.length) { done(sent); socket.close(); return; }
    socket.send(Buffer.from(datagrams[i++]), port, host, (err) => { if (!err) sent++; next(); });
  };
  next();
} catch (e) { done(-1); }
`;

/** Sends the datagrams before returning, waiting at most timeoutMs. */
export function sendUdpSync(host: string, port: number, datagrams: Buffer[], timeoutMs: number): UdpResult {
  const signal = new SharedArrayBuffer(8);
  const state = new Int32Array(signal);
  const bare = host.replace(/^\[|\]$/g, '');
  let worker: Worker;
  try {
    worker = new Worker(WORKER_SOURCE, {
      eval: true,
      // The sender must not load the agent itself.
      execArgv: [],
      env: { ...process.env, OTEL_SDK_DISABLED: 'true', NODE_OPTIONS: '' },
      workerData: { host: bare, port, family: udpFamily(bare), datagrams, signal },
    });
  } catch (err) {
    return { sent: 0, error: `cannot start sender thread: ${(err as Error).message}` };
  }
  worker.unref();
  const deadline = Date.now() + timeoutMs;
  while (Atomics.load(state, 0) === 0) {
    const left = deadline - Date.now();
    if (left <= 0) break;
    Atomics.wait(state, 0, 0, left);
  }
  void worker.terminate();
  if (Atomics.load(state, 0) === 0) return { sent: 0, error: `not sent within ${timeoutMs} ms` };
  const sent = Atomics.load(state, 1);
  if (sent < 0) return { sent: 0, error: 'sender crashed' };
  return sent < datagrams.length ? { sent, error: `${datagrams.length - sent} datagrams not sent` } : { sent };
}

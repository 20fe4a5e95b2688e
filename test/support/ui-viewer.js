'use strict';
// Starts the real viewer command (`node bin/tracing-agent.js ui`, every port
// 0) and reads the four lines it prints once its listeners are up.
const { spawn } = require('node:child_process');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');
const BIN = path.join(ROOT, 'bin', 'tracing-agent.js');
const LINE = /^(ui|otlp|jaeger-http|jaeger-udp) (\S+)$/;

/**
 * Resolves {ui, otlp, jaegerHttp, jaegerUdp, lines, child, output(), stop(signal)}; rejects
 * with the process's output when it exits or stays silent.
 */
function startViewer(extraArgs = [], { timeoutMs = 15000, ports = true } = {}) {
  const args = [BIN, 'ui', ...(ports ? ['--port', '0', '--otlp-port', '0', '--jaeger-port', '0', '--jaeger-agent-port', '0'] : []), ...extraArgs];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env: { PATH: process.env.PATH, HOME: process.env.HOME }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let done = false;
    const exited = new Promise((res) => child.on('close', (code, signal) => res({ code, signal })));
    const viewer = {
      child,
      exited,
      output: () => ({ stdout, stderr }),
      /** @param {NodeJS.Signals} [signal] */
      async stop(signal = 'SIGINT') {
        if (child.exitCode === null && child.signalCode === null) child.kill(signal);
        return exited;
      },
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the viewer did not print its four lines within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.stdout.on('data', (d) => {
      stdout += d;
      const lines = stdout.split('\n').filter(Boolean);
      if (!done && lines.length >= 4 && stdout.endsWith('\n')) {
        done = true;
        clearTimeout(timer);
        viewer.lines = lines;
        for (const line of lines) {
          const m = LINE.exec(line);
          if (!m) continue;
          const key = { ui: 'ui', otlp: 'otlp', 'jaeger-http': 'jaegerHttp', 'jaeger-udp': 'jaegerUdp' }[m[1]];
          viewer[key] = m[2];
        }
        resolve(viewer);
      }
    });
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => {
      if (!done) {
        clearTimeout(timer);
        reject(Object.assign(new Error(`the viewer exited (${code}) before listening\nstdout: ${stdout}\nstderr: ${stderr}`), { code, stdout, stderr }));
      }
    });
  });
}

/** GET a viewer URL, JSON-decoded: {status, body}. */
async function getJson(url) {
  const res = await fetch(url);
  const text = await res.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: res.status, body, headers: res.headers };
}

/** Polls `fn` until it returns a truthy value (or throws the last error after `timeoutMs`). */
async function eventually(fn, { timeoutMs = 5000, intervalMs = 50 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let lastErr;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
      lastErr = new Error('condition not met');
    } catch (err) {
      lastErr = err;
    }
    if (Date.now() > deadline) throw lastErr;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

module.exports = { ROOT, BIN, startViewer, getJson, eventually };

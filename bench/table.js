'use strict';
// Turns the output of `npm run bench` on several Node versions into the table of
// docs/BENCHMARKS.md: one column per output file (per Node version), one row per
// target, the official OpenTelemetry agent's figure beside ours where the run had
// BENCH_OTEL=1.
//
//   for n in 20 22 24 26; do BENCH_ROUNDS=5 BENCH_OTEL=1 BENCH_ONLY=throughput,startup,exit,install BENCH_NODE=$n npm run bench > bench/results/node$n.txt; done
//   node bench/table.js bench/results/node{20,22,24,26}.txt
const fs = require('node:fs');

const OTEL = 'official OpenTelemetry agent';
/** [label in the table, target, the line of ours (a prefix of the summary line), the official agent's line or undefined] */
const ROWS = [
  [
    'hello-world throughput, every request traced and exported (OTLP/protobuf), × bare node (middle half)',
    '≥ 0.80×',
    'throughput, every request traced + exported (OTLP/protobuf)',
    `throughput, every request traced + exported by the ${OTEL}`,
  ],
  ['throughput, sampler `always_off`', '—', 'throughput, sampler always_off', undefined],
  [
    "throughput, a second bare node in the turn after the official agent's (what that agent's exports and GC leave to the next turn)",
    'reference',
    'throughput, a second bare node',
    undefined,
  ],
  ['throughput, AsyncLocalStorage alone, no agent (what carrying context costs)', 'reference', 'throughput, AsyncLocalStorage alone', undefined],
  ['peak RSS added under that load', '≤ 20 MiB', 'peak RSS added under that load:', `peak RSS added under that load, ${OTEL}`],
  ['peak RSS added, AsyncLocalStorage alone', 'reference', 'peak RSS added, AsyncLocalStorage alone', undefined],
  ['startup added, `-r`, empty CommonJS script', '≤ 15 ms', 'startup added, -r (empty CommonJS script)', `startup added by the ${OTEL}, --require`],
  ['startup added, `--import`, empty ESM script', '≤ 15 ms', 'startup added, --import (empty ESM script)', `startup added by the ${OTEL}, --import`],
  [
    'startup added, `--import`, empty CommonJS script (Node starting its ESM loader included)',
    '≤ 15 ms',
    'startup added, --import (empty CommonJS script',
    undefined,
  ],
  [
    'startup added, `-r`, a script that loads express and pg (what the hooks add to loading them)',
    'reference',
    'startup added, -r, a script that loads express and pg',
    undefined,
  ],
  ['production install', '≤ 32 MiB, ≤ 40 packages', 'production install:', `production install, ${OTEL}`],
  [
    'exit delay, collector refusing connections: loop drains / `process.exit()`',
    '≤ 0.5 s',
    ['exit delay, collector refusing connections, loop drains', 'exit delay, collector refusing connections, process.exit()'],
  ],
  [
    'exit delay, collector never answering: loop drains / `process.exit()`',
    '≤ 3 s',
    ['exit delay, collector never answering, loop drains', 'exit delay, collector never answering, process.exit()'],
  ],
];

/** The summary lines of one run, without their ok/MISSED mark, and its Node version. */
function read(file) {
  const text = fs.readFileSync(file, 'utf8');
  const version = (/benchmark on Node (v[\d.]+)/.exec(text) || [])[1] || file;
  const summary = text.slice(text.lastIndexOf('\nsummary\n'));
  const lines = summary
    .split('\n')
    .map((l) => l.replace(/^\s+(ok|MISSED)?\s+/, ''))
    .filter(Boolean);
  return { version, lines };
}

/** The figure of the line starting with `prefix`, shortened for a table cell. */
function figure(run, prefix) {
  const line = run.lines.find((l) => l.startsWith(prefix));
  if (!line) return '';
  const result = line.slice(line.indexOf(': ') + 2).replace(/ \(target [^)]*\)$/, '');
  const ratio = /^([\d.]+)× bare (?:express )?\(middle half of \d+ rounds of turns: ([\d.]+)–([\d.]+)\)(.*)$/.exec(result);
  if (ratio) return `${ratio[1]}× (${ratio[2]}–${ratio[3]})${ratio[4]}`;
  return result.replace(/ in (\d+) packages/, ', $1 packages');
}

const runs = process.argv.slice(2).map(read);
if (runs.length === 0) {
  console.error('usage: node bench/table.js OUTPUT_OF_NPM_RUN_BENCH…');
  process.exit(2);
}
const out = [];
out.push(`| figure | target | ${runs.map((r) => `Node ${r.version.slice(1)}`).join(' | ')} |`);
out.push(`|---|---|${runs.map(() => '---|').join('')}`);
for (const [label, target, ours, theirs] of ROWS) {
  const cells = runs.map((run) => {
    const own = Array.isArray(ours) ? ours.map((p) => figure(run, p)).join(' / ') : figure(run, ours);
    const other = theirs && figure(run, theirs);
    return other ? `${own}; OTel ${other.replace(/ \(.*\)$/, '')}` : own;
  });
  out.push(`| ${label} | ${target} | ${cells.join(' | ')} |`);
}
console.log(out.join('\n'));

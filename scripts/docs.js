'use strict';
// `npm run docs`: writes the configuration table, generated from
// src/config-table.ts (what `tracing-agent config --markdown` prints), between
// the markers in README.md and docs/CONFIGURATION.md. `--check` changes
// nothing and exits with status 1 when a file is out of date. Reads the
// built dist/ (`npm run docs` builds first).
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const FILES = ['README.md', path.join('docs', 'CONFIGURATION.md')];
const BEGIN = '<!-- configuration table: generated from src/config-table.ts by `npm run docs`; edit it there -->';
const END = '<!-- end of the generated configuration table -->';

/** The text with its generated section replaced by table, or an error when the markers are missing. */
function withTable(text, table) {
  const begin = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  if (begin === -1 || end < begin) throw new Error(`the markers are missing: ${BEGIN} … ${END}`);
  return text.slice(0, begin + BEGIN.length) + '\n' + table + text.slice(end);
}

function main(args) {
  const check = args.includes('--check');
  const { markdownTable } = require(path.join(ROOT, 'dist', 'config-command'));
  const table = markdownTable();
  let stale = 0;
  for (const file of FILES) {
    const full = path.join(ROOT, file);
    const text = fs.readFileSync(full, 'utf8');
    const updated = withTable(text, table);
    if (updated === text) continue;
    stale++;
    if (check) console.log(`${file}: the configuration table is out of date (run npm run docs)`);
    else {
      fs.writeFileSync(full, updated);
      console.log(`${file}: configuration table updated`);
    }
  }
  return check && stale > 0 ? 1 : 0;
}

module.exports = { FILES, BEGIN, END, withTable };

if (require.main === module) process.exitCode = main(process.argv.slice(2));

// `tracing-agent config`: the configuration the agent would use in this
// environment — every variable it reads, the value in effect (or its default),
// and every warning, with secrets masked. `--markdown` prints the reference
// table generated from src/config-table.ts, which `npm run docs` writes into
// README.md and docs/CONFIGURATION.md (a test fails when they are stale).

import { describeExporter, describeSampler, readConfig, type Config, type ConfigEntry } from './config';
import { defaultText } from './config-reader';
import { VARIABLE_TABLE } from './config-table';
import { VERSION } from './version';

export interface VariableDoc {
  name: string;
  /** The documented default, as text. */
  default: string;
  secret: boolean;
  meaning: string;
}

/** Every variable the agent reads, in the order readConfig reads them, as the docs describe it (from src/config-table.ts). */
export const VARIABLES: readonly VariableDoc[] = VARIABLE_TABLE.rows.map((row) => ({
  name: row.name,
  default: defaultText(row),
  secret: row.secret === true,
  meaning: row.secret ? `${row.doc} Secret: shown as \`***\` wherever the agent prints it.` : row.doc,
}));

const USAGE = `usage: tracing-agent config [--json | --markdown] [--strict]

Prints the configuration the agent would use in this environment: every
variable it reads, the value in effect or its default, and each warning.
Secrets (header values, passwords, URL credentials) are masked.

  --json       the same as JSON
  --markdown   the reference table of every variable (docs/CONFIGURATION.md)
  --strict     exit with status 1 when there is any warning or error
`;

/** The reference table that README.md and docs/CONFIGURATION.md hold (`npm run docs` writes it there). */
export function markdownTable(): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  const lines = ['| Variable | Default | Meaning |', '|---|---|---|'];
  for (const v of VARIABLES) lines.push(`| \`${v.name}\` | ${cell(v.default)} | ${cell(v.meaning)} |`);
  return lines.join('\n') + '\n';
}

function summary(config: Config): Array<[string, string]> {
  return [
    ['service', config.serviceName],
    ['export', config.exporters.map((name) => describeExporter(config, name)).join(' + ') || 'none'],
    ['sampler', describeSampler(config)],
    ['propagators', config.propagators.join(',') || 'none'],
    ['hooks', config.hooks.join(',') || 'none'],
  ];
}

function jsonReport(config: Config, entries: ConfigEntry[]): string {
  return JSON.stringify(
    {
      version: VERSION,
      disabled: config.disabled,
      summary: Object.fromEntries(summary(config)),
      variables: entries.map((e) => ({
        name: e.name,
        value: e.effective,
        source: e.raw === undefined ? 'default' : e.isDefault ? 'default (value set)' : 'environment',
        ...(e.raw !== undefined ? { raw: e.raw } : {}),
        default: VARIABLES.find((v) => v.name === e.name)?.default,
      })),
      warnings: config.warnings,
      errors: config.errors,
    },
    null,
    2,
  );
}

function textReport(config: Config, entries: ConfigEntry[]): string {
  const out: string[] = [];
  out.push(`tracing-agent ${VERSION}: the configuration in this environment${config.disabled ? ' (OTEL_SDK_DISABLED=true: the agent is off)' : ''}`);
  out.push('');
  for (const [key, value] of summary(config)) out.push(`  ${key.padEnd(12)} ${value}`);
  out.push('');
  out.push('Variables (* = set in the environment):');
  const width = Math.max(...entries.map((e) => e.name.length));
  for (const e of entries) {
    const mark = e.raw === undefined ? ' ' : '*';
    let note = '';
    if (e.raw === undefined) note = '(default)';
    else if (e.isDefault && e.raw !== e.effective && !e.secret) note = `(default; set to ${JSON.stringify(e.raw)})`;
    out.push(`${mark} ${e.name.padEnd(width)}  ${e.effective}${note ? `  ${note}` : ''}`);
  }
  out.push('');
  if (config.errors.length > 0) {
    out.push(`Errors (${config.errors.length}):`);
    for (const e of config.errors) out.push(`  - ${e}`);
  }
  if (config.warnings.length === 0) out.push('No warnings.');
  else {
    out.push(`Warnings (${config.warnings.length}):`);
    for (const w of config.warnings) out.push(`  - ${w}`);
  }
  return out.join('\n') + '\n';
}

export function main(argv: string[], env: NodeJS.ProcessEnv = process.env): number {
  const flags = new Set(argv);
  for (const flag of flags) {
    if (!['--json', '--markdown', '--strict', '--help', '-h'].includes(flag)) {
      process.stderr.write(`tracing-agent config: unknown option ${flag}\n${USAGE}`);
      return 2;
    }
  }
  if (flags.has('--help') || flags.has('-h')) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (flags.has('--markdown')) {
    process.stdout.write(markdownTable());
    return 0;
  }
  const config = readConfig(env);
  process.stdout.write(flags.has('--json') ? jsonReport(config, config.entries) + '\n' : textReport(config, config.entries));
  return flags.has('--strict') && config.warnings.length + config.errors.length > 0 ? 1 : 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));

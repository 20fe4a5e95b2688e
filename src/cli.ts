// The `tracing-agent` command (bin/tracing-agent.js): `ui` runs the local
// trace viewer, `config` reports the agent's configuration.

const USAGE = `usage: tracing-agent <command> [options]

commands:
  ui       a local trace viewer: receives OTLP and Jaeger, shows traces in the browser
           (tracing-agent ui --help for its options)
  config   show the configuration the agent would use, read from the OTEL_* environment
           (tracing-agent config --help)

To trace an app, no command is needed: node --import tracing-agent/register app.js
`;

export async function run(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'ui':
      return (await import('./ui/cli')).main(rest);
    case 'config': {
      // Written separately (src/config-command.ts); loaded only when asked for.
      const mod = require('./config-command') as { main(argv: string[]): number | void | Promise<number | void> };
      const status = await mod.main(rest);
      return typeof status === 'number' ? status : 0;
    }
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(USAGE);
      return 0;
    case undefined:
      process.stderr.write(USAGE);
      return 2;
    default:
      process.stderr.write(`tracing-agent: unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
      return 2;
  }
}

if (require.main === module) {
  run(process.argv.slice(2)).then(
    (status) => {
      process.exitCode = status;
    },
    (err) => {
      process.stderr.write(`tracing-agent: ${(err as Error).stack || err}\n`);
      process.exitCode = 1;
    },
  );
}

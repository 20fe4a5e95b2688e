// The package's own version, for telemetry.distro.version and the exporters'
// User-Agent. The bundle has it inlined; unbundled modules read package.json.
declare const __TRACING_AGENT_VERSION__: string | undefined;

export const VERSION: string =
  typeof __TRACING_AGENT_VERSION__ === 'string' ? __TRACING_AGENT_VERSION__ : (require('../package.json') as { version: string }).version;

declare const __OTEL_API_VERSION__: string | undefined;

/** The version of the agent's own @opentelemetry/api (the one its SDK calls). */
export const OWN_API_VERSION: string =
  typeof __OTEL_API_VERSION__ === 'string'
    ? __OTEL_API_VERSION__
    : (
        JSON.parse(
          require('node:fs').readFileSync(require('node:path').join(__dirname, '..', 'node_modules', '@opentelemetry', 'api', 'package.json'), 'utf8'),
        ) as { version: string }
      ).version;

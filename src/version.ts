// The package's own version, for telemetry.distro.version and the exporters'
// User-Agent. The bundle has it inlined; unbundled modules read package.json.
declare const __TRACING_AGENT_VERSION__: string | undefined;

export const VERSION: string =
  typeof __TRACING_AGENT_VERSION__ === 'string' ? __TRACING_AGENT_VERSION__ : (require('../package.json') as { version: string }).version;

// The package's own version, for telemetry.distro.version and the exporters' User-Agent.
export const VERSION: string = (require('../package.json') as { version: string }).version;

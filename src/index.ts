// The programmatic API, for apps and CLIs that want to control the agent.
export { start, flush, shutdown, type StartResult } from './agent';
export type { Config } from './config';

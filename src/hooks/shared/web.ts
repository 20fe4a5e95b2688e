// What the web framework integrations share beyond http.ts's setRoute and
// recordServerError: the optional INTERNAL spans for middleware and route
// handlers (TRACING_AGENT_MIDDLEWARE_SPANS=true), named as the OpenTelemetry
// instrumentations name them: `middleware - <name>`, `request handler - <route>`.

import { agentConfig } from '../../provider';

/** Whether to make middleware and handler spans (read when a framework loads: the config is set by then). */
export function middlewareSpansEnabled(): boolean {
  return agentConfig()?.middlewareSpans === true;
}

/** `middleware - <the function's name>`; a bound function by the name of what it binds. */
export function middlewareSpanName(name: string | undefined): string {
  const own = name?.startsWith('bound ') ? name.slice(6) : name;
  return `middleware - ${own || '<anonymous>'}`;
}

export function handlerSpanName(route: string | undefined): string {
  return route === undefined ? 'request handler' : `request handler - ${route}`;
}

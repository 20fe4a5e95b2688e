// Small pieces every hook uses.

import type { Span } from '@opentelemetry/api';
import { log } from '../log';

export const SPAN_KIND_SERVER = 1;
export const SPAN_KIND_CLIENT = 2;
export const STATUS_ERROR = 2;

/** Records an error on a span the way every hook does: exception event, error.type, ERROR status. */
export function recordError(span: Span, err: unknown): void {
  const e = err as { code?: unknown; name?: string; message?: string } | undefined;
  const type = typeof e?.code === 'string' ? e.code : e?.name ?? 'Error';
  try {
    if (err instanceof Error) span.recordException(err);
    span.setAttribute('error.type', type);
    span.setStatus({ code: STATUS_ERROR, message: e?.message ?? String(err) });
  } catch {
    // a span that refuses attributes must not break the app
  }
}

/**
 * Turns a hook's own failure into one log line and switches that hook off:
 * the app keeps running on the original functions.
 */
export class HookGuard {
  enabled = true;

  constructor(private readonly name: string) {}

  fail(err: unknown): void {
    if (!this.enabled) return;
    this.enabled = false;
    log.warn(`hook ${this.name} failed and is now off: ${(err as Error)?.stack ?? String(err)}`);
  }
}

// Prints each span as one JSON line on stdout, for a quick look without a backend.

import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { SpanListBatch } from './span-list';
import type { ExportBatch, Exporter, SpanListExporter } from './types';

const KIND = ['INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];
const STATUS = ['UNSET', 'OK', 'ERROR'];

function hrToMicros(t: [number, number]): number {
  return t[0] * 1e6 + Math.round(t[1] / 1e3);
}

export function formatSpan(span: ReadableSpan): string {
  const sc = span.spanContext();
  return JSON.stringify({
    traceId: sc.traceId,
    spanId: sc.spanId,
    parentSpanId: span.parentSpanContext?.spanId,
    name: span.name,
    kind: KIND[span.kind],
    service: span.resource.attributes['service.name'],
    scope: span.instrumentationScope.name,
    startMicros: hrToMicros(span.startTime),
    durationMicros: hrToMicros(span.duration),
    status: span.status.message ? { code: STATUS[span.status.code], message: span.status.message } : STATUS[span.status.code],
    attributes: span.attributes,
    events: span.events.length ? span.events.map((e) => ({ name: e.name, attributes: e.attributes })) : undefined,
  });
}

export class ConsoleExporter implements Exporter, SpanListExporter {
  readonly description = 'console (stdout)';

  newBatch(): ExportBatch {
    return new SpanListBatch(this);
  }

  async sendSpans(spans: ReadableSpan[]): Promise<boolean> {
    return this.sendSpansWithin(spans);
  }

  sendSpansWithin(spans: ReadableSpan[]): boolean {
    try {
      require('node:fs').writeSync(1, spans.map(formatSpan).join('\n') + '\n');
      return true;
    } catch {
      return false;
    }
  }
}

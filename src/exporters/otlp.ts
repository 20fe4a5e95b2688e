// OTLP/HTTP trace exporter: http/protobuf (default) or http/json, optional gzip.
//
// http/protobuf encodes each span as it ends (a batch waiting is bytes, see
// otlp-proto.ts); http/json encodes a batch when it is sent, from the span objects.

import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { gzip, gzipSync } from 'node:zlib';
import { maskUrl, type Config } from '../config';
import { countDropped, exportWorked } from '../drops';
import { VERSION } from '../version';
import type { ProtoBatch } from './otlp-proto';
import { post, postSync, type PostResult } from './post';
import { giveBack } from './proto-writer';
import { deliver, type Deliverable } from './retry';
import { SpanListBatch } from './span-list';
import type { ExportBatch, Exporter, SpanListExporter } from './types';

export class OtlpExporter implements Exporter, SpanListExporter {
  readonly description: string;
  private readonly headers: Record<string, string>;
  /** The collector as logs name it (a password in the URL masked). */
  private readonly target: string;
  private readonly json: boolean;

  constructor(
    private readonly config: Config['otlp'],
    /** How long one batch may take, retries included (OTEL_BSP_EXPORT_TIMEOUT). */
    private readonly exportTimeoutMs: number,
  ) {
    this.json = config.protocol === 'http/json';
    this.target = `otlp ${maskUrl(config.endpoint)}`;
    this.description = `otlp ${config.protocol} ${maskUrl(config.endpoint)}`;
    this.headers = {
      ...config.headers,
      'content-type': this.json ? 'application/json' : 'application/x-protobuf',
      'user-agent': `tracing-agent/${VERSION}`,
    };
    if (config.compression === 'gzip') this.headers['content-encoding'] = 'gzip';
  }

  newBatch(): ExportBatch {
    return this.json ? new SpanListBatch(this) : new OtlpProtoBatch(this);
  }

  private encodeJson(spans: ReadableSpan[]): Uint8Array {
    const { encodeTraceRequestJson } = require('./otlp-json') as typeof import('./otlp-json');
    return Buffer.from(encodeTraceRequestJson(spans));
  }

  /** One attempt at sending an encoded request. */
  private async post(body: Uint8Array, timeoutMs: number): Promise<PostResult> {
    if (this.config.compression === 'gzip') {
      body = await new Promise<Uint8Array>((resolve, reject) => gzip(body, (err, out) => (err ? reject(err) : resolve(out))));
    }
    return post({ url: this.config.endpoint, headers: this.headers, body, timeoutMs });
  }

  /** Span objects: a 413 splits the spans and encodes each half anew. */
  private fromSpans(spans: ReadableSpan[]): Deliverable {
    const body = this.encodeJson(spans);
    return {
      count: spans.length,
      send: (timeoutMs) => this.post(body, timeoutMs),
      split: () => {
        const half = Math.floor(spans.length / 2);
        return [this.fromSpans(spans.slice(0, half)), this.fromSpans(spans.slice(half))];
      },
    };
  }

  /** An encoded protobuf request: a 413 cuts its bytes in two. */
  private fromEncoded(body: Uint8Array, count: number): Deliverable {
    return {
      count,
      send: (timeoutMs) => this.post(body, timeoutMs),
      split: () => {
        const { splitTraceRequest } = require('./otlp-split') as typeof import('./otlp-split');
        const halves = splitTraceRequest(body);
        return halves && [this.fromEncoded(halves[0].body, halves[0].count), this.fromEncoded(halves[1].body, halves[1].count)];
      },
    };
  }

  sendSpans(spans: ReadableSpan[]): Promise<boolean> {
    return deliver(this.fromSpans(spans), Date.now() + this.exportTimeoutMs, this.config.timeoutMs, this.target);
  }

  sendSpansWithin(spans: ReadableSpan[], budgetMs: number): boolean {
    return this.sendEncodedWithin(this.encodeJson(spans), spans.length, budgetMs);
  }

  sendEncoded(body: Uint8Array, count: number): Promise<boolean> {
    return deliver(this.fromEncoded(body, count), Date.now() + this.exportTimeoutMs, this.config.timeoutMs, this.target);
  }

  /** The ending process: one attempt, within what is left of the exit budget. */
  sendEncodedWithin(body: Uint8Array, count: number, budgetMs: number): boolean {
    if (this.config.compression === 'gzip') body = gzipSync(body);
    const result = postSync({
      url: this.config.endpoint,
      headers: this.headers,
      body,
      timeoutMs: Math.min(budgetMs, this.config.timeoutMs),
    });
    if (result.ok) {
      exportWorked(this.target);
      return true;
    }
    const why = `${result.error ?? `HTTP ${result.status}`} from ${this.target} at exit`;
    countDropped(
      result.timedOut
        ? 'timeout'
        : result.status === 413
          ? 'too_large'
          : result.status !== undefined && result.status < 500 && result.status !== 429
            ? 'rejected'
            : 'unavailable',
      count,
      why,
    );
    return false;
  }
}

function newProtoBatch(): ProtoBatch {
  const { ProtoBatch } = require('./otlp-proto') as typeof import('./otlp-proto');
  return new ProtoBatch();
}

/** http/protobuf: each span encoded as it is added. */
class OtlpProtoBatch implements ExportBatch {
  private readonly request = newProtoBatch();
  private body: Uint8Array | undefined;
  private outcome: boolean | undefined;

  constructor(private readonly exporter: OtlpExporter) {}

  get count(): number {
    return this.request.count;
  }

  add(span: ReadableSpan): void {
    this.request.add(span);
  }

  seal(): void {
    this.body ??= this.request.finish();
  }

  async send(): Promise<boolean> {
    this.seal();
    this.outcome = await this.exporter.sendEncoded(this.body!, this.count);
    // Sent (or given up): nothing reads these bytes again, not even the exit path (it sees the outcome).
    giveBack(this.body!);
    return this.outcome;
  }

  sendWithin(budgetMs: number): boolean {
    if (this.outcome !== undefined) return this.outcome;
    this.seal();
    return this.exporter.sendEncodedWithin(this.body!, this.count, budgetMs);
  }
}

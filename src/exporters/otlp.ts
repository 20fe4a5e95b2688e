// OTLP/HTTP trace exporter: http/protobuf (default) or http/json, optional gzip.

import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { gzip, gzipSync } from 'node:zlib';
import { maskUrl, type Config } from '../config';
import { countDropped, exportWorked } from '../drops';
import { VERSION } from '../version';
import { post, postSync, type PostResult } from './post';
import { deliver, type Deliverable } from './retry';
import type { EncodingBatch, Exporter } from './types';

function newProtoBatch(): EncodingBatch {
  const { ProtoBatch } = require('./otlp-proto') as typeof import('./otlp-proto');
  return new ProtoBatch();
}

export class OtlpExporter implements Exporter {
  readonly description: string;
  readonly createBatch: (() => EncodingBatch) | undefined;
  private readonly headers: Record<string, string>;
  /** The collector as logs name it (a password in the URL masked). */
  private readonly target: string;

  constructor(
    private readonly config: Config['otlp'],
    /** How long one batch may take, retries included (OTEL_BSP_EXPORT_TIMEOUT). */
    private readonly exportTimeoutMs: number,
  ) {
    this.target = `otlp ${maskUrl(config.endpoint)}`;
    this.description = `otlp ${config.protocol} ${maskUrl(config.endpoint)}`;
    // http/protobuf encodes spans as they end; http/json per batch, from the span objects.
    this.createBatch = config.protocol === 'http/json' ? undefined : newProtoBatch;
    this.headers = {
      ...config.headers,
      'content-type': config.protocol === 'http/json' ? 'application/json' : 'application/x-protobuf',
      'user-agent': `tracing-agent/${VERSION}`,
    };
    if (config.compression === 'gzip') this.headers['content-encoding'] = 'gzip';
  }

  private encode(spans: ReadableSpan[]): Uint8Array {
    if (this.config.protocol === 'http/json') {
      const { encodeTraceRequestJson } = require('./otlp-json') as typeof import('./otlp-json');
      return Buffer.from(encodeTraceRequestJson(spans));
    }
    const { encodeTraceRequest } = require('./otlp-proto') as typeof import('./otlp-proto');
    return encodeTraceRequest(spans);
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
    const body = this.encode(spans);
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
        if (this.config.protocol === 'http/json') return undefined;
        const { splitTraceRequest } = require('./otlp-split') as typeof import('./otlp-split');
        const halves = splitTraceRequest(body);
        return halves && [this.fromEncoded(halves[0].body, halves[0].count), this.fromEncoded(halves[1].body, halves[1].count)];
      },
    };
  }

  async send(spans: ReadableSpan[]): Promise<boolean> {
    return deliver(this.fromSpans(spans), Date.now() + this.exportTimeoutMs, this.config.timeoutMs, this.target);
  }

  sendSync(spans: ReadableSpan[], budgetMs: number): boolean {
    return this.sendEncodedSync(this.encode(spans), spans.length, budgetMs);
  }

  async sendEncoded(body: Uint8Array, count: number): Promise<boolean> {
    return deliver(this.fromEncoded(body, count), Date.now() + this.exportTimeoutMs, this.config.timeoutMs, this.target);
  }

  releaseEncoded(body: Uint8Array): void {
    if (this.createBatch !== undefined) (require('./otlp-proto') as typeof import('./otlp-proto')).releaseRequest(body);
  }

  /** The ending process: one attempt, within what is left of the exit budget. */
  sendEncodedSync(body: Uint8Array, count: number, budgetMs: number): boolean {
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

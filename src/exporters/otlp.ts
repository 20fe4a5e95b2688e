// OTLP/HTTP trace exporter: http/protobuf (default) or http/json, optional gzip.

import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { gzip, gzipSync } from 'node:zlib';
import type { Config } from '../config';
import { log } from '../log';
import { VERSION } from '../version';
import { post, postSync, type PostResult } from './post';
import type { EncodingBatch, Exporter } from './types';

function newProtoBatch(): EncodingBatch {
  const { ProtoBatch } = require('./otlp-proto') as typeof import('./otlp-proto');
  return new ProtoBatch();
}

export class OtlpExporter implements Exporter {
  readonly description: string;
  readonly createBatch: (() => EncodingBatch) | undefined;
  private readonly headers: Record<string, string>;
  private failures = 0;

  constructor(private readonly config: Config['otlp']) {
    this.description = `otlp ${config.protocol} ${config.endpoint}`;
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

  async send(spans: ReadableSpan[]): Promise<boolean> {
    return this.sendEncoded(this.encode(spans), spans.length);
  }

  sendSync(spans: ReadableSpan[], budgetMs: number): boolean {
    return this.sendEncodedSync(this.encode(spans), spans.length, budgetMs);
  }

  async sendEncoded(body: Uint8Array, count: number): Promise<boolean> {
    if (this.config.compression === 'gzip') {
      body = await new Promise<Uint8Array>((resolve, reject) => gzip(body, (err, out) => (err ? reject(err) : resolve(out))));
    }
    const result = await post({ url: this.config.endpoint, headers: this.headers, body, timeoutMs: this.config.timeoutMs });
    return this.report(result, count);
  }

  releaseEncoded(body: Uint8Array): void {
    if (this.createBatch !== undefined) (require('./otlp-proto') as typeof import('./otlp-proto')).releaseRequest(body);
  }

  sendEncodedSync(body: Uint8Array, count: number, budgetMs: number): boolean {
    if (this.config.compression === 'gzip') body = gzipSync(body);
    const result = postSync({
      url: this.config.endpoint,
      headers: this.headers,
      body,
      timeoutMs: Math.min(budgetMs, this.config.timeoutMs),
    });
    return this.report(result, count);
  }

  private report(result: PostResult, count: number): boolean {
    if (result.ok) {
      if (this.failures > 0) log.info(`otlp export to ${this.config.endpoint} works again`);
      this.failures = 0;
      return true;
    }
    this.failures++;
    // One line when a run of failures starts, then one per thousand, so a down collector cannot flood stderr.
    if (this.failures === 1 || this.failures % 1000 === 0)
      log.warn(`otlp export to ${this.config.endpoint} failed (${result.error}); ${count} spans dropped`);
    return false;
  }
}

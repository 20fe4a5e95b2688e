// Jaeger exporter: Thrift binary to a Jaeger agent over UDP (Agent.emitBatch,
// default localhost:6832) or to a collector over HTTP (a Batch POSTed to
// /api/traces). The encoding is our own (jaeger-thrift.ts): small, loaded only
// when this exporter is configured, and right about process tags and scope.

import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { Attributes } from '@opentelemetry/api';
import { maskUrl, type Config } from '../config';
import { log } from '../log';
import { VERSION } from '../version';
import { beginBatch, emitBatchMessage, emitBatchOverhead, encodeProcess, encodeSpan, endBatch, ThriftWriter, type Shortening } from './jaeger-thrift';
import { countDropped, exportWorked } from '../drops';
import { post, postSync, type PostResult } from './post';
import { deliver, type Deliverable } from './retry';
import { SpanListBatch } from './span-list';
import type { ExportBatch, Exporter, SpanListExporter } from './types';
import { sendUdpSync, UdpSender, type UdpResult } from './udp';

/** The most a Jaeger agent reads from one datagram (its default max packet size). */
export const UDP_PACKET_LIMIT = 65000;

/** Tried in turn for a span too big for one datagram; past the last, it is dropped (and counted). */
const SHORTENINGS: Shortening[] = [
  { maxStringLength: 1024, maxLogs: 128, maxTags: Infinity },
  { maxStringLength: 128, maxLogs: 16, maxTags: 128 },
  { maxStringLength: 64, maxLogs: 0, maxTags: 32 },
];

/** Batch per resource: Jaeger has one Process per batch. */
function byResource(spans: ReadableSpan[]): Map<ReadableSpan['resource'], ReadableSpan[]> {
  const groups = new Map<ReadableSpan['resource'], ReadableSpan[]>();
  for (const span of spans) {
    let list = groups.get(span.resource);
    if (list === undefined) groups.set(span.resource, (list = []));
    list.push(span);
  }
  return groups;
}

export class JaegerExporter implements Exporter, SpanListExporter {
  readonly description: string;
  private readonly udp: UdpSender | undefined;
  private readonly headers: Record<string, string> = {};
  private readonly processCache = new WeakMap<object, Buffer>();
  private readonly writer = new ThriftWriter(64 * 1024);
  private seqId = 0;
  /** Spans shortened / dropped because they did not fit a UDP datagram. */
  readonly stats = { shortened: 0, dropped: 0 };

  constructor(
    private readonly config: Config['jaeger'],
    private readonly serviceName: string,
    /** How long one batch may take over HTTP, retries included (OTEL_BSP_EXPORT_TIMEOUT). */
    private readonly exportTimeoutMs = 30000,
  ) {
    if (config.protocol === 'http/thrift.binary') {
      this.description = `jaeger http/thrift.binary ${maskUrl(config.endpoint)}`;
      this.headers['content-type'] = 'application/x-thrift';
      this.headers['user-agent'] = `tracing-agent/${VERSION}`;
      if (config.user !== undefined) {
        this.headers.authorization = `Basic ${Buffer.from(`${config.user}:${config.password ?? ''}`).toString('base64')}`;
      }
    } else {
      this.description = `jaeger udp/thrift.binary ${config.agentHost}:${config.agentPort}`;
      this.udp = new UdpSender(config.agentHost, config.agentPort);
    }
  }

  newBatch(): ExportBatch {
    return new SpanListBatch(this);
  }

  /** The collector or agent as lines name it (a password in the URL masked). */
  private target(): string {
    return `jaeger ${this.udp ? `${this.config.agentHost}:${this.config.agentPort}` : maskUrl(this.config.endpoint)}`;
  }

  private process(resource: ReadableSpan['resource']): Buffer {
    let encoded = this.processCache.get(resource);
    if (encoded === undefined) {
      const attributes = resource.attributes as Attributes;
      const name = attributes['service.name'];
      const w = new ThriftWriter(1024);
      encodeProcess(w, typeof name === 'string' && name !== '' ? name : this.serviceName, attributes);
      encoded = w.copy();
      if (this.udp && emitBatchOverhead(encoded.length) > UDP_PACKET_LIMIT / 2) {
        // Enormous resource attributes: keep the process small enough to leave room for spans.
        const short = new ThriftWriter(1024);
        encodeProcess(short, typeof name === 'string' && name !== '' ? name : this.serviceName, attributes, SHORTENINGS[1]);
        encoded = short.copy();
        log.warn(`jaeger: the resource attributes take ${w.pos} bytes, too many for a UDP packet; their values were shortened`);
      }
      this.processCache.set(resource, encoded);
    }
    return encoded;
  }

  /** Packs spans into datagrams of at most UDP_PACKET_LIMIT bytes, shortening or dropping the ones that never fit; `spanCounts` gets each datagram's span count. */
  packDatagrams(spans: ReadableSpan[], spanCounts: number[] = []): Buffer[] {
    const datagrams: Buffer[] = [];
    for (const [resource, list] of byResource(spans)) {
      const process = this.process(resource);
      const room = UDP_PACKET_LIMIT - emitBatchOverhead(process.length);
      // All spans into one buffer first (it may grow and move, so offsets, not views, until the end).
      const w = this.writer;
      w.pos = 0;
      const ends: number[] = [];
      const replaced = new Map<number, Buffer | undefined>();
      for (let i = 0; i < list.length; i++) {
        const start = w.pos;
        encodeSpan(w, list[i]);
        if (w.pos - start > room) {
          replaced.set(i, this.shorten(list[i], w.pos - start, room));
          w.pos = start;
        }
        ends.push(w.pos);
      }
      let current: Buffer[] = [];
      let size = 0;
      for (let i = 0; i < list.length; i++) {
        const encoded = replaced.has(i) ? replaced.get(i) : w.buf.subarray(i === 0 ? 0 : ends[i - 1], ends[i]);
        if (encoded === undefined) continue;
        if (size + encoded.length > room && current.length > 0) {
          spanCounts.push(current.length);
          datagrams.push(emitBatchMessage(process, current, this.seqId++));
          current = [];
          size = 0;
        }
        current.push(encoded);
        size += encoded.length;
      }
      if (current.length > 0) {
        spanCounts.push(current.length);
        datagrams.push(emitBatchMessage(process, current, this.seqId++));
      }
    }
    this.seqId &= 0x7fffffff;
    return datagrams;
  }

  private shorten(span: ReadableSpan, bytes: number, room: number): Buffer | undefined {
    const w = new ThriftWriter(room);
    for (const shortening of SHORTENINGS) {
      w.pos = 0;
      encodeSpan(w, span, shortening);
      if (w.pos <= room) {
        this.stats.shortened++;
        if (this.stats.shortened === 1 || this.stats.shortened % 1000 === 0)
          log.warn(
            `jaeger: span "${span.name}" took ${bytes} bytes, over the ${UDP_PACKET_LIMIT}-byte UDP packet limit; ` +
              `sent shortened (strings cut to ${shortening.maxStringLength} characters, at most ${shortening.maxLogs} logs), tagged tracing_agent.shortened ` +
              `(${this.stats.shortened} so far)`,
          );
        return w.copy();
      }
    }
    this.stats.dropped++;
    countDropped(
      'too_large',
      1,
      `a span of ${bytes} bytes does not fit a ${UDP_PACKET_LIMIT}-byte UDP packet even shortened; OTEL_EXPORTER_JAEGER_ENDPOINT sends to the HTTP collector, which has no such limit`,
    );
    return undefined;
  }

  /** One Batch struct (one resource's spans), for the collector. */
  private body(resource: ReadableSpan['resource'], list: ReadableSpan[]): Buffer {
    const w = this.writer;
    w.pos = 0;
    beginBatch(w, this.process(resource), list.length);
    for (const span of list) encodeSpan(w, span);
    endBatch(w);
    return w.copy();
  }

  async sendSpans(spans: ReadableSpan[]): Promise<boolean> {
    try {
      if (this.udp) {
        const counts: number[] = [];
        const datagrams = this.packDatagrams(spans, counts);
        return this.reportUdp(await this.udp.send(datagrams), counts);
      }
      const deadline = Date.now() + this.exportTimeoutMs;
      let ok = true;
      for (const [resource, list] of byResource(spans)) {
        ok = (await deliver(this.deliverable(resource, list), deadline, this.config.timeoutMs, this.target())) && ok;
      }
      return ok;
    } catch (err) {
      countDropped('failed', spans.length, `jaeger: cannot encode spans: ${(err as Error).message}`);
      return false;
    }
  }

  /** The spans of one resource as one Batch for the collector; a 413 splits them. */
  private deliverable(resource: ReadableSpan['resource'], list: ReadableSpan[]): Deliverable {
    const body = this.body(resource, list);
    return {
      count: list.length,
      send: (timeoutMs) => post({ url: this.config.endpoint, headers: this.headers, body, timeoutMs }),
      split: () => {
        const half = Math.floor(list.length / 2);
        return [this.deliverable(resource, list.slice(0, half)), this.deliverable(resource, list.slice(half))];
      },
    };
  }

  sendSpansWithin(spans: ReadableSpan[], budgetMs: number): boolean {
    try {
      const deadline = Date.now() + budgetMs;
      if (this.udp) {
        const counts: number[] = [];
        const datagrams = this.packDatagrams(spans, counts);
        if (datagrams.length === 0) return true;
        return this.reportUdp(sendUdpSync(this.config.agentHost, this.config.agentPort, datagrams, budgetMs), counts);
      }
      let ok = true;
      for (const [resource, list] of byResource(spans)) {
        const left = deadline - Date.now();
        const result: PostResult =
          left > 0
            ? postSync({ url: this.config.endpoint, headers: this.headers, body: this.body(resource, list), timeoutMs: Math.min(left, this.config.timeoutMs) })
            : { ok: false, error: 'no time left', timedOut: true };
        if (result.ok) exportWorked(this.target());
        else {
          ok = false;
          countDropped(result.timedOut ? 'timeout' : 'unavailable', list.length, `${result.error ?? `HTTP ${result.status}`} from ${this.target()} at exit`);
        }
      }
      return ok;
    } catch (err) {
      countDropped('failed', spans.length, `jaeger: cannot encode spans: ${(err as Error).message}`);
      return false;
    }
  }

  /** Datagrams the kernel did not take (send errors: an unknown host, no route, too large) are counted with their spans. */
  private reportUdp(result: UdpResult, counts: number[]): boolean {
    if (result.sent === counts.length) {
      if (counts.length > 0) exportWorked(this.target());
      return true;
    }
    let lost = 0;
    for (const i of result.failed ?? []) lost += counts[i] ?? 0;
    if (result.failed === undefined) for (let i = result.sent; i < counts.length; i++) lost += counts[i];
    countDropped('unavailable', lost, `${result.error ?? 'not sent'} sending UDP to ${this.target()}`);
    return false;
  }
}

export function createJaegerExporter(config: Config): Exporter {
  return new JaegerExporter(config.jaeger, config.serviceName, config.batch.exportTimeoutMs);
}

// The viewer's memory: traces keyed by id, each a map of its spans, merged
// however and in whatever order they arrive (a span seen twice is replaced,
// not doubled). Bounded: beyond `maxTraces` the trace received first is
// dropped. With a data file every accepted batch is appended to it as one
// JSON line, replayed at startup, and the file is rewritten compactly
// (only what the store still holds) at startup, when it has grown well past
// that, and at close.
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type Batch, type Process, type Span, spanKind } from './model';

export interface StoreOptions {
  maxTraces: number;
  /** spans kept per trace; later ones are counted and dropped */
  maxSpansPerTrace?: number;
  dataFile?: string;
}

export interface Trace {
  id: string;
  spans: Map<string, Span>;
  /** µs: the earliest span start and the latest span end */
  start: number;
  end: number;
  /** bumped whenever a span is added, for the page's live refresh */
  version: number;
}

export interface StoreStats {
  traces: number;
  spans: number;
  received: number;
  evicted: number;
  droppedSpans: number;
}

type Persisted = { process: Process; spans: Array<Omit<Span, 'process'>> };

export class Store extends EventEmitter {
  readonly maxTraces: number;
  readonly maxSpansPerTrace: number;
  private readonly traces = new Map<string, Trace>();
  /** service → operation → span kinds seen; kept after eviction, as Jaeger does */
  private readonly operationIndex = new Map<string, Map<string, Set<string>>>();
  private readonly processes = new Map<string, Process>();
  private spanCount = 0;
  private received = 0;
  private evicted = 0;
  private droppedSpans = 0;
  private version = 0;
  private dataFd: number | undefined;
  private dataBytes = 0;
  private compactBytes = 0;
  readonly dataFile: string | undefined;

  constructor(options: StoreOptions) {
    super();
    this.maxTraces = Math.max(1, options.maxTraces);
    this.maxSpansPerTrace = Math.max(1, options.maxSpansPerTrace ?? 10000);
    this.dataFile = options.dataFile ? path.resolve(options.dataFile) : undefined;
    if (this.dataFile) this.load(this.dataFile);
  }

  /** Adds decoded batches; returns the ids of the traces that changed. */
  add(batches: Batch[]): string[] {
    const touched = this.insert(batches);
    if (this.dataFd !== undefined && touched.length) {
      let text = '';
      for (const b of batches) if (b.spans.length) text += persistLine(b.process, b.spans);
      this.append(text);
    }
    if (touched.length) this.emit('update', touched);
    return touched;
  }

  private insert(batches: Batch[]): string[] {
    const touched = new Set<string>();
    for (const batch of batches) {
      const process = this.intern(batch.process);
      for (const span of batch.spans) {
        span.process = process;
        this.received++;
        let trace = this.traces.get(span.traceID);
        if (!trace) {
          trace = { id: span.traceID, spans: new Map(), start: span.startTime, end: span.startTime + span.duration, version: 0 };
          this.traces.set(span.traceID, trace);
          if (this.traces.size > this.maxTraces) this.evictOldest();
        }
        if (!trace.spans.has(span.spanID)) {
          if (trace.spans.size >= this.maxSpansPerTrace) {
            this.droppedSpans++;
            continue;
          }
          this.spanCount++;
        }
        trace.spans.set(span.spanID, span);
        trace.start = Math.min(trace.start, span.startTime);
        trace.end = Math.max(trace.end, span.startTime + span.duration);
        trace.version = ++this.version;
        touched.add(trace.id);
        this.index(span);
      }
    }
    return [...touched];
  }

  private evictOldest(): void {
    const oldest = this.traces.keys().next().value as string;
    const trace = this.traces.get(oldest)!;
    this.spanCount -= trace.spans.size;
    this.traces.delete(oldest);
    this.evicted++;
  }

  private index(span: Span): void {
    const service = span.process.serviceName;
    let ops = this.operationIndex.get(service);
    if (!ops) this.operationIndex.set(service, (ops = new Map()));
    let kinds = ops.get(span.operationName);
    if (!kinds) ops.set(span.operationName, (kinds = new Set()));
    kinds.add(spanKind(span));
  }

  /** One shared object per distinct process, so thousands of spans do not each carry a copy. */
  private intern(p: Process): Process {
    const key = p.serviceName + '\0' + JSON.stringify(p.tags);
    let existing = this.processes.get(key);
    if (!existing) {
      if (this.processes.size > 10000) this.processes.clear();
      this.processes.set(key, (existing = p));
    }
    return existing;
  }

  get(id: string): Trace | undefined {
    return this.traces.get(id);
  }

  /** Every trace, the most recently started first. */
  all(): Trace[] {
    return [...this.traces.values()].sort((a, b) => b.start - a.start);
  }

  services(): string[] {
    return [...this.operationIndex.keys()].sort();
  }

  operations(service: string): Array<{ name: string; spanKind: string }> {
    const out: Array<{ name: string; spanKind: string }> = [];
    for (const [name, kinds] of this.operationIndex.get(service) || []) for (const kind of kinds) out.push({ name, spanKind: kind });
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.spanKind < b.spanKind ? -1 : 1));
  }

  stats(): StoreStats {
    return { traces: this.traces.size, spans: this.spanCount, received: this.received, evicted: this.evicted, droppedSpans: this.droppedSpans };
  }

  get lastVersion(): number {
    return this.version;
  }

  // -------------------------------------------------------------- persistence

  private load(file: string): void {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    let text = '';
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    let bad = 0;
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try {
        const entry = JSON.parse(line) as Persisted;
        const process = entry.process;
        if (!process || typeof process.serviceName !== 'string' || !Array.isArray(process.tags) || !Array.isArray(entry.spans)) throw new Error('not a batch');
        const spans = entry.spans.filter(wellFormed).map((s) => ({ ...s, process }));
        if (spans.length !== entry.spans.length) bad++;
        this.insert([{ process, spans }]);
      } catch {
        bad++;
      }
    }
    if (bad) process.stderr.write(`tracing-agent ui: ${bad} unreadable line(s) in ${file} skipped\n`);
    this.compact();
  }

  /** Rewrites the data file with exactly what the store holds (via a temporary file and a rename). */
  private compact(): void {
    const file = this.dataFile!;
    if (this.dataFd !== undefined) fs.closeSync(this.dataFd);
    const tmp = `${file}.${process.pid}.tmp`;
    const fd = fs.openSync(tmp, 'w');
    let bytes = 0;
    try {
      for (const trace of this.traces.values()) {
        const byProcess = new Map<Process, Span[]>();
        for (const span of trace.spans.values()) {
          const list = byProcess.get(span.process);
          if (list) list.push(span);
          else byProcess.set(span.process, [span]);
        }
        for (const [p, spans] of byProcess) bytes += fs.writeSync(fd, persistLine(p, spans));
      }
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
    this.dataFd = fs.openSync(file, 'a');
    this.dataBytes = this.compactBytes = bytes;
  }

  private append(text: string): void {
    try {
      this.dataBytes += fs.writeSync(this.dataFd!, text);
      if (this.dataBytes > 4 * this.compactBytes + 16 * 1024 * 1024) this.compact();
    } catch (err) {
      process.stderr.write(`tracing-agent ui: cannot write ${this.dataFile}: ${(err as Error).message}; no longer persisting\n`);
      try {
        fs.closeSync(this.dataFd!);
      } catch {
        // already unusable
      }
      this.dataFd = undefined;
    }
  }

  close(): void {
    if (this.dataFd === undefined) return;
    try {
      this.compact();
    } catch (err) {
      process.stderr.write(`tracing-agent ui: cannot rewrite ${this.dataFile}: ${(err as Error).message}\n`);
    }
    if (this.dataFd !== undefined) fs.closeSync(this.dataFd);
    this.dataFd = undefined;
  }
}

function wellFormed(s: Omit<Span, 'process'>): boolean {
  return (
    typeof s === 'object' &&
    s !== null &&
    typeof s.traceID === 'string' &&
    /^[0-9a-f]{32}$/.test(s.traceID) &&
    typeof s.spanID === 'string' &&
    typeof s.operationName === 'string' &&
    Number.isFinite(s.startTime) &&
    Number.isFinite(s.duration) &&
    Array.isArray(s.tags) &&
    Array.isArray(s.logs) &&
    Array.isArray(s.references)
  );
}

function persistLine(process: Process, spans: Span[]): string {
  return JSON.stringify({ process, spans: spans.map(({ process: _p, ...rest }) => rest) }) + '\n';
}


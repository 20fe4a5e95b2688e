// The viewer's memory: traces keyed by id, each a map of its spans, merged
// however and in whatever order they arrive (a span seen twice is replaced,
// not doubled). Bounded by the estimated size of what it keeps (`maxBytes`,
// see limits.ts) and by `maxTraces`: past either, the trace received first is
// dropped, with its entries in the service and operation lists. One trace
// takes at most a quarter of the bytes and `maxSpansPerTrace` spans; spans
// past that are refused and counted. With a data file every accepted batch is
// appended to it as one JSON line, replayed at startup (read line by line),
// and the file is rewritten compactly (only what the store still holds, the
// newest first when it must be cut to `maxDataBytes`) at startup, when it has
// grown well past that, and at close.
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { processBytes, spanBytes, Trimmed } from './limits';
import { type Batch, type Process, type Span, spanKind } from './model';

export interface StoreOptions {
  maxTraces: number;
  /** estimated bytes of spans kept (see limits.ts); the oldest traces go first past it */
  maxBytes?: number;
  /** the data file's largest size: compaction keeps the newest traces that fit */
  maxDataBytes?: number;
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
  /** estimated bytes of its spans and of each process they name */
  bytes: number;
  processes: Set<Process>;
}

export interface StoreStats {
  traces: number;
  spans: number;
  /** estimated bytes kept, and the most it keeps */
  bytes: number;
  maxBytes: number;
  received: number;
  evicted: number;
  droppedSpans: number;
}

type Persisted = { process: Process; spans: Array<Omit<Span, 'process'>> };

export class Store extends EventEmitter {
  readonly maxTraces: number;
  readonly maxSpansPerTrace: number;
  readonly maxBytes: number;
  readonly maxDataBytes: number;
  private readonly traces = new Map<string, Trace>();
  /** service → operation → span kind → how many kept spans have it: entries go with their traces */
  private readonly operationIndex = new Map<string, Map<string, Map<string, number>>>();
  private readonly processes = new Map<string, Process>();
  private processesBytes = 0;
  private spanCount = 0;
  private bytes = 0;
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
    this.maxBytes = Math.max(1024 * 1024, options.maxBytes ?? Infinity);
    this.maxDataBytes = Math.max(1024 * 1024, options.maxDataBytes ?? Infinity);
    this.dataFile = options.dataFile ? path.resolve(options.dataFile) : undefined;
    if (this.dataFile) this.load(this.dataFile);
  }

  /** Adds decoded batches; returns the ids of the traces that changed. Spans refused are counted in `trimmed`. */
  add(batches: Batch[], trimmed: Trimmed = new Trimmed()): string[] {
    const touched = new Set<string>();
    for (const batch of batches) this.insertBatch(batch, 0, batch.spans.length, touched, trimmed);
    return this.finish(batches, touched);
  }

  /** add(), a slice of spans at a time: `pause` lets other work (queries) run in between. */
  async addInSlices(batches: Batch[], trimmed: Trimmed, pause: () => Promise<void> | undefined, slice = 500): Promise<string[]> {
    const touched = new Set<string>();
    for (const batch of batches) {
      for (let from = 0; from < batch.spans.length; from += slice) {
        await pause();
        this.insertBatch(batch, from, Math.min(batch.spans.length, from + slice), touched, trimmed);
      }
    }
    return this.finish(batches, touched);
  }

  private finish(batches: Batch[], touched: Set<string>): string[] {
    const ids = [...touched];
    if (this.dataFd !== undefined && ids.length) {
      // Only what was kept: a trace already evicted again is not written.
      for (const b of batches) {
        const kept = b.spans.filter((span) => this.traces.get(span.traceID)?.spans.get(span.spanID) === span);
        if (kept.length) this.append(persistLine(b.process, kept));
      }
    }
    if (ids.length) this.emit('update', ids);
    return ids;
  }

  private insertBatch(batch: Batch, from: number, to: number, touched: Set<string>, trimmed: Trimmed): void {
    const process = this.intern(batch.process);
    const perTrace = this.maxBytes / 4;
    for (let i = from; i < to; i++) {
      const span = batch.spans[i];
      span.process = process;
      this.received++;
      let trace = this.traces.get(span.traceID);
      if (!trace) {
        trace = { id: span.traceID, spans: new Map(), start: span.startTime, end: span.startTime + span.duration, version: 0, bytes: 0, processes: new Set() };
        this.traces.set(span.traceID, trace);
      }
      const previous = trace.spans.get(span.spanID);
      const size = spanBytes(span) + (trace.processes.has(process) ? 0 : processBytes(process));
      if (previous === undefined && (trace.spans.size >= this.maxSpansPerTrace || trace.bytes + size > perTrace)) {
        this.droppedSpans++;
        trimmed.rejectSpans(
          1,
          trace.spans.size >= this.maxSpansPerTrace
            ? `a trace keeps at most ${this.maxSpansPerTrace} spans`
            : 'a trace keeps at most a quarter of --max-memory',
        );
        if (trace.spans.size === 0) this.traces.delete(trace.id);
        continue;
      }
      if (previous !== undefined) {
        this.unindex(previous);
        trace.bytes -= spanBytes(previous);
        this.bytes -= spanBytes(previous);
      } else this.spanCount++;
      if (!trace.processes.has(process)) trace.processes.add(process);
      trace.bytes += size;
      this.bytes += size;
      trace.spans.set(span.spanID, span);
      trace.start = Math.min(trace.start, span.startTime);
      trace.end = Math.max(trace.end, span.startTime + span.duration);
      trace.version = ++this.version;
      touched.add(trace.id);
      this.index(span);
      // The trace received first goes first (never the one being filled).
      while ((this.bytes > this.maxBytes || this.traces.size > this.maxTraces) && this.traces.size > 1) this.evictOldest(trace.id);
    }
  }

  private evictOldest(keep: string): void {
    let oldest: string | undefined;
    for (const id of this.traces.keys()) {
      if (id !== keep) {
        oldest = id;
        break;
      }
    }
    if (oldest === undefined) return;
    const trace = this.traces.get(oldest)!;
    this.spanCount -= trace.spans.size;
    this.bytes -= trace.bytes;
    for (const span of trace.spans.values()) this.unindex(span);
    this.traces.delete(oldest);
    this.evicted++;
  }

  private index(span: Span): void {
    const service = span.process.serviceName;
    let ops = this.operationIndex.get(service);
    if (!ops) this.operationIndex.set(service, (ops = new Map()));
    let kinds = ops.get(span.operationName);
    if (!kinds) ops.set(span.operationName, (kinds = new Map()));
    const kind = spanKind(span);
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  }

  private unindex(span: Span): void {
    const service = span.process.serviceName;
    const ops = this.operationIndex.get(service);
    const kinds = ops?.get(span.operationName);
    if (!ops || !kinds) return;
    const kind = spanKind(span);
    const count = (kinds.get(kind) ?? 0) - 1;
    if (count > 0) kinds.set(kind, count);
    else {
      kinds.delete(kind);
      if (kinds.size === 0) ops.delete(span.operationName);
      if (ops.size === 0) this.operationIndex.delete(service);
    }
  }

  /** One shared object per distinct process, so thousands of spans do not each carry a copy. */
  private intern(p: Process): Process {
    const key = p.serviceName + '\0' + JSON.stringify(p.tags);
    let existing = this.processes.get(key);
    if (!existing) {
      const size = processBytes(p);
      // The table itself is bounded too (spans keep the processes they use).
      if (this.processes.size >= 10000 || this.processesBytes + size > this.maxBytes / 16) {
        this.processes.clear();
        this.processesBytes = 0;
      }
      this.processes.set(key, (existing = p));
      this.processesBytes += size;
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
    for (const [name, kinds] of this.operationIndex.get(service) || []) for (const kind of kinds.keys()) out.push({ name, spanKind: kind });
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.spanKind < b.spanKind ? -1 : 1));
  }

  stats(): StoreStats {
    return {
      traces: this.traces.size,
      spans: this.spanCount,
      bytes: this.bytes,
      maxBytes: this.maxBytes,
      received: this.received,
      evicted: this.evicted,
      droppedSpans: this.droppedSpans,
    };
  }

  get lastVersion(): number {
    return this.version;
  }

  // -------------------------------------------------------------- persistence

  /**
   * Replays the data file line by line (never the whole file as one string):
   * lines that cannot be read are kept aside in FILE.unreadable, said once;
   * temporary files of a compaction that never finished (a kill -9) are removed.
   */
  private load(file: string): void {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    this.removeStaleTemporaries(file);
    let fd: number;
    try {
      fd = fs.openSync(file, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      this.compact();
      return;
    }
    let bad = 0;
    let aside: number | undefined;
    const keepAside = (line: Buffer[]) => {
      bad++;
      aside ??= fs.openSync(`${file}.unreadable`, 'a');
      for (const part of line) fs.writeSync(aside, part);
      fs.writeSync(aside, '\n');
    };
    const replay = (parts: Buffer[], length: number) => {
      if (length === 0) return;
      const text = (parts.length === 1 ? parts[0] : Buffer.concat(parts, length)).toString('utf8');
      if (!text.trim()) return;
      try {
        const entry = JSON.parse(text) as Persisted;
        const process = entry.process;
        if (!process || typeof process.serviceName !== 'string' || !Array.isArray(process.tags) || !Array.isArray(entry.spans)) throw new Error('not a batch');
        const spans = entry.spans.filter(wellFormed).map((sp) => ({ ...sp, process }));
        if (spans.length !== entry.spans.length) keepAside(parts);
        const touched = new Set<string>();
        this.insertBatch({ process, spans }, 0, spans.length, touched, new Trimmed());
      } catch {
        keepAside(parts);
      }
    };
    // A line too long to be one of the viewer's own goes aside piece by piece, never held whole.
    let line: Buffer[] = [];
    let lineLength = 0;
    let overflow = false;
    const onPiece = (piece: Buffer, endsLine: boolean) => {
      if (!overflow && lineLength + piece.length > MAX_LINE_BYTES) {
        overflow = true;
        aside ??= fs.openSync(`${file}.unreadable`, 'a');
        for (const part of line) fs.writeSync(aside, part);
        line = [];
      }
      if (overflow) fs.writeSync(aside!, piece);
      else line.push(piece);
      lineLength += piece.length;
      if (!endsLine) return;
      if (overflow) {
        fs.writeSync(aside!, '\n');
        bad++;
      } else replay(line, lineLength);
      line = [];
      lineLength = 0;
      overflow = false;
    };
    try {
      const chunk = Buffer.allocUnsafe(READ_CHUNK);
      for (;;) {
        const n = fs.readSync(fd, chunk, 0, chunk.length, null);
        if (n === 0) break;
        let start = 0;
        for (let nl = chunk.indexOf(10, 0); nl !== -1 && nl < n; nl = chunk.indexOf(10, start)) {
          onPiece(Buffer.from(chunk.subarray(start, nl)), true);
          start = nl + 1;
        }
        if (start < n) onPiece(Buffer.from(chunk.subarray(start, n)), false);
      }
      if (lineLength > 0) onPiece(Buffer.alloc(0), true);
    } finally {
      fs.closeSync(fd);
      if (aside !== undefined) fs.closeSync(aside);
    }
    if (bad) process.stderr.write(`tracing-agent ui: ${bad} unreadable line(s) in ${file} kept aside in ${file}.unreadable\n`);
    this.compact();
  }

  /** FILE.<pid>.tmp files of a compaction that did not finish: the viewer writing them is gone. */
  private removeStaleTemporaries(file: string): void {
    const dir = path.dirname(file);
    const base = path.basename(file);
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      const m = name.startsWith(`${base}.`) ? /^\.(\d+)\.tmp$/.exec(name.slice(base.length)) : null;
      if (!m || (Number(m[1]) !== process.pid && processAlive(Number(m[1])))) continue;
      try {
        fs.unlinkSync(path.join(dir, name));
      } catch {
        // gone already
      }
    }
  }

  /**
   * Rewrites the data file with what the store holds (via a temporary file and
   * a rename): the newest traces that fit in `maxDataBytes`, oldest first.
   */
  private compact(): void {
    const file = this.dataFile!;
    if (this.dataFd !== undefined) fs.closeSync(this.dataFd);
    this.dataFd = undefined;
    const tmp = `${file}.${process.pid}.tmp`;
    // Newest first, as many as fit; then written oldest first, as they arrived.
    const keep: string[][] = [];
    let bytes = 0;
    const traces = [...this.traces.values()];
    for (let i = traces.length - 1; i >= 0; i--) {
      const byProcess = new Map<Process, Span[]>();
      for (const span of traces[i].spans.values()) {
        const list = byProcess.get(span.process);
        if (list) list.push(span);
        else byProcess.set(span.process, [span]);
      }
      const lines = [...byProcess].map(([p, spans]) => persistLine(p, spans));
      const size = lines.reduce((n, l) => n + Buffer.byteLength(l), 0);
      if (bytes + size > this.maxDataBytes) break;
      bytes += size;
      keep.push(lines);
    }
    const fd = fs.openSync(tmp, 'w');
    try {
      for (let i = keep.length - 1; i >= 0; i--) for (const line of keep[i]) fs.writeSync(fd, line);
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
      if (this.dataBytes > Math.min(4 * this.compactBytes + 16 * 1024 * 1024, this.maxDataBytes)) this.compact();
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

/** Bytes read from the data file at a time. */
const READ_CHUNK = 1024 * 1024;
/** A line longer than this is not a batch the viewer wrote. */
const MAX_LINE_BYTES = 256 * 1024 * 1024;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
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

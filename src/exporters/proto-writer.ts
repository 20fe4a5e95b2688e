// A protobuf writer that owns its buffer: varints, fixed-size numbers, strings
// and bytes, and length-delimited fields whose length is fixed up once their
// content is written. The buffer grows as needed; buffers come from a small
// pool and go back to it, batch after batch.

const TWO_32 = 4294967296;

// Export buffers (one per batch, 100+ KB) are reused: allocated anew, each
// lived just long enough to reach the old generation, and ~8-10 MiB of them
// waited there for a full collection.
const SPARE_BUFFERS = 4;
const MAX_SPARE_SIZE = 4 * 1024 * 1024;
const spareBuffers: Buffer[] = [];

/** A buffer of at least `size` bytes, a spare one if one is large enough; give it back with giveBack() once nothing reads it. */
export function takeBuffer(size: number): Buffer {
  for (let i = spareBuffers.length - 1; i >= 0; i--) {
    if (spareBuffers[i].length >= size) return spareBuffers.splice(i, 1)[0];
  }
  // (Never from Node's shared pool: the memory must be ours alone to reuse.)
  return Buffer.from(new ArrayBuffer(Math.max(size, 4096)));
}

/** Takes back a buffer from takeBuffer() (or any part of one: the whole memory is kept). */
export function giveBack(part: Uint8Array): void {
  const memory = part.buffer as ArrayBuffer;
  if (spareBuffers.length >= SPARE_BUFFERS || memory.byteLength > MAX_SPARE_SIZE || spareBuffers.some((b) => b.buffer === memory)) return;
  spareBuffers.push(Buffer.from(memory));
}

export function varint32Size(value: number): number {
  return value < 0x80 ? 1 : value < 0x4000 ? 2 : value < 0x200000 ? 3 : value < 0x10000000 ? 4 : 5;
}

// Hex digit values by char code ('0'-'9', 'a'-'f', 'A'-'F').
const HEX_VALUE = new Uint8Array(128);
for (let i = 0; i < 10; i++) HEX_VALUE[48 + i] = i;
for (let i = 0; i < 6; i++) HEX_VALUE[97 + i] = HEX_VALUE[65 + i] = 10 + i;

export class ProtoWriter {
  buf: Buffer;
  /** The same memory, for writing 4 or 8 bytes in one store. */
  private view: DataView;
  pos = 0;

  constructor(size: number) {
    this.buf = takeBuffer(size);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.length);
  }

  /** The bytes written so far (the writer's memory: read them before release()). */
  bytes(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  /** Gives the buffer back to the pool; the writer is not used again. */
  release(): void {
    giveBack(this.buf);
  }

  /** Makes room for `bytes` more bytes at pos. */
  ensure(bytes: number): void {
    if (this.pos + bytes > this.buf.length) this.grow(bytes);
  }

  private grow(bytes: number): void {
    let size = this.buf.length * 2;
    while (size < this.pos + bytes) size *= 2;
    const next = takeBuffer(size);
    this.buf.copy(next, 0, 0, this.pos);
    giveBack(this.buf);
    this.buf = next;
    this.view = new DataView(next.buffer, next.byteOffset, next.length);
  }

  /** One byte (a tag, or a small value). Room must be ensured. */
  byte(value: number): void {
    this.buf[this.pos++] = value;
  }

  /** Unsigned varint of a value below 2^32 (lengths, counts, enums). Room must be ensured. */
  varint32(value: number): void {
    const b = this.buf;
    let v = value >>> 0;
    while (v > 0x7f) {
      b[this.pos++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    b[this.pos++] = v;
  }

  /** int64 varint of an integral number in [-2^63, 2^63): negatives take ten bytes (two's complement). Room must be ensured. */
  int64(value: number): void {
    if (value >= 0 && value < TWO_32) {
      this.varint32(value);
      return;
    }
    // Split into 32-bit halves; % and / by 2^32 are exact on doubles.
    let low = value % TWO_32;
    let high = (value - low) / TWO_32;
    if (low < 0) {
      low += TWO_32;
      high -= 1;
    }
    high >>>= 0; // two's complement of the high half
    const b = this.buf;
    while (high !== 0 || low > 0x7f) {
      b[this.pos++] = (low & 0x7f) | 0x80;
      low = ((low >>> 7) | (high << 25)) >>> 0;
      high >>>= 7;
    }
    b[this.pos++] = low;
  }

  /** Room must be ensured. */
  fixed32(value: number): void {
    this.view.setUint32(this.pos, value, true);
    this.pos += 4;
  }

  /** A fixed64 from its 32-bit halves. Room must be ensured. */
  fixed64(low: number, high: number): void {
    this.view.setUint32(this.pos, low, true);
    this.view.setUint32(this.pos + 4, high, true);
    this.pos += 8;
  }

  /** Room must be ensured. */
  double(value: number): void {
    this.view.setFloat64(this.pos, value, true);
    this.pos += 8;
  }

  /** A string field: tag, byte length, UTF-8 bytes. */
  stringField(tag: number, s: string): void {
    const n = s.length;
    if (n < 0x80) {
      // ASCII fast path: copy the char codes, falling back at the first non-ASCII one.
      this.ensure(n + 2);
      const b = this.buf;
      const start = this.pos;
      let p = start + 2;
      for (let i = 0; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c > 0x7f) {
          this.utf8Field(tag, s);
          return;
        }
        b[p++] = c;
      }
      b[start] = tag;
      b[start + 1] = n;
      this.pos = p;
      return;
    }
    this.utf8Field(tag, s);
  }

  private utf8Field(tag: number, s: string): void {
    const bytes = Buffer.byteLength(s, 'utf8');
    this.ensure(bytes + 6);
    this.buf[this.pos++] = tag;
    this.varint32(bytes);
    this.pos += this.buf.write(s, this.pos, bytes, 'utf8');
  }

  /** A bytes field holding a hex id (trace id, span id) as raw bytes. */
  hexIdField(tag: number, hex: string): void {
    const n = hex.length >>> 1;
    this.ensure(n + 2);
    const b = this.buf;
    let p = this.pos;
    b[p++] = tag;
    b[p++] = n;
    for (let i = 0; i < 2 * n; i += 2) {
      b[p++] = (HEX_VALUE[hex.charCodeAt(i) & 0x7f] << 4) | HEX_VALUE[hex.charCodeAt(i + 1) & 0x7f];
    }
    this.pos = p;
  }

  /** A bytes field holding an id given as 32-bit words, most significant first: two (a span id) or four (a trace id). */
  wordIdField(tag: number, word0: number, word1: number, word2?: number, word3?: number): void {
    const long = word2 !== undefined;
    this.ensure(18);
    this.buf[this.pos++] = tag;
    this.buf[this.pos++] = long ? 16 : 8;
    const v = this.view;
    v.setInt32(this.pos, word0);
    v.setInt32(this.pos + 4, word1);
    this.pos += 8;
    if (long) {
      v.setInt32(this.pos, word2);
      v.setInt32(this.pos + 4, word3!);
      this.pos += 8;
    }
  }

  /** Raw bytes (a field's content, or whole fields encoded elsewhere). */
  raw(bytes: Uint8Array): void {
    const n = bytes.length;
    this.ensure(n);
    this.buf.set(bytes, this.pos);
    this.pos += n;
  }

  /**
   * Starts a length-delimited field, reserving `reserve` bytes for its length
   * (the likely varint size); returns where the content starts.
   */
  beginField(tag: number, reserve: number): number {
    this.ensure(reserve + 1);
    this.buf[this.pos] = tag;
    this.pos += reserve + 1;
    return this.pos;
  }

  /** Ends a field begun at `start` with `reserve` length bytes. */
  endField(start: number, reserve: number): void {
    const length = this.pos - start;
    if (reserve === 1 && length < 0x80) {
      this.buf[start - 1] = length;
      return;
    }
    if (reserve === 2 && length >= 0x80 && length < 0x4000) {
      this.buf[start - 2] = (length & 0x7f) | 0x80;
      this.buf[start - 1] = length >>> 7;
      return;
    }
    // The reservation was off: move the content to fit the real length.
    const shift = varint32Size(length) - reserve;
    if (shift !== 0) {
      if (shift > 0) this.ensure(shift);
      this.buf.copyWithin(start + shift, start, this.pos);
      this.pos += shift;
    }
    const end = this.pos;
    this.pos = start - reserve;
    this.varint32(length);
    this.pos = end;
  }
}

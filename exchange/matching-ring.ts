// Why this file exists: the crossing between the exchange's thread and a long-lived matching
// worker. A piscina task per batch cost ~77 µs of round trip here and a structured clone of every
// batch; a single-producer single-consumer byte ring in a SharedArrayBuffer costs a copy of the
// bytes and, per batch, one atomic store and one notify (~0.24 µs per crossing when spinning, a
// futex wake when the other side sleeps). Two rings per worker: records in, event rows out.
//
// Layout of the SharedArrayBuffer (all Int32 slots little-endian, as the platform's):
//   [0, CONTROL_BYTES)  control: WRITE (bytes ever written, free-running u32, published by the
//                       writer), READ (bytes ever consumed, published by the reader), STOP (the
//                       host asks the worker to return once its input is drained), WRITER_WAITING
//                       (the writer sleeps for room: the reader notifies READ when it frees some)
//   [CONTROL_BYTES, +capacity)  data: entries, each 8-byte aligned:
//                       u32 payload length, u32 flags (FLAG_MORE: another chunk of the same entry
//                       follows; FLAG_WRAP: nothing more up to the end of the data, go to 0), then
//                       the payload, padded to 8.
// A chunk never wraps: when it does not fit before the end, the writer leaves a FLAG_WRAP header
// and starts at 0. A chunk is at most half the capacity, so an empty ring always takes one
// (whichever side of the middle the position is on, one of the two stretches is long enough).
// An entry longer than a chunk (a batch whose events are huge) goes out as several chunks; the
// reader reassembles them. The writer never overwrites: a full ring makes it wait (the worker,
// bounded by RING_WAIT_MS_MAX then re-checks) or keep its data (the exchange's thread spills to a
// queue that maxPending bounds: shards.ts).

const WRITE = 0;
const READ = 1;
const STOP = 2;
const WRITER_WAITING = 3;
/** A cache line: the data never shares one with the counters. */
const CONTROL_BYTES = 64;
const ENTRY_HEADER_BYTES = 8;
const FLAG_MORE = 1;
const FLAG_WRAP = 2;
/** Longest entry copied by a loop rather than a subarray view + set (command records are shorter). */
const COPY_LOOP_BYTES_MAX = 256;
/** Smallest ring: room for a few entries of the longest record. */
export const RING_BYTES_MIN = 4096;
/** Largest ring: free-running u32 counters stay unambiguous well below 2^31. */
export const RING_BYTES_MAX = 2 ** 30;
/** How long a side sleeps before it re-checks (a lost wake-up costs at most this). */
export const RING_WAIT_MS_MAX = 50;

function align8(n: number): number {
  return (n + 7) & ~7;
}

/** A new ring's shared memory: `capacityBytes` of data (a power of two) after the control slots. */
export function createRingBuffer(capacityBytes: number): SharedArrayBuffer {
  if (!Number.isInteger(capacityBytes) || capacityBytes < RING_BYTES_MIN || capacityBytes > RING_BYTES_MAX || (capacityBytes & (capacityBytes - 1)) !== 0) {
    throw new RangeError(`ring capacity must be a power of two in [${RING_BYTES_MIN}, ${RING_BYTES_MAX}] bytes, got ${String(capacityBytes)}`);
  }
  return new SharedArrayBuffer(CONTROL_BYTES + capacityBytes);
}

/** One side's view of a ring's shared memory. */
class RingSide {
  readonly control: Int32Array;
  /** The data, as bytes and as 32-bit words (entry headers are aligned). */
  readonly bytes: Uint8Array;
  protected readonly words: Int32Array;
  readonly capacity: number;
  protected readonly mask: number;
  /** Longest payload of one chunk. */
  readonly chunkBytesMax: number;

  constructor(readonly buffer: SharedArrayBuffer) {
    this.capacity = buffer.byteLength - CONTROL_BYTES;
    this.mask = this.capacity - 1;
    this.control = new Int32Array(buffer, 0, CONTROL_BYTES >> 2);
    this.bytes = new Uint8Array(buffer, CONTROL_BYTES, this.capacity);
    this.words = new Int32Array(buffer, CONTROL_BYTES, this.capacity >> 2);
    this.chunkBytesMax = (this.capacity >> 1) - ENTRY_HEADER_BYTES;
  }

  /** The host asked the worker to stop (checked by the worker when its input is empty). */
  get stopRequested(): boolean {
    return Atomics.load(this.control, STOP) === 1;
  }

  requestStop(): void {
    Atomics.store(this.control, STOP, 1);
    Atomics.notify(this.control, WRITE);
  }

  /** The published write counter (what a waiter compares against). */
  get publishedWrite(): number {
    return Atomics.load(this.control, WRITE);
  }
}

/** The producing side. `write` copies one entry in; `publish` makes everything written visible. */
export class RingWriter extends RingSide {
  /** Bytes ever written here (free-running u32), published or not. */
  private written = 0;
  /** READ as last loaded: the free space is at least capacity - (written - readSeen). */
  private readSeen = 0;

  /** Bytes free for the writer (re-reading READ only when the cached value says too few). */
  private free(needed: number): boolean {
    if (this.capacity - ((this.written - this.readSeen) >>> 0) >= needed) return true;
    this.readSeen = Atomics.load(this.control, READ) >>> 0;
    return this.capacity - ((this.written - this.readSeen) >>> 0) >= needed;
  }

  /**
   * Copies src[start, end) in as one chunk with `flags`, or returns false (nothing written) when
   * there is no room. `end - start` must be at most chunkBytesMax.
   */
  private writeChunk(src: Uint8Array, start: number, end: number, flags: number): boolean {
    const length = end - start;
    const size = align8(ENTRY_HEADER_BYTES + length);
    const pos = this.written & this.mask;
    const tail = this.capacity - pos;
    if (size > tail) {
      if (!this.free(tail + size)) return false;
      this.words[pos >> 2] = 0;
      this.words[(pos >> 2) + 1] = FLAG_WRAP;
      this.written = (this.written + tail) >>> 0;
      return this.writeChunk(src, start, end, flags);
    }
    if (!this.free(size)) return false;
    this.words[pos >> 2] = length;
    this.words[(pos >> 2) + 1] = flags;
    const to = pos + ENTRY_HEADER_BYTES;
    if (length === src.length) this.bytes.set(src, to);
    else if (length <= COPY_LOOP_BYTES_MAX) {
      // A record out of a larger reused buffer (the record encoder's) is copied without a view of
      // it (a subarray per record was garbage on the exchange's thread; records are ~60-100 B):
      // as 32-bit words when the source allows (`to` is 8-aligned; the entry's room is rounded
      // up to 8, so the last word's spare bytes land in its padding), 3-4× faster than bytes.
      const srcWords = this.wordsOf(src);
      const wordCount = (length + 3) >> 2;
      if (srcWords !== null && (start & 3) === 0 && (start >> 2) + wordCount <= srcWords.length) {
        const words = this.words;
        for (let i = 0, a = to >> 2, b = start >> 2; i < wordCount; i++) words[a + i] = srcWords[b + i];
      } else {
        const bytes = this.bytes;
        for (let i = 0; i < length; i++) bytes[to + i] = src[start + i];
      }
    } else this.bytes.set(src.subarray(start, end), to);
    this.written = (this.written + size) >>> 0;
    return true;
  }

  /** The last source's 32-bit words (a writer copies out of one reused buffer): one view per buffer, not per record. */
  private copySource: Uint8Array | null = null;
  private copySourceWords: Int32Array | null = null;

  private wordsOf(src: Uint8Array): Int32Array | null {
    if (src === this.copySource) return this.copySourceWords;
    this.copySource = src;
    this.copySourceWords = (src.byteOffset & 3) === 0 ? new Int32Array(src.buffer, src.byteOffset, src.length >> 2) : null;
    return this.copySourceWords;
  }

  /**
   * Copies one entry of at most chunkBytesMax bytes in, unpublished; false when the ring has no
   * room for it now (nothing written: the caller keeps it and retries after the reader moved on).
   */
  tryWrite(src: Uint8Array, start = 0, end = src.length): boolean {
    if (end - start > this.chunkBytesMax) throw new RangeError(`ring entry of ${end - start} bytes exceeds one chunk (${this.chunkBytesMax})`);
    return this.writeChunk(src, start, end, 0);
  }

  /**
   * Copies an entry of any length in, in chunks, publishing each; while the ring is full it
   * sleeps (RING_WAIT_MS_MAX at a time, re-checking) until the reader frees room. For the worker's
   * thread only: it blocks. Returns false when `stop()` said to give up.
   */
  writeBlocking(src: Uint8Array, start: number, end: number, stop: () => boolean): boolean {
    let at = start;
    // Bounded by the entry's chunks; each wait is bounded by RING_WAIT_MS_MAX.
    while (at < end) {
      const chunkEnd = Math.min(end, at + this.chunkBytesMax);
      if (this.writeChunk(src, at, chunkEnd, chunkEnd < end ? FLAG_MORE : 0)) {
        at = chunkEnd;
        if (at < end) this.publish();
        continue;
      }
      // Full: what is written so far must be visible, or the reader can never make room.
      this.publish();
      if (stop()) return false;
      Atomics.store(this.control, WRITER_WAITING, 1);
      const seen = Atomics.load(this.control, READ);
      if ((seen >>> 0) === this.readSeen) Atomics.wait(this.control, READ, seen, RING_WAIT_MS_MAX);
      Atomics.store(this.control, WRITER_WAITING, 0);
    }
    return true;
  }

  /** Makes every entry written so far visible to the reader and wakes it if it sleeps. */
  publish(): void {
    if (Atomics.load(this.control, WRITE) === (this.written | 0)) return;
    Atomics.store(this.control, WRITE, this.written | 0);
    Atomics.notify(this.control, WRITE);
  }

  /** Bytes written and not yet consumed by the reader, as last seen. */
  get usedBytes(): number {
    return (this.written - (Atomics.load(this.control, READ) >>> 0)) >>> 0;
  }
}

/** The consuming side. `next` finds the next whole entry; `release` hands its room back. */
export class RingReader extends RingSide {
  /** Bytes ever consumed here (free-running u32), released or not. */
  private consumed = 0;
  /** Where chunked entries are reassembled (grows; 8-aligned for Float64Array views). */
  private scratch = new Uint8Array(new ArrayBuffer(4096));
  private scratchBytes = 0;
  /** The array holding the entry `next` returned: `bytes` (in the ring) or the scratch. */
  source: Uint8Array = this.bytes;
  /** End (exclusive) in `source` of the entry `next` returned. */
  end = 0;

  /** Whether the writer published anything not consumed yet. */
  get hasData(): boolean {
    return (Atomics.load(this.control, WRITE) >>> 0) !== this.consumed;
  }

  /**
   * Start in `source` of the next whole entry (ending at `end`), or -1 when none is published.
   * Either stays valid until the next `next` or `release` (whichever comes first): read it whole
   * before asking for another.
   * Chunks of an entry not yet complete are moved to the scratch and released at once.
   */
  next(): number {
    const published = Atomics.load(this.control, WRITE) >>> 0;
    // Bounded by the chunks published.
    while (this.consumed !== published) {
      const pos = this.consumed & this.mask;
      const length = this.words[pos >> 2];
      const flags = this.words[(pos >> 2) + 1];
      if ((flags & FLAG_WRAP) !== 0) {
        this.consumed = (this.consumed + this.capacity - pos) >>> 0;
        continue;
      }
      const start = pos + ENTRY_HEADER_BYTES;
      const size = align8(ENTRY_HEADER_BYTES + length);
      if ((flags & FLAG_MORE) !== 0 || this.scratchBytes > 0) {
        this.gather(start, start + length);
        this.consumed = (this.consumed + size) >>> 0;
        if ((flags & FLAG_MORE) !== 0) {
          this.release();
          continue;
        }
        this.source = this.scratch;
        this.end = this.scratchBytes;
        this.scratchBytes = 0;
        return 0;
      }
      this.consumed = (this.consumed + size) >>> 0;
      this.source = this.bytes;
      this.end = start + length;
      return start;
    }
    return -1;
  }

  private gather(start: number, end: number): void {
    const length = end - start;
    if (this.scratchBytes + length > this.scratch.length) {
      const grown = new Uint8Array(new ArrayBuffer(align8(Math.max(this.scratch.length * 2, this.scratchBytes + length))));
      grown.set(this.scratch.subarray(0, this.scratchBytes));
      this.scratch = grown;
    }
    this.scratch.set(this.bytes.subarray(start, end), this.scratchBytes);
    this.scratchBytes += length;
  }

  /** Hands the room of every entry `next` returned back to the writer (waking it if it waits). */
  release(): void {
    Atomics.store(this.control, READ, this.consumed | 0);
    if (Atomics.load(this.control, WRITER_WAITING) === 1) Atomics.notify(this.control, READ);
  }

  /**
   * Sleeps (the worker's thread) until the writer publishes past what was consumed, a stop is
   * requested, or RING_WAIT_MS_MAX passes; the caller re-checks either way.
   */
  waitForData(): void {
    const seen = Atomics.load(this.control, WRITE);
    if ((seen >>> 0) !== this.consumed || this.stopRequested) return;
    Atomics.wait(this.control, WRITE, seen, RING_WAIT_MS_MAX);
  }
}

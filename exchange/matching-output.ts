// Why this file exists: what a matching worker answers for one batch of records, as the bytes of
// one output-ring entry (matching-ring.ts). The events stay the event codec's numeric rows
// (engine/worker/event-codec.ts); the few strings the exchange's thread cannot know (makers' ids
// and accounts) travel as UTF-16 units, read back through a small cache (accounts repeat).
//
// Layout (little-endian):
//   [0, 4)    u32  records in the batch
//   [4, 8)    u32  event numbers (f64 each)
//   [8, 12)   u32  refs (ids and accounts)
//   [12, 16)  u32  0
//   [16, 24)  f64  live orders on the worker after the batch
//   [24, 32)  f64  ms the worker spent on the batch (decode, match, encode), for stats
//   [32, +8n) f64  the event numbers (8-aligned: read in place as a Float64Array)
//   then      u8   per record: 1 when its id is a live order after it
//   then      refs: u8 tag (0 a number: f64 follows; 1 a string: u8 unit count, then u16 units)

import type { OrderId } from '../engine/index.js';
import { Utf16StringCache } from '../replay/index.js';

const HEADER_BYTES = 32;
const TAG_NUMBER = 0;
const TAG_STRING = 1;
/** Ids and accounts are at most 64 UTF-16 units (validate.ts); a u8 count is ample. */
const REF_UNITS_MAX = 255;

/** The worker's side: encodes one batch's answer into a reused, growing buffer. */
export class BatchOutputEncoder {
  bytes = new Uint8Array(64 * 1024);
  private view = new DataView(this.bytes.buffer);

  private reserve(needed: number): void {
    if (needed <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(needed, this.bytes.length * 2));
    grown.set(this.bytes);
    this.bytes = grown;
    this.view = new DataView(grown.buffer);
  }

  /** Encodes the answer; returns its length in `bytes`. */
  encode(
    count: number,
    nums: Float64Array,
    numsLength: number,
    live: Uint8Array,
    refs: readonly OrderId[],
    liveOrders: number,
    workMs: number,
  ): number {
    let o = HEADER_BYTES + numsLength * 8;
    this.reserve(o + count + refs.length * 9);
    const v = this.view;
    v.setUint32(0, count, true);
    v.setUint32(4, numsLength, true);
    v.setUint32(8, refs.length, true);
    v.setUint32(12, 0, true);
    v.setFloat64(16, liveOrders, true);
    v.setFloat64(24, workMs, true);
    new Float64Array(this.bytes.buffer, HEADER_BYTES, numsLength).set(nums.subarray(0, numsLength));
    this.bytes.set(live.subarray(0, count), o);
    o += count;
    for (let i = 0; i < refs.length; i++) {
      const ref = refs[i];
      if (typeof ref === 'number') {
        this.reserve(o + 9);
        this.bytes[o] = TAG_NUMBER;
        this.view.setFloat64(o + 1, ref, true);
        o += 9;
        continue;
      }
      const length = ref.length;
      if (length > REF_UNITS_MAX) throw new RangeError(`matching output: a string of ${length} units exceeds ${REF_UNITS_MAX}`);
      this.reserve(o + 2 + 2 * length);
      const b = this.bytes;
      b[o++] = TAG_STRING;
      b[o++] = length;
      for (let k = 0; k < length; k++, o += 2) {
        const unit = ref.charCodeAt(k);
        b[o] = unit & 0xff;
        b[o + 1] = unit >>> 8;
      }
    }
    return o;
  }
}

/** One batch's answer, read in place (valid until the ring entry is released). */
export interface BatchOutput {
  count: number;
  nums: Float64Array;
  live: Uint8Array;
  refs: OrderId[];
  liveOrders: number;
  workMs: number;
}

/** The exchange's side: reads answers; strings come from a cache when they repeat (replay/string-cache.ts). */
export class BatchOutputDecoder {
  private readonly strings = new Utf16StringCache();
  private view: DataView = new DataView(new ArrayBuffer(8));
  private viewOf: Uint8Array | null = null;

  decode(source: Uint8Array, start: number, end: number): BatchOutput {
    if (source !== this.viewOf) {
      this.viewOf = source;
      this.view = new DataView(source.buffer, source.byteOffset, source.byteLength);
    }
    const v = this.view;
    const count = v.getUint32(start, true);
    const numsLength = v.getUint32(start + 4, true);
    const refsCount = v.getUint32(start + 8, true);
    const liveOrders = v.getFloat64(start + 16, true);
    const workMs = v.getFloat64(start + 24, true);
    const nums = new Float64Array(source.buffer, source.byteOffset + start + HEADER_BYTES, numsLength);
    let o = start + HEADER_BYTES + numsLength * 8;
    const live = source.subarray(o, o + count);
    o += count;
    const refs: OrderId[] = new Array<OrderId>(refsCount);
    for (let i = 0; i < refsCount; i++) {
      if (source[o] === TAG_NUMBER) {
        refs[i] = v.getFloat64(o + 1, true);
        o += 9;
        continue;
      }
      const length = source[o + 1];
      o += 2;
      refs[i] = this.strings.get(source, o, length);
      o += 2 * length;
    }
    if (o !== end) throw new Error(`matching output: ${end - o} bytes after the last field`);
    return { count, nums, live, refs, liveOrders, workMs };
  }
}

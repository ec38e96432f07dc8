// Why this file exists: the engine's one id table (OrderIds: live and remembered ids) kept every
// id as a JS string referenced from a JS array: 8 bytes of reference plus a ~32-byte heap string
// per entry, and a probe that matched a hash loaded the reference, then the string (two cache
// misses on a table of hundreds of thousands of ids). Here ids live in typed arrays by entry:
// - a string id of 1–16 units, all below 256 (client order ids are ASCII), is copied into the
//   entry's own 16 bytes, so comparing it reads one line and allocates nothing;
// - an integer id is kept as a float64 in the same 16 bytes;
// - any other string (longer, or with a unit ≥ 256) is kept as the JS string itself, by entry, in a
//   Map (the rare case; equality is still exact on UTF-16 units).
// A JS string is made back only when an event or a query needs the id (`idAt`).
// Each entry is ONE 64-byte record (one cache line) — id bytes, the pool slot of its resting order
// (the "live" state), hash, kind, length, and the id memory's own fields (engine/order-ids.ts:
// seq, last seq, filled, status, flags, reason, overdue links) — so a lookup that matches reads
// one line after its table cell, and a new order, a fill or a cancel writes its entry's state in
// that same line: with separate columns a cancel on `wide` (~200,000 live ids) paid a miss for the
// kind, the bytes and the live slot each (the lookup was ~20% of `wide` apply), and the id memory's
// eight columns cost up to five more per new order and per cancel (issue 11, fifth pass).
// The hash table is open addressing over [hash, entry] Int32 cells with linear probing and
// backward-shift deletion (as engine/id-index.ts), one table for both kinds of id; each entry's
// hash is kept so removing it neither hashes nor compares.

import type { OrderId } from './types.js';

const EMPTY = -1;
/** Bytes of id kept inline per entry: 13-unit client ids fit; UUIDs (36) take the Map. */
export const INLINE_ID_BYTES = 16;
/**
 * Record layout (bytes):
 *   [0, 16) id      [16, 20) live pool slot   [20, 24) hash   24 kind   25 length
 *   26 status       27 flags                  [28, 30) reason code      [30, 32) spare
 *   [32, 40) seq    [40, 48) last seq         [48, 56) filled qty
 *   [56, 60) overdue next (also the free list)   [60, 64) overdue prev
 * Bytes 26 on are OrderIds' (engine/order-ids.ts): it reads them through the views below with
 * these indexes. A record index is `entry << RECORD_SHIFT` bytes, `entry << 4` int32s,
 * `entry << 3` float64s, `entry << 5` uint16s.
 */
const RECORD_SHIFT = 6;
const I32_LIVE = 4;
const I32_HASH = 5;
const U8_KIND = 24;
const U8_LENGTH = 25;
export const U8_STATUS = 26;
export const U8_FLAGS = 27;
export const U16_REASON = 14;
export const F64_SEQ = 4;
export const F64_LAST_SEQ = 5;
export const F64_FILLED = 6;
export const I32_OVERDUE_NEXT = 14;
export const I32_OVERDUE_PREV = 15;
const INITIAL_CELLS = 1024;
const NONE = -1;

const KIND_NONE = 0;
const KIND_INT = 1;
const KIND_INLINE = 2;
const KIND_LONG = 3;

/** 32-bit hash of a safe integer (both 32-bit halves mixed, then a murmur3 finaliser). */
export function hashNumber(key: number): number {
  const lo = key | 0;
  const hi = lo === key ? 0 : Math.floor(key / 4294967296) | 0;
  let h = Math.imul(lo ^ Math.imul(hi, 0x85ebca6b), 0x9e3779b1);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h | 0;
}

/**
 * The string of `n` (1–16) Latin-1 units at `b[o]`: String.fromCharCode with exactly `n`
 * arguments, which V8 builds in one builtin call. Measured (13-unit ids, Node 20): ~110 ns a
 * string against ~650 ns for fromCharCode.apply over a reused array, and a trade makes one for
 * its maker's id.
 */
function latin1(b: Uint8Array, o: number, n: number): string {
  const f = String.fromCharCode;
  switch (n) {
    case 1:
      return f(b[o]);
    case 2:
      return f(b[o], b[o + 1]);
    case 3:
      return f(b[o], b[o + 1], b[o + 2]);
    case 4:
      return f(b[o], b[o + 1], b[o + 2], b[o + 3]);
    case 5:
      return f(b[o], b[o + 1], b[o + 2], b[o + 3], b[o + 4]);
    case 6:
      return f(b[o], b[o + 1], b[o + 2], b[o + 3], b[o + 4], b[o + 5]);
    case 7:
      return f(b[o], b[o + 1], b[o + 2], b[o + 3], b[o + 4], b[o + 5], b[o + 6]);
    case 8:
      return f(b[o], b[o + 1], b[o + 2], b[o + 3], b[o + 4], b[o + 5], b[o + 6], b[o + 7]);
    case 9:
      return f(b[o], b[o + 1], b[o + 2], b[o + 3], b[o + 4], b[o + 5], b[o + 6], b[o + 7], b[o + 8]);
    case 10:
      return f(b[o], b[o + 1], b[o + 2], b[o + 3], b[o + 4], b[o + 5], b[o + 6], b[o + 7], b[o + 8], b[o + 9]);
    case 11:
      return f(b[o], b[o + 1], b[o + 2], b[o + 3], b[o + 4], b[o + 5], b[o + 6], b[o + 7], b[o + 8], b[o + 9], b[o + 10]);
    case 12:
      return f(b[o], b[o + 1], b[o + 2], b[o + 3], b[o + 4], b[o + 5], b[o + 6], b[o + 7], b[o + 8], b[o + 9], b[o + 10], b[o + 11]);
    case 13:
      return f(b[o], b[o + 1], b[o + 2], b[o + 3], b[o + 4], b[o + 5], b[o + 6], b[o + 7], b[o + 8], b[o + 9], b[o + 10], b[o + 11], b[o + 12]);
    case 14:
      return f(b[o], b[o + 1], b[o + 2], b[o + 3], b[o + 4], b[o + 5], b[o + 6], b[o + 7], b[o + 8], b[o + 9], b[o + 10], b[o + 11], b[o + 12], b[o + 13]);
    case 15:
      return f(b[o], b[o + 1], b[o + 2], b[o + 3], b[o + 4], b[o + 5], b[o + 6], b[o + 7], b[o + 8], b[o + 9], b[o + 10], b[o + 11], b[o + 12], b[o + 13], b[o + 14]);
    case 16:
      return f(b[o], b[o + 1], b[o + 2], b[o + 3], b[o + 4], b[o + 5], b[o + 6], b[o + 7], b[o + 8], b[o + 9], b[o + 10], b[o + 11], b[o + 12], b[o + 13], b[o + 14], b[o + 15]);
    default:
      return '';
  }
}

export class IdStore {
  private cells: Int32Array = IdStore.emptyCells(INITIAL_CELLS);
  private mask = INITIAL_CELLS - 1;
  private indexed = 0;
  /** The records (see RECORD_SHIFT) through four views of one buffer (OrderIds writes its fields). */
  bytes: Uint8Array;
  words: Int32Array;
  numbers: Float64Array;
  halves: Uint16Array;
  private readonly long = new Map<number, string>();

  constructor(capacity: number) {
    this.bytes = new Uint8Array(capacity << RECORD_SHIFT);
    this.words = new Int32Array(this.bytes.buffer);
    this.numbers = new Float64Array(this.bytes.buffer);
    this.halves = new Uint16Array(this.bytes.buffer);
    for (let entry = 0; entry < capacity; entry++) this.words[(entry << 4) + I32_LIVE] = NONE;
  }

  private static emptyCells(capacity: number): Int32Array {
    const cells = new Int32Array(capacity * 2);
    for (let i = 1; i < cells.length; i += 2) cells[i] = EMPTY;
    return cells;
  }

  /** Entries the store has room for. */
  get capacity(): number {
    return this.bytes.length >>> RECORD_SHIFT;
  }

  /** Ids in the hash table. */
  get size(): number {
    return this.indexed;
  }

  /** Room for entries [0, capacity). */
  grow(capacity: number): void {
    const old = this.capacity;
    if (capacity <= old) return;
    const bytes = new Uint8Array(capacity << RECORD_SHIFT);
    bytes.set(this.bytes);
    this.bytes = bytes;
    this.words = new Int32Array(bytes.buffer);
    this.numbers = new Float64Array(bytes.buffer);
    this.halves = new Uint16Array(bytes.buffer);
    for (let entry = old; entry < capacity; entry++) this.words[(entry << 4) + I32_LIVE] = NONE;
  }

  /**
   * Room for `entries` records and a hash table that indexes that many without resizing. Why:
   * restoring a 1,000,000-order snapshot grew both by doubling, ~20% of Engine.restore (profile,
   * docs/measurements.md, issue 9, "Recovery, round 19"); a snapshot says its entry count up front.
   */
  reserve(entries: number): void {
    let records = this.capacity;
    while (records < entries) records *= 2;
    this.grow(records);
    let cells = this.mask + 1;
    while (entries * 2 > cells) cells *= 2;
    if (cells > this.mask + 1) this.resize(cells);
  }

  /** Pool slot of the resting order of entry `entry`, or -1 (the entry's live state). */
  live(entry: number): number {
    return this.words[(entry << 4) + I32_LIVE];
  }

  setLive(entry: number, poolSlot: number): void {
    this.words[(entry << 4) + I32_LIVE] = poolSlot;
  }

  /** Stores `id` (whose `hash` the caller computed) as entry `entry`'s id; not yet findable. */
  write(entry: number, id: OrderId, hash: number): void {
    const base = entry << RECORD_SHIFT;
    const bytes = this.bytes;
    this.words[(entry << 4) + I32_HASH] = hash;
    if (typeof id === 'number') {
      bytes[base + U8_KIND] = KIND_INT;
      this.numbers[entry << 3] = id;
      return;
    }
    const length = id.length;
    if (length <= INLINE_ID_BYTES) {
      let i = 0;
      for (; i < length; i++) {
        const unit = id.charCodeAt(i);
        if (unit > 0xff) break;
        bytes[base + i] = unit;
      }
      if (i === length) {
        bytes[base + U8_KIND] = KIND_INLINE;
        bytes[base + U8_LENGTH] = length;
        return;
      }
    }
    bytes[base + U8_KIND] = KIND_LONG;
    this.long.set(entry, id);
  }

  /** Forgets entry `entry`'s id (the entry must not be in the hash table). */
  clear(entry: number): void {
    const at = (entry << RECORD_SHIFT) + U8_KIND;
    if (this.bytes[at] === KIND_LONG) this.long.delete(entry);
    this.bytes[at] = KIND_NONE;
    this.words[(entry << 4) + I32_LIVE] = NONE;
  }

  /** Is `id` the id stored at `entry`? Exact, allocation-free. */
  equals(entry: number, id: OrderId): boolean {
    const bytes = this.bytes;
    const base = entry << RECORD_SHIFT;
    const kind = bytes[base + U8_KIND];
    if (typeof id === 'number') return kind === KIND_INT && this.numbers[entry << 3] === id;
    if (kind === KIND_INLINE) {
      const length = id.length;
      if (bytes[base + U8_LENGTH] !== length) return false;
      for (let i = 0; i < length; i++) if (bytes[base + i] !== id.charCodeAt(i)) return false;
      return true;
    }
    return kind === KIND_LONG && this.long.get(entry) === id;
  }

  /** The id stored at `entry`, as a JS value (a new string for an inline id: events and queries only). */
  idAt(entry: number): OrderId {
    const bytes = this.bytes;
    const base = entry << RECORD_SHIFT;
    const kind = bytes[base + U8_KIND];
    if (kind === KIND_INLINE) return latin1(bytes, base, bytes[base + U8_LENGTH]);
    if (kind === KIND_INT) return this.numbers[entry << 3];
    return this.long.get(entry) as string;
  }

  /** Entry holding `id` in the hash table, or -1. */
  find(id: OrderId, hash: number): number {
    const cells = this.cells;
    const mask = this.mask;
    let i = hash & mask;
    // Bounded: the table is never full, so an empty cell ends every probe.
    for (;;) {
      const entry = cells[2 * i + 1];
      if (entry === EMPTY) return EMPTY;
      if (cells[2 * i] === hash && this.equals(entry, id)) return entry;
      i = (i + 1) & mask;
    }
  }

  /** Makes entry `entry` (written, its id not in the table) findable. */
  insert(entry: number): void {
    if ((this.indexed + 1) * 2 > this.mask + 1) this.resize((this.mask + 1) * 2);
    this.place(this.words[(entry << 4) + I32_HASH], entry);
    this.indexed++;
  }

  /** Takes entry `entry` out of the hash table (no hashing or comparing: its hash was kept). */
  remove(entry: number): void {
    const cells = this.cells;
    const mask = this.mask;
    let i = this.words[(entry << 4) + I32_HASH] & mask;
    // Bounded: the entry's cell lies in the probe run from its home cell.
    for (;;) {
      const e = cells[2 * i + 1];
      if (e === entry) break;
      if (e === EMPTY) return;
      i = (i + 1) & mask;
    }
    emptyCell(cells, mask, i);
    this.indexed--;
  }

  /** Bytes of the table and the records (long ids' strings not counted). */
  memoryBytes(): number {
    return this.cells.byteLength + this.bytes.byteLength;
  }

  private place(hash: number, entry: number): void {
    const cells = this.cells;
    const mask = this.mask;
    let i = hash & mask;
    while (cells[2 * i + 1] !== EMPTY) i = (i + 1) & mask;
    cells[2 * i] = hash;
    cells[2 * i + 1] = entry;
  }

  private resize(capacity: number): void {
    const old = this.cells;
    this.cells = IdStore.emptyCells(capacity);
    this.mask = capacity - 1;
    for (let i = 1; i < old.length; i += 2) {
      if (old[i] !== EMPTY) this.place(old[i - 1], old[i]);
    }
  }
}

/**
 * Empties cell `i` of an open-addressing table of interleaved [hash, value] cells (value EMPTY when
 * free, linear probing from `hash & mask`) by backward-shift deletion: later members of the probe
 * run move into the hole, so lookups never need tombstones. Shared by IdStore and IdIndex.
 */
export function emptyCell(cells: Int32Array, mask: number, i: number): void {
  let hole = i;
  let j = i;
  // Bounded: the table always has a free cell (load factor at most 1/2).
  for (;;) {
    j = (j + 1) & mask;
    if (cells[2 * j + 1] === EMPTY) break;
    const home = cells[2 * j] & mask;
    const inRange = hole <= j ? home > hole && home <= j : home > hole || home <= j;
    if (!inRange) {
      cells[2 * hole] = cells[2 * j];
      cells[2 * hole + 1] = cells[2 * j + 1];
      hole = j;
    }
  }
  cells[2 * hole + 1] = EMPTY;
}

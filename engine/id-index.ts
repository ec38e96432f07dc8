// Why this file exists: the id → slot lookup runs two or three times per command, and a JS Map
// cost about a third of all matching time in profiles (and slowed further as it grew to hundreds
// of thousands of live string ids: 2.0M commands/s against 3.5M with integers, issue 11). Both
// kinds of id go to open-addressing tables over typed arrays (linear probing, backward-shift
// deletion, so no tombstones and no allocation per command):
// - integer ids: cells of [key, slot] in a Float64Array, the key compared in the cell itself;
// - string ids: cells of [hash, slot] in an Int32Array; a probe compares the 32-bit hash first and
//   only on a hash match the string itself, read from `keys[slot]` (slot → id, the array the order
//   pool shares as `OrderPool.ids`), so the table stores no key of its own: 8 bytes per cell.
// String equality is exact (=== on UTF-16 units, lone surrogates included); the hash only routes.
// The hash of the last string looked up is remembered, so "is this id new?" followed by "add it"
// hashes once, and each slot's hash is kept (4 bytes), so removing a dead order by its slot
// (`deleteSlot`, what the engine does for every fill and cancel) neither hashes nor compares strings.
// Now used by the account table (name → index); order ids live in engine/id-store.ts (one table
// for live and remembered ids, ids kept as bytes), which grew out of this one.

import { emptyCell, hashNumber } from './id-store.js';

const EMPTY = -1;
const INITIAL_CAPACITY = 1024;
/** Keep each table at most half full so probes (and misses, which every new order does) stay short. */
const LOAD_NUMERATOR = 1;
const LOAD_DENOMINATOR = 2;

function hashInt(key: number, mask: number): number {
  // Mix the low and high 32 bits of a safe integer; Math.imul keeps it in int32 arithmetic. Ids
  // that fit an int32 (the common case) skip the division for the high word.
  const lo = key | 0;
  const hi = lo === key ? 0 : Math.floor(key / 4294967296) | 0;
  let h = Math.imul(lo ^ Math.imul(hi, 0x85ebca6b), 0x9e3779b1);
  h ^= h >>> 16;
  return h & mask;
}

/** FNV-1a lane seeds of `hashString` (exported for validate.ts's fused scan). */
export const HASH_SEED_A = 0x811c9dc5;
export const HASH_SEED_B = 0x2545f491;
export const HASH_PRIME = 0x01000193;

/** The murmur3 finaliser over `hashString`'s two lanes. */
export function finishHash(a: number, b: number): number {
  let h = a ^ Math.imul(b, 0x9e3779b1);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

/**
 * The string validate.ts last scanned as an id, with its hash: validation reads every unit of an
 * id anyway (the lone-surrogate check), so it hashes in the same pass and the engine's probe for
 * the same string takes the hash from here instead of reading the units a second time. Keyed by
 * the string itself (=== is content equality), so a stale entry can only miss, never mislead.
 */
let memoText: string | null = null;
let memoHash = 0;

/** Records that `text` hashes to `hash` (validate.ts calls it with hashString's own value). */
export function rememberHash(text: string, hash: number): void {
  memoText = text;
  memoHash = hash;
}

/**
 * 32-bit hash of a string's UTF-16 units: FNV-1a in two independent lanes (even and odd units, so
 * the multiply chains run in parallel: 1.3–2× faster than one lane on 13-unit and UUID ids), then
 * a murmur3 finaliser so that ids differing only in their last characters spread over the whole
 * table. Deterministic; allocates nothing (charCodeAt on a flat string).
 */
export function hashString(text: string): number {
  if (text === memoText) return memoHash;
  const length = text.length;
  let a = HASH_SEED_A ^ length;
  let b = HASH_SEED_B;
  let i = 0;
  for (; i + 1 < length; i += 2) {
    a = Math.imul(a ^ text.charCodeAt(i), HASH_PRIME);
    b = Math.imul(b ^ text.charCodeAt(i + 1), HASH_PRIME);
  }
  if (i < length) a = Math.imul(a ^ text.charCodeAt(i), HASH_PRIME);
  return finishHash(a, b);
}

/**
 * The hash an id is routed by: what `getHashed` / `setHashed` take (an integer id's table here
 * mixes the key itself and ignores it) and what the engine's id table (id-store.ts) probes with,
 * so a command that looks its id up and then adds it hashes it once.
 */
export function hashId(id: string | number): number {
  return typeof id === 'string' ? hashString(id) : hashNumber(id);
}

export class IdIndex {
  /** Slot → id, null for slots without an id. The order pool uses this same array as `ids`. */
  keys: Array<string | number | null>;

  /** Integer ids: interleaved [key, slot] cells, slot EMPTY when free (one cache line per probe). */
  private cells = IdIndex.emptyNumberCells(INITIAL_CAPACITY);
  private mask = INITIAL_CAPACITY - 1;
  private numbers = 0;

  /** String ids: interleaved [hash, slot] cells, slot EMPTY when free. */
  private stringCells = IdIndex.emptyStringCells(INITIAL_CAPACITY);
  private stringMask = INITIAL_CAPACITY - 1;
  private strings = 0;

  /** Hash of the string id at each slot (valid while the slot holds a string id). */
  private slotHashes: Int32Array = new Int32Array(INITIAL_CAPACITY);
  /**
   * 1 where the slot holds a string id: `deleteSlot` (every fill and cancel) then knows the kind
   * without `typeof keys[slot]`, which loads the stored string's header — a cache miss of its own
   * on a large book (profile: ~4% of `mixed` apply with string ids).
   */
  private slotIsString: Uint8Array = new Uint8Array(INITIAL_CAPACITY);

  /** The last string hashed and its hash (one-entry memo: a new order asks `has` then `set`). */
  private hashedText = '';
  private hashedValue = hashString('');

  /**
   * `ownsKeys` false: the caller keeps `keys` (writes each id before `set`, nulls it after the id
   * is deleted) and the index only reads it — so an owner that already holds a slot → id array
   * (OrderIds' `ids`) does not keep a second one (8 bytes per entry).
   */
  constructor(
    keys: Array<string | number | null> = [],
    private readonly ownsKeys = true,
  ) {
    this.keys = keys;
  }

  private static emptyNumberCells(capacity: number): Float64Array {
    const cells = new Float64Array(capacity * 2);
    for (let i = 1; i < cells.length; i += 2) cells[i] = EMPTY;
    return cells;
  }

  private static emptyStringCells(capacity: number): Int32Array {
    const cells = new Int32Array(capacity * 2);
    for (let i = 1; i < cells.length; i += 2) cells[i] = EMPTY;
    return cells;
  }

  get size(): number {
    return this.numbers + this.strings;
  }

  /** Slot of `id`, or -1. */
  get(id: string | number): number {
    if (typeof id === 'string') return this.getString(id);
    const cells = this.cells;
    const mask = this.mask;
    let i = hashInt(id, mask);
    // Bounded: the table is never full, so an empty cell ends every probe.
    for (;;) {
      const slot = cells[2 * i + 1];
      if (slot === EMPTY) return EMPTY;
      if (cells[2 * i] === id) return slot;
      i = (i + 1) & mask;
    }
  }

  /** `get` with the id's `hashId` already computed (not recomputed for a string id). */
  getHashed(id: string | number, hash: number): number {
    if (typeof id === 'string') return this.probeString(id, hash);
    return this.get(id);
  }

  has(id: string | number): boolean {
    return this.get(id) !== EMPTY;
  }

  /** Adds a new id at `slot` (the caller checked it is absent) and records it as `keys[slot]`. */
  set(id: string | number, slot: number): void {
    this.setHashed(id, slot, typeof id === 'string' ? this.hashForSet(id) : 0);
  }

  /** `set` with the id's `hashId` already computed. */
  setHashed(id: string | number, slot: number, h: number): void {
    if (this.ownsKeys) this.keys[slot] = id;
    if (typeof id === 'string') {
      if ((this.strings + 1) * LOAD_DENOMINATOR > (this.stringMask + 1) * LOAD_NUMERATOR) {
        this.resizeStrings((this.stringMask + 1) * 2);
      }
      if (slot >= this.slotHashes.length) this.growSlotHashes(slot + 1);
      this.slotHashes[slot] = h;
      this.slotIsString[slot] = 1;
      this.insertString(h, slot);
      this.strings++;
      return;
    }
    if ((this.numbers + 1) * LOAD_DENOMINATOR > (this.mask + 1) * LOAD_NUMERATOR) this.resize((this.mask + 1) * 2);
    this.insert(id, slot);
    this.numbers++;
  }

  /** Removes `id` if present; `keys` of its slot becomes null. */
  delete(id: string | number): void {
    if (typeof id === 'string') return this.deleteString(id);
    const cells = this.cells;
    const mask = this.mask;
    let i = hashInt(id, mask);
    for (;;) {
      if (cells[2 * i + 1] === EMPTY) return;
      if (cells[2 * i] === id) break;
      i = (i + 1) & mask;
    }
    if (this.ownsKeys) this.keys[cells[2 * i + 1]] = null;
    // Backward-shift deletion: move later members of the probe run into the hole.
    let hole = i;
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      if (cells[2 * j + 1] === EMPTY) break;
      const home = hashInt(cells[2 * j], mask);
      // Move j into the hole unless its home lies cyclically in (hole, j].
      const inRange = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (!inRange) {
        cells[2 * hole] = cells[2 * j];
        cells[2 * hole + 1] = cells[2 * j + 1];
        hole = j;
      }
    }
    cells[2 * hole + 1] = EMPTY;
    this.numbers--;
  }

  /**
   * Removes the id held at `slot` (which must hold one): no hashing or string comparison for a
   * string id, whose hash was kept at `set`; the probe matches on the slot number.
   */
  deleteSlot(slot: number): void {
    if (slot >= this.slotIsString.length || this.slotIsString[slot] === 0) {
      const id = this.keys[slot];
      if (id !== null && id !== undefined) this.delete(id as number);
      return;
    }
    const cells = this.stringCells;
    const mask = this.stringMask;
    let i = this.slotHashes[slot] & mask;
    // Bounded: the slot's cell lies in the probe run from its home cell.
    for (;;) {
      const s = cells[2 * i + 1];
      if (s === slot) break;
      if (s === EMPTY) return;
      i = (i + 1) & mask;
    }
    this.removeStringCell(i);
  }

  /** Forgets every id (keys emptied in place: the pool shares the array). */
  clear(): void {
    this.cells = IdIndex.emptyNumberCells(this.mask + 1);
    this.stringCells = IdIndex.emptyStringCells(this.stringMask + 1);
    this.numbers = 0;
    this.strings = 0;
    this.slotIsString.fill(0);
    if (this.ownsKeys) this.keys.fill(null);
  }

  /** Bytes of the two tables (the `keys` array is counted by the order pool). */
  memoryBytes(): number {
    return (this.mask + 1) * 16 + (this.stringMask + 1) * 8 + this.slotHashes.byteLength + this.slotIsString.byteLength;
  }

  /** Hashes `text` and remembers it for a following `set` of the same string. */
  private hash(text: string): number {
    const h = hashString(text);
    this.hashedText = text;
    this.hashedValue = h;
    return h;
  }

  /**
   * The hash of a string about to be added: the engine adds an id right after looking it up, so
   * it is usually the same object as the last one hashed (=== is then a pointer check; comparing
   * the memo with every looked-up id instead cost a content comparison per lookup).
   */
  private hashForSet(text: string): number {
    return text === this.hashedText ? this.hashedValue : hashString(text);
  }

  private getString(id: string): number {
    return this.probeString(id, this.hash(id));
  }

  private probeString(id: string, h: number): number {
    const cells = this.stringCells;
    const keys = this.keys;
    const mask = this.stringMask;
    let i = h & mask;
    // Bounded: the table is never full, so an empty cell ends every probe.
    for (;;) {
      const slot = cells[2 * i + 1];
      if (slot === EMPTY) return EMPTY;
      if (cells[2 * i] === h && keys[slot] === id) return slot;
      i = (i + 1) & mask;
    }
  }

  private deleteString(id: string): void {
    const cells = this.stringCells;
    const keys = this.keys;
    const mask = this.stringMask;
    const h = this.hash(id);
    let i = h & mask;
    for (;;) {
      const slot = cells[2 * i + 1];
      if (slot === EMPTY) return;
      if (cells[2 * i] === h && keys[slot] === id) break;
      i = (i + 1) & mask;
    }
    this.removeStringCell(i);
  }

  /** Empties string cell `i` (its slot's key becomes null), shifting later members of its run back. */
  private removeStringCell(i: number): void {
    const cells = this.stringCells;
    const mask = this.stringMask;
    const slot = cells[2 * i + 1];
    if (this.ownsKeys) this.keys[slot] = null;
    this.slotIsString[slot] = 0;
    emptyCell(cells, mask, i);
    this.strings--;
  }

  private growSlotHashes(wanted: number): void {
    let capacity = this.slotHashes.length;
    while (capacity < wanted) capacity *= 2;
    const grown = new Int32Array(capacity);
    grown.set(this.slotHashes);
    this.slotHashes = grown;
    const kinds = new Uint8Array(capacity);
    kinds.set(this.slotIsString);
    this.slotIsString = kinds;
  }

  private insert(id: number, slot: number): void {
    const cells = this.cells;
    const mask = this.mask;
    let i = hashInt(id, mask);
    while (cells[2 * i + 1] !== EMPTY) i = (i + 1) & mask;
    cells[2 * i] = id;
    cells[2 * i + 1] = slot;
  }

  private insertString(h: number, slot: number): void {
    const cells = this.stringCells;
    const mask = this.stringMask;
    let i = h & mask;
    while (cells[2 * i + 1] !== EMPTY) i = (i + 1) & mask;
    cells[2 * i] = h;
    cells[2 * i + 1] = slot;
  }

  private resize(capacity: number): void {
    const old = this.cells;
    this.cells = IdIndex.emptyNumberCells(capacity);
    this.mask = capacity - 1;
    for (let i = 1; i < old.length; i += 2) {
      if (old[i] !== EMPTY) this.insert(old[i - 1], old[i]);
    }
  }

  private resizeStrings(capacity: number): void {
    const old = this.stringCells;
    this.stringCells = IdIndex.emptyStringCells(capacity);
    this.stringMask = capacity - 1;
    for (let i = 1; i < old.length; i += 2) {
      if (old[i] !== EMPTY) this.insertString(old[i - 1], old[i]);
    }
  }
}

// Why this file exists: one side of one book is the list of its non-empty levels, sorted so the
// best level is the LAST element: the best level is an O(1) read, the taker loop walks from the
// end, and inserts and removals near the top shift only a few elements.
// Finding the level of a price was a binary search over that list; on wide books (400,000 passive
// orders over ±3,000 ticks, issue 11) its cache misses were a tenth of all time and made wide books
// 3–6× slower than narrow ones. So each side also keeps a direct index by price: `window[tick -
// windowBase]` is the level slot at that tick (or NIL), an Int32Array covering the span of ticks the
// side has actually used, grown by doubling and capped at WINDOW_TICKS_MAX entries (4 MiB). A
// price outside the window (a book spanning more than 2^20 ticks) falls back to the binary search,
// so the window bounds memory without bounding prices. The window is derived state: snapshots
// store only the sorted list and restore rebuilds the window.
// Keys are `price` for bids (ascending: highest last) and `-price` for asks (lowest price last).

import { assert } from './assert.js';
import { growF64, growI32, NIL } from './order-pool.js';

const INITIAL_LEVELS = 64;
/** Explicit limit: the direct index never exceeds this many ticks (4 bytes each). */
export const WINDOW_TICKS_MAX = 1 << 20;
const WINDOW_TICKS_MIN = 256;

export class BookSide {
  keys: Float64Array = new Float64Array(INITIAL_LEVELS);
  levels: Int32Array = new Int32Array(INITIAL_LEVELS);
  size = 0;

  /** Level slot by tick index (price / tickSize - windowBase), NIL where there is no level. */
  private window: Int32Array = new Int32Array(0);
  private windowBase = 0;
  /** Some level lies outside the window (it hit the cap): growing must re-index from the list. */
  private outside = false;

  constructor(
    /** +1 for bids, -1 for asks: key = price × sign. */
    readonly sign: 1 | -1,
    /** Prices are multiples of it, so price / tickSize is an exact integer tick index. */
    readonly tickSize = 1,
  ) {}

  /** Level slot of the best price, or NIL when empty. */
  best(): number {
    return this.size === 0 ? NIL : this.levels[this.size - 1];
  }

  /** Index of `key`, or `-(insertionPoint) - 1` when absent. Checks the top first (hot case). */
  indexOf(key: number): number {
    const keys = this.keys;
    let hi = this.size - 1;
    if (hi >= 0 && keys[hi] === key) return hi;
    let lo = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const k = keys[mid];
      if (k < key) lo = mid + 1;
      else if (k > key) hi = mid - 1;
      else return mid;
    }
    return -lo - 1;
  }

  /** Level slot at `price`, or NIL. O(1) inside the window. */
  find(price: number): number {
    const at = price / this.tickSize - this.windowBase;
    if (at >= 0 && at < this.window.length) return this.window[at];
    const index = this.indexOf(price * this.sign);
    return index >= 0 ? this.levels[index] : NIL;
  }

  /** Adds `level` at `price` (which has no level yet). */
  insert(price: number, level: number): void {
    const index = this.indexOf(price * this.sign);
    assert(index < 0, 'inserting a level that is already in the book');
    this.insertAt(-index - 1, price, level);
  }

  insertAt(index: number, price: number, level: number): void {
    if (this.size === this.keys.length) {
      this.keys = growF64(this.keys, this.size * 2);
      this.levels = growI32(this.levels, this.size * 2);
    }
    const keys = this.keys;
    const levels = this.levels;
    if (index < this.size) {
      keys.copyWithin(index + 1, index, this.size);
      levels.copyWithin(index + 1, index, this.size);
    }
    keys[index] = price * this.sign;
    levels[index] = level;
    this.size++;
    this.index(price / this.tickSize, level);
  }

  /** Removes the level at `price` (which must be present). */
  remove(price: number): void {
    const at = price / this.tickSize - this.windowBase;
    if (at >= 0 && at < this.window.length) this.window[at] = NIL;
    const key = price * this.sign;
    const last = this.size - 1;
    if (this.keys[last] === key) {
      this.size = last;
      return;
    }
    const index = this.indexOf(key);
    assert(index >= 0, 'removing a level that is not in the book');
    this.keys.copyWithin(index, index + 1, this.size);
    this.levels.copyWithin(index, index + 1, this.size);
    this.size = last;
  }

  /** Rebuilds the direct index from the sorted list (after a restore replaced keys/levels/size). */
  rebuildIndex(): void {
    this.window = new Int32Array(0);
    this.windowBase = 0;
    this.outside = false;
    for (let i = 0; i < this.size; i++) this.index((this.keys[i] * this.sign) / this.tickSize, this.levels[i]);
  }

  memoryBytes(): number {
    return this.keys.length * 12 + this.window.byteLength;
  }

  /** Records `level` at `tick` in the window, growing it to cover `tick` when within the cap. */
  private index(tick: number, level: number): void {
    let at = tick - this.windowBase;
    if (at < 0 || at >= this.window.length) {
      if (!this.cover(tick)) {
        this.outside = true;
        return;
      }
      at = tick - this.windowBase;
    }
    this.window[at] = level;
  }

  /**
   * Grows the window (doubling, at least WINDOW_TICKS_MIN) to cover `tick`; false when that would
   * exceed WINDOW_TICKS_MAX (the tick then lives only in the sorted list, found by binary search).
   */
  private cover(tick: number): boolean {
    const old = this.window;
    if (old.length === 0) {
      this.window = new Int32Array(WINDOW_TICKS_MIN).fill(NIL);
      this.windowBase = tick - WINDOW_TICKS_MIN / 2;
      return true;
    }
    const low = Math.min(this.windowBase, tick);
    const high = Math.max(this.windowBase + old.length, tick + 1);
    let length = old.length;
    while (length < high - low) length *= 2;
    if (length > WINDOW_TICKS_MAX) return false;
    // Centre the grown window on the span in use, so growth in either direction is amortised.
    const base = low - Math.floor((length - (high - low)) / 2);
    const grown = new Int32Array(length).fill(NIL);
    grown.set(old, this.windowBase - base);
    this.window = grown;
    this.windowBase = base;
    if (this.outside) {
      // Levels left out earlier may fall inside the grown window: bounded by the side's levels.
      this.outside = false;
      for (let i = 0; i < this.size; i++) {
        const t = (this.keys[i] * this.sign) / this.tickSize - base;
        if (t >= 0 && t < length) grown[t] = this.levels[i];
        else this.outside = true;
      }
    }
    return true;
  }
}

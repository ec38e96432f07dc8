// Why this file exists: one side of one book is the list of its non-empty levels, sorted so the
// best level is the LAST element. Nearly all activity happens at or near the top of the book, so
// inserts and removals there shift only a few elements, the best level is an O(1) read, and a
// price lookup is a short binary search over a flat Float64Array — no tree nodes, no allocation.
// Keys are `price` for bids (ascending: highest last) and `-price` for asks (lowest price last).

import { assert } from './assert.js';
import { growF64, growI32, NIL } from './order-pool.js';

const INITIAL_LEVELS = 64;

export class BookSide {
  keys: Float64Array = new Float64Array(INITIAL_LEVELS);
  levels: Int32Array = new Int32Array(INITIAL_LEVELS);
  size = 0;

  constructor(
    /** +1 for bids, -1 for asks: key = price × sign. */
    readonly sign: 1 | -1,
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

  /** Level slot at `price`, or NIL. */
  find(price: number): number {
    const index = this.indexOf(price * this.sign);
    return index >= 0 ? this.levels[index] : NIL;
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
  }

  /** Removes the level at `price` (which must be present). */
  remove(price: number): void {
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

  memoryBytes(): number {
    return this.keys.length * 12;
  }
}

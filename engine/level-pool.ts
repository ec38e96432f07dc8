// Why this file exists: price levels, like orders, are typed-array records with a free list.
// A level holds the FIFO (head/tail slots into the order pool) and its running totals, so depth
// and FOK checks read one number per level instead of walking its orders.
//
// One 32-byte record per level (issue 11, fifth pass; was six columns, so resting or unlinking an
// order on a wide book touched up to six cache lines of its level), through an Int32Array and a
// Float64Array over the same buffer:
//
//   f64   index level*4 + 0  price
//                       + 1  total   sum of the open qty of the level's orders (exact: config EXACT_SUM_MAX)
//   int32 index level*8 + 4  head    first order slot (free levels chain through it)
//                       + 5  tail
//                       + 6  count
//                       + 7  book    index of the instrument the level belongs to
//
// Snapshots still store the columns (format unchanged): `column()` and `loadColumns`.

import { assert } from './assert.js';
import { NIL } from './order-pool.js';

/** Float64s per level record and their offsets. */
export const L_F64S = 4;
export const L_PRICE = 0;
export const L_TOTAL = 1;
/** Int32s per level record and their offsets. */
export const L_INTS = 8;
export const L_HEAD = 4;
export const L_TAIL = 5;
export const L_COUNT = 6;
export const L_BOOK = 7;
const LEVEL_RECORD_BYTES = 32;

/** The snapshot columns of the pool, in their section order. */
export type LevelColumn = 'price' | 'head' | 'tail' | 'total' | 'count' | 'book';

export class LevelPool {
  f64: Float64Array;
  i32: Int32Array;

  capacity: number;
  highWater = 0;
  /** Free levels are chained through `head`. */
  freeHead = NIL;
  live = 0;

  constructor(initialCapacity: number) {
    assert(initialCapacity > 0, 'level pool capacity');
    this.capacity = initialCapacity;
    const buffer = new ArrayBuffer(initialCapacity * LEVEL_RECORD_BYTES);
    this.f64 = new Float64Array(buffer);
    this.i32 = new Int32Array(buffer);
  }

  alloc(price: number, book: number): number {
    let level = this.freeHead;
    if (level !== NIL) {
      this.freeHead = this.i32[level * L_INTS + L_HEAD];
    } else {
      if (this.highWater === this.capacity) this.grow(this.capacity * 2);
      level = this.highWater++;
    }
    const f = level * L_F64S;
    const i = level * L_INTS;
    this.f64[f + L_PRICE] = price;
    this.f64[f + L_TOTAL] = 0;
    this.i32[i + L_HEAD] = NIL;
    this.i32[i + L_TAIL] = NIL;
    this.i32[i + L_COUNT] = 0;
    this.i32[i + L_BOOK] = book;
    this.live++;
    return level;
  }

  free(level: number): void {
    const i = level * L_INTS;
    this.i32[i + L_COUNT] = 0;
    this.i32[i + L_HEAD] = this.freeHead;
    this.freeHead = level;
    this.live--;
  }

  grow(capacity: number): void {
    if (capacity <= this.capacity) return;
    const buffer = new ArrayBuffer(capacity * LEVEL_RECORD_BYTES);
    const i32 = new Int32Array(buffer);
    i32.set(this.i32);
    this.i32 = i32;
    this.f64 = new Float64Array(buffer);
    this.capacity = capacity;
  }

  /** Orders resting on `level`. */
  countOf(level: number): number {
    return this.i32[level * L_INTS + L_COUNT];
  }

  /** One field of levels [0, count) as a column (the snapshot's section). */
  column(name: LevelColumn, count: number): Float64Array | Int32Array {
    if (name === 'price' || name === 'total') {
      const column = new Float64Array(count);
      const field = name === 'price' ? L_PRICE : L_TOTAL;
      for (let level = 0; level < count; level++) column[level] = this.f64[level * L_F64S + field];
      return column;
    }
    const column = new Int32Array(count);
    const field = name === 'head' ? L_HEAD : name === 'tail' ? L_TAIL : name === 'count' ? L_COUNT : L_BOOK;
    for (let level = 0; level < count; level++) column[level] = this.i32[level * L_INTS + field];
    return column;
  }

  /** Writes a snapshot's columns into levels [0, price.length). */
  loadColumns(columns: { price: Float64Array; head: Int32Array; tail: Int32Array; total: Float64Array; count: Int32Array; book: Int32Array }): void {
    const count = columns.price.length;
    assert(count <= this.capacity, 'level columns longer than the pool');
    const { i32, f64 } = this;
    for (let level = 0; level < count; level++) {
      const f = level * L_F64S;
      const i = level * L_INTS;
      f64[f + L_PRICE] = columns.price[level];
      f64[f + L_TOTAL] = columns.total[level];
      i32[i + L_HEAD] = columns.head[level];
      i32[i + L_TAIL] = columns.tail[level];
      i32[i + L_COUNT] = columns.count[level];
      i32[i + L_BOOK] = columns.book[level];
    }
  }

  memoryBytes(): number {
    return this.capacity * LEVEL_RECORD_BYTES;
  }
}

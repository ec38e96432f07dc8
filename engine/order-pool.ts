// Why this file exists: resting orders are the bulk of engine memory and the hot path touches
// them constantly, so they live in typed arrays indexed by slot, with a free list, instead of one
// JS object per order (no GC pressure, raw snapshots). Slots are an implementation detail:
// nothing observable (events, hash) depends on them.
//
// Why ONE RECORD per order (issue 11, fifth pass): the fields used to be seven columns (qty,
// next, prev, level, account, flags, entry), so a cancel of a random order on a book of 150,000
// resting orders touched seven cache lines for that order and two more per FIFO neighbour; the
// `wide` profile had the chain slot → level → book as its second-hottest line. Now the fields of
// an order are one 32-byte record (two per cache line), read through an Int32Array and a
// Float64Array over the same buffer:
//
//   int32 index slot*8 + 0  next     FIFO link within the level; also chains the free list
//                      + 1  prev
//                      + 2  level    level slot the order rests on
//                      + 3  account  interned account index
//                      + 4  entry    its id-table entry (OrderIds), NIL for a free slot
//                      + 5  flags    see FLAG_*
//                      + 6  (spare)
//   f64   index slot*4 + 3  qty      open (displayed) quantity  = bytes 24..31 of the record
//
// Snapshots still store the columns (format unchanged): `column()` gathers one, `loadColumns`
// scatters them back.

import { assert } from './assert.js';

export const NIL = -1;

/** Int32s per order record, and the int32 field offsets within it. */
export const O_INTS = 8;
export const O_NEXT = 0;
export const O_PREV = 1;
export const O_LEVEL = 2;
export const O_ACCOUNT = 3;
export const O_ENTRY = 4;
export const O_FLAGS = 5;
/** Float64s per order record, and the offset of qty within it. */
export const O_F64S = 4;
export const O_QTY = 3;
const ORDER_RECORD_BYTES = 32;

/**
 * flags layout: bit 0 side (0 buy, 1 sell), bit 1 postOnly, bits 2-3 stp mode, bit 4 "has an
 * extra" (iceberg or GTT fields kept by the engine outside the pool), bit 5 "limit leg of an OCO
 * whose stop leg is still pending" (engine/oco.ts).
 */
export const FLAG_SELL = 1;
export const FLAG_POST_ONLY = 2;
export const STP_SHIFT = 2;
export const STP_MASK = 3 << STP_SHIFT;
export const FLAG_EXTRA = 16;
export const FLAG_OCO = 32;

/** The snapshot columns of the pool, in their section order. */
export type OrderColumn = 'qty' | 'next' | 'prev' | 'level' | 'account' | 'flags';
const INT_FIELD: Record<Exclude<OrderColumn, 'qty'>, number> = { next: O_NEXT, prev: O_PREV, level: O_LEVEL, account: O_ACCOUNT, flags: O_FLAGS };

export class OrderPool {
  /** The records' int32 fields (see the layout above). */
  i32: Int32Array;
  /** The same buffer as float64s: qty at `slot * O_F64S + O_QTY`. */
  f64: Float64Array;

  capacity: number;
  /** Slots [0, highWater) have been handed out at least once. */
  highWater = 0;
  freeHead = NIL;
  live = 0;

  constructor(
    initialCapacity: number,
    readonly maxCapacity: number,
  ) {
    assert(initialCapacity > 0 && initialCapacity <= maxCapacity, 'order pool capacity');
    this.capacity = initialCapacity;
    const buffer = new ArrayBuffer(initialCapacity * ORDER_RECORD_BYTES);
    this.i32 = new Int32Array(buffer);
    this.f64 = new Float64Array(buffer);
    for (let slot = 0; slot < initialCapacity; slot++) this.i32[slot * O_INTS + O_ENTRY] = NIL;
  }

  get full(): boolean {
    return this.live >= this.maxCapacity;
  }

  /** Takes a slot; the caller checked `full` first. */
  alloc(): number {
    let slot = this.freeHead;
    if (slot !== NIL) {
      this.freeHead = this.i32[slot * O_INTS + O_NEXT];
    } else {
      if (this.highWater === this.capacity) this.grow(this.capacity * 2);
      slot = this.highWater++;
    }
    this.live++;
    return slot;
  }

  free(slot: number): void {
    const at = slot * O_INTS;
    this.i32[at + O_ENTRY] = NIL;
    this.i32[at + O_NEXT] = this.freeHead;
    this.freeHead = slot;
    this.live--;
  }

  /** Grows the records to at least `wanted` slots (bounded by maxCapacity). */
  grow(wanted: number): void {
    const capacity = Math.min(Math.max(wanted, this.capacity), this.maxCapacity);
    assert(capacity > this.highWater, 'order pool exhausted past maxOrders');
    if (capacity === this.capacity) return;
    const buffer = new ArrayBuffer(capacity * ORDER_RECORD_BYTES);
    const i32 = new Int32Array(buffer);
    i32.set(this.i32.subarray(0, Math.min(this.capacity, capacity) * O_INTS));
    for (let slot = this.capacity; slot < capacity; slot++) i32[slot * O_INTS + O_ENTRY] = NIL;
    this.i32 = i32;
    this.f64 = new Float64Array(buffer);
    this.capacity = capacity;
  }

  /** One field of slots [0, count) as a column (the snapshot's section). */
  column(name: OrderColumn, count: number): Float64Array | Int32Array | Uint8Array {
    if (name === 'qty') {
      const column = new Float64Array(count);
      for (let slot = 0; slot < count; slot++) column[slot] = this.f64[slot * O_F64S + O_QTY];
      return column;
    }
    const column = name === 'flags' ? new Uint8Array(count) : new Int32Array(count);
    const field = INT_FIELD[name];
    for (let slot = 0; slot < count; slot++) column[slot] = this.i32[slot * O_INTS + field];
    return column;
  }

  /** Writes a snapshot's columns into slots [0, qty.length); `entry` stays NIL (rebuilt on restore). */
  loadColumns(columns: { qty: Float64Array; next: Int32Array; prev: Int32Array; level: Int32Array; account: Int32Array; flags: Uint8Array }): void {
    const count = columns.qty.length;
    assert(count <= this.capacity, 'order columns longer than the pool');
    const { i32, f64 } = this;
    for (let slot = 0; slot < count; slot++) {
      const at = slot * O_INTS;
      i32[at + O_NEXT] = columns.next[slot];
      i32[at + O_PREV] = columns.prev[slot];
      i32[at + O_LEVEL] = columns.level[slot];
      i32[at + O_ACCOUNT] = columns.account[slot];
      i32[at + O_FLAGS] = columns.flags[slot];
      f64[slot * O_F64S + O_QTY] = columns.qty[slot];
    }
  }

  memoryBytes(): number {
    return this.capacity * ORDER_RECORD_BYTES;
  }
}

export function growF64(array: Float64Array, capacity: number): Float64Array {
  const grown = new Float64Array(capacity);
  grown.set(array.subarray(0, Math.min(array.length, capacity)));
  return grown;
}

export function growI32(array: Int32Array, capacity: number): Int32Array {
  const grown = new Int32Array(capacity);
  grown.set(array.subarray(0, Math.min(array.length, capacity)));
  return grown;
}

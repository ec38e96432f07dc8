// Why this file exists: resting orders are the bulk of engine memory and the hot path touches
// them constantly, so they live in typed arrays indexed by slot, with a free list, instead of one
// JS object per order (no GC pressure, raw snapshots). Slots are an implementation detail: nothing
// observable (events, hash) depends on them.
// Each slot is ONE 32-byte record (array of structs), not a column per field: a cancel or modify of
// a random order of a large book reads and writes qty, links, level, account and flags of its slot
// and the links of its two neighbours; as six separate columns that was six cache misses per slot
// (the wide workload's profile: misses on the slot's fields and the id cell were most of its time),
// as one record it is one. Snapshots still store one column per field (see columns()/loadColumns).
//
// Record layout (little-endian, 32 bytes; f64 lane = byte offset / 8, i32 lane = byte offset / 4):
//   bytes  0..8   qty      float64  open (displayed) quantity
//   bytes  8..12  next     int32    next slot in the level's FIFO; also chains the free list
//   bytes 12..16  prev     int32    previous slot in the level's FIFO
//   bytes 16..20  level    int32    level slot the order rests on
//   bytes 20..24  account  int32    interned account index
//   bytes 24..28  flags    int32    see FLAG_* below
//   bytes 28..32  (spare)

import { assert } from './assert.js';
import type { OrderId } from './types.js';

export const NIL = -1;

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

/** Bytes per slot record. */
export const ORDER_RECORD_BYTES = 32;
const F64_PER_RECORD = ORDER_RECORD_BYTES / 8;
const I32_PER_RECORD = ORDER_RECORD_BYTES / 4;
const NEXT = 2;
const PREV = 3;
const LEVEL = 4;
const ACCOUNT = 5;
const FLAGS = 6;

/** One column per record field, `highWater` entries each (the snapshot sections). */
export interface OrderColumns {
  qty: Float64Array;
  next: Int32Array;
  prev: Int32Array;
  level: Int32Array;
  account: Int32Array;
  flags: Uint8Array;
}

export class OrderPool {
  /** The records as float64 lanes (qty) and as int32 lanes (everything else): one buffer. */
  private f64: Float64Array;
  private i32: Int32Array;
  /** Caller ids by slot; null for free slots so dead ids are not retained. The engine shares this
   * array with its IdIndex (`keys`), which compares string ids against it instead of storing them. */
  ids: Array<OrderId | null>;

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
    this.f64 = new Float64Array(buffer);
    this.i32 = new Int32Array(buffer);
    this.ids = [];
  }

  get full(): boolean {
    return this.live >= this.maxCapacity;
  }

  qtyOf(slot: number): number {
    return this.f64[slot * F64_PER_RECORD];
  }

  setQty(slot: number, qty: number): void {
    this.f64[slot * F64_PER_RECORD] = qty;
  }

  nextOf(slot: number): number {
    return this.i32[slot * I32_PER_RECORD + NEXT];
  }

  setNext(slot: number, next: number): void {
    this.i32[slot * I32_PER_RECORD + NEXT] = next;
  }

  prevOf(slot: number): number {
    return this.i32[slot * I32_PER_RECORD + PREV];
  }

  setPrev(slot: number, prev: number): void {
    this.i32[slot * I32_PER_RECORD + PREV] = prev;
  }

  levelOf(slot: number): number {
    return this.i32[slot * I32_PER_RECORD + LEVEL];
  }

  setLevel(slot: number, level: number): void {
    this.i32[slot * I32_PER_RECORD + LEVEL] = level;
  }

  accountOf(slot: number): number {
    return this.i32[slot * I32_PER_RECORD + ACCOUNT];
  }

  setAccount(slot: number, account: number): void {
    this.i32[slot * I32_PER_RECORD + ACCOUNT] = account;
  }

  flagsOf(slot: number): number {
    return this.i32[slot * I32_PER_RECORD + FLAGS];
  }

  setFlags(slot: number, flags: number): void {
    this.i32[slot * I32_PER_RECORD + FLAGS] = flags;
  }

  /** Takes a slot; the caller checked `full` first. */
  alloc(): number {
    let slot = this.freeHead;
    if (slot !== NIL) {
      this.freeHead = this.nextOf(slot);
    } else {
      if (this.highWater === this.capacity) this.grow(this.capacity * 2);
      slot = this.highWater++;
    }
    this.live++;
    return slot;
  }

  free(slot: number): void {
    this.ids[slot] = null;
    this.setNext(slot, this.freeHead);
    this.freeHead = slot;
    this.live--;
  }

  /** Grows the records to at least `wanted` slots (bounded by maxCapacity). */
  grow(wanted: number): void {
    const capacity = Math.min(Math.max(wanted, this.capacity), this.maxCapacity);
    assert(capacity > this.highWater, 'order pool exhausted past maxOrders');
    if (capacity === this.capacity) return;
    const buffer = new ArrayBuffer(capacity * ORDER_RECORD_BYTES);
    new Uint8Array(buffer).set(new Uint8Array(this.f64.buffer, 0, this.capacity * ORDER_RECORD_BYTES));
    this.f64 = new Float64Array(buffer);
    this.i32 = new Int32Array(buffer);
    this.capacity = capacity;
  }

  /** The fields of slots [0, highWater) as one column each (fresh arrays: snapshots). */
  columns(): OrderColumns {
    const n = this.highWater;
    const c: OrderColumns = {
      qty: new Float64Array(n),
      next: new Int32Array(n),
      prev: new Int32Array(n),
      level: new Int32Array(n),
      account: new Int32Array(n),
      flags: new Uint8Array(n),
    };
    for (let slot = 0; slot < n; slot++) {
      c.qty[slot] = this.qtyOf(slot);
      c.next[slot] = this.nextOf(slot);
      c.prev[slot] = this.prevOf(slot);
      c.level[slot] = this.levelOf(slot);
      c.account[slot] = this.accountOf(slot);
      c.flags[slot] = this.flagsOf(slot);
    }
    return c;
  }

  /** Fills slots [0, highWater) from columns (restore); the pool must have the capacity. */
  loadColumns(c: OrderColumns, highWater: number): void {
    assert(highWater <= this.capacity, 'order pool too small for the snapshot');
    for (let slot = 0; slot < highWater; slot++) {
      this.setQty(slot, c.qty[slot]);
      this.setNext(slot, c.next[slot]);
      this.setPrev(slot, c.prev[slot]);
      this.setLevel(slot, c.level[slot]);
      this.setAccount(slot, c.account[slot]);
      this.setFlags(slot, c.flags[slot]);
    }
    this.highWater = highWater;
  }

  memoryBytes(): number {
    // The record, plus 8 for the id reference in a JS array.
    return this.capacity * (ORDER_RECORD_BYTES + 8);
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

// Why this file exists: resting orders are the bulk of engine memory and the hot path touches
// them constantly, so they live as a struct of typed arrays indexed by slot, with a free list,
// instead of one JS object per order (no GC pressure, ~30 bytes per order, raw snapshots).
// Slots are an implementation detail: nothing observable (events, hash) depends on them.

import { assert } from './assert.js';

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

export class OrderPool {
  /** Open quantity. */
  qty: Float64Array;
  /** Intrusive FIFO links within the order's level; `next` also chains the free list. */
  next: Int32Array;
  prev: Int32Array;
  /** Level slot the order rests on. */
  level: Int32Array;
  /** Interned account index. */
  account: Int32Array;
  flags: Uint8Array;
  /**
   * Slot of the order's entry in the engine's id table (OrderIds), NIL for a free slot. Every
   * resting order has one: it holds the order's id (`OrderIds.ids`) and this slot back
   * (`OrderIds.liveSlot`), so the pool keeps no id of its own and a fill or a death updates the
   * entry without an id lookup. Derived state: not snapshotted, rebuilt on restore.
   */
  entry: Int32Array;

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
    this.qty = new Float64Array(initialCapacity);
    this.next = new Int32Array(initialCapacity);
    this.prev = new Int32Array(initialCapacity);
    this.level = new Int32Array(initialCapacity);
    this.account = new Int32Array(initialCapacity);
    this.flags = new Uint8Array(initialCapacity);
    this.entry = new Int32Array(initialCapacity).fill(NIL);
  }

  get full(): boolean {
    return this.live >= this.maxCapacity;
  }

  /** Takes a slot; the caller checked `full` first. */
  alloc(): number {
    let slot = this.freeHead;
    if (slot !== NIL) {
      this.freeHead = this.next[slot];
    } else {
      if (this.highWater === this.capacity) this.grow(this.capacity * 2);
      slot = this.highWater++;
    }
    this.live++;
    return slot;
  }

  free(slot: number): void {
    this.entry[slot] = NIL;
    this.next[slot] = this.freeHead;
    this.freeHead = slot;
    this.live--;
  }

  /** Grows every array to at least `wanted` slots (bounded by maxCapacity). */
  grow(wanted: number): void {
    const capacity = Math.min(Math.max(wanted, this.capacity), this.maxCapacity);
    assert(capacity > this.highWater, 'order pool exhausted past maxOrders');
    if (capacity === this.capacity) return;
    this.qty = growF64(this.qty, capacity);
    this.next = growI32(this.next, capacity);
    this.prev = growI32(this.prev, capacity);
    this.level = growI32(this.level, capacity);
    this.account = growI32(this.account, capacity);
    const entry = new Int32Array(capacity).fill(NIL);
    entry.set(this.entry.subarray(0, Math.min(this.entry.length, capacity)));
    this.entry = entry;
    const flags = new Uint8Array(capacity);
    flags.set(this.flags);
    this.flags = flags;
    this.capacity = capacity;
  }

  memoryBytes(): number {
    // 8 (qty) + 5 × 4 (links, level, account, id entry) + 1 (flags).
    return this.capacity * (8 + 20 + 1);
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

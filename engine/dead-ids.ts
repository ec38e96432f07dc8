// Why this file exists: a late cancel of an order that already filled or was cancelled must answer
// TOO_LATE_TO_CANCEL, not UNKNOWN_ORDER, so the engine remembers recently dead ids — but memory
// must stay bounded, so each instrument keeps a ring of its last `max` dead ids (oldest forgotten
// first) with the time of the command that ended each. Rings are per instrument so that shards
// owning different instruments hash and snapshot their own part (SEMANTICS.md "Dead ids"). Entries
// live in dense slots (a free list), and one id index over all rings maps an id to the slot of its
// newest entry, so "is this id remembered?" is one probe. The index is filled lazily: a death only
// writes its entry and queues its slot; the queue is indexed when someone asks (a cancel or modify
// that found no live order — rare) or when it grows past a multiple of the entries held, so most
// entries of a busy book are evicted before anyone hashed them. Measured (mixed workload, one
// process, engine with and without the memory): indexing every death eagerly cost ~35% of all
// matching time; lazily it is a few array writes per death. The stored time is what
// a later retention window (by time or command count) will evict on; today the bound is the count.

import { IdIndex } from './id-index.js';
import type { OrderId } from './types.js';

const NONE = -1;
/** The pending queue is indexed once it holds this many times the entries held (plus a floor). */
const PENDING_FACTOR = 8;
const PENDING_FLOOR = 1024;

/** One instrument's ring of entry slots, grown on demand up to `max` (most never fill it). */
class Ring {
  slots = new Int32Array(16);
  size = 0;
  /** Once full: position of the oldest entry (the next to be overwritten). */
  head = 0;
}

const FLAG_STALE = 1;
const FLAG_INDEXED = 2;

function grownI32(array: Int32Array, wanted: number): Int32Array<ArrayBuffer> {
  const grown = new Int32Array(Math.max(wanted, array.length * 2));
  grown.set(array);
  return grown;
}

export class DeadIds {
  private readonly rings: Ring[];
  /** id → slot of its newest entry. */
  private readonly index = new IdIndex();
  /**
   * Per entry slot (typed arrays: a death must not feed the garbage collector): the id, the death
   * time, the instrument, flags (stale: a newer entry of the id exists; indexed: it answers in the
   * index) and a generation bumped at every reuse of the slot.
   */
  private ids: Array<OrderId | null> = [];
  private times = new Float64Array(64);
  private instruments = new Int32Array(64);
  private flags = new Uint8Array(64);
  private generations = new Int32Array(64);
  private slotCount = 0;
  private freeSlots = new Int32Array(64);
  private freeCount = 0;
  /** Entries not indexed yet, in death order: slot and its generation when queued. */
  private pendingSlots = new Int32Array(64);
  private pendingGenerations = new Int32Array(64);
  private pendingCount = 0;
  /** Entries held in all rings (the pending queue is indexed before it exceeds PENDING_FACTOR × this). */
  private held = 0;

  constructor(
    instruments: number,
    readonly max: number,
  ) {
    this.rings = Array.from({ length: instruments }, () => new Ring());
  }

  /** A ring for one more instrument (add_instrument): it takes the next index. */
  addInstrument(): void {
    this.rings.push(new Ring());
  }

  /** Remembers `id` as dead in `instrument` at `time`, forgetting that ring's oldest entry if full. */
  add(instrument: number, id: OrderId, time: number): void {
    const max = this.max;
    if (max === 0) return;
    const ring = this.rings[instrument];
    let slot: number;
    if (ring.size === max) {
      this.freeSlot(ring.slots[ring.head]);
      slot = this.allocSlot(instrument, id, time);
      ring.slots[ring.head] = slot;
      ring.head = ring.head + 1 === max ? 0 : ring.head + 1;
    } else {
      slot = this.allocSlot(instrument, id, time);
      if (ring.size === ring.slots.length) ring.slots = grownI32(ring.slots, Math.min(max, ring.size * 2));
      ring.slots[ring.size++] = slot;
      this.held++;
    }
    const n = this.pendingCount;
    if (n === this.pendingSlots.length) {
      this.pendingSlots = grownI32(this.pendingSlots, n * 2);
      this.pendingGenerations = grownI32(this.pendingGenerations, n * 2);
    }
    this.pendingSlots[n] = slot;
    this.pendingGenerations[n] = this.generations[slot];
    this.pendingCount = n + 1;
    if (this.pendingCount > PENDING_FACTOR * this.held + PENDING_FLOOR) this.sync();
  }

  /** Is `id` in some instrument's ring? (The caller checks first that it is not live.) */
  has(id: OrderId): boolean {
    this.sync();
    return this.index.get(id) !== NONE;
  }

  /** Instrument whose ring holds the newest entry of `id`, or -1. */
  instrumentOf(id: OrderId): number {
    this.sync();
    const slot = this.index.get(id);
    return slot === NONE ? -1 : this.instruments[slot];
  }

  /** Indexes the queued entries that are still held, oldest first (a newer entry of an id wins). */
  private sync(): void {
    const slots = this.pendingSlots;
    const generations = this.pendingGenerations;
    const flags = this.flags;
    // Bounded by the queue, which add() keeps below PENDING_FACTOR × held + PENDING_FLOOR.
    for (let i = 0; i < this.pendingCount; i++) {
      const slot = slots[i];
      if (this.generations[slot] !== generations[i]) continue; // evicted before it was indexed
      const id = this.ids[slot] as OrderId;
      const previous = this.index.get(id);
      if (previous !== NONE) {
        // The older entry stays in its ring (it is still counted there) but no longer answers.
        this.index.deleteSlot(previous);
        flags[previous] = FLAG_STALE;
      }
      this.index.set(id, slot);
      flags[slot] = FLAG_INDEXED;
    }
    this.pendingCount = 0;
  }

  /** Number of entries of one instrument. */
  count(instrument: number): number {
    return this.rings[instrument].size;
  }

  /** Entries of one instrument, oldest first. */
  forEach(instrument: number, visit: (id: OrderId, time: number) => void): void {
    const ring = this.rings[instrument];
    const n = ring.size;
    const start = n < this.max ? 0 : ring.head;
    for (let k = 0; k < n; k++) {
      const slot = ring.slots[start + k < n ? start + k : start + k - n];
      visit(this.ids[slot] as OrderId, this.times[slot]);
    }
  }

  /** Forgets one instrument's entries (a shard that keeps only its own instruments). */
  clear(instrument: number): void {
    const ring = this.rings[instrument];
    for (let i = 0; i < ring.size; i++) this.freeSlot(ring.slots[i]);
    this.held -= ring.size;
    ring.slots = new Int32Array(16);
    ring.size = 0;
    ring.head = 0;
  }

  /** Rebuilds one instrument's ring from its entries, oldest first (restore). */
  load(instrument: number, ids: readonly OrderId[], times: readonly number[]): void {
    for (let i = 0; i < ids.length; i++) this.add(instrument, ids[i], times[i]);
  }

  memoryBytes(): number {
    let rings = 0;
    for (const ring of this.rings) rings += ring.slots.byteLength;
    const perSlot = this.times.length * (8 + 4 + 1 + 4 + 4 + 8);
    return rings + perSlot + this.pendingSlots.byteLength * 2 + this.index.memoryBytes();
  }

  private allocSlot(instrument: number, id: OrderId, time: number): number {
    let slot: number;
    if (this.freeCount > 0) {
      slot = this.freeSlots[--this.freeCount];
      this.generations[slot]++;
    } else {
      slot = this.slotCount++;
      if (slot === this.times.length) this.growSlots(slot * 2);
      this.generations[slot] = 0;
    }
    this.ids[slot] = id;
    this.times[slot] = time;
    this.instruments[slot] = instrument;
    this.flags[slot] = 0;
    return slot;
  }

  /** Forgets an entry: out of the index if it answers there, its slot free for reuse. */
  private freeSlot(slot: number): void {
    if ((this.flags[slot] & FLAG_INDEXED) !== 0) this.index.deleteSlot(slot);
    this.flags[slot] = 0;
    this.ids[slot] = null;
    if (this.freeCount === this.freeSlots.length) this.freeSlots = grownI32(this.freeSlots, this.freeCount * 2);
    this.freeSlots[this.freeCount++] = slot;
  }

  private growSlots(capacity: number): void {
    const times = new Float64Array(capacity);
    times.set(this.times);
    this.times = times;
    this.instruments = grownI32(this.instruments, capacity);
    this.generations = grownI32(this.generations, capacity);
    const flags = new Uint8Array(capacity);
    flags.set(this.flags);
    this.flags = flags;
  }
}

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
  slots: number[] = [];
  /** Once full: position of the oldest entry (the next to be overwritten). */
  head = 0;
}

export class DeadIds {
  private readonly rings: Ring[];
  /** id → slot of its newest entry. */
  private readonly index = new IdIndex();
  /** Per entry slot: the id, the death time, the instrument, and whether a newer entry of the id exists. */
  private ids: Array<OrderId | null> = [];
  private times: number[] = [];
  private instruments: number[] = [];
  private stale: boolean[] = [];
  /** Per entry slot: is it in the index; its generation (bumped at every reuse of the slot). */
  private indexed: boolean[] = [];
  private generations: number[] = [];
  private freeSlots: number[] = [];
  /** Entries not indexed yet, in death order: slot and its generation when queued. */
  private pendingSlots: number[] = [];
  private pendingGenerations: number[] = [];
  /** Entries held in all rings (the pending queue is indexed before it exceeds PENDING_FACTOR × this). */
  private held = 0;

  constructor(
    instruments: number,
    readonly max: number,
  ) {
    this.rings = Array.from({ length: instruments }, () => new Ring());
  }

  /** Remembers `id` as dead in `instrument` at `time`, forgetting that ring's oldest entry if full. */
  add(instrument: number, id: OrderId, time: number): void {
    const max = this.max;
    if (max === 0) return;
    const ring = this.rings[instrument];
    let slot: number;
    if (ring.slots.length === max) {
      this.freeSlot(ring.slots[ring.head]);
      slot = this.allocSlot(instrument, id, time);
      ring.slots[ring.head] = slot;
      ring.head = ring.head + 1 === max ? 0 : ring.head + 1;
    } else {
      slot = this.allocSlot(instrument, id, time);
      ring.slots.push(slot);
      this.held++;
    }
    this.pendingSlots.push(slot);
    this.pendingGenerations.push(this.generations[slot]);
    if (this.pendingSlots.length > PENDING_FACTOR * this.held + PENDING_FLOOR) this.sync();
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
    // Bounded by the queue, which add() keeps below PENDING_FACTOR × held + PENDING_FLOOR.
    for (let i = 0; i < slots.length; i++) {
      const slot = slots[i];
      if (this.generations[slot] !== generations[i]) continue; // evicted before it was indexed
      const id = this.ids[slot] as OrderId;
      const previous = this.index.get(id);
      if (previous !== NONE) {
        // The older entry stays in its ring (it is still counted there) but no longer answers.
        this.index.deleteSlot(previous);
        this.indexed[previous] = false;
        this.stale[previous] = true;
      }
      this.index.set(id, slot);
      this.indexed[slot] = true;
    }
    slots.length = 0;
    generations.length = 0;
  }

  /** Number of entries of one instrument. */
  count(instrument: number): number {
    return this.rings[instrument].slots.length;
  }

  /** Entries of one instrument, oldest first. */
  forEach(instrument: number, visit: (id: OrderId, time: number) => void): void {
    const ring = this.rings[instrument];
    const n = ring.slots.length;
    const start = n < this.max ? 0 : ring.head;
    for (let k = 0; k < n; k++) {
      const slot = ring.slots[start + k < n ? start + k : start + k - n];
      visit(this.ids[slot] as OrderId, this.times[slot]);
    }
  }

  /** Forgets one instrument's entries (a shard that keeps only its own instruments). */
  clear(instrument: number): void {
    const ring = this.rings[instrument];
    for (const slot of ring.slots) this.freeSlot(slot);
    this.held -= ring.slots.length;
    ring.slots = [];
    ring.head = 0;
  }

  /** Rebuilds one instrument's ring from its entries, oldest first (restore). */
  load(instrument: number, ids: readonly OrderId[], times: readonly number[]): void {
    for (let i = 0; i < ids.length; i++) this.add(instrument, ids[i], times[i]);
  }

  memoryBytes(): number {
    return this.ids.length * 56 + this.pendingSlots.length * 16 + this.index.memoryBytes();
  }

  private allocSlot(instrument: number, id: OrderId, time: number): number {
    let slot: number;
    if (this.freeSlots.length > 0) {
      slot = this.freeSlots.pop()!;
      this.generations[slot]++;
    } else {
      slot = this.ids.length;
      this.generations[slot] = 0;
    }
    this.ids[slot] = id;
    this.times[slot] = time;
    this.instruments[slot] = instrument;
    this.stale[slot] = false;
    this.indexed[slot] = false;
    return slot;
  }

  /** Forgets an entry: out of the index if it answers there, its slot free for reuse. */
  private freeSlot(slot: number): void {
    if (this.indexed[slot]) this.index.deleteSlot(slot);
    this.indexed[slot] = false;
    this.ids[slot] = null;
    this.freeSlots.push(slot);
  }
}

// Why this file exists: a late cancel of an order that already filled or was cancelled must answer
// TOO_LATE_TO_CANCEL, not UNKNOWN_ORDER, so the engine remembers recently dead ids — but memory
// must stay bounded, so each instrument keeps a ring of its last `max` dead ids (oldest forgotten
// first) with the time of the command that ended each. Rings are per instrument so that shards
// owning different instruments hash and snapshot their own part (SEMANTICS.md "Dead ids"); one id
// index over all rings answers "is this id remembered?" in O(1). The stored time is what a later
// retention window (by time or command count) will evict on; today the bound is the count.

import { IdIndex } from './id-index.js';
import type { OrderId } from './types.js';

const NONE = -1;

/** One instrument's ring, grown on demand up to `max` entries (most instruments never fill it). */
class Ring {
  ids: OrderId[] = [];
  times: number[] = [];
  /** Once full: position of the oldest entry (the next to be overwritten). */
  head = 0;
}

export class DeadIds {
  private readonly rings: Ring[];
  /** id → instrument × max + position of its newest entry. */
  private readonly index = new IdIndex();

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
    let position: number;
    if (ring.ids.length < max) {
      position = ring.ids.length;
      ring.ids.push(id);
      ring.times.push(time);
    } else {
      position = ring.head;
      const evicted = ring.ids[position];
      // The index points at the newest entry of an id; an older duplicate's eviction leaves it.
      if (this.index.get(evicted) === instrument * max + position) this.index.delete(evicted);
      ring.ids[position] = id;
      ring.times[position] = time;
      ring.head = position + 1 === max ? 0 : position + 1;
    }
    if (this.index.get(id) !== NONE) this.index.delete(id);
    this.index.set(id, instrument * max + position);
  }

  /** Is `id` in some instrument's ring? (The caller checks first that it is not live.) */
  has(id: OrderId): boolean {
    return this.index.get(id) !== NONE;
  }

  /** Instrument whose ring holds the newest entry of `id`, or -1. */
  instrumentOf(id: OrderId): number {
    const code = this.index.get(id);
    return code === NONE ? -1 : Math.floor(code / this.max);
  }

  /** Number of entries of one instrument. */
  count(instrument: number): number {
    return this.rings[instrument].ids.length;
  }

  /** Entries of one instrument, oldest first. */
  forEach(instrument: number, visit: (id: OrderId, time: number) => void): void {
    const ring = this.rings[instrument];
    const n = ring.ids.length;
    const start = n < this.max ? 0 : ring.head;
    for (let k = 0; k < n; k++) {
      const i = start + k < n ? start + k : start + k - n;
      visit(ring.ids[i], ring.times[i]);
    }
  }

  /** Forgets one instrument's entries (a shard that keeps only its own instruments). */
  clear(instrument: number): void {
    const ring = this.rings[instrument];
    for (let i = 0; i < ring.ids.length; i++) {
      const id = ring.ids[i];
      if (this.index.get(id) === instrument * this.max + i) this.index.delete(id);
    }
    ring.ids = [];
    ring.times = [];
    ring.head = 0;
  }

  /** Rebuilds one instrument's ring from its entries, oldest first (restore). */
  load(instrument: number, ids: readonly OrderId[], times: readonly number[]): void {
    for (let i = 0; i < ids.length; i++) this.add(instrument, ids[i], times[i]);
  }

  memoryBytes(): number {
    let entries = 0;
    for (const ring of this.rings) entries += ring.ids.length;
    return entries * 16 + this.index.memoryBytes();
  }
}

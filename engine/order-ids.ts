// Why this file exists: a client that lost an acknowledgement retries with the same order id, and
// the retry must not execute twice (issue 12). So every `new` that reaches the stateful checks
// consumes its id: the engine remembers it, per instrument, with the seq and time of the command
// that created it, for a retention window the venue sets (by commands and/or by the commands'
// stamped time — never a clock, so replay decides exactly as live did) and up to an explicit cap.
// The same entry answers `orderStatus(id)`: its status, filled quantity and the seq of its last
// change, also after the order died. It replaces dead-ids.ts (which remembered only dead ids).
//
// What is remembered is a pure function of the log (which `new`s were logged, their seq and time):
// an entry joins its instrument's ring when its `new` is not a duplicate, and leaves it — oldest
// first, only when a `new` of the same instrument is checked — once out of the window or pushed
// out by the cap. Matching outcomes never decide membership, so the exchange's router can keep the
// very same rings on the caller's thread (fed the same calls, nothing else) and route a duplicate
// to the worker that remembers it (SEMANTICS.md "Order ids"). An entry whose order is still live
// when it leaves its ring is kept aside ("overdue": no longer remembered, still reporting status)
// until the order dies. Entries live in typed-array slots with a free list: a `new` writes a few
// numbers, no object.

import { hashId, IdIndex, type IdIndexTables } from './id-index.js';
import type { OrderId } from './types.js';

const NONE = -1;

/** Entry status codes (state: snapshotted and hashed; never renumber). */
export const STATUS_OPEN = 0;
export const STATUS_FILLED = 1;
export const STATUS_CANCELLED = 2;
export const STATUS_EXPIRED = 3;
export const STATUS_REJECTED = 4;
export const STATUS_NAMES = ['open', 'filled', 'cancelled', 'expired', 'rejected'] as const;

const FLAG_IN_RING = 1;
const FLAG_INDEXED = 2;
const FLAG_OVERDUE = 4;

/**
 * How an entry leaving its ring learns whether its order is still live: a check by id, or null
 * when the caller closes every entry whose order dies (the engine), so an open entry's order is
 * live by construction and no lookup is needed (engine/invariants.ts checks that it holds).
 */
export type LiveCheck = ((id: OrderId) => boolean) | null;

/** What happens when an instrument's ring is full and a new id arrives (SEMANTICS.md "Order ids"). */
export type IdsRememberedFull = 'forget-oldest' | 'reject';

export interface OrderIdsLimits {
  /** Entries per instrument ring (0: nothing is remembered). */
  readonly perInstrumentMax: number;
  /** An entry is remembered while `seq - createdSeq < retentionCommands` (0: no bound by commands). */
  readonly retentionCommands: number;
  /** An entry is remembered while `time - createdTime < retentionMs` (0: no bound by time). */
  readonly retentionMs: number;
  readonly full: IdsRememberedFull;
}

/** One instrument's entries in creation order: a circular buffer of slots, grown up to the cap. */
class Ring {
  slots = new Int32Array(16);
  head = 0;
  size = 0;
  /**
   * Entries out of the ring whose orders are still live, in the order they left: a doubly linked
   * list through OrderIds' overdueNext / overduePrev columns (was a Set: its hashing and table
   * growth were ~2% of `mixed` and more on `wide`, where most resting orders end up overdue).
   */
  overdueHead = NONE;
  overdueTail = NONE;

  at(k: number): number {
    const i = this.head + k;
    return this.slots[i < this.slots.length ? i : i - this.slots.length];
  }

  push(slot: number, max: number): void {
    if (this.size === this.slots.length) {
      const grown = new Int32Array(Math.min(max, this.slots.length * 2));
      for (let k = 0; k < this.size; k++) grown[k] = this.at(k);
      this.slots = grown;
      this.head = 0;
    }
    const i = this.head + this.size;
    this.slots[i < this.slots.length ? i : i - this.slots.length] = slot;
    this.size++;
  }

  shift(): number {
    const slot = this.slots[this.head];
    this.head = this.head + 1 === this.slots.length ? 0 : this.head + 1;
    this.size--;
    return slot;
  }
}

/** The raw state of an OrderIds (views, not copies) for snapshots; `ids` travel separately. */
export interface OrderIdsTables {
  slotCount: number;
  seqs: Float64Array;
  times: Float64Array;
  lastSeqs: Float64Array;
  filled: Float64Array;
  statuses: Uint8Array;
  reasonCodes: Uint16Array;
  reasonNames: Array<string | null>;
  instruments: Int32Array;
  flags: Uint8Array;
  overdueNext: Int32Array;
  overduePrev: Int32Array;
  freeSlots: Int32Array;
  /** Per instrument: the ring's slots oldest first, and its overdue list's ends. */
  rings: Array<{ slots: Int32Array; overdueHead: number; overdueTail: number }>;
  index: IdIndexTables;
}

export class OrderIds {
  private readonly rings: Ring[];
  /** Links of the overdue lists (Ring.overdueHead), by slot; meaningful only with FLAG_OVERDUE. */
  private overdueNext = new Int32Array(64);
  private overduePrev = new Int32Array(64);
  /** Slot → id (null for free slots); the index below compares against it, keeping no copy. */
  readonly ids: Array<OrderId | null> = [];
  /** id → slot of its newest entry. */
  private readonly index = new IdIndex(this.ids, false);
  seqs = new Float64Array(64);
  times = new Float64Array(64);
  lastSeqs = new Float64Array(64);
  filled = new Float64Array(64);
  statuses = new Uint8Array(64);
  /**
   * Why it was cancelled or rejected, as a code into `reasonNames` (0: none). A few dozen distinct
   * reasons exist (CancelReason, RejectCode), so 2 bytes per entry instead of an 8-byte reference.
   */
  private reasonCodes = new Uint16Array(64);
  private readonly reasonNames: Array<string | null> = [null];
  private readonly reasonIndex = new Map<string, number>();
  instruments = new Int32Array(64);
  private flags = new Uint8Array(64);
  private slotCount = 0;
  private freeSlots = new Int32Array(64);
  private freeCount = 0;

  constructor(
    instruments: number,
    readonly limits: OrderIdsLimits,
  ) {
    this.rings = Array.from({ length: instruments }, () => new Ring());
  }

  /** A ring for one more instrument (add_instrument): it takes the next index. */
  addInstrument(): void {
    this.rings.push(new Ring());
  }

  /** Slot of the newest entry of `id`, or -1. */
  find(id: OrderId): number {
    return this.index.get(id);
  }

  /** `find` with the id's `hashId` already computed. */
  findHashed(id: OrderId, hash: number): number {
    return this.index.getHashed(id, hash);
  }

  /** Why the order at `slot` was cancelled or rejected (a CancelReason or RejectCode), else null. */
  reason(slot: number): string | null {
    return this.reasonNames[this.reasonCodes[slot]];
  }

  private reasonCode(reason: string | null): number {
    if (reason === null) return 0;
    let code = this.reasonIndex.get(reason);
    if (code === undefined) {
      code = this.reasonNames.length;
      // Reasons are the engine's own codes (tens of them); only a forged snapshot could bring more.
      if (code > 0xffff) throw new RangeError('more than 65,535 distinct id-memory reasons');
      this.reasonNames.push(reason);
      this.reasonIndex.set(reason, code);
    }
    return code;
  }

  /** Is the entry at `slot` remembered (in its ring and inside the window) at (seq, time)? */
  remembered(slot: number, seq: number, time: number): boolean {
    return (this.flags[slot] & FLAG_IN_RING) !== 0 && !this.outOfWindow(slot, seq, time);
  }

  private outOfWindow(slot: number, seq: number, time: number): boolean {
    const { retentionCommands, retentionMs } = this.limits;
    return (retentionCommands > 0 && seq - this.seqs[slot] >= retentionCommands) || (retentionMs > 0 && time - this.times[slot] >= retentionMs);
  }

  /**
   * Before a `new` of `instrument` at (seq, time): drops the ring's oldest entries while they are
   * out of the window (an entry whose order `isLive` goes overdue). Bounded by the ring's size.
   */
  evict(instrument: number, seq: number, time: number, isLive: LiveCheck): void {
    const ring = this.rings[instrument];
    while (ring.size > 0 && this.outOfWindow(ring.slots[ring.head], seq, time)) this.leaveRing(ring, isLive);
  }

  /**
   * Room for one more entry in `instrument`'s ring: true at once when there is, else with
   * 'forget-oldest' the oldest entry leaves (true), with 'reject' nothing changes (false).
   */
  makeRoom(instrument: number, isLive: LiveCheck): boolean {
    const ring = this.rings[instrument];
    const max = this.limits.perInstrumentMax;
    if (max === 0 || ring.size < max) return true;
    if (this.limits.full === 'reject') return false;
    this.leaveRing(ring, isLive);
    return true;
  }

  private leaveRing(ring: Ring, isLive: LiveCheck): void {
    const slot = ring.shift();
    this.flags[slot] &= ~FLAG_IN_RING;
    if (this.statuses[slot] === STATUS_OPEN && (isLive === null || isLive(this.ids[slot] as OrderId))) {
      this.flags[slot] |= FLAG_OVERDUE;
      this.linkOverdue(ring, slot);
    } else {
      this.freeSlot(slot);
    }
  }

  /**
   * Remembers `id` as created in `instrument` at (seq, time), status open; returns its slot, or
   * -1 when nothing is remembered (perInstrumentMax 0). The caller made room first.
   */
  add(instrument: number, id: OrderId, seq: number, time: number): number {
    const hash = hashId(id);
    return this.addHashed(instrument, id, seq, time, hash, this.index.getHashed(id, hash));
  }

  /**
   * `add` for a caller that already hashed `id` (`hashId`) and looked it up: `known` is what
   * `findHashed` answered before the caller's `evict` / `makeRoom` (which may have freed it since).
   * Saves the new order's second hash and probe of the index.
   */
  addHashed(instrument: number, id: OrderId, seq: number, time: number, hash: number, known: number): number {
    if (this.limits.perInstrumentMax === 0) return NONE;
    // A slot freed since the lookup lost FLAG_INDEXED (freeSlot clears its flags), so this is
    // exactly what index.get(id) would answer now; read it before allocSlot may reuse that slot.
    const previous = known !== NONE && (this.flags[known] & FLAG_INDEXED) !== 0 ? known : NONE;
    const slot = this.allocSlot();
    this.ids[slot] = id;
    this.seqs[slot] = seq;
    this.times[slot] = time;
    this.lastSeqs[slot] = seq;
    this.filled[slot] = 0;
    this.statuses[slot] = STATUS_OPEN;
    this.reasonCodes[slot] = 0;
    this.instruments[slot] = instrument;
    this.flags[slot] = FLAG_IN_RING;
    this.rings[instrument].push(slot, this.limits.perInstrumentMax);
    this.indexSlot(id, slot, hash, previous);
    return slot;
  }

  /** Makes `slot` the entry answering for `id`; `previous` is the one that did (or NONE). */
  private indexSlot(id: OrderId, slot: number, hash: number, previous: number): void {
    if (previous !== NONE) {
      // An older entry of the id (out of its window, or forgotten) stays where it is but no longer answers.
      this.index.deleteSlot(previous);
      this.flags[previous] &= ~FLAG_INDEXED;
    }
    this.index.setHashed(id, slot, hash);
    this.flags[slot] |= FLAG_INDEXED;
  }

  /** `qty` of the order at `slot` traded at `seq`. */
  fill(slot: number, qty: number, seq: number): void {
    if (slot === NONE) return;
    this.filled[slot] += qty;
    this.lastSeqs[slot] = seq;
  }

  /** The order at `slot` changed (modified, triggered) at `seq`. */
  touch(slot: number, seq: number): void {
    if (slot !== NONE) this.lastSeqs[slot] = seq;
  }

  /** The order at `slot` ended at `seq`; an overdue entry is forgotten then. */
  close(slot: number, status: number, reason: string | null, seq: number): void {
    if (slot === NONE) return;
    this.statuses[slot] = status;
    this.reasonCodes[slot] = this.reasonCode(reason);
    this.lastSeqs[slot] = seq;
    if ((this.flags[slot] & FLAG_OVERDUE) !== 0) {
      this.unlinkOverdue(this.rings[this.instruments[slot]], slot);
      this.freeSlot(slot);
    }
  }

  /** Appends `slot` to the ring's overdue list. */
  private linkOverdue(ring: Ring, slot: number): void {
    const tail = ring.overdueTail;
    this.overduePrev[slot] = tail;
    this.overdueNext[slot] = NONE;
    if (tail === NONE) ring.overdueHead = slot;
    else this.overdueNext[tail] = slot;
    ring.overdueTail = slot;
  }

  private unlinkOverdue(ring: Ring, slot: number): void {
    const prev = this.overduePrev[slot];
    const next = this.overdueNext[slot];
    if (prev === NONE) ring.overdueHead = next;
    else this.overdueNext[prev] = next;
    if (next === NONE) ring.overdueTail = prev;
    else this.overduePrev[next] = prev;
  }

  /** Entries of one instrument held in its ring. */
  count(instrument: number): number {
    return this.rings[instrument].size;
  }

  /** Entries of one instrument: the ring oldest first, then the overdue ones; `overdue` says which. */
  forEach(instrument: number, visit: (slot: number, overdue: boolean) => void): void {
    const ring = this.rings[instrument];
    for (let k = 0; k < ring.size; k++) visit(ring.at(k), false);
    // Read `next` before visiting: a visitor may not change the list, but this stays safe if it did.
    for (let slot = ring.overdueHead; slot !== NONE; ) {
      const next = this.overdueNext[slot];
      visit(slot, true);
      slot = next;
    }
  }

  /** Forgets one instrument's entries (a shard that keeps only its own instruments). */
  clear(instrument: number): void {
    const ring = this.rings[instrument];
    while (ring.size > 0) this.freeSlot(ring.shift());
    for (let slot = ring.overdueHead; slot !== NONE; ) {
      const next = this.overdueNext[slot];
      this.freeSlot(slot);
      slot = next;
    }
    ring.overdueHead = NONE;
    ring.overdueTail = NONE;
  }

  /** Does the entry at `slot` answer for its id (is it the id's newest entry still held)? */
  isIndexed(slot: number): boolean {
    return (this.flags[slot] & FLAG_INDEXED) !== 0;
  }

  /** The state as it is (views over slots [0, slotCount); valid until the next change). */
  exportTables(): OrderIdsTables {
    const n = this.slotCount;
    return {
      slotCount: n,
      seqs: this.seqs.subarray(0, n),
      times: this.times.subarray(0, n),
      lastSeqs: this.lastSeqs.subarray(0, n),
      filled: this.filled.subarray(0, n),
      statuses: this.statuses.subarray(0, n),
      reasonCodes: this.reasonCodes.subarray(0, n),
      reasonNames: this.reasonNames,
      instruments: this.instruments.subarray(0, n),
      flags: this.flags.subarray(0, n),
      overdueNext: this.overdueNext.subarray(0, n),
      overduePrev: this.overduePrev.subarray(0, n),
      freeSlots: this.freeSlots.subarray(0, this.freeCount),
      rings: this.rings.map((ring) => {
        const slots = new Int32Array(ring.size);
        for (let k = 0; k < ring.size; k++) slots[k] = ring.at(k);
        return { slots, overdueHead: ring.overdueHead, overdueTail: ring.overdueTail };
      }),
      index: this.index.exportTables(n),
    };
  }

  /**
   * Takes `exportTables` output as its own state (a restore of a fresh OrderIds: nothing is
   * re-inserted one at a time); `ids[slot]` must already hold each slot's id. Returns what is
   * wrong with the shapes, or null; the links and the index are checked by `check` (invariants).
   */
  importTables(t: OrderIdsTables): string | null {
    const n = t.slotCount;
    if (this.slotCount !== 0 || t.rings.length !== this.rings.length) return 'id memory instruments';
    if (!(Number.isSafeInteger(n) && n >= 0 && this.ids.length === n)) return 'id memory slot count';
    for (const column of [t.seqs, t.times, t.lastSeqs, t.filled, t.statuses, t.reasonCodes, t.instruments, t.flags, t.overdueNext, t.overduePrev]) {
      if (column.length !== n) return 'id memory column length';
    }
    if (!Array.isArray(t.reasonNames) || t.reasonNames[0] !== null || t.reasonNames.length > 0x10000) return 'id memory reasons';
    const problem = this.index.importTables(t.index, n);
    if (problem !== null) return problem;
    this.growSlots(Math.max(64, n));
    this.seqs.set(t.seqs);
    this.times.set(t.times);
    this.lastSeqs.set(t.lastSeqs);
    this.filled.set(t.filled);
    this.statuses.set(t.statuses);
    this.reasonCodes.set(t.reasonCodes);
    this.instruments.set(t.instruments);
    this.flags.set(t.flags);
    this.overdueNext.set(t.overdueNext);
    this.overduePrev.set(t.overduePrev);
    this.slotCount = n;
    for (let slot = 0; slot < n; slot++) {
      if (this.reasonCodes[slot] >= t.reasonNames.length) return `id memory reason of slot ${slot}`;
      if (!(this.instruments[slot] >= 0 && this.instruments[slot] < this.rings.length)) return `id memory instrument of slot ${slot}`;
    }
    for (let i = 1; i < t.reasonNames.length; i++) {
      const name = t.reasonNames[i];
      if (typeof name !== 'string') return 'id memory reasons';
      this.reasonNames.push(name);
      this.reasonIndex.set(name, i);
    }
    this.freeSlots = new Int32Array(Math.max(64, t.freeSlots.length));
    this.freeSlots.set(t.freeSlots);
    this.freeCount = t.freeSlots.length;
    for (let r = 0; r < this.rings.length; r++) {
      const ring = this.rings[r];
      const from = t.rings[r];
      ring.slots = new Int32Array(Math.max(16, from.slots.length));
      ring.slots.set(from.slots);
      ring.head = 0;
      ring.size = from.slots.length;
      ring.overdueHead = from.overdueHead;
      ring.overdueTail = from.overdueTail;
      for (let k = 0; k < ring.size; k++) if (!(ring.slots[k] >= 0 && ring.slots[k] < n)) return `id ring of instrument ${r}`;
    }
    return null;
  }

  /**
   * What is wrong with the state, or null: each used slot is in exactly one place (its ring, its
   * ring's overdue list, or the free list) with the flags that say so, and the index answers for
   * exactly the indexed slots. For invariant checks (after a raw restore above all).
   */
  check(): string | null {
    const n = this.slotCount;
    const seen = new Uint8Array(n);
    for (let r = 0; r < this.rings.length; r++) {
      const ring = this.rings[r];
      for (let k = 0; k < ring.size; k++) {
        const slot = ring.at(k);
        if (seen[slot] !== 0 || (this.flags[slot] & (FLAG_IN_RING | FLAG_OVERDUE)) !== FLAG_IN_RING || this.instruments[slot] !== r) return `id ring slot ${slot}`;
        seen[slot] = 1;
      }
      let previous = NONE;
      for (let slot = ring.overdueHead, steps = 0; slot !== NONE; slot = this.overdueNext[slot], steps++) {
        if (!(slot >= 0 && slot < n) || steps > n || seen[slot] !== 0 || (this.flags[slot] & (FLAG_IN_RING | FLAG_OVERDUE)) !== FLAG_OVERDUE) return `overdue slot ${slot}`;
        if (this.overduePrev[slot] !== previous || this.instruments[slot] !== r || this.statuses[slot] !== STATUS_OPEN) return `overdue slot ${slot}`;
        seen[slot] = 1;
        previous = slot;
      }
      if (ring.overdueTail !== previous) return `overdue list of instrument ${r}`;
    }
    for (let i = 0; i < this.freeCount; i++) {
      const slot = this.freeSlots[i];
      if (!(slot >= 0 && slot < n) || seen[slot] !== 0 || this.flags[slot] !== 0 || this.ids[slot] !== null) return `free id slot ${slot}`;
      seen[slot] = 2;
    }
    let indexed = 0;
    for (let slot = 0; slot < n; slot++) {
      if (seen[slot] === 0) return `id slot ${slot} is nowhere`;
      if ((this.flags[slot] & FLAG_INDEXED) === 0) continue;
      indexed++;
      if (this.index.get(this.ids[slot] as OrderId) !== slot) return `id slot ${slot} is not what its id finds`;
    }
    if (indexed !== this.index.size) return 'id memory index size';
    return this.index.check();
  }

  /**
   * Room for `entries` slots and index room for that many more ids of each kind, at once (a
   * restore knows its counts: growing by doubling re-inserted every id each time).
   */
  reserve(entries: number, numbers: number, strings: number): void {
    if (entries > this.seqs.length) this.growSlots(entries);
    this.index.reserve(numbers, strings);
  }

  /**
   * Appends a restored entry (snapshot order: ring oldest first, then overdue); `indexed` as
   * `isIndexed` said when the snapshot was taken. Returns true when an indexed entry's id was
   * already answered by another entry (a damaged snapshot; the caller refuses it).
   */
  load(
    instrument: number,
    id: OrderId,
    seq: number,
    time: number,
    lastSeq: number,
    filled: number,
    status: number,
    reason: string | null,
    overdue: boolean,
    indexed: boolean,
  ): boolean {
    const slot = this.allocSlot();
    this.ids[slot] = id;
    this.seqs[slot] = seq;
    this.times[slot] = time;
    this.lastSeqs[slot] = lastSeq;
    this.filled[slot] = filled;
    this.statuses[slot] = status;
    this.reasonCodes[slot] = this.reasonCode(reason);
    this.instruments[slot] = instrument;
    const ring = this.rings[instrument];
    if (overdue) {
      this.flags[slot] = FLAG_OVERDUE;
      this.linkOverdue(ring, slot);
    } else {
      this.flags[slot] = FLAG_IN_RING;
      ring.push(slot, Math.max(this.limits.perInstrumentMax, ring.size + 1));
    }
    if (!indexed) return false;
    const hash = hashId(id);
    const previous = this.index.getHashed(id, hash);
    this.indexSlot(id, slot, hash, previous);
    return previous !== NONE;
  }

  memoryBytes(): number {
    let rings = 0;
    for (const ring of this.rings) rings += ring.slots.byteLength;
    // Per slot: 4 float columns, status, instrument, flags, reason code, overdue links, the
    // ids reference, a free-list cell.
    return rings + this.seqs.length * (8 * 4 + 1 + 4 + 1 + 2 + 8 + 8 + 4) + this.index.memoryBytes();
  }

  private allocSlot(): number {
    if (this.freeCount > 0) return this.freeSlots[--this.freeCount];
    const slot = this.slotCount++;
    if (slot === this.seqs.length) this.growSlots(slot * 2);
    return slot;
  }

  private freeSlot(slot: number): void {
    if ((this.flags[slot] & FLAG_INDEXED) !== 0) this.index.deleteSlot(slot);
    this.flags[slot] = 0;
    this.ids[slot] = null;
    this.reasonCodes[slot] = 0;
    if (this.freeCount === this.freeSlots.length) {
      const grown = new Int32Array(this.freeCount * 2);
      grown.set(this.freeSlots);
      this.freeSlots = grown;
    }
    this.freeSlots[this.freeCount++] = slot;
  }

  private growSlots(capacity: number): void {
    const f64 = (a: Float64Array): Float64Array<ArrayBuffer> => {
      const b = new Float64Array(capacity);
      b.set(a);
      return b;
    };
    this.seqs = f64(this.seqs);
    this.times = f64(this.times);
    this.lastSeqs = f64(this.lastSeqs);
    this.filled = f64(this.filled);
    const reasonCodes = new Uint16Array(capacity);
    reasonCodes.set(this.reasonCodes);
    this.reasonCodes = reasonCodes;
    const statuses = new Uint8Array(capacity);
    statuses.set(this.statuses);
    this.statuses = statuses;
    const flags = new Uint8Array(capacity);
    flags.set(this.flags);
    this.flags = flags;
    const instruments = new Int32Array(capacity);
    instruments.set(this.instruments);
    this.instruments = instruments;
    const overdueNext = new Int32Array(capacity);
    overdueNext.set(this.overdueNext);
    this.overdueNext = overdueNext;
    const overduePrev = new Int32Array(capacity);
    overduePrev.set(this.overduePrev);
    this.overduePrev = overduePrev;
  }
}

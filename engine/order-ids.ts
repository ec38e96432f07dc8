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

import { hashId } from './id-index.js';
import { F64_FILLED, F64_LAST_SEQ, F64_SEQ, I32_OVERDUE_NEXT, I32_OVERDUE_PREV, IdStore, U16_REASON, U8_FLAGS, U8_STATUS } from './id-store.js';
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
 * An entry that exists only because its order rests (`addLive`): nothing remembers it (the id
 * memory is off, or an old snapshot had no entry for the order), it is in no ring and no overdue
 * list, it is neither hashed nor snapshotted, and it is freed when its order dies. It lets the one
 * id table answer "is this id live, and where" for every resting order.
 */
const FLAG_LIVE_ONLY = 8;

/**
 * How an entry leaving its ring learns whether its order is still live: a check by id, or null
 * when the caller closes every entry whose order dies (the engine), so an open entry's order is
 * live by construction and no lookup is needed (engine/invariants.ts checks that it holds), or
 * 'never' when no order is live here (the exchange's router): no id is made back to ask.
 */
export type LiveCheck = ((id: OrderId) => boolean) | null | 'never';

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
   * list through the overdue links of OrderIds' entries (was a Set: its hashing and table
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

export class OrderIds {
  private readonly rings: Ring[];
  /**
   * id → slot of its newest entry: the ONE id table of the engine. An entry whose order rests holds
   * the order's pool slot (`liveSlot`, in the id's record), so a new order's probe answers both "is this id live"
   * and "is it remembered", and a fill or cancel flips the entry in place (`unlinkLive`) instead
   * of removing the id from a second, live-only index (engine/SEMANTICS.md "Order ids" unchanged).
   */
  private readonly store = new IdStore(64);
  /** Entries whose live slot is set: the engine's resting orders. */
  liveCount = 0;
  // An entry's seq, last seq, filled qty, status, flags, reason code and overdue links live in its
  // id's 64-byte record (engine/id-store.ts: F64_SEQ, U8_STATUS, ...), read with seqAt, statusAt, ...
  // The overdue links (Ring.overdueHead) are meaningful with FLAG_OVERDUE; a free entry's
  // `overdue next` chains the free list instead. The reason is a code into `reasonNames` (0: none):
  // a few dozen distinct reasons exist (CancelReason, RejectCode), so 2 bytes, not a reference.
  /**
   * Stamped time of each entry's `new`, kept only when the window is by time (`retentionMs`):
   * nothing else reads it, so without it every entry is 8 bytes lighter. Read it by `timeAt`.
   */
  private times: Float64Array;
  private readonly timed: boolean;
  private readonly reasonNames: Array<string | null> = [null];
  private readonly reasonIndex = new Map<string, number>();
  /** Instrument of each entry (a column: the exchange's router reads it). */
  instruments = new Int32Array(64);
  private slotCount = 0;
  private freeHead = NONE;

  constructor(
    instruments: number,
    readonly limits: OrderIdsLimits,
  ) {
    this.timed = limits.retentionMs > 0;
    this.times = new Float64Array(this.timed ? 64 : 0);
    this.rings = Array.from({ length: instruments }, () => new Ring());
  }

  /** A ring for one more instrument (add_instrument): it takes the next index. */
  addInstrument(): void {
    this.rings.push(new Ring());
  }

  /** Slot of the newest entry of `id`, or -1. */
  find(id: OrderId): number {
    return this.store.find(id, hashId(id));
  }

  /** `find` with the id's `hashId` already computed. */
  findHashed(id: OrderId, hash: number): number {
    return this.store.find(id, hash);
  }

  /** Seq of the `new` that created the entry at `slot`. */
  seqAt(slot: number): number {
    return this.store.numbers[(slot << 3) + F64_SEQ];
  }

  /** Seq of the last change (created, traded, modified, ended) of the entry at `slot`. */
  lastSeqAt(slot: number): number {
    return this.store.numbers[(slot << 3) + F64_LAST_SEQ];
  }

  /** Quantity the order of the entry at `slot` has traded. */
  filledAt(slot: number): number {
    return this.store.numbers[(slot << 3) + F64_FILLED];
  }

  /** Status code (STATUS_*) of the entry at `slot`. */
  statusAt(slot: number): number {
    return this.store.bytes[(slot << 6) + U8_STATUS];
  }

  /** The id of the entry at `slot` (a new string for a short string id: for events and queries). */
  idAt(slot: number): OrderId {
    return this.store.idAt(slot);
  }

  /** Why the order at `slot` was cancelled or rejected (a CancelReason or RejectCode), else null. */
  reason(slot: number): string | null {
    return this.reasonNames[this.store.halves[(slot << 5) + U16_REASON]];
  }

  /** The last reason coded: every cancel closes with the same constant, so one === spares the Map. */
  private lastReason: string | null = null;
  private lastReasonCode = 0;

  private reasonCode(reason: string | null): number {
    if (reason === null) return 0;
    if (reason === this.lastReason) return this.lastReasonCode;
    let code = this.reasonIndex.get(reason);
    if (code === undefined) {
      code = this.reasonNames.length;
      // Reasons are the engine's own codes (tens of them); only a forged snapshot could bring more.
      if (code > 0xffff) throw new RangeError('more than 65,535 distinct id-memory reasons');
      this.reasonNames.push(reason);
      this.reasonIndex.set(reason, code);
    }
    this.lastReason = reason;
    this.lastReasonCode = code;
    return code;
  }

  /** Stamped time of the entry at `slot`'s `new` (0 when the window is not by time: not kept). */
  timeAt(slot: number): number {
    return this.timed ? this.times[slot] : 0;
  }

  /** Is the entry at `slot` remembered (in its ring and inside the window) at (seq, time)? */
  remembered(slot: number, seq: number, time: number): boolean {
    return (this.store.bytes[(slot << 6) + U8_FLAGS] & FLAG_IN_RING) !== 0 && !this.outOfWindow(slot, seq, time);
  }

  private outOfWindow(slot: number, seq: number, time: number): boolean {
    const { retentionCommands, retentionMs } = this.limits;
    return (retentionCommands > 0 && seq - this.store.numbers[(slot << 3) + F64_SEQ] >= retentionCommands) || (retentionMs > 0 && time - this.times[slot] >= retentionMs);
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
    this.store.bytes[(slot << 6) + U8_FLAGS] &= ~FLAG_IN_RING;
    // A check by id gets the id made back as a string (ids are stored as bytes): only callers
    // that pass a function pay that allocation.
    if (isLive !== 'never' && this.store.bytes[(slot << 6) + U8_STATUS] === STATUS_OPEN && (isLive === null || isLive(this.store.idAt(slot)))) {
      this.store.bytes[(slot << 6) + U8_FLAGS] |= FLAG_OVERDUE;
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
    return this.addHashed(instrument, id, seq, time, hash, this.store.find(id, hash));
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
    const previous = known !== NONE && (this.store.bytes[(known << 6) + U8_FLAGS] & FLAG_INDEXED) !== 0 ? known : NONE;
    const slot = this.allocSlot();
    this.store.write(slot, id, hash);
    this.store.numbers[(slot << 3) + F64_SEQ] = seq;
    if (this.timed) this.times[slot] = time;
    this.store.numbers[(slot << 3) + F64_LAST_SEQ] = seq;
    this.store.numbers[(slot << 3) + F64_FILLED] = 0;
    this.store.bytes[(slot << 6) + U8_STATUS] = STATUS_OPEN;
    this.store.halves[(slot << 5) + U16_REASON] = 0;
    this.instruments[slot] = instrument;
    this.store.bytes[(slot << 6) + U8_FLAGS] = FLAG_IN_RING;
    this.rings[instrument].push(slot, this.limits.perInstrumentMax);
    this.indexSlot(slot, previous);
    return slot;
  }

  /** Makes `slot` (its id written) the entry answering for its id; `previous` is the one that did (or NONE). */
  private indexSlot(slot: number, previous: number): void {
    if (previous !== NONE) {
      // An older entry of the id (out of its window, or forgotten) stays where it is but no longer answers.
      this.store.remove(previous);
      this.store.bytes[(previous << 6) + U8_FLAGS] &= ~FLAG_INDEXED;
    }
    this.store.insert(slot);
    this.store.bytes[(slot << 6) + U8_FLAGS] |= FLAG_INDEXED;
  }

  /** `qty` of the order at `slot` traded at `seq`. */
  fill(slot: number, qty: number, seq: number): void {
    if (slot === NONE) return;
    this.store.numbers[(slot << 3) + F64_FILLED] += qty;
    this.store.numbers[(slot << 3) + F64_LAST_SEQ] = seq;
  }

  /** The order at `slot` changed (modified, triggered) at `seq`. */
  touch(slot: number, seq: number): void {
    if (slot !== NONE) this.store.numbers[(slot << 3) + F64_LAST_SEQ] = seq;
  }

  /** The order at `slot` ended at `seq`; an overdue entry is forgotten then. */
  close(slot: number, status: number, reason: string | null, seq: number): void {
    if (slot === NONE) return;
    this.store.bytes[(slot << 6) + U8_STATUS] = status;
    this.store.halves[(slot << 5) + U16_REASON] = this.reasonCode(reason);
    this.store.numbers[(slot << 3) + F64_LAST_SEQ] = seq;
    const flags = this.store.bytes[(slot << 6) + U8_FLAGS];
    if ((flags & FLAG_OVERDUE) !== 0) {
      this.unlinkOverdue(this.rings[this.instruments[slot]], slot);
      this.freeSlot(slot);
    } else if ((flags & FLAG_LIVE_ONLY) !== 0) {
      this.freeSlot(slot);
    }
  }

  /**
   * An entry for an order about to rest that has none (the id memory is off, or a restored old
   * snapshot had none): not remembered, freed when the order dies (FLAG_LIVE_ONLY). Returns its slot.
   */
  addLive(instrument: number, id: OrderId, hash: number): number {
    const known = this.store.find(id, hash);
    const slot = this.allocSlot();
    this.store.write(slot, id, hash);
    this.store.numbers[(slot << 3) + F64_SEQ] = 0;
    if (this.timed) this.times[slot] = 0;
    this.store.numbers[(slot << 3) + F64_LAST_SEQ] = 0;
    this.store.numbers[(slot << 3) + F64_FILLED] = 0;
    this.store.bytes[(slot << 6) + U8_STATUS] = STATUS_OPEN;
    this.store.halves[(slot << 5) + U16_REASON] = 0;
    this.instruments[slot] = instrument;
    this.store.bytes[(slot << 6) + U8_FLAGS] = FLAG_LIVE_ONLY;
    this.indexSlot(slot, known);
    return slot;
  }

  /** Is the entry at `slot` one that only its resting order keeps (see addLive)? */
  isLiveOnly(slot: number): boolean {
    return (this.store.bytes[(slot << 6) + U8_FLAGS] & FLAG_LIVE_ONLY) !== 0;
  }

  /**
   * Pool slot of the resting order of the entry at `slot`, NONE when the order does not rest
   * (dead, or a pending stop): the entry's live state, kept in the id's own record.
   */
  liveSlot(slot: number): number {
    return this.store.live(slot);
  }

  /** The order of the entry at `slot` rests in pool slot `poolSlot`. */
  setLive(slot: number, poolSlot: number): void {
    if (this.store.live(slot) === NONE) this.liveCount++;
    this.store.setLive(slot, poolSlot);
  }

  /**
   * The order of the entry at `slot` left the book (died, or an OCO limit leg whose stop leg
   * triggered): flipped in place, no probe. An entry only a resting order kept is freed.
   */
  unlinkLive(slot: number): void {
    if (this.store.live(slot) !== NONE) {
      this.store.setLive(slot, NONE);
      this.liveCount--;
    }
    if ((this.store.bytes[(slot << 6) + U8_FLAGS] & FLAG_LIVE_ONLY) !== 0) this.freeSlot(slot);
  }

  /** Appends `slot` to the ring's overdue list. */
  private linkOverdue(ring: Ring, slot: number): void {
    const tail = ring.overdueTail;
    this.store.words[(slot << 4) + I32_OVERDUE_PREV] = tail;
    this.store.words[(slot << 4) + I32_OVERDUE_NEXT] = NONE;
    if (tail === NONE) ring.overdueHead = slot;
    else this.store.words[(tail << 4) + I32_OVERDUE_NEXT] = slot;
    ring.overdueTail = slot;
  }

  private unlinkOverdue(ring: Ring, slot: number): void {
    const prev = this.store.words[(slot << 4) + I32_OVERDUE_PREV];
    const next = this.store.words[(slot << 4) + I32_OVERDUE_NEXT];
    if (prev === NONE) ring.overdueHead = next;
    else this.store.words[(prev << 4) + I32_OVERDUE_NEXT] = next;
    if (next === NONE) ring.overdueTail = prev;
    else this.store.words[(next << 4) + I32_OVERDUE_PREV] = prev;
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
      const next = this.store.words[(slot << 4) + I32_OVERDUE_NEXT];
      visit(slot, true);
      slot = next;
    }
  }

  /** Forgets one instrument's entries (a shard that keeps only its own instruments). */
  clear(instrument: number): void {
    const ring = this.rings[instrument];
    while (ring.size > 0) this.freeSlot(ring.shift());
    for (let slot = ring.overdueHead; slot !== NONE; ) {
      const next = this.store.words[(slot << 4) + I32_OVERDUE_NEXT];
      this.freeSlot(slot);
      slot = next;
    }
    ring.overdueHead = NONE;
    ring.overdueTail = NONE;
  }

  /** Does the entry at `slot` answer for its id (is it the id's newest entry still held)? */
  isIndexed(slot: number): boolean {
    return (this.store.bytes[(slot << 6) + U8_FLAGS] & FLAG_INDEXED) !== 0;
  }

  /** Room for `entries` entries without growing (a restore knows how many it will `load`). */
  reserve(entries: number): void {
    let capacity = this.instruments.length;
    while (capacity < entries) capacity *= 2;
    if (capacity > this.instruments.length) this.growSlots(capacity);
    this.store.reserve(entries);
  }

  /**
   * Appends a restored entry (snapshot order: ring oldest first, then overdue); `indexed` as
   * `isIndexed` said when the snapshot was taken.
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
  ): void {
    const slot = this.allocSlot();
    const hash = hashId(id);
    this.store.write(slot, id, hash);
    this.store.numbers[(slot << 3) + F64_SEQ] = seq;
    if (this.timed) this.times[slot] = time;
    this.store.numbers[(slot << 3) + F64_LAST_SEQ] = lastSeq;
    this.store.numbers[(slot << 3) + F64_FILLED] = filled;
    this.store.bytes[(slot << 6) + U8_STATUS] = status;
    this.store.halves[(slot << 5) + U16_REASON] = this.reasonCode(reason);
    this.instruments[slot] = instrument;
    const ring = this.rings[instrument];
    if (overdue) {
      this.store.bytes[(slot << 6) + U8_FLAGS] = FLAG_OVERDUE;
      this.linkOverdue(ring, slot);
    } else {
      this.store.bytes[(slot << 6) + U8_FLAGS] = FLAG_IN_RING;
      ring.push(slot, Math.max(this.limits.perInstrumentMax, ring.size + 1));
    }
    if (indexed) this.indexSlot(slot, this.store.find(id, hash));
  }

  memoryBytes(): number {
    let rings = 0;
    for (const ring of this.rings) rings += ring.slots.byteLength;
    // Per slot: the instrument column (and times); everything else is in the store's records.
    return rings + this.instruments.byteLength + this.times.byteLength + this.store.memoryBytes();
  }

  private allocSlot(): number {
    const free = this.freeHead;
    if (free !== NONE) {
      this.freeHead = this.store.words[(free << 4) + I32_OVERDUE_NEXT];
      return free;
    }
    const slot = this.slotCount++;
    if (slot === this.instruments.length) this.growSlots(slot * 2);
    return slot;
  }

  private freeSlot(slot: number): void {
    if ((this.store.bytes[(slot << 6) + U8_FLAGS] & FLAG_INDEXED) !== 0) this.store.remove(slot);
    if (this.store.live(slot) !== NONE) this.liveCount--;
    this.store.clear(slot);
    this.store.bytes[(slot << 6) + U8_FLAGS] = 0;
    this.store.halves[(slot << 5) + U16_REASON] = 0;
    this.store.words[(slot << 4) + I32_OVERDUE_NEXT] = this.freeHead;
    this.freeHead = slot;
  }

  private growSlots(capacity: number): void {
    this.store.grow(capacity);
    if (this.timed) {
      const times = new Float64Array(capacity);
      times.set(this.times);
      this.times = times;
    }
    const instruments = new Int32Array(capacity);
    instruments.set(this.instruments);
    this.instruments = instruments;
  }
}

// Why this file exists: with several matching workers, a cancel or modify names only an order id,
// so the exchange must know which worker holds that id, and a new order must be answered exactly
// as one engine would answer it — also when its id belongs to another worker's instrument. Two
// things make that possible (SEMANTICS.md "Order ids", "Which rejects are logged"):
// - The id memory is a pure function of the log: which `new`s were logged, with their seq and
//   time. So the router keeps the very same per-instrument rings as the engines (an OrderIds fed
//   the same calls at the same commands) and knows, before logging, whether a new id is a
//   duplicate: then the command goes to the worker owning the ORIGINAL order's instrument, whose
//   engine remembers it and rejects it (DUPLICATE_ID / DUPLICATE_ORDER_ID, logged, with the
//   original seq), exactly as the single engine does — workers 1 or 8, the same log and events.
// - It also tracks, from the outcomes the workers report, every id that may still be live (an
//   upper bound, late by the batches in flight). That bound refuses before the log only what no
//   log-determined rule can decide: ORDER_CAPACITY (the live count of all workers, the exchange's
//   back-pressure on memory, like QUEUE_FULL) and a new id whose remembered entry has left its
//   window while its order may still be live (DUPLICATE_ORDER_ID, unlogged): possible only when
//   the venue's retention window or cap is shorter than an order's life.
// Cancel/modify of an id that may be live go to its worker; of a remembered id, to the worker of
// its instrument (which answers TOO_LATE_TO_CANCEL or UNKNOWN_ORDER exactly); else to worker 0,
// where it is live nowhere (UNKNOWN_ORDER). The router is used with one worker too, so the rule is
// the same for every `workers` setting.

import { IdIndex, OrderIds, type OrderIdsLimits, type OrderId } from '../engine/index.js';
import { WORKERS_MAX } from './options.js';

/**
 * A route packed in one number, so remembering an id allocates no object (one per new order
 * was garbage on the caller's thread): lastSeq * ROUTE_SHARDS + shard, where lastSeq is the
 * sequence number of the last command routed for the id. Exact while lastSeq < 2^53 / 64
 * (1.4e14 commands at WORKERS_MAX = 64).
 */
const ROUTE_SHARDS = WORKERS_MAX;

export const ROUTE_DUPLICATE = -1;

/** Never live: the router's rings drop an entry when it leaves (an engine keeps a live one aside). */
const NEVER_LIVE = 'never';

/** No route for the id (packed routes are ≥ 0). */
const NO_ROUTE = -1;
const ROUTE_SLOTS_INITIAL = 1024;

/**
 * Id → packed route (ROUTE_SHARDS), over the engine's typed-array id index (id → slot) and a
 * Float64Array of routes by slot, slots reused through a free list. Why not a Map: its entry per
 * live id and its rehashing as the live set grew and shrank were ~65 B of garbage per command on
 * the exchange's thread (bench/exchange/alloc-profile.ts); this allocates only when it grows.
 */
class RouteTable {
  private readonly index = new IdIndex();
  private routes = new Float64Array(ROUTE_SLOTS_INITIAL);
  private readonly freeSlots: number[] = [];
  private slotsUsed = 0;

  get size(): number {
    return this.index.size;
  }

  /** Slot of `id`, or -1. */
  slotOf(id: OrderId): number {
    return this.index.get(id);
  }

  route(slot: number): number {
    return this.routes[slot];
  }

  setRoute(slot: number, route: number): void {
    this.routes[slot] = route;
  }

  /** Adds `id` (absent) with `route`. */
  add(id: OrderId, route: number): void {
    let slot = this.freeSlots.pop();
    if (slot === undefined) {
      slot = this.slotsUsed++;
      if (slot >= this.routes.length) {
        const grown = new Float64Array(this.routes.length * 2);
        grown.set(this.routes);
        this.routes = grown;
      }
    }
    this.index.set(id, slot);
    this.routes[slot] = route;
  }

  /** Sets the route of `id`, adding it if absent. */
  put(id: OrderId, route: number): void {
    const slot = this.index.get(id);
    if (slot < 0) this.add(id, route);
    else this.routes[slot] = route;
  }

  removeSlot(slot: number): void {
    this.index.deleteSlot(slot);
    this.freeSlots.push(slot);
  }
}

export class Router {
  /** Id → packed route (ROUTE_SHARDS). */
  private readonly routes = new RouteTable();
  private readonly ids: OrderIds;
  /** Per instrument: halted as of the last command logged (SEMANTICS.md "Instruments"). */
  private readonly halted: boolean[];

  constructor(
    /** Worker of each instrument; grows (shared with the shards) as instruments are added. */
    private readonly shardOfInstrument: readonly number[],
    limits: OrderIdsLimits,
  ) {
    this.ids = new OrderIds(shardOfInstrument.length, limits);
    this.halted = Array.from({ length: shardOfInstrument.length }, () => false);
  }

  /** An instrument was added (it took the next index): its ids get a ring too, and it runs. */
  addInstrument(): void {
    this.ids.addInstrument();
    this.halted.push(false);
  }

  /**
   * A halt or resume of `instrument` was logged (or recovered). Whether an instrument is halted is
   * a function of the log too (ALREADY_HALTED / NOT_HALTED leave it as it was), and a `new` on a
   * halted instrument is refused before the id step (SEMANTICS.md "Instruments"): it creates no
   * entry, so the rings must skip it exactly as the engines do.
   */
  setHalted(instrument: number, halted: boolean): void {
    this.halted[instrument] = halted;
  }

  isHalted(instrument: number): boolean {
    return this.halted[instrument];
  }

  /** An entry of an instrument's ring when the exchange opened (recovered state), oldest first. */
  recoveredId(id: OrderId, instrument: number, seq: number, time: number, indexed: boolean): void {
    this.ids.load(instrument, id, seq, time, seq, 0, 0, null, false, indexed);
  }

  /**
   * Worker for a command on `id` at (seq, time) (`shard` is the instrument's worker for a new
   * order), or ROUTE_DUPLICATE when a new order must be refused before the log. Changes nothing:
   * see `routed`.
   */
  decide(op: 'new' | 'cancel' | 'modify', id: OrderId, shard: number, seq: number, time: number, instrument = -1): number {
    const slot = this.routes.slotOf(id);
    const ids = this.ids;
    const known = ids.find(id);
    if (op === 'new') {
      // Its own instrument's worker refuses it (INSTRUMENT_HALTED) before reading any id state.
      if (this.halted[instrument]) return shard;
      if (known !== -1 && ids.remembered(known, seq, time)) return this.shardOfInstrument[ids.instruments[known]];
      return slot !== NO_ROUTE ? ROUTE_DUPLICATE : shard;
    }
    if (slot !== NO_ROUTE) return this.routes.route(slot) % ROUTE_SHARDS;
    return known === -1 ? 0 : this.shardOfInstrument[ids.instruments[known]];
  }

  /**
   * Records that the command at (seq, time) on `id` was logged and sent to `shard` (`instrument`:
   * new orders). A new order that is no duplicate is remembered exactly as its engine will.
   */
  routed(op: 'new' | 'cancel' | 'modify', id: OrderId, shard: number, seq: number, time: number, instrument = -1): void {
    // A `new` on a halted instrument is refused before anything else: it changes no route (its id
    // may be live on another worker, which its reject must not make look dead: shards.ts routeOutcome).
    if (op === 'new' && this.halted[instrument]) return;
    const slot = this.routes.slotOf(id);
    if (slot !== NO_ROUTE) {
      this.routes.setRoute(slot, seq * ROUTE_SHARDS + (this.routes.route(slot) % ROUTE_SHARDS));
      return;
    }
    if (op !== 'new') return;
    const ids = this.ids;
    const known = ids.find(id);
    if (known !== -1 && ids.remembered(known, seq, time)) return; // a duplicate: the engine rejects it
    ids.evict(instrument, seq, time, NEVER_LIVE);
    if (!ids.makeRoom(instrument, NEVER_LIVE)) return; // ID_MEMORY_FULL
    ids.add(instrument, id, seq, time);
    this.routes.add(id, seq * ROUTE_SHARDS + shard);
  }

  /** A live order recovered on `shard`. */
  recoveredLive(id: OrderId, shard: number): void {
    this.routes.put(id, shard);
  }

  /**
   * `id` is not live after the command at `seq` (its own outcome, or it died as a maker). The
   * route is dropped unless a later command for the id is already on its way; that command's
   * outcome will tell.
   */
  dead(id: OrderId, seq: number): void {
    const slot = this.routes.slotOf(id);
    if (slot !== NO_ROUTE && Math.floor(this.routes.route(slot) / ROUTE_SHARDS) <= seq) this.routes.removeSlot(slot);
  }

  has(id: OrderId): boolean {
    return this.routes.slotOf(id) !== NO_ROUTE;
  }

  /** Ids that may be live (an upper bound of the live orders across workers). */
  get size(): number {
    return this.routes.size;
  }
}

// Why this file exists: a venue publishes market data from the event stream (a drop-copy, the
// exchange's main thread, a feed consumer in another process), not from the engine's books, which
// live on matching workers. With `rested` (SEMANTICS.md "Rested") depth is a function of the
// events alone; this is the one builder that applies that rule, so the rule is tested once
// (test/engine/depth-from-events.test.ts: equal to `engine.depth()` after every command of seeded
// random streams) and reused (the exchange's main-thread L2 view).
//
// Allocation: per order a slot in typed arrays (price, displayed, side) found through one Map of
// id → slot, slots recycled through a free list; per instrument side the levels are two parallel
// sorted Float64Arrays (price, displayed total) grown by doubling. Applying an event allocates
// nothing once the arrays have grown (a Map insert aside); only `depth()`/`top()` answers allocate.
//
// Limits: ids of resting orders are unique (SEMANTICS.md step 17), which is all the slot map
// needs; a builder started mid-stream must first be loaded with the book at that point
// (`loadL3`, from `l3()` at the same seq), as any incremental feed.

import { EngineError } from './errors.js';
import type { Depth, EngineEvent, L3Book, OrderId, Side, Top } from './types.js';

const INITIAL_ORDERS = 1024;
const INITIAL_LEVELS = 64;
const NIL = -1;

/** The price levels of one instrument side: ascending prices with their displayed totals. */
class LevelArray {
  prices = new Float64Array(INITIAL_LEVELS);
  totals = new Float64Array(INITIAL_LEVELS);
  size = 0;

  /** Adds `delta` (may be negative) at `price`; a level reaching 0 is removed. */
  add(price: number, delta: number): void {
    const i = this.search(price);
    if (i < this.size && this.prices[i] === price) {
      const total = this.totals[i] + delta;
      if (total === 0) {
        this.prices.copyWithin(i, i + 1, this.size);
        this.totals.copyWithin(i, i + 1, this.size);
        this.size--;
      } else {
        this.totals[i] = total;
      }
      return;
    }
    if (delta === 0) return;
    if (this.size === this.prices.length) this.grow();
    this.prices.copyWithin(i + 1, i, this.size);
    this.totals.copyWithin(i + 1, i, this.size);
    this.prices[i] = price;
    this.totals[i] = delta;
    this.size++;
  }

  /** First index whose price is >= `price`. */
  private search(price: number): number {
    let lo = 0;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.prices[mid] < price) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private grow(): void {
    const prices = new Float64Array(this.prices.length * 2);
    prices.set(this.prices);
    this.prices = prices;
    const totals = new Float64Array(this.totals.length * 2);
    totals.set(this.totals);
    this.totals = totals;
  }
}

/**
 * L2 depth kept from engine events (EngineEvent or the exchange's events, which add seq/time).
 * Feed it every event of every command, in order; `depth`/`top` then equal the engine's.
 */
export class DepthFromEvents {
  private readonly instrumentBySymbol = new Map<string, number>();
  /** Per instrument: [bids, asks]. */
  private readonly sides: Array<[LevelArray, LevelArray]> = [];
  private readonly slotById = new Map<OrderId, number>();
  private price = new Float64Array(INITIAL_ORDERS);
  private shown = new Float64Array(INITIAL_ORDERS);
  /** instrument × 2 + side (0 buy, 1 sell). */
  private bookSide = new Int32Array(INITIAL_ORDERS);
  /** Free slots, a stack. */
  private free = new Int32Array(INITIAL_ORDERS);
  private freeCount = 0;
  private slotsUsed = 0;

  /** `symbols`: instruments known from the start (others are learnt from their events). */
  constructor(symbols: readonly string[] = []) {
    for (const symbol of symbols) this.instrument(symbol);
  }

  /** Resting orders tracked. */
  get orders(): number {
    return this.slotById.size;
  }

  /** Applies one event (SEMANTICS.md "Rested" lists what each one does to depth). */
  apply(event: EngineEvent): void {
    switch (event.type) {
      case 'rested': {
        let slot = this.slotById.get(event.id);
        if (slot === undefined) {
          slot = this.alloc();
          this.slotById.set(event.id, slot);
        } else {
          // An iceberg's refill: its emptied slice (0 displayed) is still tracked.
          this.removeShown(slot);
        }
        const key = this.instrument(event.symbol) * 2 + (event.side === 'buy' ? 0 : 1);
        this.bookSide[slot] = key;
        this.price[slot] = event.price;
        this.shown[slot] = event.qty;
        this.levels(key).add(event.price, event.qty);
        return;
      }
      case 'trade': {
        const slot = this.slotById.get(event.makerId);
        if (slot === undefined) return;
        this.shown[slot] -= event.qty;
        this.levels(this.bookSide[slot]).add(this.price[slot], -event.qty);
        if (event.makerRemaining === 0) this.release(event.makerId, slot);
        return;
      }
      case 'cancelled':
      case 'triggered': {
        // A cancelled resting order, or an OCO whose stop leg triggered: its limit leg leaves.
        const slot = this.slotById.get(event.id);
        if (slot === undefined) return;
        this.removeShown(slot);
        this.release(event.id, slot);
        return;
      }
      case 'modified': {
        if (event.stopPrice !== undefined) return;
        const slot = this.slotById.get(event.id);
        if (slot === undefined) return;
        if (event.priorityKept) {
          const shown = this.shown[slot];
          const next = shown < event.qty ? shown : event.qty;
          this.shown[slot] = next;
          this.levels(this.bookSide[slot]).add(this.price[slot], next - shown);
        } else {
          this.removeShown(slot);
          this.release(event.id, slot);
        }
        return;
      }
      case 'instrument_added':
        this.instrument(event.symbol);
        return;
      default:
        return;
    }
  }

  /** Applies a command's events, in order. */
  applyAll(events: readonly EngineEvent[]): void {
    for (let i = 0; i < events.length; i++) this.apply(events[i]);
  }

  /**
   * Starts an instrument from a book taken at the point the events will continue from (e.g.
   * `engine.l3(symbol, ENGINE_LIMITS...)` at the seq before the first event fed). Replaces what
   * the builder held for that instrument.
   */
  loadL3(symbol: string, book: L3Book): void {
    const index = this.instrument(symbol);
    for (const [id, slot] of this.slotById) if (this.bookSide[slot] >>> 1 === index) this.release(id, slot);
    this.sides[index] = [new LevelArray(), new LevelArray()];
    const load = (side: number, levels: L3Book['bids']): void => {
      for (const level of levels) {
        for (const order of level.orders) {
          const slot = this.alloc();
          this.slotById.set(order.id, slot);
          this.bookSide[slot] = index * 2 + side;
          this.price[slot] = level.price;
          this.shown[slot] = order.qty;
          this.levels(index * 2 + side).add(level.price, order.qty);
        }
      }
    };
    load(0, book.bids);
    load(1, book.asks);
  }

  /** Same answer as `Engine.depth(symbol, levels)` at the same point of the stream. */
  depth(symbol: string, levels = 10): Depth {
    const index = this.known(symbol, levels);
    const [bids, asks] = this.sides[index];
    const out: Depth = { bids: [], asks: [] };
    for (let i = bids.size - 1; i >= 0 && out.bids.length < levels; i--) out.bids.push([bids.prices[i], bids.totals[i]]);
    for (let i = 0; i < asks.size && out.asks.length < levels; i++) out.asks.push([asks.prices[i], asks.totals[i]]);
    return out;
  }

  /** Same answer as `Engine.top(symbol)`. */
  top(symbol: string): Top {
    const [bids, asks] = this.sides[this.known(symbol, 1)];
    const b = bids.size - 1;
    return {
      bid: b >= 0 ? bids.prices[b] : null,
      bidQty: b >= 0 ? bids.totals[b] : 0,
      ask: asks.size > 0 ? asks.prices[0] : null,
      askQty: asks.size > 0 ? asks.totals[0] : 0,
    };
  }

  /** The side and price an order rests at, and its displayed quantity (undefined if not resting). */
  resting(id: OrderId): { side: Side; price: number; qty: number } | undefined {
    const slot = this.slotById.get(id);
    if (slot === undefined) return undefined;
    return { side: (this.bookSide[slot] & 1) === 0 ? 'buy' : 'sell', price: this.price[slot], qty: this.shown[slot] };
  }

  /** The instrument's index; throws the EngineError `Engine.depth` / `Engine.top` throw for the same arguments. */
  private known(symbol: string, levels: number): number {
    const index = typeof symbol === 'string' ? this.instrumentBySymbol.get(symbol) : undefined;
    if (index === undefined) throw new EngineError('UNKNOWN_SYMBOL', `unknown symbol: ${String(symbol)}`);
    if (!Number.isSafeInteger(levels) || levels <= 0) {
      throw new EngineError('INVALID_ARGUMENT', 'depth levels must be a positive safe integer');
    }
    return index;
  }

  private instrument(symbol: string): number {
    let index = this.instrumentBySymbol.get(symbol);
    if (index === undefined) {
      index = this.sides.length;
      this.instrumentBySymbol.set(symbol, index);
      this.sides.push([new LevelArray(), new LevelArray()]);
    }
    return index;
  }

  private levels(key: number): LevelArray {
    return this.sides[key >>> 1][key & 1];
  }

  private removeShown(slot: number): void {
    const shown = this.shown[slot];
    if (shown !== 0) this.levels(this.bookSide[slot]).add(this.price[slot], -shown);
    this.shown[slot] = 0;
  }

  private alloc(): number {
    if (this.freeCount > 0) return this.free[--this.freeCount];
    if (this.slotsUsed === this.price.length) this.grow();
    return this.slotsUsed++;
  }

  private release(id: OrderId, slot: number): void {
    this.slotById.delete(id);
    this.shown[slot] = 0;
    this.bookSide[slot] = NIL;
    this.free[this.freeCount++] = slot;
  }

  private grow(): void {
    const size = this.price.length * 2;
    const price = new Float64Array(size);
    price.set(this.price);
    this.price = price;
    const shown = new Float64Array(size);
    shown.set(this.shown);
    this.shown = shown;
    const bookSide = new Int32Array(size);
    bookSide.set(this.bookSide);
    this.bookSide = bookSide;
    const free = new Int32Array(size);
    free.set(this.free);
    this.free = free;
  }
}

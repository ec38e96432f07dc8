// Why this file exists: pending stop orders wait outside the book until the instrument's last trade
// price reaches them. They are few next to resting orders, so each is one small object in a sorted
// array per instrument side (insert by binary search, triggered stops are always a prefix), not
// part of the typed-array pools the hot path walks. Queue order is the trigger order of
// SEMANTICS.md "Stops": buy stops by stop price ascending, sell stops descending, ties in arrival
// order — and it is also the order the state hash and snapshots list them in.

import type { OrderId, StopOrderType } from './types.js';

/** One pending stop (all fields as the command gave them, defaults explicit). */
export interface StopOrder {
  id: OrderId;
  account: string;
  /** Index of the instrument in configuration order. */
  instrument: number;
  /** 0 buy, 1 sell. */
  side: number;
  type: StopOrderType;
  stopPrice: number;
  /** Limit price of a stop-limit; 0 for a stop-market. */
  price: number;
  qty: number;
  /** TIF code (validate.ts). */
  tif: number;
  /** STP code (validate.ts). */
  stp: number;
  /** NO_EXPIRY or the GTT expiry. */
  expireTime: number;
  /** The stop leg of an OCO: its limit leg rests under the same id (engine/oco.ts). */
  oco: boolean;
}

export class StopQueue {
  readonly stops: StopOrder[] = [];

  /** `side` 0: buy stops (ascending stop price); 1: sell stops (descending). */
  constructor(private readonly side: number) {}

  get size(): number {
    return this.stops.length;
  }

  /** Adds at the back of the stops with an equal stop price. */
  insert(stop: StopOrder): void {
    const stops = this.stops;
    const key = this.key(stop.stopPrice);
    let lo = 0;
    let hi = stops.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.key(stops[mid].stopPrice) <= key) lo = mid + 1;
      else hi = mid;
    }
    stops.splice(lo, 0, stop);
  }

  remove(stop: StopOrder): void {
    const i = this.stops.indexOf(stop);
    if (i >= 0) this.stops.splice(i, 1);
  }

  /** Is the head triggered by `lastPrice`? (buy: lastPrice ≥ stop; sell: lastPrice ≤ stop) */
  headTriggered(lastPrice: number): boolean {
    if (this.stops.length === 0) return false;
    return this.triggers(this.stops[0].stopPrice, lastPrice);
  }

  triggers(stopPrice: number, lastPrice: number): boolean {
    return this.side === 0 ? lastPrice >= stopPrice : lastPrice <= stopPrice;
  }

  /** Removes and appends to `out` every stop `lastPrice` triggers (a prefix), in queue order. */
  takeTriggered(lastPrice: number, out: StopOrder[]): void {
    const stops = this.stops;
    let n = 0;
    while (n < stops.length && this.triggers(stops[n].stopPrice, lastPrice)) out.push(stops[n++]);
    if (n > 0) stops.splice(0, n);
  }

  private key(stopPrice: number): number {
    return this.side === 0 ? stopPrice : -stopPrice;
  }
}

// Why this file exists: OCO (one-cancels-the-other, as nodejs-order-book defines it) is a limit leg
// resting in the typed-array book and a stop-limit leg pending in the stop queue, under one id and
// one quantity (engine/SEMANTICS.md "OCO"). The link costs plain orders nothing: the limit leg
// carries one flag bit (FLAG_OCO) that the taker loop tests only on a trade, and the stop leg is
// found by id in the stop map the engine already keeps. These helpers hold the rules; engine.ts
// calls them from small hooks (new order, maker trade, maker death, trigger, modify).

import { RejectCode } from './codes.js';
import type { StopOrder, StopQueue } from './stop-book.js';
import type { OrderId } from './types.js';

/** SEMANTICS.md new-order step 22: buy `price < L < stopPrice`, sell `price > L > stopPrice`. */
export function checkOcoPrices(side: number, price: number, stopPrice: number, lastPrice: number, noPrice: number): RejectCode | null {
  if (lastPrice === noPrice) return RejectCode.OCO_PRICES_INVALID;
  const ok = side === 0 ? price < lastPrice && lastPrice < stopPrice : price > lastPrice && lastPrice > stopPrice;
  return ok ? null : RejectCode.OCO_PRICES_INVALID;
}

/** What the engine exposes to the OCO rules: the stop map and one instrument's stop queues. */
export interface OcoHost {
  readonly stopsById: Map<OrderId, StopOrder>;
}

/**
 * Removes the pending stop leg of OCO `id` without an event (its limit leg traded or died).
 * Returns the removed leg, or undefined if there was none. The id is not remembered dead here:
 * the order either lives on as a plain limit or dies through its limit leg.
 */
export function dropStopLeg(host: OcoHost, stops: readonly [StopQueue, StopQueue], id: OrderId): StopOrder | undefined {
  const leg = host.stopsById.get(id);
  if (leg === undefined || !leg.oco) return undefined;
  stops[leg.side].remove(leg);
  host.stopsById.delete(id);
  return leg;
}

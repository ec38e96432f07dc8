// Why this file exists: OCO orders (SEMANTICS.md "OCO"): a limit leg and a stop-limit leg under one
// id and one quantity. Each scenario runs against the engine and the oracle: placement (and when the
// stop leg is never placed), the limit leg trading first, the stop leg triggering first, cancel of
// both legs, self-trade removal, the modify refusal, live counts, and snapshot/hash over the link.

import { describe, expect, it } from 'vitest';
import type { EngineEvent, NewOrderCommand, OrderId, Side } from '../../engine/types.js';
import {
  CancelReason,
  IMPLS,
  RejectCode,
  accepted,
  acmeOptions,
  cancel,
  cancelled,
  limit,
  rejected,
  run,
  trade,
  type EngineLike,
  rested,
  restedOf,
} from './harness.js';

let clock = 1_000;
function oco(id: OrderId, account: string, side: Side, price: number, stopPrice: number, stopLimitPrice: number, qty: number, stp?: 'cancel_maker'): NewOrderCommand {
  const cmd: NewOrderCommand = { op: 'new', id, account, symbol: 'ACME', side, type: 'oco', price, stopPrice, stopLimitPrice, qty, time: ++clock };
  if (stp !== undefined) cmd.stp = stp;
  return cmd;
}

function ocoTriggered(cmd: NewOrderCommand): EngineEvent {
  return {
    type: 'triggered',
    id: cmd.id,
    account: cmd.account,
    symbol: 'ACME',
    side: cmd.side,
    orderType: 'stop_limit',
    stopPrice: cmd.stopPrice as number,
    price: cmd.stopLimitPrice as number,
    qty: cmd.qty,
  };
}

/** A book whose last trade price is 100, with a bid at 95 and an ask at 105 from other accounts. */
function market100(e: EngineLike): void {
  run(e, [limit('m1', 'mk', 'sell', 100, 1), limit('m2', 'tk', 'buy', 100, 1), limit('bid', 'bo', 'buy', 95, 50), limit('ask', 'ao', 'sell', 105, 50)]);
}

describe.each(IMPLS)('OCO ($name)', (impl) => {
  it('is accepted with both legs live: the limit leg in depth, the stop leg pending', () => {
    const e = impl.create(acmeOptions());
    market100(e);
    const o = oco('o', 'olga', 'sell', 102, 98, 97, 10);
    expect(run(e, [o])).toEqual([[accepted(o), rested(o)]]); // the limit leg rests; the stop leg is not in the book
    expect(e.liveOrders).toBe(2 + 2);
    expect(e.depth('ACME')).toEqual({ bids: [[95, 50]], asks: [[102, 10], [105, 50]] });
    expect(e.order('o')).toEqual({
      id: 'o',
      account: 'olga',
      symbol: 'ACME',
      side: 'sell',
      price: 102,
      qty: 10,
      postOnly: false,
      stp: 'none',
      orderType: 'oco',
      stopPrice: 98,
      stopLimitPrice: 97,
    });
  });

  it('the limit leg trading (even partly) removes the stop leg; the rest is a plain limit', () => {
    const e = impl.create(acmeOptions());
    market100(e);
    const o = oco('o', 'olga', 'sell', 102, 98, 97, 10);
    const t = limit('t', 'tom', 'buy', 102, 4);
    expect(run(e, [o, t])[1]).toEqual([
      accepted(t),
      trade({ price: 102, qty: 4, maker: 'o', taker: 't', makerAccount: 'olga', takerAccount: 'tom', takerSide: 'buy', makerRemaining: 6, takerRemaining: 0 }),
    ]);
    expect(e.liveOrders).toBe(3);
    expect(e.order('o')).toEqual({ id: 'o', account: 'olga', symbol: 'ACME', side: 'sell', price: 102, qty: 6, postOnly: false, stp: 'none' });
    // The stop price is reached later: nothing triggers.
    const s = limit('s', 'sal', 'sell', 95, 50, { tif: 'IOC' });
    const events = run(e, [s])[0];
    expect(events.some((ev) => ev.type === 'triggered')).toBe(false);
    // And now it modifies like any limit.
    expect(run(e, [{ op: 'modify', id: 'o', account: 'olga', qty: 2, time: ++clock }])[0][0].type).toBe('modified');
  });

  it('the stop leg triggering removes the limit leg and enters as a stop-limit taker', () => {
    const e = impl.create(acmeOptions());
    market100(e);
    const o = oco('o', 'olga', 'sell', 102, 98, 95, 10);
    const s = limit('s', 'sal', 'sell', 95, 5, { tif: 'IOC' });
    expect(run(e, [o, s])[1]).toEqual([
      accepted(s),
      trade({ price: 95, qty: 5, maker: 'bid', taker: 's', makerAccount: 'bo', takerAccount: 'sal', takerSide: 'sell', makerRemaining: 45, takerRemaining: 0 }),
      ocoTriggered(o),
      trade({ price: 95, qty: 10, maker: 'bid', taker: 'o', makerAccount: 'bo', takerAccount: 'olga', takerSide: 'sell', makerRemaining: 35, takerRemaining: 0 }),
    ]);
    expect(e.order('o')).toBeUndefined();
    expect(e.depth('ACME')).toEqual({ bids: [[95, 35]], asks: [[105, 50]] });
    expect(e.liveOrders).toBe(2);
    // Dead once both legs are gone.
    expect(run(e, [cancel('o', 'olga')])[0]).toEqual([rejected('cancel', 'o', RejectCode.TOO_LATE_TO_CANCEL)]);
  });

  it('a triggered stop leg that does not fill rests under the same id', () => {
    const e = impl.create(acmeOptions());
    market100(e);
    const o = oco('o', 'olga', 'buy', 98, 102, 103, 10);
    const t = limit('t', 'tom', 'buy', 105, 5, { tif: 'IOC' });
    const events = run(e, [o, t])[1];
    expect(events).toContainEqual(ocoTriggered(o));
    expect(e.order('o')).toEqual({ id: 'o', account: 'olga', symbol: 'ACME', side: 'buy', price: 103, qty: 10, postOnly: false, stp: 'none' });
    expect(e.depth('ACME').bids).toEqual([[103, 10], [95, 50]]);
  });

  it('cancel removes both legs with one cancelled event', () => {
    const e = impl.create(acmeOptions());
    market100(e);
    const o = oco('o', 'olga', 'sell', 102, 98, 97, 10);
    expect(run(e, [o, cancel('o', 'olga')])[1]).toEqual([cancelled('o', 'olga', 'sell', CancelReason.USER, 10)]);
    expect(e.liveOrders).toBe(2);
    const s = limit('s', 'sal', 'sell', 95, 50, { tif: 'IOC' });
    expect(run(e, [s])[0].some((ev) => ev.type === 'triggered')).toBe(false);
  });

  it('a limit leg that trades on entry never places its stop leg', () => {
    const e = impl.create(acmeOptions());
    market100(e);
    run(e, [cancel('ask', 'ao'), limit('cheap', 'ch', 'sell', 97, 3)]);
    // Buy OCO: limit 99 < last 100 < stop 101; the book has an ask at 97 below the last price.
    const o = oco('o', 'olga', 'buy', 99, 101, 101, 10);
    expect(run(e, [o])[0]).toEqual([
      accepted(o),
      trade({ price: 97, qty: 3, maker: 'cheap', taker: 'o', makerAccount: 'ch', takerAccount: 'olga', takerSide: 'buy', makerRemaining: 0, takerRemaining: 7 }),
      restedOf('o', 'olga', 'buy', 99, 7),
    ]);
    expect(e.order('o')).toEqual({ id: 'o', account: 'olga', symbol: 'ACME', side: 'buy', price: 99, qty: 7, postOnly: false, stp: 'none' });
    expect(e.liveOrders).toBe(2); // the bid at 95 and the OCO's limit leg, no stop leg
  });

  it('self-trade prevention removing the limit leg as a maker removes the stop leg', () => {
    const e = impl.create(acmeOptions());
    market100(e);
    const o = oco('o', 'olga', 'sell', 102, 98, 97, 10);
    const t = limit('t', 'olga', 'buy', 102, 4, { stp: 'cancel_maker' });
    expect(run(e, [o, t])[1]).toEqual([accepted(t), cancelled('o', 'olga', 'sell', CancelReason.SELF_TRADE, 10), rested(t)]);
    expect(e.liveOrders).toBe(3);
    expect(e.order('o')).toBeUndefined();
  });

  it('an OCO stop leg triggers in queue order with plain stops of the same round', () => {
    const e = impl.create(acmeOptions());
    market100(e);
    run(e, [cancel('bid', 'bo')]);
    // Buy stop-market 'y' (queued first) and buy OCO p (stop 101) both trigger on a trade at 101;
    // y takes asks only, so p's limit leg (a bid) is untouched and p's stop leg activates after y.
    // (Buy stops run before sell stops in a round, so no earlier stop of a round can trade with the
    // limit leg of a later one; the engine still skips such a leg defensively.)
    const y: NewOrderCommand = { op: 'new', id: 'y', account: 'yan', symbol: 'ACME', side: 'buy', type: 'stop_market', stopPrice: 101, qty: 1, time: ++clock };
    const p = oco('p', 'pia', 'buy', 99, 101, 101, 10);
    run(e, [y, p, cancel('ask', 'ao'), limit('a101', 'ao', 'sell', 101, 2)]);
    const t = limit('t', 'tom', 'buy', 101, 1, { tif: 'IOC' });
    const events = run(e, [t])[0];
    expect(events.filter((ev) => ev.type === 'triggered').map((ev) => (ev as { id: OrderId }).id)).toEqual(['y', 'p']);
    expect(e.order('p')?.orderType).toBeUndefined();
  });

  it('snapshot and restore keep the link (same hash, the legs still act together)', () => {
    const e = impl.create(acmeOptions());
    market100(e);
    run(e, [oco('o', 'olga', 'sell', 102, 98, 97, 10), oco(7, 'olga', 'buy', 99, 103, 104, 5)]);
    const copy = impl.restore(e.snapshot());
    expect(copy.stateHash()).toBe(e.stateHash());
    copy.checkInvariants();
    // Trades with OCO 7's limit leg at 99 (its stop leg goes), then at 95: o's stop leg triggers.
    const s = limit('s', 'sal', 'sell', 95, 10, { tif: 'IOC' });
    const events = run(e, [s]);
    expect(run(copy, [s])).toEqual(events);
    expect(events[0].filter((ev) => ev.type === 'triggered').map((ev) => (ev as { id: OrderId }).id)).toEqual(['o']);
    expect(copy.stateHash()).toBe(e.stateHash());
    expect(copy.order(7)).toEqual(e.order(7));
    expect(copy.order(7)?.orderType).toBeUndefined();
  });

  it('the hash tells an OCO from a limit and a stop placed separately', () => {
    const a = impl.create(acmeOptions());
    market100(a);
    run(a, [oco('o', 'olga', 'sell', 102, 98, 97, 10)]);
    const b = impl.create(acmeOptions());
    market100(b);
    run(b, [limit('o', 'olga', 'sell', 102, 10)]);
    expect(b.stateHash()).not.toBe(a.stateHash());
  });
});

describe('OCO engine vs oracle', () => {
  it('agree on hashes through the scenarios above', () => {
    const [engine, oracle] = IMPLS.map((impl) => impl.create(acmeOptions()));
    for (const e of [engine, oracle]) {
      market100(e);
      run(e, [oco('o', 'olga', 'sell', 102, 98, 97, 10), oco('p', 'pat', 'buy', 99, 102, 103, 5)]);
    }
    expect(engine.stateHash()).toBe(oracle.stateHash());
  });
});

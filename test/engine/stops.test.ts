// Why this file exists: stop-limit and stop-market orders (SEMANTICS.md "Stops"): they wait outside
// the book, trigger on the instrument's last trade price, enter as takers in a stated order (queue
// order within a round, cascades in later rounds), and can be cancelled and modified while pending.

import { describe, expect, it } from 'vitest';
import type { OrderCommand as Command, EngineEvent } from '../../engine/types.js';
import {
  CancelReason,
  IMPLS,
  RejectCode,
  accepted,
  acmeOptions,
  cancel,
  cancelled,
  limit,
  market,
  rejected,
  run,
  stop,
  trade,
  triggered,
  restedOf,
} from './harness.js';

describe.each(IMPLS)('stop orders ($name)', (impl) => {
  it('a pending stop is accepted, live, not in depth, and visible through order()', () => {
    const e = impl.create(acmeOptions());
    const s = stop('s', 'sam', 'buy', 105, 106, 5);
    expect(run(e, [s])).toEqual([[accepted(s)]]);
    expect(e.liveOrders).toBe(1);
    expect(e.depth('ACME')).toEqual({ bids: [], asks: [] });
    expect(e.order('s')).toEqual({
      id: 's',
      account: 'sam',
      symbol: 'ACME',
      side: 'buy',
      price: 106,
      qty: 5,
      postOnly: false,
      stp: 'none',
      orderType: 'stop_limit',
      stopPrice: 105,
    });
  });

  it('a buy stop-market triggers on a trade at its stop price and takes as a market order', () => {
    const e = impl.create(acmeOptions());
    const s = stop('s1', 'sam', 'buy', 101, undefined, 5);
    run(e, [s, limit('a1', 'ann', 'sell', 101, 3), limit('a2', 'ann', 'sell', 102, 10)]);
    const t = limit('t', 'tom', 'buy', 101, 3, { tif: 'IOC' });
    expect(run(e, [t])[0]).toEqual([
      accepted(t),
      trade({ price: 101, qty: 3, maker: 'a1', taker: 't', makerAccount: 'ann', takerAccount: 'tom', takerSide: 'buy', makerRemaining: 0, takerRemaining: 0 }),
      triggered(s),
      trade({ price: 102, qty: 5, maker: 'a2', taker: 's1', makerAccount: 'ann', takerAccount: 'sam', takerSide: 'buy', makerRemaining: 5, takerRemaining: 0 }),
    ]);
    expect(e.liveOrders).toBe(1);
  });

  it('a sell stop triggers when the price falls to it', () => {
    const e = impl.create(acmeOptions());
    const s = stop('s', 'sam', 'sell', 100, undefined, 2);
    run(e, [limit('b1', 'bea', 'buy', 100, 1), limit('b2', 'bea', 'buy', 99, 2), s]);
    const t = market('t', 'tom', 'sell', 1);
    expect(run(e, [t])[0]).toEqual([
      accepted(t),
      trade({ price: 100, qty: 1, maker: 'b1', taker: 't', makerAccount: 'bea', takerAccount: 'tom', takerSide: 'sell', makerRemaining: 0, takerRemaining: 0 }),
      triggered(s),
      trade({ price: 99, qty: 2, maker: 'b2', taker: 's', makerAccount: 'bea', takerAccount: 'sam', takerSide: 'sell', makerRemaining: 0, takerRemaining: 0 }),
    ]);
  });

  it('several stops triggered by one trade enter in queue order: stop price first, then arrival', () => {
    const e = impl.create(acmeOptions());
    const sB = stop('sB', 'sam', 'buy', 101, 90, 1);
    const sA = stop('sA', 'sam', 'buy', 100, 90, 1);
    const sC = stop('sC', 'sam', 'buy', 101, 90, 1);
    run(e, [sB, sA, sC, limit('a1', 'ann', 'sell', 101, 1)]);
    const t = limit('t', 'tom', 'buy', 101, 1);
    const events = run(e, [t])[0];
    expect(events.filter((ev) => ev.type === 'triggered').map((ev) => (ev as { id: string }).id)).toEqual(['sA', 'sB', 'sC']);
    // Triggered stop-limits that do not cross rest as limit orders, in the order they entered.
    expect(e.depth('ACME')).toEqual({ bids: [[90, 3]], asks: [] });
  });

  it('stops triggered by a triggered stop enter after every stop of the current round', () => {
    const e = impl.create(acmeOptions());
    const x = stop('X', 'sam', 'buy', 101, undefined, 1);
    const y = stop('Y', 'sam', 'buy', 102, undefined, 1);
    const z = stop('Z', 'sam', 'buy', 101, 90, 1);
    run(e, [x, y, z, limit('a1', 'ann', 'sell', 101, 1), limit('a2', 'ann', 'sell', 102, 1), limit('a3', 'ann', 'sell', 103, 1)]);
    const t = limit('t', 'tom', 'buy', 101, 1);
    expect(run(e, [t])[0]).toEqual([
      accepted(t),
      trade({ price: 101, qty: 1, maker: 'a1', taker: 't', makerAccount: 'ann', takerAccount: 'tom', takerSide: 'buy', makerRemaining: 0, takerRemaining: 0 }),
      triggered(x),
      trade({ price: 102, qty: 1, maker: 'a2', taker: 'X', makerAccount: 'ann', takerAccount: 'sam', takerSide: 'buy', makerRemaining: 0, takerRemaining: 0 }),
      triggered(z),
      restedOf('Z', 'sam', 'buy', 90, 1),
      triggered(y),
      trade({ price: 103, qty: 1, maker: 'a3', taker: 'Y', makerAccount: 'ann', takerAccount: 'sam', takerSide: 'buy', makerRemaining: 0, takerRemaining: 0 }),
    ]);
    expect(e.liveOrders).toBe(1); // Z rests at 90
  });

  it('a triggered stop-limit rests its remainder as a limit order', () => {
    const e = impl.create(acmeOptions());
    const s = stop('s', 'sam', 'buy', 101, 102, 10);
    const events = run(e, [s, limit('a1', 'ann', 'sell', 101, 1), limit('a2', 'ann', 'sell', 102, 4), limit('t', 'tom', 'buy', 101, 1)]);
    // triggered, its trade with a2, then its remainder rests (SEMANTICS.md "Rested").
    expect(events[3].slice(-3).map((ev) => ev.type)).toEqual(['triggered', 'trade', 'rested']);
    expect(events[3][events[3].length - 1]).toEqual(restedOf('s', 'sam', 'buy', 102, 6));
    expect(e.depth('ACME')).toEqual({ bids: [[102, 6]], asks: [] });
    expect(e.order('s')).toEqual({ id: 's', account: 'sam', symbol: 'ACME', side: 'buy', price: 102, qty: 6, postOnly: false, stp: 'none' });
  });

  it('a triggered stop-market remainder is cancelled MARKET_REMAINDER', () => {
    const e = impl.create(acmeOptions());
    const s = stop('s', 'sam', 'buy', 101, undefined, 4);
    run(e, [s, limit('a1', 'ann', 'sell', 101, 2)]);
    const events = run(e, [limit('t', 'tom', 'buy', 101, 1)])[0];
    expect(events.slice(-3)).toEqual([
      triggered(s),
      trade({ price: 101, qty: 1, maker: 'a1', taker: 's', makerAccount: 'ann', takerAccount: 'sam', takerSide: 'buy', makerRemaining: 0, takerRemaining: 3 }),
      cancelled('s', 'sam', 'buy', CancelReason.MARKET_REMAINDER, 3),
    ]);
  });

  it('a pending stop can be cancelled; a second cancel is TOO_LATE_TO_CANCEL', () => {
    const e = impl.create(acmeOptions());
    run(e, [stop('s', 'sam', 'sell', 95, undefined, 7)]);
    expect(e.apply(cancel('s', 'bob'))).toEqual([rejected('cancel', 's', RejectCode.NOT_OWNER)]);
    expect(e.apply(cancel('s', 'sam'))).toEqual([cancelled('s', 'sam', 'sell', CancelReason.USER, 7)]);
    expect(e.liveOrders).toBe(0);
    expect(e.apply(cancel('s', 'sam'))).toEqual([rejected('cancel', 's', RejectCode.TOO_LATE_TO_CANCEL)]);
  });

  it('modify of a pending stop: a smaller qty keeps its place, a new stop price or more qty moves it back', () => {
    const e = impl.create(acmeOptions());
    run(e, [stop('s1', 'sam', 'buy', 105, undefined, 5), stop('s2', 'sue', 'buy', 105, undefined, 5)]);
    const smaller: Command = { op: 'modify', id: 's1', account: 'sam', qty: 3, time: 1_000 };
    const kept: EngineEvent = {
      type: 'modified',
      id: 's1',
      account: 'sam',
      symbol: 'ACME',
      side: 'buy',
      price: 105,
      qty: 3,
      oldPrice: 105,
      oldQty: 5,
      priorityKept: true,
      stopPrice: 105,
      oldStopPrice: 105,
    };
    expect(e.apply(smaller)).toEqual([kept]);
    const moved = e.apply({ op: 'modify', id: 's1', account: 'sam', stopPrice: 104, time: 1_001 });
    expect(moved).toEqual([{ ...kept, price: 104, oldPrice: 105, oldQty: 3, priorityKept: false, stopPrice: 104, oldStopPrice: 105 }]);
    const back = e.apply({ op: 'modify', id: 's1', account: 'sam', stopPrice: 105, time: 1_002 });
    expect(back[0]).toMatchObject({ priorityKept: false, stopPrice: 105, oldStopPrice: 104 });
    run(e, [limit('a1', 'ann', 'sell', 105, 1), limit('a2', 'ann', 'sell', 106, 100)]);
    const events = run(e, [limit('t', 'tom', 'buy', 105, 1)])[0];
    expect(events.filter((ev) => ev.type === 'triggered').map((ev) => (ev as { id: string }).id)).toEqual(['s2', 's1']);
  });

  it('modify of a stop-limit price-only keeps its qty and stop price', () => {
    const e = impl.create(acmeOptions());
    run(e, [stop('s', 'sam', 'buy', 105, 106, 5)]);
    expect(e.apply({ op: 'modify', id: 's', account: 'sam', price: 107, time: 2_000 })).toEqual([
      {
        type: 'modified',
        id: 's',
        account: 'sam',
        symbol: 'ACME',
        side: 'buy',
        price: 107,
        qty: 5,
        oldPrice: 106,
        oldQty: 5,
        priorityKept: false,
        stopPrice: 105,
        oldStopPrice: 105,
      },
    ]);
  });

  it('stops trigger only on their own instrument', () => {
    const e = impl.create(acmeOptions());
    run(e, [stop('s', 'sam', 'buy', 500, undefined, 10), limit('w1', 'ann', 'sell', 500, 10, { symbol: 'WIDE' })]);
    const events = run(e, [limit('w2', 'tom', 'buy', 500, 10, { symbol: 'WIDE' })])[0];
    expect(events.some((ev) => ev.type === 'triggered')).toBe(false);
    expect(e.order('s')?.orderType).toBe('stop_market');
  });
});

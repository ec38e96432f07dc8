// Why this file exists: iceberg orders (SEMANTICS.md step 16 and the taker loop): only the display
// slice is in depth and in the queue; a filled slice is refilled from the hidden reserve at the back
// of its level; trades, cancels, FOK and order() count the reserve.

import { describe, expect, it } from 'vitest';
import {
  CancelReason,
  IMPLS,
  accepted,
  acmeOptions,
  cancel,
  cancelled,
  limit,
  market,
  run,
  trade,
  rested,
  restedOf,
} from './harness.js';

describe.each(IMPLS)('iceberg orders ($name)', (impl) => {
  it('depth shows only the displayed slice; order() the whole open qty', () => {
    const e = impl.create(acmeOptions());
    const ice = limit('i', 'ivy', 'buy', 100, 6, { displayQty: 2 });
    expect(run(e, [ice])).toEqual([[accepted(ice), rested(ice, 2, 4)]]);
    expect(e.depth('ACME')).toEqual({ bids: [[100, 2]], asks: [] });
    expect(e.order('i')).toMatchObject({ qty: 6, displayQty: 2, price: 100 });
  });

  it('a filled slice is refilled from the reserve and goes to the back of the queue', () => {
    const e = impl.create(acmeOptions());
    run(e, [limit('i', 'ivy', 'buy', 100, 6, { displayQty: 2 }), limit('p', 'pat', 'buy', 100, 3)]);
    expect(e.depth('ACME').bids).toEqual([[100, 5]]);
    const t1 = limit('t1', 'tom', 'sell', 100, 2, { tif: 'IOC' });
    expect(run(e, [t1])[0]).toEqual([
      accepted(t1),
      trade({ price: 100, qty: 2, maker: 'i', taker: 't1', makerAccount: 'ivy', takerAccount: 'tom', takerSide: 'sell', makerRemaining: 4, takerRemaining: 0 }),
      // The emptied slice is refilled from the reserve at the back of the level.
      restedOf('i', 'ivy', 'buy', 100, 2, 2),
    ]);
    expect(e.depth('ACME').bids).toEqual([[100, 5]]);
    const t2 = limit('t2', 'tom', 'sell', 100, 4, { tif: 'IOC' });
    expect(run(e, [t2])[0]).toEqual([
      accepted(t2),
      trade({ price: 100, qty: 3, maker: 'p', taker: 't2', makerAccount: 'pat', takerAccount: 'tom', takerSide: 'sell', makerRemaining: 0, takerRemaining: 1 }),
      trade({ price: 100, qty: 1, maker: 'i', taker: 't2', makerAccount: 'ivy', takerAccount: 'tom', takerSide: 'sell', makerRemaining: 3, takerRemaining: 0 }),
    ]);
    expect(e.depth('ACME').bids).toEqual([[100, 1]]);
    const t3 = market('t3', 'tom', 'sell', 10);
    expect(run(e, [t3])[0]).toEqual([
      accepted(t3),
      trade({ price: 100, qty: 1, maker: 'i', taker: 't3', makerAccount: 'ivy', takerAccount: 'tom', takerSide: 'sell', makerRemaining: 2, takerRemaining: 9 }),
      restedOf('i', 'ivy', 'buy', 100, 2, 0),
      trade({ price: 100, qty: 2, maker: 'i', taker: 't3', makerAccount: 'ivy', takerAccount: 'tom', takerSide: 'sell', makerRemaining: 0, takerRemaining: 7 }),
      cancelled('t3', 'tom', 'sell', CancelReason.MARKET_REMAINDER, 7),
    ]);
    expect(e.liveOrders).toBe(0);
  });

  it('an aggressive iceberg trades its whole qty as a taker and rests a slice', () => {
    const e = impl.create(acmeOptions());
    run(e, [limit('a', 'ann', 'sell', 100, 3)]);
    run(e, [limit('i', 'ivy', 'buy', 100, 10, { displayQty: 4 })]);
    expect(e.depth('ACME')).toEqual({ bids: [[100, 4]], asks: [] });
    expect(e.order('i')?.qty).toBe(7);
  });

  it('FOK counts hidden reserves', () => {
    const e = impl.create(acmeOptions());
    run(e, [limit('i', 'ivy', 'sell', 100, 5, { displayQty: 1 })]);
    const f = limit('f', 'fay', 'buy', 100, 5, { tif: 'FOK' });
    const events = run(e, [f])[0];
    expect(events.filter((ev) => ev.type === 'trade')).toHaveLength(5);
    expect(e.liveOrders).toBe(0);
  });

  it('cancel removes the whole open qty, reserve included', () => {
    const e = impl.create(acmeOptions());
    run(e, [limit('i', 'ivy', 'buy', 100, 6, { displayQty: 2 })]);
    expect(e.apply(cancel('i', 'ivy'))).toEqual([cancelled('i', 'ivy', 'buy', CancelReason.USER, 6)]);
  });

  it('a size-only decrease keeps priority and the display slice (capped by the new qty)', () => {
    const e = impl.create(acmeOptions());
    run(e, [limit('i', 'ivy', 'buy', 100, 6, { displayQty: 4 }), limit('p', 'pat', 'buy', 100, 1)]);
    expect(e.apply({ op: 'modify', id: 'i', account: 'ivy', qty: 3, time: 5_000 })[0]).toMatchObject({ priorityKept: true, qty: 3, oldQty: 6 });
    expect(e.depth('ACME').bids).toEqual([[100, 4]]);
    const t = market('t', 'tom', 'sell', 1);
    expect(run(e, [t])[0][1]).toMatchObject({ makerId: 'i', makerRemaining: 2 });
  });
});

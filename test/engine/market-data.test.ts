// Why this file exists: the market data a venue publishes from the engine — top (best bid/offer
// with displayed quantity) and the L3 book (every resting order per level in priority order) —
// agree with depth and with the naive oracle, including icebergs (displayed slice only), an amend
// that loses priority, and stops (not in the book).

import { describe, expect, it } from 'vitest';
import { IMPLS, acmeOptions, limit, modify, run } from './harness.js';

describe.each(IMPLS)('market data ($name)', (impl) => {
  it('top is null/0 on an empty side and the best level otherwise', () => {
    const e = impl.create(acmeOptions());
    expect(e.top('ACME')).toEqual({ bid: null, bidQty: 0, ask: null, askQty: 0 });
    run(e, [limit('b1', 'alice', 'buy', 99, 5), limit('b2', 'bob', 'buy', 99, 3), limit('b3', 'bob', 'buy', 98, 1), limit('a1', 'carol', 'sell', 101, 4)]);
    expect(e.top('ACME')).toEqual({ bid: 99, bidQty: 8, ask: 101, askQty: 4 });
  });

  it('l3 lists every resting order per level in priority order, displayed qty only, consistent with depth', () => {
    const e = impl.create(acmeOptions());
    run(e, [
      limit('b1', 'alice', 'buy', 99, 5),
      limit('b2', 'bob', 'buy', 99, 3),
      limit('ice', 'carol', 'buy', 99, 10, { displayQty: 2 }),
      limit('b3', 'bob', 'buy', 98, 1),
      limit('a1', 'carol', 'sell', 101, 4),
      { op: 'new', id: 'stop', account: 'dave', symbol: 'ACME', side: 'sell', type: 'stop_market', stopPrice: 90, qty: 1, time: 1 },
    ]);
    // An amend that raises qty loses priority: b1 moves behind the iceberg.
    run(e, [modify('b1', 'alice', 99, 6)]);
    const book = e.l3('ACME');
    expect(book).toEqual({
      bids: [
        { price: 99, qty: 11, orders: [{ id: 'b2', qty: 3 }, { id: 'ice', qty: 2 }, { id: 'b1', qty: 6 }] },
        { price: 98, qty: 1, orders: [{ id: 'b3', qty: 1 }] },
      ],
      asks: [{ price: 101, qty: 4, orders: [{ id: 'a1', qty: 4 }] }],
    });
    const depth = e.depth('ACME');
    expect(book.bids.map((l) => [l.price, l.qty])).toEqual(depth.bids);
    expect(e.l3('ACME', 1).bids).toHaveLength(1);
    expect(() => e.l3('ACME', 0)).toThrow();
    expect(() => e.l3('NOPE')).toThrow();
  });
});

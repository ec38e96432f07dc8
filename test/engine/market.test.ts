// Why this file exists: a market order takes liquidity at any price and never rests; its unfilled
// part is cancelled with MARKET_REMAINDER — including the edge case of an empty opposite side,
// where the events are exactly `accepted`, `cancelled`. Market FOK is all-or-nothing.

import { describe, expect, it } from 'vitest';
import { CancelReason, IMPLS, accepted, acmeOptions, cancelled, limit, market, run, trade } from './harness.js';

describe.each(IMPLS)('market orders ($name)', (impl) => {
  it('on an empty opposite side: accepted (price null), then cancelled MARKET_REMAINDER', () => {
    // Dead-id memory off: the book must be unchanged, and the dead id would be new state.
    const e = impl.create(acmeOptions({ deadIdsPerInstrumentMax: 0 }));
    const m = market('m', 'alice', 'buy', 10);
    const before = e.stateHash();
    expect(run(e, [m])).toEqual([
      [
        { type: 'accepted', id: 'm', account: 'alice', symbol: 'ACME', side: 'buy', orderType: 'market', price: null, qty: 10 },
        cancelled('m', 'alice', 'buy', CancelReason.MARKET_REMAINDER, 10),
      ],
    ]);
    expect(e.stateHash()).toBe(before);
    expect(e.liveOrders).toBe(0);
  });

  it('a market sell when only its own side has orders is cancelled in full', () => {
    const e = impl.create(acmeOptions());
    const ask = limit('a', 'bob', 'sell', 100, 5);
    const m = market('m', 'alice', 'sell', 3);
    expect(run(e, [ask, m])[1]).toEqual([accepted(m), cancelled('m', 'alice', 'sell', CancelReason.MARKET_REMAINDER, 3)]);
    expect(e.depth('ACME')).toEqual({ bids: [], asks: [[100, 5]] });
  });

  it('sweeps every level regardless of price and cancels the remainder', () => {
    const e = impl.create(acmeOptions());
    const s1 = limit('s1', 'bob', 'sell', 100, 2);
    const s2 = limit('s2', 'carol', 'sell', 900_000, 3);
    const m = market('m', 'alice', 'buy', 10);
    expect(run(e, [s1, s2, m])[2]).toEqual([
      accepted(m),
      trade({
        price: 100,
        qty: 2,
        maker: 's1',
        taker: 'm',
        makerAccount: 'bob',
        takerAccount: 'alice',
        takerSide: 'buy',
        makerRemaining: 0,
        takerRemaining: 8,
      }),
      trade({
        price: 900_000,
        qty: 3,
        maker: 's2',
        taker: 'm',
        makerAccount: 'carol',
        takerAccount: 'alice',
        takerSide: 'buy',
        makerRemaining: 0,
        takerRemaining: 5,
      }),
      cancelled('m', 'alice', 'buy', CancelReason.MARKET_REMAINDER, 5),
    ]);
    expect(e.depth('ACME')).toEqual({ bids: [], asks: [] });
  });

  it('a fully filled market order emits no cancellation and leaves the maker remainder', () => {
    const e = impl.create(acmeOptions());
    const b = limit('b', 'bob', 'buy', 50, 10);
    const m = market(1, 'alice', 'sell', 4, { tif: 'IOC' });
    expect(run(e, [b, m])[1]).toEqual([
      accepted(m),
      trade({
        price: 50,
        qty: 4,
        maker: 'b',
        taker: 1,
        makerAccount: 'bob',
        takerAccount: 'alice',
        takerSide: 'sell',
        makerRemaining: 6,
        takerRemaining: 0,
      }),
    ]);
    expect(e.order(1)).toBeUndefined();
    expect(e.depth('ACME')).toEqual({ bids: [[50, 6]], asks: [] });
  });

  it('market FOK fills completely across levels when the whole side suffices', () => {
    const e = impl.create(acmeOptions());
    const s1 = limit('s1', 'bob', 'sell', 10, 2);
    const s2 = limit('s2', 'bob', 'sell', 20, 2);
    const m = market('m', 'alice', 'buy', 4, { tif: 'FOK' });
    expect(run(e, [s1, s2, m])[2]).toEqual([
      accepted(m),
      trade({
        price: 10,
        qty: 2,
        maker: 's1',
        taker: 'm',
        makerAccount: 'bob',
        takerAccount: 'alice',
        takerSide: 'buy',
        makerRemaining: 0,
        takerRemaining: 2,
      }),
      trade({
        price: 20,
        qty: 2,
        maker: 's2',
        taker: 'm',
        makerAccount: 'bob',
        takerAccount: 'alice',
        takerSide: 'buy',
        makerRemaining: 0,
        takerRemaining: 0,
      }),
    ]);
  });

  it('market FOK that the whole side cannot fill is cancelled FOK_UNFILLABLE and changes nothing', () => {
    // Dead-id memory off: the book must be unchanged, and the dead id would be new state.
    const e = impl.create(acmeOptions({ deadIdsPerInstrumentMax: 0 }));
    run(e, [limit('s1', 'bob', 'sell', 10, 2), limit('s2', 'bob', 'sell', 20, 2)]);
    const before = e.stateHash();
    const m = market('m', 'alice', 'buy', 5, { tif: 'FOK' });
    expect(run(e, [m])).toEqual([[accepted(m), cancelled('m', 'alice', 'buy', CancelReason.FOK_UNFILLABLE, 5)]]);
    expect(e.stateHash()).toBe(before);
  });

  it('market FOK on an empty side is FOK_UNFILLABLE, not MARKET_REMAINDER', () => {
    const e = impl.create(acmeOptions());
    const m = market('m', 'alice', 'sell', 5, { tif: 'FOK' });
    expect(run(e, [m])).toEqual([[accepted(m), cancelled('m', 'alice', 'sell', CancelReason.FOK_UNFILLABLE, 5)]]);
  });
});

// Why this file exists: a limit IOC order trades what it can up to its limit price right away and
// never rests; its remainder is cancelled with IOC_REMAINDER (the whole qty if nothing crossed).

import { describe, expect, it } from 'vitest';
import { CancelReason, IMPLS, accepted, acmeOptions, cancelled, limit, run, trade } from './harness.js';

describe.each(IMPLS)('limit IOC ($name)', (impl) => {
  it('partially fills and cancels the remainder', () => {
    const e = impl.create(acmeOptions());
    const s = limit('s', 'bob', 'sell', 100, 3);
    const i = limit('i', 'alice', 'buy', 100, 10, { tif: 'IOC' });
    expect(run(e, [s, i])[1]).toEqual([
      accepted(i),
      trade({
        price: 100,
        qty: 3,
        maker: 's',
        taker: 'i',
        makerAccount: 'bob',
        takerAccount: 'alice',
        takerSide: 'buy',
        makerRemaining: 0,
        takerRemaining: 7,
      }),
      cancelled('i', 'alice', 'buy', CancelReason.IOC_REMAINDER, 7),
    ]);
    expect(e.liveOrders).toBe(0);
    expect(e.depth('ACME')).toEqual({ bids: [], asks: [] });
  });

  it('that does not cross is cancelled in full and leaves the book unchanged', () => {
    // Dead-id memory off: the book must be unchanged, and the dead id would be new state.
    const e = impl.create(acmeOptions({ deadIdsPerInstrumentMax: 0 }));
    run(e, [limit('s', 'bob', 'sell', 101, 3)]);
    const before = e.stateHash();
    const i = limit('i', 'alice', 'buy', 100, 10, { tif: 'IOC' });
    expect(run(e, [i])).toEqual([[accepted(i), cancelled('i', 'alice', 'buy', CancelReason.IOC_REMAINDER, 10)]]);
    expect(e.stateHash()).toBe(before);
  });

  it('on an empty book is cancelled in full', () => {
    const e = impl.create(acmeOptions());
    const i = limit(3, 'alice', 'sell', 100, 1, { tif: 'IOC' });
    expect(run(e, [i])).toEqual([[accepted(i), cancelled(3, 'alice', 'sell', CancelReason.IOC_REMAINDER, 1)]]);
  });

  it('fully filled emits no cancellation', () => {
    const e = impl.create(acmeOptions());
    const b = limit('b', 'bob', 'buy', 100, 10);
    const i = limit('i', 'alice', 'sell', 99, 10, { tif: 'IOC' });
    expect(run(e, [b, i])[1]).toEqual([
      accepted(i),
      trade({
        price: 100,
        qty: 10,
        maker: 'b',
        taker: 'i',
        makerAccount: 'bob',
        takerAccount: 'alice',
        takerSide: 'sell',
        makerRemaining: 0,
        takerRemaining: 0,
      }),
    ]);
  });

  it('respects its limit price across levels', () => {
    const e = impl.create(acmeOptions());
    const b1 = limit('b1', 'bob', 'buy', 100, 1);
    const b2 = limit('b2', 'bob', 'buy', 99, 1);
    const b3 = limit('b3', 'bob', 'buy', 98, 1);
    const i = limit('i', 'alice', 'sell', 99, 5, { tif: 'IOC' });
    expect(run(e, [b1, b2, b3, i])[3]).toEqual([
      accepted(i),
      trade({
        price: 100,
        qty: 1,
        maker: 'b1',
        taker: 'i',
        makerAccount: 'bob',
        takerAccount: 'alice',
        takerSide: 'sell',
        makerRemaining: 0,
        takerRemaining: 4,
      }),
      trade({
        price: 99,
        qty: 1,
        maker: 'b2',
        taker: 'i',
        makerAccount: 'bob',
        takerAccount: 'alice',
        takerSide: 'sell',
        makerRemaining: 0,
        takerRemaining: 3,
      }),
      cancelled('i', 'alice', 'sell', CancelReason.IOC_REMAINDER, 3),
    ]);
    expect(e.depth('ACME')).toEqual({ bids: [[98, 1]], asks: [] });
  });
});

// Why this file exists: fill-or-kill is all-or-nothing, decided by a pre-check that must walk the
// book exactly as the taker loop would — over crossing levels only, in FIFO order, and honouring
// the taker's self-trade-prevention mode (stop at a same-account maker for cancel_taker /
// cancel_both, skip it for cancel_maker). An unfillable FOK changes nothing, not even makers.

import { describe, expect, it } from 'vitest';
import { CancelReason, IMPLS, accepted, acmeOptions, cancelled, limit, run, trade } from './harness.js';

describe.each(IMPLS)('fill-or-kill ($name)', (impl) => {
  it('fills completely across levels when enough crosses', () => {
    const e = impl.create(acmeOptions());
    const s1 = limit('s1', 'bob', 'sell', 100, 4);
    const s2 = limit('s2', 'carol', 'sell', 101, 4);
    const f = limit('f', 'alice', 'buy', 101, 6, { tif: 'FOK' });
    expect(run(e, [s1, s2, f])[2]).toEqual([
      accepted(f),
      trade({
        price: 100,
        qty: 4,
        maker: 's1',
        taker: 'f',
        makerAccount: 'bob',
        takerAccount: 'alice',
        takerSide: 'buy',
        makerRemaining: 0,
        takerRemaining: 2,
      }),
      trade({
        price: 101,
        qty: 2,
        maker: 's2',
        taker: 'f',
        makerAccount: 'carol',
        takerAccount: 'alice',
        takerSide: 'buy',
        makerRemaining: 2,
        takerRemaining: 0,
      }),
    ]);
    expect(e.order('f')).toBeUndefined();
  });

  it('exactly fillable is filled', () => {
    const e = impl.create(acmeOptions());
    const s1 = limit('s1', 'bob', 'sell', 100, 4);
    const f = limit('f', 'alice', 'buy', 100, 4, { tif: 'FOK' });
    expect(run(e, [s1, f])[1]).toEqual([
      accepted(f),
      trade({
        price: 100,
        qty: 4,
        maker: 's1',
        taker: 'f',
        makerAccount: 'bob',
        takerAccount: 'alice',
        takerSide: 'buy',
        makerRemaining: 0,
        takerRemaining: 0,
      }),
    ]);
  });

  it('counts only crossing levels: liquidity beyond the limit price does not count', () => {
    // Dead-id memory off: the book must be unchanged, and the dead id would be new state.
    const e = impl.create(acmeOptions({ deadIdsPerInstrumentMax: 0 }));
    run(e, [limit('s1', 'bob', 'sell', 100, 4), limit('s2', 'bob', 'sell', 102, 100)]);
    const before = e.stateHash();
    const f = limit('f', 'alice', 'buy', 101, 5, { tif: 'FOK' });
    expect(run(e, [f])).toEqual([[accepted(f), cancelled('f', 'alice', 'buy', CancelReason.FOK_UNFILLABLE, 5)]]);
    expect(e.stateHash()).toBe(before);
  });

  it('on an empty book is FOK_UNFILLABLE with the full qty', () => {
    const e = impl.create(acmeOptions());
    const f = limit('f', 'alice', 'sell', 100, 9, { tif: 'FOK' });
    expect(run(e, [f])).toEqual([[accepted(f), cancelled('f', 'alice', 'sell', CancelReason.FOK_UNFILLABLE, 9)]]);
    expect(e.liveOrders).toBe(0);
  });

  it('stp none counts same-account makers (and trades with them)', () => {
    const e = impl.create(acmeOptions());
    const s1 = limit('s1', 'alice', 'sell', 100, 5);
    const f = limit('f', 'alice', 'buy', 100, 5, { tif: 'FOK' });
    expect(run(e, [s1, f])[1]).toEqual([
      accepted(f),
      trade({
        price: 100,
        qty: 5,
        maker: 's1',
        taker: 'f',
        makerAccount: 'alice',
        takerAccount: 'alice',
        takerSide: 'buy',
        makerRemaining: 0,
        takerRemaining: 0,
      }),
    ]);
  });

  it('cancel_taker: the walk stops at the first same-account maker', () => {
    // Dead-id memory off: the book must be unchanged, and the dead id would be new state.
    const e = impl.create(acmeOptions({ deadIdsPerInstrumentMax: 0 }));
    // bob 3, alice 10, bob 10: only 3 is reachable before alice's own order.
    run(e, [limit('s1', 'bob', 'sell', 100, 3), limit('s2', 'alice', 'sell', 100, 10), limit('s3', 'bob', 'sell', 101, 10)]);
    const before = e.stateHash();
    const f = limit('f', 'alice', 'buy', 101, 5, { tif: 'FOK', stp: 'cancel_taker' });
    expect(run(e, [f])).toEqual([[accepted(f), cancelled('f', 'alice', 'buy', CancelReason.FOK_UNFILLABLE, 5)]]);
    expect(e.stateHash()).toBe(before);
  });

  it('cancel_taker: fills when enough lies before the first same-account maker', () => {
    const e = impl.create(acmeOptions());
    run(e, [limit('s1', 'bob', 'sell', 100, 3), limit('s2', 'alice', 'sell', 100, 10)]);
    const f = limit('f', 'alice', 'buy', 101, 3, { tif: 'FOK', stp: 'cancel_taker' });
    expect(run(e, [f])[0]).toEqual([
      accepted(f),
      trade({
        price: 100,
        qty: 3,
        maker: 's1',
        taker: 'f',
        makerAccount: 'bob',
        takerAccount: 'alice',
        takerSide: 'buy',
        makerRemaining: 0,
        takerRemaining: 0,
      }),
    ]);
    expect(e.order('s2')?.qty).toBe(10);
  });

  it('cancel_both: also stops at the first same-account maker, and no maker is cancelled', () => {
    // Dead-id memory off: the book must be unchanged, and the dead id would be new state.
    const e = impl.create(acmeOptions({ deadIdsPerInstrumentMax: 0 }));
    run(e, [limit('s1', 'alice', 'sell', 100, 10), limit('s2', 'bob', 'sell', 100, 10)]);
    const before = e.stateHash();
    const f = limit('f', 'alice', 'buy', 100, 5, { tif: 'FOK', stp: 'cancel_both' });
    expect(run(e, [f])).toEqual([[accepted(f), cancelled('f', 'alice', 'buy', CancelReason.FOK_UNFILLABLE, 5)]]);
    expect(e.stateHash()).toBe(before);
  });

  it('cancel_maker: same-account makers are skipped in the count but cancelled during the fill', () => {
    const e = impl.create(acmeOptions());
    const setup = [
      limit('s1', 'alice', 'sell', 100, 10),
      limit('s2', 'bob', 'sell', 100, 2),
      limit('s3', 'alice', 'sell', 101, 1),
      limit('s4', 'carol', 'sell', 101, 5),
    ];
    run(e, setup);
    const f = limit('f', 'alice', 'buy', 101, 7, { tif: 'FOK', stp: 'cancel_maker' });
    expect(run(e, [f])[0]).toEqual([
      accepted(f),
      cancelled('s1', 'alice', 'sell', CancelReason.SELF_TRADE, 10),
      trade({
        price: 100,
        qty: 2,
        maker: 's2',
        taker: 'f',
        makerAccount: 'bob',
        takerAccount: 'alice',
        takerSide: 'buy',
        makerRemaining: 0,
        takerRemaining: 5,
      }),
      cancelled('s3', 'alice', 'sell', CancelReason.SELF_TRADE, 1),
      trade({
        price: 101,
        qty: 5,
        maker: 's4',
        taker: 'f',
        makerAccount: 'carol',
        takerAccount: 'alice',
        takerSide: 'buy',
        makerRemaining: 0,
        takerRemaining: 0,
      }),
    ]);
    expect(e.liveOrders).toBe(0);
  });

  it('cancel_maker: same-account liquidity does not make an FOK fillable, and nothing is cancelled', () => {
    // Dead-id memory off: the book must be unchanged, and the dead id would be new state.
    const e = impl.create(acmeOptions({ deadIdsPerInstrumentMax: 0 }));
    run(e, [limit('s1', 'alice', 'sell', 100, 10), limit('s2', 'bob', 'sell', 100, 2)]);
    const before = e.stateHash();
    const f = limit('f', 'alice', 'buy', 100, 5, { tif: 'FOK', stp: 'cancel_maker' });
    expect(run(e, [f])).toEqual([[accepted(f), cancelled('f', 'alice', 'buy', CancelReason.FOK_UNFILLABLE, 5)]]);
    expect(e.stateHash()).toBe(before);
    expect(e.order('s1')?.qty).toBe(10);
  });

  it('sell FOK walks bids from the highest down', () => {
    const e = impl.create(acmeOptions());
    run(e, [limit('b1', 'bob', 'buy', 99, 5), limit('b2', 'bob', 'buy', 98, 5)]);
    const ok = limit('ok', 'alice', 'sell', 98, 10, { tif: 'FOK' });
    expect(run(e, [ok])[0]).toEqual([
      accepted(ok),
      trade({
        price: 99,
        qty: 5,
        maker: 'b1',
        taker: 'ok',
        makerAccount: 'bob',
        takerAccount: 'alice',
        takerSide: 'sell',
        makerRemaining: 0,
        takerRemaining: 5,
      }),
      trade({
        price: 98,
        qty: 5,
        maker: 'b2',
        taker: 'ok',
        makerAccount: 'bob',
        takerAccount: 'alice',
        takerSide: 'sell',
        makerRemaining: 0,
        takerRemaining: 0,
      }),
    ]);
  });
});

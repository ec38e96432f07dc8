// Why this file exists: self-trade prevention is keyed on account and decided by the taker's mode
// alone. Each mode has a distinct, exactly specified event sequence (who is cancelled, in which
// order, whether matching continues and whether the remainder may rest).

import { describe, expect, it } from 'vitest';
import { CancelReason, IMPLS, accepted, acmeOptions, cancelled, limit, market, run, trade, rested } from './harness.js';

describe.each(IMPLS)('self-trade prevention ($name)', (impl) => {
  it('none (the default): an account may trade with itself', () => {
    const e = impl.create(acmeOptions());
    const s = limit('s', 'alice', 'sell', 100, 5);
    const b = limit('b', 'alice', 'buy', 100, 5);
    expect(run(e, [s, b])[1]).toEqual([
      accepted(b),
      trade({
        price: 100,
        qty: 5,
        maker: 's',
        taker: 'b',
        makerAccount: 'alice',
        takerAccount: 'alice',
        takerSide: 'buy',
        makerRemaining: 0,
        takerRemaining: 0,
      }),
    ]);
  });

  it('cancel_taker: trades up to the own maker, then cancels the taker\'s open qty; the maker stays', () => {
    const e = impl.create(acmeOptions());
    run(e, [limit('o', 'bob', 'sell', 100, 2), limit('mine', 'alice', 'sell', 100, 5), limit('o2', 'bob', 'sell', 100, 5)]);
    const b = limit('b', 'alice', 'buy', 100, 10, { stp: 'cancel_taker' });
    expect(run(e, [b])[0]).toEqual([
      accepted(b),
      trade({
        price: 100,
        qty: 2,
        maker: 'o',
        taker: 'b',
        makerAccount: 'bob',
        takerAccount: 'alice',
        takerSide: 'buy',
        makerRemaining: 0,
        takerRemaining: 8,
      }),
      cancelled('b', 'alice', 'buy', CancelReason.SELF_TRADE, 8),
    ]);
    expect(e.order('b')).toBeUndefined();
    expect(e.depth('ACME')).toEqual({ bids: [], asks: [[100, 10]] });
  });

  it('cancel_maker: cancels each own maker with its open qty and keeps matching; the rest rests', () => {
    const e = impl.create(acmeOptions());
    run(e, [
      limit('m1', 'alice', 'sell', 100, 5),
      limit('o', 'bob', 'sell', 100, 2),
      limit('m2', 'alice', 'sell', 101, 1),
    ]);
    const b = limit('b', 'alice', 'buy', 101, 10, { stp: 'cancel_maker' });
    expect(run(e, [b])[0]).toEqual([
      accepted(b),
      cancelled('m1', 'alice', 'sell', CancelReason.SELF_TRADE, 5),
      trade({
        price: 100,
        qty: 2,
        maker: 'o',
        taker: 'b',
        makerAccount: 'bob',
        takerAccount: 'alice',
        takerSide: 'buy',
        makerRemaining: 0,
        takerRemaining: 8,
      }),
      cancelled('m2', 'alice', 'sell', CancelReason.SELF_TRADE, 1),
      rested(b, 8),
    ]);
    expect(e.depth('ACME')).toEqual({ bids: [[101, 8]], asks: [] });
    expect(e.liveOrders).toBe(1);
  });

  it('cancel_both: cancels the maker, then the taker', () => {
    const e = impl.create(acmeOptions());
    run(e, [limit('mine', 'alice', 'buy', 100, 5), limit('o', 'bob', 'buy', 100, 5)]);
    const s = limit('s', 'alice', 'sell', 100, 3, { stp: 'cancel_both' });
    expect(run(e, [s])[0]).toEqual([
      accepted(s),
      cancelled('mine', 'alice', 'buy', CancelReason.SELF_TRADE, 5),
      cancelled('s', 'alice', 'sell', CancelReason.SELF_TRADE, 3),
    ]);
    expect(e.depth('ACME')).toEqual({ bids: [[100, 5]], asks: [] });
  });

  it('the maker\'s own stp mode does not matter, only the taker\'s', () => {
    const e = impl.create(acmeOptions());
    const s = limit('s', 'alice', 'sell', 100, 5, { stp: 'cancel_both' });
    const b = limit('b', 'alice', 'buy', 100, 5, { stp: 'none' });
    expect(run(e, [s, b])[1]).toEqual([
      accepted(b),
      trade({
        price: 100,
        qty: 5,
        maker: 's',
        taker: 'b',
        makerAccount: 'alice',
        takerAccount: 'alice',
        takerSide: 'buy',
        makerRemaining: 0,
        takerRemaining: 0,
      }),
    ]);
  });

  it('different accounts never trigger stp', () => {
    const e = impl.create(acmeOptions());
    const s = limit('s', 'bob', 'sell', 100, 5);
    const b = limit('b', 'alice', 'buy', 100, 5, { stp: 'cancel_both' });
    expect(run(e, [s, b])[1]).toEqual([
      accepted(b),
      trade({
        price: 100,
        qty: 5,
        maker: 's',
        taker: 'b',
        makerAccount: 'bob',
        takerAccount: 'alice',
        takerSide: 'buy',
        makerRemaining: 0,
        takerRemaining: 0,
      }),
    ]);
  });

  it('a same-account order beyond the limit price is not touched', () => {
    const e = impl.create(acmeOptions());
    run(e, [limit('mine', 'alice', 'sell', 102, 5)]);
    const b = limit('b', 'alice', 'buy', 101, 5, { stp: 'cancel_maker' });
    expect(run(e, [b])).toEqual([[accepted(b), rested(b)]]);
    expect(e.liveOrders).toBe(2);
  });

  it('market + cancel_taker: the taker cancel is SELF_TRADE, not MARKET_REMAINDER', () => {
    const e = impl.create(acmeOptions());
    run(e, [limit('mine', 'alice', 'sell', 100, 5)]);
    const m = market('m', 'alice', 'buy', 5, { stp: 'cancel_taker' });
    expect(run(e, [m])[0]).toEqual([accepted(m), cancelled('m', 'alice', 'buy', CancelReason.SELF_TRADE, 5)]);
  });

  it('market + cancel_maker: own makers removed, then MARKET_REMAINDER for what is left', () => {
    const e = impl.create(acmeOptions());
    run(e, [limit('mine', 'alice', 'sell', 100, 5)]);
    const m = market('m', 'alice', 'buy', 5, { stp: 'cancel_maker' });
    expect(run(e, [m])[0]).toEqual([
      accepted(m),
      cancelled('mine', 'alice', 'sell', CancelReason.SELF_TRADE, 5),
      cancelled('m', 'alice', 'buy', CancelReason.MARKET_REMAINDER, 5),
    ]);
    expect(e.liveOrders).toBe(0);
  });

  it('IOC + cancel_maker: own makers removed, remainder is IOC_REMAINDER', () => {
    const e = impl.create(acmeOptions());
    run(e, [limit('mine', 'alice', 'buy', 100, 5), limit('o', 'bob', 'buy', 99, 1)]);
    const s = limit('s', 'alice', 'sell', 99, 4, { tif: 'IOC', stp: 'cancel_maker' });
    expect(run(e, [s])[0]).toEqual([
      accepted(s),
      cancelled('mine', 'alice', 'buy', CancelReason.SELF_TRADE, 5),
      trade({
        price: 99,
        qty: 1,
        maker: 'o',
        taker: 's',
        makerAccount: 'bob',
        takerAccount: 'alice',
        takerSide: 'sell',
        makerRemaining: 0,
        takerRemaining: 3,
      }),
      cancelled('s', 'alice', 'sell', CancelReason.IOC_REMAINDER, 3),
    ]);
  });

  it('cancel_both after a partial fill cancels the taker\'s remaining open qty', () => {
    const e = impl.create(acmeOptions());
    run(e, [limit('o', 'bob', 'sell', 100, 4), limit('mine', 'alice', 'sell', 101, 6)]);
    const b = limit('b', 'alice', 'buy', 105, 10, { stp: 'cancel_both' });
    expect(run(e, [b])[0]).toEqual([
      accepted(b),
      trade({
        price: 100,
        qty: 4,
        maker: 'o',
        taker: 'b',
        makerAccount: 'bob',
        takerAccount: 'alice',
        takerSide: 'buy',
        makerRemaining: 0,
        takerRemaining: 6,
      }),
      cancelled('mine', 'alice', 'sell', CancelReason.SELF_TRADE, 6),
      cancelled('b', 'alice', 'buy', CancelReason.SELF_TRADE, 6),
    ]);
    expect(e.liveOrders).toBe(0);
  });
});

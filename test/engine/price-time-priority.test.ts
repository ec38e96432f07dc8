// Why this file exists: price-time priority is the core fairness rule of the book — better
// prices trade first, within a price the oldest order trades first, and the trade happens at the
// resting (maker) price. These scenarios pin the order of trades and every field of each trade.

import { describe, expect, it } from 'vitest';
import { IMPLS, accepted, acmeOptions, limit, run, trade, rested } from './harness.js';

describe.each(IMPLS)('price-time priority ($name)', (impl) => {
  it('a buy takes the lowest ask first, then the next level, at the makers\' prices', () => {
    const e = impl.create(acmeOptions());
    const s1 = limit('s1', 'bob', 'sell', 101, 10);
    const s2 = limit('s2', 'carol', 'sell', 100, 10);
    const b = limit('b', 'alice', 'buy', 101, 15);
    const [, , events] = run(e, [s1, s2, b]);
    expect(events).toEqual([
      accepted(b),
      trade({
        price: 100,
        qty: 10,
        maker: 's2',
        taker: 'b',
        makerAccount: 'carol',
        takerAccount: 'alice',
        takerSide: 'buy',
        makerRemaining: 0,
        takerRemaining: 5,
      }),
      trade({
        price: 101,
        qty: 5,
        maker: 's1',
        taker: 'b',
        makerAccount: 'bob',
        takerAccount: 'alice',
        takerSide: 'buy',
        makerRemaining: 5,
        takerRemaining: 0,
      }),
    ]);
    expect(e.depth('ACME')).toEqual({ bids: [], asks: [[101, 5]] });
  });

  it('a sell takes the highest bid first', () => {
    const e = impl.create(acmeOptions());
    const b1 = limit('b1', 'bob', 'buy', 98, 4);
    const b2 = limit('b2', 'carol', 'buy', 99, 4);
    const s = limit('s', 'alice', 'sell', 97, 6);
    const [, , events] = run(e, [b1, b2, s]);
    expect(events).toEqual([
      accepted(s),
      trade({
        price: 99,
        qty: 4,
        maker: 'b2',
        taker: 's',
        makerAccount: 'carol',
        takerAccount: 'alice',
        takerSide: 'sell',
        makerRemaining: 0,
        takerRemaining: 2,
      }),
      trade({
        price: 98,
        qty: 2,
        maker: 'b1',
        taker: 's',
        makerAccount: 'bob',
        takerAccount: 'alice',
        takerSide: 'sell',
        makerRemaining: 2,
        takerRemaining: 0,
      }),
    ]);
    expect(e.depth('ACME')).toEqual({ bids: [[98, 2]], asks: [] });
  });

  it('within a level, the oldest order trades first (FIFO)', () => {
    const e = impl.create(acmeOptions());
    const makers = [
      limit('m1', 'bob', 'sell', 100, 3),
      limit('m2', 'carol', 'sell', 100, 3),
      limit('m3', 'dave', 'sell', 100, 3),
    ];
    const t = limit('t', 'alice', 'buy', 100, 7);
    const events = run(e, [...makers, t])[3];
    expect(events).toEqual([
      accepted(t),
      trade({
        price: 100,
        qty: 3,
        maker: 'm1',
        taker: 't',
        makerAccount: 'bob',
        takerAccount: 'alice',
        takerSide: 'buy',
        makerRemaining: 0,
        takerRemaining: 4,
      }),
      trade({
        price: 100,
        qty: 3,
        maker: 'm2',
        taker: 't',
        makerAccount: 'carol',
        takerAccount: 'alice',
        takerSide: 'buy',
        makerRemaining: 0,
        takerRemaining: 1,
      }),
      trade({
        price: 100,
        qty: 1,
        maker: 'm3',
        taker: 't',
        makerAccount: 'dave',
        takerAccount: 'alice',
        takerSide: 'buy',
        makerRemaining: 2,
        takerRemaining: 0,
      }),
    ]);
    // m3 keeps its place: the next taker meets it first, even though m4 arrived at the same price.
    const m4 = limit('m4', 'bob', 'sell', 100, 5);
    const t2 = limit('t2', 'alice', 'buy', 100, 3);
    const after = run(e, [m4, t2]);
    expect(after[1]).toEqual([
      accepted(t2),
      trade({
        price: 100,
        qty: 2,
        maker: 'm3',
        taker: 't2',
        makerAccount: 'dave',
        takerAccount: 'alice',
        takerSide: 'buy',
        makerRemaining: 0,
        takerRemaining: 1,
      }),
      trade({
        price: 100,
        qty: 1,
        maker: 'm4',
        taker: 't2',
        makerAccount: 'bob',
        takerAccount: 'alice',
        takerSide: 'buy',
        makerRemaining: 4,
        takerRemaining: 0,
      }),
    ]);
  });

  it('a taker stops at its limit price and does not trade through it', () => {
    const e = impl.create(acmeOptions());
    const s1 = limit('s1', 'bob', 'sell', 100, 2);
    const s2 = limit('s2', 'bob', 'sell', 102, 2);
    const b = limit('b', 'alice', 'buy', 101, 10);
    const events = run(e, [s1, s2, b])[2];
    expect(events).toEqual([
      accepted(b),
      trade({
        price: 100,
        qty: 2,
        maker: 's1',
        taker: 'b',
        makerAccount: 'bob',
        takerAccount: 'alice',
        takerSide: 'buy',
        makerRemaining: 0,
        takerRemaining: 8,
      }),
      rested(b, 8),
    ]);
    expect(e.depth('ACME')).toEqual({ bids: [[101, 8]], asks: [[102, 2]] });
  });

  it('a limit exactly at the best opposite price trades (crossing is inclusive)', () => {
    const e = impl.create(acmeOptions());
    const b = limit('b', 'bob', 'buy', 100, 5);
    const s = limit('s', 'alice', 'sell', 100, 5);
    expect(run(e, [b, s])[1]).toEqual([
      accepted(s),
      trade({
        price: 100,
        qty: 5,
        maker: 'b',
        taker: 's',
        makerAccount: 'bob',
        takerAccount: 'alice',
        takerSide: 'sell',
        makerRemaining: 0,
        takerRemaining: 0,
      }),
    ]);
    expect(e.liveOrders).toBe(0);
  });

  it('sweeps many levels, removing each emptied level', () => {
    const e = impl.create(acmeOptions());
    const makers = [100, 101, 102, 103].map((p) => limit(`s${p}`, 'bob', 'sell', p, 1));
    run(e, makers);
    const b = limit('b', 'alice', 'buy', 102, 3);
    const events = run(e, [b])[0];
    expect(events.filter((ev) => ev.type === 'trade').map((ev) => (ev.type === 'trade' ? ev.price : 0))).toEqual([
      100, 101, 102,
    ]);
    expect(e.depth('ACME')).toEqual({ bids: [], asks: [[103, 1]] });
  });
});

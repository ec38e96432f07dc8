// Why this file exists: a limit GTC order that does not (fully) cross must rest on its own side at
// its price, with `accepted` then `rested` (SEMANTICS.md "Rested"), and be visible through depth/order/
// liveOrders. Every later behaviour builds on this.

import { describe, expect, it } from 'vitest';
import { IMPLS, accepted, acmeOptions, limit, rested, run, trade } from './harness.js';

describe.each(IMPLS)('limit orders rest ($name)', (impl) => {
  it('a buy on an empty book emits only accepted and rests as the best bid', () => {
    const e = impl.create(acmeOptions());
    const cmd = limit('o1', 'alice', 'buy', 10_000, 100);
    expect(run(e, [cmd])).toEqual([[accepted(cmd), rested(cmd)]]);
    expect(e.depth('ACME')).toEqual({ bids: [[10_000, 100]], asks: [] });
    expect(e.liveOrders).toBe(1);
    expect(e.order('o1')).toEqual({
      id: 'o1',
      account: 'alice',
      symbol: 'ACME',
      side: 'buy',
      price: 10_000,
      qty: 100,
      postOnly: false,
      stp: 'none',
    });
  });

  it('a sell on an empty book rests as the best ask', () => {
    const e = impl.create(acmeOptions());
    const cmd = limit(7, 'bob', 'sell', 10_001, 5, { stp: 'cancel_maker' });
    expect(run(e, [cmd])).toEqual([[accepted(cmd), rested(cmd)]]);
    expect(e.depth('ACME')).toEqual({ bids: [], asks: [[10_001, 5]] });
    expect(e.order(7)).toEqual({
      id: 7,
      account: 'bob',
      symbol: 'ACME',
      side: 'sell',
      price: 10_001,
      qty: 5,
      postOnly: false,
      stp: 'cancel_maker',
    });
  });

  it('explicit tif GTC behaves like the default', () => {
    const e = impl.create(acmeOptions());
    const cmd = limit('g', 'alice', 'buy', 50, 3, { tif: 'GTC' });
    expect(run(e, [cmd])).toEqual([[accepted(cmd), rested(cmd)]]);
    expect(e.order('g')?.qty).toBe(3);
  });

  it('non-crossing orders on both sides all rest; equal prices aggregate in depth', () => {
    const e = impl.create(acmeOptions());
    const cmds = [
      limit('b1', 'alice', 'buy', 99, 10),
      limit('b2', 'bob', 'buy', 99, 20),
      limit('b3', 'carol', 'buy', 98, 5),
      limit('s1', 'alice', 'sell', 101, 7),
      limit('s2', 'bob', 'sell', 100, 1),
    ];
    expect(run(e, cmds)).toEqual(cmds.map((c) => [accepted(c), rested(c)]));
    expect(e.depth('ACME')).toEqual({
      bids: [
        [99, 30],
        [98, 5],
      ],
      asks: [
        [100, 1],
        [101, 7],
      ],
    });
    expect(e.liveOrders).toBe(5);
  });

  it('the unfilled part of a crossing limit rests at its own limit price', () => {
    const e = impl.create(acmeOptions());
    const maker = limit('s1', 'bob', 'sell', 100, 10);
    const taker = limit('b1', 'alice', 'buy', 101, 30);
    expect(run(e, [maker, taker])).toEqual([
      [accepted(maker), rested(maker)],
      [
        accepted(taker),
        trade({
          price: 100,
          qty: 10,
          maker: 's1',
          taker: 'b1',
          makerAccount: 'bob',
          takerAccount: 'alice',
          takerSide: 'buy',
          makerRemaining: 0,
          takerRemaining: 20,
        }),
        rested(taker, 20),
      ],
    ]);
    expect(e.depth('ACME')).toEqual({ bids: [[101, 20]], asks: [] });
    expect(e.order('s1')).toBeUndefined();
    expect(e.order('b1')?.qty).toBe(20);
    expect(e.liveOrders).toBe(1);
  });

  it('a fully filled limit does not rest', () => {
    const e = impl.create(acmeOptions());
    const maker = limit('s1', 'bob', 'sell', 100, 10);
    const taker = limit('b1', 'alice', 'buy', 100, 10);
    run(e, [maker, taker]);
    expect(e.order('b1')).toBeUndefined();
    expect(e.liveOrders).toBe(0);
    expect(e.depth('ACME')).toEqual({ bids: [], asks: [] });
  });

  it('accepts prices at both ends of the band and the largest quantity', () => {
    const e = impl.create(acmeOptions());
    const low = limit('lo', 'alice', 'buy', 1, 1_000_000_000);
    const high = limit('hi', 'alice', 'sell', 1_000_000, 1);
    expect(run(e, [low, high])).toEqual([[accepted(low), rested(low)], [accepted(high), rested(high)]]);
  });
});

// Why this file exists: a post-only order promises the caller it will only ever add liquidity.
// It is refused (POST_ONLY_WOULD_TAKE, nothing changes) if it would cross on arrival or when
// modified to a crossing price; otherwise it rests and behaves as any maker. It is only legal on
// limit GTC orders.

import { describe, expect, it } from 'vitest';
import { IMPLS, RejectCode, accepted, acmeOptions, limit, modified, modify, rejected, run, trade, rested, restedOf } from './harness.js';

describe.each(IMPLS)('post-only ($name)', (impl) => {
  it('rests when it does not cross, and the order view says postOnly', () => {
    const e = impl.create(acmeOptions());
    const s = limit('s', 'bob', 'sell', 101, 5);
    const p = limit('p', 'alice', 'buy', 100, 5, { postOnly: true });
    expect(run(e, [s, p])).toEqual([[accepted(s), rested(s)], [accepted(p), rested(p)]]);
    expect(e.order('p')?.postOnly).toBe(true);
    expect(e.depth('ACME')).toEqual({ bids: [[100, 5]], asks: [[101, 5]] });
  });

  it('rests on an empty opposite side', () => {
    const e = impl.create(acmeOptions());
    const p = limit('p', 'alice', 'sell', 1, 5, { postOnly: true, tif: 'GTC' });
    expect(run(e, [p])).toEqual([[accepted(p), rested(p)]]);
  });

  it('a buy at the best ask is refused and changes nothing', () => {
    // No id memory: a refused order would otherwise use up its id (SEMANTICS.md "Order ids").
    const e = impl.create(acmeOptions({ idsRememberedPerInstrumentMax: 0 }));
    run(e, [limit('s', 'bob', 'sell', 101, 5)]);
    const before = e.stateHash();
    expect(run(e, [limit('p', 'alice', 'buy', 101, 5, { postOnly: true })])).toEqual([
      [rejected('new', 'p', RejectCode.POST_ONLY_WOULD_TAKE)],
    ]);
    expect(e.stateHash()).toBe(before);
    expect(e.order('p')).toBeUndefined();
  });

  it('a sell at or below the best bid is refused', () => {
    const e = impl.create(acmeOptions());
    run(e, [limit('b', 'bob', 'buy', 100, 5)]);
    expect(e.apply(limit('p1', 'alice', 'sell', 100, 5, { postOnly: true }))).toEqual([
      rejected('new', 'p1', RejectCode.POST_ONLY_WOULD_TAKE),
    ]);
    expect(e.apply(limit('p2', 'alice', 'sell', 50, 5, { postOnly: true }))).toEqual([
      rejected('new', 'p2', RejectCode.POST_ONLY_WOULD_TAKE),
    ]);
    expect(e.liveOrders).toBe(1);
  });

  it('only the opposite side matters: post-only into its own side is fine', () => {
    const e = impl.create(acmeOptions());
    const b = limit('b', 'bob', 'buy', 100, 5);
    const p = limit('p', 'alice', 'buy', 100, 5, { postOnly: true });
    expect(run(e, [b, p])).toEqual([[accepted(b), rested(b)], [accepted(p), rested(p)]]);
  });

  it('postOnly false behaves as a normal limit and may take', () => {
    const e = impl.create(acmeOptions());
    const s = limit('s', 'bob', 'sell', 100, 5);
    const p = limit('p', 'alice', 'buy', 100, 5, { postOnly: false });
    expect(run(e, [s, p])[1]).toEqual([
      accepted(p),
      trade({
        price: 100,
        qty: 5,
        maker: 's',
        taker: 'p',
        makerAccount: 'bob',
        takerAccount: 'alice',
        takerSide: 'buy',
        makerRemaining: 0,
        takerRemaining: 0,
      }),
    ]);
  });

  it('a resting post-only order trades as a maker when taken', () => {
    const e = impl.create(acmeOptions());
    const p = limit('p', 'alice', 'sell', 100, 5, { postOnly: true });
    const t = limit('t', 'bob', 'buy', 100, 2);
    expect(run(e, [p, t])[1]).toEqual([
      accepted(t),
      trade({
        price: 100,
        qty: 2,
        maker: 'p',
        taker: 't',
        makerAccount: 'alice',
        takerAccount: 'bob',
        takerSide: 'buy',
        makerRemaining: 3,
        takerRemaining: 0,
      }),
    ]);
  });

  it('modify of a post-only order to a crossing price is refused; state unchanged', () => {
    const e = impl.create(acmeOptions());
    run(e, [limit('s', 'bob', 'sell', 101, 5), limit('p', 'alice', 'buy', 100, 5, { postOnly: true })]);
    const before = e.stateHash();
    expect(e.apply(modify('p', 'alice', 101, 5))).toEqual([rejected('modify', 'p', RejectCode.POST_ONLY_WOULD_TAKE)]);
    expect(e.apply(modify('p', 'alice', 105, 1))).toEqual([rejected('modify', 'p', RejectCode.POST_ONLY_WOULD_TAKE)]);
    expect(e.stateHash()).toBe(before);
  });

  it('modify of a post-only order to a non-crossing price works and it stays post-only', () => {
    const e = impl.create(acmeOptions());
    run(e, [limit('s', 'bob', 'sell', 101, 5), limit('p', 'alice', 'buy', 99, 5, { postOnly: true, stp: 'cancel_both' })]);
    expect(e.apply(modify('p', 'alice', 100, 8))).toEqual([
      modified({ id: 'p', account: 'alice', side: 'buy', price: 100, qty: 8, oldPrice: 99, oldQty: 5, priorityKept: false }),
      restedOf('p', 'alice', 'buy', 100, 8),
    ]);
    e.checkInvariants();
    expect(e.order('p')).toEqual({
      id: 'p',
      account: 'alice',
      symbol: 'ACME',
      side: 'buy',
      price: 100,
      qty: 8,
      postOnly: true,
      stp: 'cancel_both',
    });
  });
});

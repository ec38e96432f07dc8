// Why this file exists: modify is where priority is easiest to get wrong. Same price with a
// quantity not above the open quantity keeps the queue position (priorityKept true, even for a
// no-op); anything else sends the order to the back of its (new) level and runs it through the
// taker loop first, so a modify can trade, be cut by self-trade prevention, or fill completely.

import { describe, expect, it } from 'vitest';
import {
  CancelReason,
  IMPLS,
  RejectCode,
  accepted,
  acmeOptions,
  cancelled,
  limit,
  modified,
  modify,
  rejected,
  run,
  trade,
  WIDE,
  restedOf,
} from './harness.js';

describe.each(IMPLS)('modify ($name)', (impl) => {
  it('reducing qty at the same price keeps queue position', () => {
    const e = impl.create(acmeOptions());
    run(e, [limit('a', 'alice', 'sell', 100, 10), limit('b', 'bob', 'sell', 100, 5)]);
    expect(run(e, [modify('a', 'alice', 100, 4)])).toEqual([
      [modified({ id: 'a', account: 'alice', side: 'sell', price: 100, qty: 4, oldPrice: 100, oldQty: 10, priorityKept: true })],
    ]);
    expect(e.depth('ACME')).toEqual({ bids: [], asks: [[100, 9]] });
    const t = limit('t', 'carol', 'buy', 100, 5);
    expect(run(e, [t])[0]).toEqual([
      accepted(t),
      trade({
        price: 100,
        qty: 4,
        maker: 'a',
        taker: 't',
        makerAccount: 'alice',
        takerAccount: 'carol',
        takerSide: 'buy',
        makerRemaining: 0,
        takerRemaining: 1,
      }),
      trade({
        price: 100,
        qty: 1,
        maker: 'b',
        taker: 't',
        makerAccount: 'bob',
        takerAccount: 'carol',
        takerSide: 'buy',
        makerRemaining: 4,
        takerRemaining: 0,
      }),
    ]);
  });

  it('same price and same qty is a valid no-op that still emits modified (priorityKept true)', () => {
    const e = impl.create(acmeOptions());
    run(e, [limit('a', 'alice', 'buy', 100, 10), limit('b', 'bob', 'buy', 100, 5)]);
    const before = e.stateHash();
    expect(run(e, [modify('a', 'alice', 100, 10)])).toEqual([
      [modified({ id: 'a', account: 'alice', side: 'buy', price: 100, qty: 10, oldPrice: 100, oldQty: 10, priorityKept: true })],
    ]);
    expect(e.stateHash()).toBe(before);
  });

  it('increasing qty at the same price loses priority (back of the queue)', () => {
    const e = impl.create(acmeOptions());
    run(e, [limit('a', 'alice', 'sell', 100, 10), limit('b', 'bob', 'sell', 100, 5)]);
    expect(run(e, [modify('a', 'alice', 100, 12)])).toEqual([
      [
        modified({ id: 'a', account: 'alice', side: 'sell', price: 100, qty: 12, oldPrice: 100, oldQty: 10, priorityKept: false }),
        restedOf('a', 'alice', 'sell', 100, 12),
      ],
    ]);
    const t = limit('t', 'carol', 'buy', 100, 6);
    expect(run(e, [t])[0]).toEqual([
      accepted(t),
      trade({
        price: 100,
        qty: 5,
        maker: 'b',
        taker: 't',
        makerAccount: 'bob',
        takerAccount: 'carol',
        takerSide: 'buy',
        makerRemaining: 0,
        takerRemaining: 1,
      }),
      trade({
        price: 100,
        qty: 1,
        maker: 'a',
        taker: 't',
        makerAccount: 'alice',
        takerAccount: 'carol',
        takerSide: 'buy',
        makerRemaining: 11,
        takerRemaining: 0,
      }),
    ]);
  });

  it('a new price moves the order to the back of the new level (even with smaller qty)', () => {
    const e = impl.create(acmeOptions());
    run(e, [limit('a', 'alice', 'buy', 100, 10), limit('x', 'bob', 'buy', 99, 5)]);
    expect(run(e, [modify('a', 'alice', 99, 3)])).toEqual([
      [
        modified({ id: 'a', account: 'alice', side: 'buy', price: 99, qty: 3, oldPrice: 100, oldQty: 10, priorityKept: false }),
        restedOf('a', 'alice', 'buy', 99, 3),
      ],
    ]);
    expect(e.depth('ACME')).toEqual({ bids: [[99, 8]], asks: [] });
    expect(e.order('a')?.price).toBe(99);
    const t = limit('t', 'carol', 'sell', 99, 6);
    expect(run(e, [t])[0]).toEqual([
      accepted(t),
      trade({
        price: 99,
        qty: 5,
        maker: 'x',
        taker: 't',
        makerAccount: 'bob',
        takerAccount: 'carol',
        takerSide: 'sell',
        makerRemaining: 0,
        takerRemaining: 1,
      }),
      trade({
        price: 99,
        qty: 1,
        maker: 'a',
        taker: 't',
        makerAccount: 'alice',
        takerAccount: 'carol',
        takerSide: 'sell',
        makerRemaining: 2,
        takerRemaining: 0,
      }),
    ]);
  });

  it('moving back to the old price does not restore priority', () => {
    const e = impl.create(acmeOptions());
    run(e, [limit('a', 'alice', 'buy', 100, 1), limit('b', 'bob', 'buy', 100, 1), modify('a', 'alice', 99, 1), modify('a', 'alice', 100, 1)]);
    const t = limit('t', 'carol', 'sell', 100, 1);
    expect(run(e, [t])[0]).toEqual([
      accepted(t),
      trade({
        price: 100,
        qty: 1,
        maker: 'b',
        taker: 't',
        makerAccount: 'bob',
        takerAccount: 'carol',
        takerSide: 'sell',
        makerRemaining: 0,
        takerRemaining: 0,
      }),
    ]);
  });

  it('a modify to a crossing price trades as a taker, then rests the remainder', () => {
    const e = impl.create(acmeOptions());
    run(e, [limit('s', 'bob', 'sell', 101, 3), limit('b', 'alice', 'buy', 100, 10)]);
    expect(run(e, [modify('b', 'alice', 102, 10)])).toEqual([
      [
        modified({ id: 'b', account: 'alice', side: 'buy', price: 102, qty: 10, oldPrice: 100, oldQty: 10, priorityKept: false }),
        trade({
          price: 101,
          qty: 3,
          maker: 's',
          taker: 'b',
          makerAccount: 'bob',
          takerAccount: 'alice',
          takerSide: 'buy',
          makerRemaining: 0,
          takerRemaining: 7,
        }),
        restedOf('b', 'alice', 'buy', 102, 7),
      ],
    ]);
    expect(e.depth('ACME')).toEqual({ bids: [[102, 7]], asks: [] });
    expect(e.order('b')).toEqual({
      id: 'b',
      account: 'alice',
      symbol: 'ACME',
      side: 'buy',
      price: 102,
      qty: 7,
      postOnly: false,
      stp: 'none',
    });
  });

  it('a crossing modify that fills completely removes the order', () => {
    const e = impl.create(acmeOptions());
    run(e, [limit('b', 'bob', 'buy', 100, 10), limit('s', 'alice', 'sell', 105, 4)]);
    expect(run(e, [modify('s', 'alice', 100, 4)])).toEqual([
      [
        modified({ id: 's', account: 'alice', side: 'sell', price: 100, qty: 4, oldPrice: 105, oldQty: 4, priorityKept: false }),
        trade({
          price: 100,
          qty: 4,
          maker: 'b',
          taker: 's',
          makerAccount: 'bob',
          takerAccount: 'alice',
          takerSide: 'sell',
          makerRemaining: 6,
          takerRemaining: 0,
        }),
      ],
    ]);
    expect(e.order('s')).toBeUndefined();
    expect(e.liveOrders).toBe(1);
  });

  it('a crossing modify uses the order\'s own stp: cancel_taker cancels the modified order', () => {
    const e = impl.create(acmeOptions());
    run(e, [limit('mine', 'alice', 'sell', 101, 3), limit('b', 'alice', 'buy', 100, 10, { stp: 'cancel_taker' })]);
    expect(run(e, [modify('b', 'alice', 101, 8)])).toEqual([
      [
        modified({ id: 'b', account: 'alice', side: 'buy', price: 101, qty: 8, oldPrice: 100, oldQty: 10, priorityKept: false }),
        cancelled('b', 'alice', 'buy', CancelReason.SELF_TRADE, 8),
      ],
    ]);
    expect(e.order('b')).toBeUndefined();
    expect(e.order('mine')?.qty).toBe(3);
  });

  it('a crossing modify with cancel_maker removes own makers and rests the remainder', () => {
    const e = impl.create(acmeOptions());
    run(e, [
      limit('mine', 'alice', 'sell', 101, 3),
      limit('other', 'bob', 'sell', 101, 2),
      limit('b', 'alice', 'buy', 100, 10, { stp: 'cancel_maker' }),
    ]);
    expect(run(e, [modify('b', 'alice', 101, 10)])).toEqual([
      [
        modified({ id: 'b', account: 'alice', side: 'buy', price: 101, qty: 10, oldPrice: 100, oldQty: 10, priorityKept: false }),
        cancelled('mine', 'alice', 'sell', CancelReason.SELF_TRADE, 3),
        trade({
          price: 101,
          qty: 2,
          maker: 'other',
          taker: 'b',
          makerAccount: 'bob',
          takerAccount: 'alice',
          takerSide: 'buy',
          makerRemaining: 0,
          takerRemaining: 8,
        }),
        restedOf('b', 'alice', 'buy', 101, 8),
      ],
    ]);
    expect(e.order('b')).toEqual({
      id: 'b',
      account: 'alice',
      symbol: 'ACME',
      side: 'buy',
      price: 101,
      qty: 8,
      postOnly: false,
      stp: 'cancel_maker',
    });
  });

  it('oldQty and the priority rule use the open qty after partial fills', () => {
    const e = impl.create(acmeOptions());
    run(e, [limit('s', 'alice', 'sell', 100, 100), limit('t', 'bob', 'buy', 100, 40)]);
    expect(e.apply(modify('s', 'alice', 100, 60))).toEqual([
      modified({ id: 's', account: 'alice', side: 'sell', price: 100, qty: 60, oldPrice: 100, oldQty: 60, priorityKept: true }),
    ]);
    expect(e.apply(modify('s', 'alice', 100, 70))).toEqual([
      modified({ id: 's', account: 'alice', side: 'sell', price: 100, qty: 70, oldPrice: 100, oldQty: 60, priorityKept: false }),
      restedOf('s', 'alice', 'sell', 100, 70),
    ]);
    e.checkInvariants();
    expect(e.depth('ACME')).toEqual({ bids: [], asks: [[100, 70]] });
  });

  it('is validated against the order\'s own instrument and reports its symbol', () => {
    const e = impl.create(acmeOptions());
    run(e, [limit('w', 'alice', 'buy', 500, 20, { symbol: 'WIDE' })]);
    expect(e.apply(modify('w', 'alice', 502, 20))).toEqual([rejected('modify', 'w', RejectCode.PRICE_NOT_ON_TICK, WIDE)]);
    expect(e.apply(modify('w', 'alice', 505, 25))).toEqual([rejected('modify', 'w', RejectCode.QTY_NOT_ON_LOT, WIDE)]);
    expect(e.apply(modify('w', 'alice', 505, 30))).toEqual([
      modified({
        id: 'w',
        account: 'alice',
        symbol: 'WIDE',
        side: 'buy',
        price: 505,
        qty: 30,
        oldPrice: 500,
        oldQty: 20,
        priorityKept: false,
      }),
      restedOf('w', 'alice', 'buy', 505, 30, 0, 'WIDE'),
    ]);
    expect(e.depth('WIDE')).toEqual({ bids: [[505, 30]], asks: [] });
  });

  it('a modified order is not counted twice and keeps its id live', () => {
    const e = impl.create(acmeOptions());
    run(e, [limit('a', 'alice', 'buy', 100, 1), modify('a', 'alice', 101, 2), modify('a', 'alice', 99, 3)]);
    expect(e.liveOrders).toBe(1);
    expect(e.apply(limit('a', 'bob', 'buy', 1, 1))).toEqual([{ ...rejected('new', 'a', RejectCode.DUPLICATE_ORDER_ID), detail: { symbol: 'ACME', originalSeq: 1 } }]);
  });
});

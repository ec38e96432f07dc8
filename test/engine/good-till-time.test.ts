// Why this file exists: good-till-time orders (SEMANTICS.md "Time, last price and the expiry
// sweep"): the engine has no clock, so a GTT order expires when a later command on its instrument
// carries a time at or past its expireTime — with a `cancelled` EXPIRED event ahead of that
// command's own events, in (expireTime, id) order, and never because of another instrument.

import { describe, expect, it } from 'vitest';
import {
  CancelReason,
  IMPLS,
  RejectCode,
  accepted,
  acmeOptions,
  cancel,
  cancelled,
  limit,
  rejected,
  run,
  stop,
  rested,
} from './harness.js';

describe.each(IMPLS)('good-till-time ($name)', (impl) => {
  it('rests until a command on its instrument reaches its expireTime, which expires it first', () => {
    const e = impl.create(acmeOptions());
    run(e, [limit('g', 'gil', 'buy', 100, 5, { tif: 'GTT', expireTime: 50, time: 10 })]);
    expect(e.order('g')).toMatchObject({ expireTime: 50, qty: 5 });
    const before = limit('x', 'xan', 'buy', 90, 1, { time: 49 });
    expect(run(e, [before])[0]).toEqual([accepted(before), rested(before)]);
    expect(e.liveOrders).toBe(2);
    const at = limit('y', 'yul', 'sell', 100, 1, { time: 50 });
    expect(run(e, [at])[0]).toEqual([cancelled('g', 'gil', 'buy', CancelReason.EXPIRED, 5), accepted(at), rested(at)]);
    expect(e.depth('ACME')).toEqual({ bids: [[90, 1]], asks: [[100, 1]] });
  });

  it('a command on another instrument does not expire it', () => {
    const e = impl.create(acmeOptions());
    run(e, [limit('g', 'gil', 'buy', 100, 5, { tif: 'GTT', expireTime: 50, time: 10 })]);
    run(e, [limit('w', 'wes', 'buy', 500, 10, { symbol: 'WIDE', time: 100 })]);
    expect(e.order('g')).toBeDefined();
  });

  it('several expire in (expireTime, id) order: numbers before strings', () => {
    const e = impl.create(acmeOptions());
    run(e, [
      limit('b', 'u', 'buy', 100, 1, { tif: 'GTT', expireTime: 20, time: 1 }),
      limit('a', 'u', 'buy', 99, 1, { tif: 'GTT', expireTime: 20, time: 2 }),
      limit(7, 'u', 'sell', 110, 1, { tif: 'GTT', expireTime: 20, time: 3 }),
      limit('z', 'u', 'sell', 111, 1, { tif: 'GTT', expireTime: 15, time: 4 }),
    ]);
    const events = e.apply(cancel('a', 'u', 30));
    expect(events).toEqual([
      cancelled('z', 'u', 'sell', CancelReason.EXPIRED, 1),
      cancelled(7, 'u', 'sell', CancelReason.EXPIRED, 1),
      cancelled('a', 'u', 'buy', CancelReason.EXPIRED, 1),
      cancelled('b', 'u', 'buy', CancelReason.EXPIRED, 1),
      rejected('cancel', 'a', RejectCode.TOO_LATE_TO_CANCEL),
    ]);
    expect(e.liveOrders).toBe(0);
  });

  it('a pending GTT stop expires too', () => {
    const e = impl.create(acmeOptions());
    run(e, [stop('s', 'sam', 'buy', 105, 106, 3, { tif: 'GTT', expireTime: 40, time: 5 })]);
    const later = limit('x', 'xan', 'buy', 90, 1, { time: 41 });
    expect(run(e, [later])[0]).toEqual([cancelled('s', 'sam', 'buy', CancelReason.EXPIRED, 3), accepted(later), rested(later)]);
  });

  it('an order that filled before its expiry is not expired again', () => {
    // No id memory, so 'g' can be reused at once (SEMANTICS.md "Order ids").
    const e = impl.create(acmeOptions({ idsRememberedPerInstrumentMax: 0 }));
    run(e, [
      limit('g', 'gil', 'buy', 100, 5, { tif: 'GTT', expireTime: 50, time: 10 }),
      limit('s', 'sid', 'sell', 100, 5, { time: 11 }),
      limit('g', 'gil', 'buy', 100, 5, { time: 12 }),
    ]);
    const later = limit('y', 'yul', 'buy', 90, 1, { time: 60 });
    expect(run(e, [later])[0]).toEqual([accepted(later), rested(later)]);
    expect(e.order('g')).toBeDefined();
  });

  it('a rejected command still runs the sweep first', () => {
    const e = impl.create(acmeOptions());
    run(e, [limit('g', 'gil', 'buy', 100, 5, { tif: 'GTT', expireTime: 50, time: 10 }), limit('p', 'pat', 'buy', 100, 1, { time: 11 })]);
    expect(e.apply({ op: 'new', id: 'q', account: 'pat', symbol: 'ACME', side: 'buy', type: 'limit', price: 100, qty: 1, tif: 'GTT', expireTime: 55, time: 55 })).toEqual([
      cancelled('g', 'gil', 'buy', CancelReason.EXPIRED, 5),
      rejected('new', 'q', RejectCode.ALREADY_EXPIRED),
    ]);
  });

  it('a duplicate id is refused before the sweep (SEMANTICS.md "Order ids")', () => {
    const e = impl.create(acmeOptions());
    run(e, [limit('g', 'gil', 'buy', 100, 5, { tif: 'GTT', expireTime: 50, time: 10 }), limit('p', 'pat', 'buy', 100, 1, { time: 11 })]);
    expect(e.apply({ op: 'new', id: 'p', account: 'pat', symbol: 'ACME', side: 'buy', type: 'limit', price: 100, qty: 1, time: 55 })).toEqual([
      { ...rejected('new', 'p', RejectCode.DUPLICATE_ORDER_ID), detail: { symbol: 'ACME', originalSeq: 2 } },
    ]);
    expect(e.order('g')).toBeDefined();
  });
});

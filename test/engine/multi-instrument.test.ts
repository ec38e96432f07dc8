// Why this file exists: one engine hosts several independent books. Orders of different
// instruments never meet, but ids are global (unique across instruments), cancel/modify find the
// order's instrument by id (ignoring any symbol field), and each instrument applies its own tick,
// lot and band rules.

import { describe, expect, it } from 'vitest';
import type { EngineOptions } from '../../engine/types.js';
import {
  ACME,
  CancelReason,
  IMPLS,
  RejectCode,
  WIDE,
  accepted,
  acmeOptions,
  cancel,
  cancelled,
  limit,
  market,
  modified,
  modify,
  rejected,
  run,
  trade,
  rested,
  restedOf,
} from './harness.js';

describe.each(IMPLS)('several instruments ($name)', (impl) => {
  it('crossing prices in different instruments do not trade', () => {
    const e = impl.create(acmeOptions());
    const b = limit('b', 'alice', 'buy', 600, 10);
    const s = limit('s', 'bob', 'sell', 500, 10, { symbol: 'WIDE' });
    expect(run(e, [b, s])).toEqual([[accepted(b), rested(b)], [accepted(s), rested(s)]]);
    expect(e.liveOrders).toBe(2);
  });

  it('a market order only sees its own instrument', () => {
    const e = impl.create(acmeOptions());
    run(e, [limit('s', 'bob', 'sell', 500, 10, { symbol: 'WIDE' })]);
    const m = market('m', 'alice', 'buy', 10);
    expect(run(e, [m])).toEqual([[accepted(m), cancelled('m', 'alice', 'buy', CancelReason.MARKET_REMAINDER, 10)]]);
  });

  it('trades carry the instrument symbol', () => {
    const e = impl.create(acmeOptions());
    const s = limit('s', 'bob', 'sell', 500, 30, { symbol: 'WIDE' });
    const b = limit('b', 'alice', 'buy', 505, 20, { symbol: 'WIDE' });
    expect(run(e, [s, b])[1]).toEqual([
      accepted(b),
      trade({
        symbol: 'WIDE',
        price: 500,
        qty: 20,
        maker: 's',
        taker: 'b',
        makerAccount: 'bob',
        takerAccount: 'alice',
        takerSide: 'buy',
        makerRemaining: 10,
        takerRemaining: 0,
      }),
    ]);
  });

  it('ids are unique across instruments', () => {
    const e = impl.create(acmeOptions());
    run(e, [limit('x', 'alice', 'buy', 100, 1)]);
    expect(e.apply(limit('x', 'alice', 'buy', 500, 10, { symbol: 'WIDE' }))).toEqual([
      { ...rejected('new', 'x', RejectCode.DUPLICATE_ORDER_ID), detail: { symbol: 'ACME', originalSeq: 1 } },
    ]);
  });

  it('cancel and modify find the order by id whatever symbol they carry', () => {
    const e = impl.create(acmeOptions());
    run(e, [limit('w', 'alice', 'sell', 500, 10, { symbol: 'WIDE' })]);
    expect(e.apply({ ...modify('w', 'alice', 510, 10), symbol: 'ACME' } as ReturnType<typeof modify>)).toEqual([
      modified({
        id: 'w',
        account: 'alice',
        symbol: 'WIDE',
        side: 'sell',
        price: 510,
        qty: 10,
        oldPrice: 500,
        oldQty: 10,
        priorityKept: false,
      }),
      restedOf('w', 'alice', 'sell', 510, 10, 0, 'WIDE'),
    ]);
    expect(e.apply({ ...cancel('w', 'alice'), symbol: 'ACME' } as ReturnType<typeof cancel>)).toEqual([
      cancelled('w', 'alice', 'sell', CancelReason.USER, 10, 'WIDE'),
    ]);
  });

  it('each instrument applies its own tick and lot', () => {
    const e = impl.create(acmeOptions());
    // 101 × 7 is fine on ACME (tick 1, lot 1) but not on WIDE (tick 5, lot 10).
    expect(e.apply(limit('a', 'alice', 'buy', 101, 7))[0]?.type).toBe('accepted');
    expect(e.apply(limit('b', 'alice', 'buy', 101, 10, { symbol: 'WIDE' }))).toEqual([
      rejected('new', 'b', RejectCode.PRICE_NOT_ON_TICK, WIDE),
    ]);
    expect(e.apply(limit('c', 'alice', 'buy', 50, 10, { symbol: 'WIDE' }))).toEqual([
      rejected('new', 'c', RejectCode.PRICE_OUT_OF_RANGE, WIDE),
    ]);
    expect(e.apply(limit('d', 'alice', 'buy', 500, 7, { symbol: 'WIDE' }))).toEqual([
      rejected('new', 'd', RejectCode.QTY_NOT_ON_LOT, WIDE),
    ]);
  });

  it('maxOrders is shared by all instruments', () => {
    const options: EngineOptions = { instruments: [ACME, WIDE], maxOrders: 2 };
    const e = impl.create(options);
    run(e, [limit('a', 'alice', 'buy', 100, 1), limit('b', 'alice', 'buy', 500, 10, { symbol: 'WIDE' })]);
    expect(e.apply(limit('c', 'alice', 'buy', 505, 10, { symbol: 'WIDE' }))).toEqual([
      rejected('new', 'c', RejectCode.ORDER_CAPACITY),
    ]);
  });

  it('post-only looks at its own instrument only', () => {
    const e = impl.create(acmeOptions());
    run(e, [limit('s', 'bob', 'sell', 100, 1)]);
    const p = limit('p', 'alice', 'buy', 500, 10, { symbol: 'WIDE', postOnly: true });
    expect(e.apply(p)).toEqual([accepted(p), rested(p)]);
  });
});

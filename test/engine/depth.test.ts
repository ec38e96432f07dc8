// Why this file exists: depth() and order() are how callers (and the property tests) observe the
// book. Depth must aggregate open qty per level, best first, cut at `levels`, and refuse bad
// arguments with a typed EngineError rather than returning nonsense.

import { describe, expect, it } from 'vitest';
import { EngineError } from '../../engine/errors.js';
import { IMPLS, acmeOptions, cancel, limit, run } from './harness.js';

function expectEngineError(fn: () => unknown, code: string): void {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(EngineError);
    expect((error as EngineError).code).toBe(code);
    return;
  }
  throw new Error(`expected an EngineError ${code}`);
}

describe.each(IMPLS)('depth and order queries ($name)', (impl) => {
  it('an empty book has empty sides', () => {
    const e = impl.create(acmeOptions());
    expect(e.depth('ACME')).toEqual({ bids: [], asks: [] });
    expect(e.depth('WIDE', 1)).toEqual({ bids: [], asks: [] });
  });

  it('aggregates per level, best first on each side, and defaults to 10 levels', () => {
    const e = impl.create(acmeOptions());
    const cmds = [];
    for (let i = 0; i < 12; i++) {
      cmds.push(limit(`b${i}`, 'alice', 'buy', 100 - i, i + 1));
      cmds.push(limit(`bb${i}`, 'bob', 'buy', 100 - i, 1));
      cmds.push(limit(`s${i}`, 'carol', 'sell', 200 + i, 10 * (i + 1)));
    }
    run(e, cmds);
    const d = e.depth('ACME');
    expect(d.bids).toEqual(Array.from({ length: 10 }, (_, i) => [100 - i, i + 2]));
    expect(d.asks).toEqual(Array.from({ length: 10 }, (_, i) => [200 + i, 10 * (i + 1)]));
    expect(e.depth('ACME', 3)).toEqual({
      bids: [
        [100, 2],
        [99, 3],
        [98, 4],
      ],
      asks: [
        [200, 10],
        [201, 20],
        [202, 30],
      ],
    });
    expect(e.depth('ACME', 1000).bids).toHaveLength(12);
    expect(e.depth('ACME', Number.MAX_SAFE_INTEGER).asks).toHaveLength(12);
  });

  it('reflects partial fills and cancellations', () => {
    const e = impl.create(acmeOptions());
    run(e, [
      limit('a', 'alice', 'sell', 100, 10),
      limit('b', 'bob', 'sell', 100, 10),
      limit('t', 'carol', 'buy', 100, 4),
      cancel('b', 'bob'),
    ]);
    expect(e.depth('ACME')).toEqual({ bids: [], asks: [[100, 6]] });
  });

  it('instruments are separate', () => {
    const e = impl.create(acmeOptions());
    run(e, [limit('a', 'alice', 'sell', 500, 10, { symbol: 'WIDE' })]);
    expect(e.depth('ACME')).toEqual({ bids: [], asks: [] });
    expect(e.depth('WIDE')).toEqual({ bids: [], asks: [[500, 10]] });
  });

  it('unknown symbol throws EngineError UNKNOWN_SYMBOL', () => {
    const e = impl.create(acmeOptions());
    expectEngineError(() => e.depth('NOPE'), 'UNKNOWN_SYMBOL');
    expectEngineError(() => e.depth('toString'), 'UNKNOWN_SYMBOL');
  });

  it.each([0, -1, 1.5, Number.NaN, Infinity, 2 ** 53])('levels = %s throws EngineError INVALID_ARGUMENT', (levels) => {
    const e = impl.create(acmeOptions());
    expectEngineError(() => e.depth('ACME', levels), 'INVALID_ARGUMENT');
  });

  it('levels that is not a number throws INVALID_ARGUMENT', () => {
    const e = impl.create(acmeOptions());
    expectEngineError(() => e.depth('ACME', '5' as unknown as number), 'INVALID_ARGUMENT');
    expectEngineError(() => e.depth('ACME', null as unknown as number), 'INVALID_ARGUMENT');
  });

  it('order() reports live orders only, with open qty, and compares ids with ===', () => {
    const e = impl.create(acmeOptions());
    run(e, [limit(5, 'alice', 'buy', 100, 10, { stp: 'cancel_taker' }), limit('s', 'bob', 'sell', 100, 3)]);
    expect(e.order(5)).toEqual({
      id: 5,
      account: 'alice',
      symbol: 'ACME',
      side: 'buy',
      price: 100,
      qty: 7,
      postOnly: false,
      stp: 'cancel_taker',
    });
    expect(e.order('5')).toBeUndefined();
    expect(e.order('s')).toBeUndefined();
    expect(e.order('never')).toBeUndefined();
    expect(e.liveOrders).toBe(1);
  });
});

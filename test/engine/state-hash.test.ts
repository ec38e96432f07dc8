// Why this file exists: the state hash is how replay, checkpoints and the backup follower prove
// they reached the same state, so it must be canonical: a function of the state alone (levels,
// FIFO order, open qty, account, postOnly, stp, ids with their type; last trade price, pending
// stops, remembered dead ids), never of how it was reached (slots, free lists, pool growth, fills
// vs. smaller orders). The byte stream is pinned against engine/state-hash.ts fed by hand in the
// order SEMANTICS.md prescribes. Book-only comparisons turn dead-id memory off (the ids that died
// on the way are state too).

import { describe, expect, it } from 'vitest';
import { StateHasher } from '../../engine/state-hash.js';
import type { OrderCommand as Command, EngineOptions, InstrumentSpec } from '../../engine/types.js';
import { ACME, IMPLS, WIDE, acmeOptions, cancel, engineImpl, limit, modify, oracleImpl, run } from './harness.js';

const FULL_ACME: Required<InstrumentSpec> = { ...ACME, maxQty: 1_000_000_000 };
const FULL_WIDE: Required<InstrumentSpec> = { ...WIDE, maxQty: 10_000 };
/** Dead-id memory off: equal books reached through different deaths hash equal. */
const BOOK_ONLY = acmeOptions({ deadIdsPerInstrumentMax: 0 });

/** The per-instrument tail of the canonical stream when there are no trades, stops or dead ids. */
function emptyTail(h: StateHasher): void {
  h.lastPrice(-1);
  h.stops('buy', 0);
  h.stops('sell', 0);
  h.orderIds(0);
}

function hashAfter(impl: (typeof IMPLS)[number], cmds: Command[], options: EngineOptions = acmeOptions()): string {
  const e = impl.create(options);
  run(e, cmds);
  return e.stateHash();
}

describe.each(IMPLS)('state hash ($name)', (impl) => {
  it('is 64 lowercase hex characters', () => {
    expect(impl.create(acmeOptions()).stateHash()).toMatch(/^[0-9a-f]{64}$/);
  });

  it('of an empty engine equals the canonical byte stream', () => {
    const h = new StateHasher();
    for (const spec of [FULL_ACME, FULL_WIDE]) {
      h.instrument(spec);
      h.side('buy', 0);
      h.side('sell', 0);
      emptyTail(h);
    }
    expect(impl.create(acmeOptions()).stateHash()).toBe(h.digest());
  });

  it('of a small book equals the canonical byte stream (bids high→low, asks low→high, FIFO)', () => {
    const e = impl.create(acmeOptions());
    run(e, [
      limit('o3', 'carol', 'buy', 99, 7),
      limit('o1', 'alice', 'buy', 100, 10),
      limit(2, 'bob', 'buy', 100, 5, { stp: 'cancel_taker' }),
      limit('o5', 'bob', 'sell', 102, 4, { postOnly: true, stp: 'cancel_maker' }),
      limit('o4', 'alice', 'sell', 101, 3),
      limit('w', 'dave', 'sell', 700, 30, { symbol: 'WIDE', stp: 'cancel_both' }),
    ]);
    const h = new StateHasher();
    h.instrument(FULL_ACME);
    h.side('buy', 2);
    h.level(100, 2);
    h.order('o1', 'alice', 10, false, 'none');
    h.order(2, 'bob', 5, false, 'cancel_taker');
    h.level(99, 1);
    h.order('o3', 'carol', 7, false, 'none');
    h.side('sell', 2);
    h.level(101, 1);
    h.order('o4', 'alice', 3, false, 'none');
    h.level(102, 1);
    h.order('o5', 'bob', 4, true, 'cancel_maker');
    h.lastPrice(-1);
    h.stops('buy', 0);
    h.stops('sell', 0);
    // Every order's id is remembered, open, in creation order (seq and time unhashed: no window).
    h.orderIds(5);
    for (const id of ['o3', 'o1', 2, 'o5', 'o4']) h.orderIdEntry(id, false, true, 'open', 0, -1, -1);
    h.instrument(FULL_WIDE);
    h.side('buy', 0);
    h.side('sell', 1);
    h.level(700, 1);
    h.order('w', 'dave', 30, false, 'cancel_both');
    h.lastPrice(-1);
    h.stops('buy', 0);
    h.stops('sell', 0);
    h.orderIds(1);
    h.orderIdEntry('w', false, true, 'open', 0, -1, -1);
    expect(e.stateHash()).toBe(h.digest());
  });

  it('a partially filled order hashes like a fresh order of its open qty (same last price)', () => {
    const direct = hashAfter(
      impl,
      [limit('x', 'carol', 'buy', 100, 1), limit('y', 'dave', 'sell', 100, 1), limit('o1', 'alice', 'buy', 100, 10)],
      BOOK_ONLY,
    );
    const viaFill = hashAfter(impl, [limit('o1', 'alice', 'buy', 100, 30), limit('t', 'bob', 'sell', 100, 20, { tif: 'IOC' })], BOOK_ONLY);
    expect(viaFill).toBe(direct);
  });

  it('the last trade price is state', () => {
    const traded = hashAfter(impl, [limit('x', 'carol', 'buy', 100, 1), limit('y', 'dave', 'sell', 100, 1)], BOOK_ONLY);
    expect(traded).not.toBe(hashAfter(impl, [], BOOK_ONLY));
  });

  it('remembered dead ids are state', () => {
    const died = hashAfter(impl, [limit('x', 'carol', 'buy', 100, 1), cancel('x', 'carol')]);
    expect(died).not.toBe(hashAfter(impl, []));
    expect(hashAfter(impl, [limit('x', 'carol', 'buy', 100, 1), cancel('x', 'carol')], BOOK_ONLY)).toBe(hashAfter(impl, [], BOOK_ONLY));
  });

  it('noise that leaves the same book (place/cancel, modify round trips, rejects) does not matter', () => {
    const direct = hashAfter(impl, [limit('a', 'alice', 'buy', 100, 5), limit('b', 'bob', 'sell', 105, 5)], BOOK_ONLY);
    const noisy = hashAfter(impl, [
      limit('x', 'carol', 'buy', 50, 1),
      limit('a', 'alice', 'buy', 90, 50),
      limit('y', 'carol', 'sell', 300, 1),
      cancel('x', 'carol'),
      modify('a', 'alice', 100, 20),
      modify('a', 'alice', 100, 5),
      limit('b', 'bob', 'sell', 105, 5),
      limit('bad', 'bob', 'sell', 0, 5),
      cancel('y', 'carol'),
    ], BOOK_ONLY);
    expect(noisy).toBe(direct);
  });

  it('explicit default maxQty hashes like the implicit default', () => {
    const implicit = impl.create({ instruments: [ACME] }).stateHash();
    const explicit = impl.create({ instruments: [{ ...ACME, maxQty: 1_000_000_000 }] }).stateHash();
    expect(explicit).toBe(implicit);
  });

  it('maxOrders and initialOrders are not state', () => {
    const a = hashAfter(impl, [limit('a', 'alice', 'buy', 100, 5)], acmeOptions({ maxOrders: 10, initialOrders: 1 }));
    const b = hashAfter(impl, [limit('a', 'alice', 'buy', 100, 5)], acmeOptions());
    expect(a).toBe(b);
  });

  describe('differs when the book differs', () => {
    const base: Command[] = [limit('a', 'alice', 'buy', 100, 5), limit('b', 'bob', 'buy', 100, 5)];
    const variants: Array<[string, Command[]]> = [
      ['FIFO order', [limit('b', 'bob', 'buy', 100, 5), limit('a', 'alice', 'buy', 100, 5)]],
      ['open qty', [limit('a', 'alice', 'buy', 100, 4), limit('b', 'bob', 'buy', 100, 5)]],
      ['price', [limit('a', 'alice', 'buy', 99, 5), limit('b', 'bob', 'buy', 100, 5)]],
      ['side', [limit('a', 'alice', 'sell', 100, 5), limit('b', 'bob', 'sell', 100, 5)]],
      ['account', [limit('a', 'alicia', 'buy', 100, 5), limit('b', 'bob', 'buy', 100, 5)]],
      ['postOnly', [limit('a', 'alice', 'buy', 100, 5, { postOnly: true }), limit('b', 'bob', 'buy', 100, 5)]],
      ['stp', [limit('a', 'alice', 'buy', 100, 5, { stp: 'cancel_both' }), limit('b', 'bob', 'buy', 100, 5)]],
      ['id', [limit('A', 'alice', 'buy', 100, 5), limit('b', 'bob', 'buy', 100, 5)]],
      ['instrument', [limit('a', 'alice', 'buy', 100, 5), limit('b', 'bob', 'buy', 500, 10, { symbol: 'WIDE' })]],
      ['one order fewer', [limit('a', 'alice', 'buy', 100, 5)]],
    ];
    it.each(variants)('%s', (_name, cmds) => {
      expect(hashAfter(impl, cmds)).not.toBe(hashAfter(impl, base));
    });

    it("id type: '1' and 1 differ", () => {
      expect(hashAfter(impl, [limit('1', 'alice', 'buy', 100, 5)])).not.toBe(hashAfter(impl, [limit(1, 'alice', 'buy', 100, 5)]));
    });

    it('configuration order and specs are state', () => {
      expect(impl.create({ instruments: [ACME, WIDE] }).stateHash()).not.toBe(
        impl.create({ instruments: [WIDE, ACME] }).stateHash(),
      );
      expect(impl.create({ instruments: [ACME] }).stateHash()).not.toBe(
        impl.create({ instruments: [{ ...ACME, tickSize: 2, minPrice: 2, maxPrice: 1_000_000 }] }).stateHash(),
      );
    });
  });
});

describe('state hash across implementations', () => {
  it('engine and oracle agree on a mixed stream', () => {
    const cmds: Command[] = [
      limit('a', 'alice', 'buy', 100, 5),
      limit(7, 'bob', 'buy', 100, 3, { stp: 'cancel_maker' }),
      limit('s', 'carol', 'sell', 103, 9, { postOnly: true }),
      limit('w', 'alice', 'sell', 600, 20, { symbol: 'WIDE' }),
      limit('t', 'dave', 'sell', 100, 2),
      modify('a', 'alice', 101, 6),
    ];
    expect(hashAfter(engineImpl, cmds)).toBe(hashAfter(oracleImpl, cmds));
  });

  it('engine pool growth and slot reuse do not leak into the hash', () => {
    const churn: Command[] = [];
    for (let i = 0; i < 200; i++) churn.push(limit(`c${i}`, 'x', 'buy', 10 + (i % 7), 1));
    for (let i = 0; i < 200; i++) churn.push(cancel(`c${i}`, 'x'));
    const book: Command[] = [limit('a', 'alice', 'buy', 100, 5), limit('b', 'bob', 'sell', 101, 5)];
    const fresh = hashAfter(engineImpl, book, BOOK_ONLY);
    const churned = hashAfter(engineImpl, [...churn, ...book], acmeOptions({ initialOrders: 1, deadIdsPerInstrumentMax: 0 }));
    expect(churned).toBe(fresh);
  });
});

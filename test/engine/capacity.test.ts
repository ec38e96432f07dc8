// Why this file exists: maxOrders is a hard limit on resting orders across all instruments. Only
// a limit GTC can be refused for it (ORDER_CAPACITY, checked before it could trade); orders that
// never rest still work at capacity, and capacity is freed by cancels, fills and STP removals.
// Slot reuse and pool growth must keep the engine's bookkeeping exact (checkInvariants).

import { describe, expect, it } from 'vitest';
import type { OrderCommand as Command } from '../../engine/types.js';
import {
  CancelReason,
  IMPLS,
  RejectCode,
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

describe.each(IMPLS)('capacity ($name)', (impl) => {
  it('the GTC beyond maxOrders is refused and nothing changes', () => {
    // No id memory: a refused order would otherwise use up its id (SEMANTICS.md "Order ids").
    const e = impl.create(acmeOptions({ maxOrders: 3, idsRememberedPerInstrumentMax: 0 }));
    run(e, [limit('a', 'x', 'buy', 100, 1), limit('b', 'x', 'buy', 99, 1), limit('c', 'x', 'sell', 200, 10, { symbol: 'WIDE' })]);
    const before = e.stateHash();
    expect(e.apply(limit('d', 'x', 'buy', 98, 1))).toEqual([rejected('new', 'd', RejectCode.ORDER_CAPACITY)]);
    expect(e.stateHash()).toBe(before);
    expect(e.liveOrders).toBe(3);
  });

  it('IOC, FOK and market orders still work at capacity, and their fills free capacity', () => {
    const e = impl.create(acmeOptions({ maxOrders: 2 }));
    run(e, [limit('a', 'x', 'sell', 100, 1), limit('b', 'x', 'sell', 101, 1)]);
    const ioc = limit('i', 'y', 'buy', 100, 2, { tif: 'IOC' });
    expect(e.apply(ioc)).toEqual([
      accepted(ioc),
      trade({
        price: 100,
        qty: 1,
        maker: 'a',
        taker: 'i',
        makerAccount: 'x',
        takerAccount: 'y',
        takerSide: 'buy',
        makerRemaining: 0,
        takerRemaining: 1,
      }),
      cancelled('i', 'y', 'buy', CancelReason.IOC_REMAINDER, 1),
    ]);
    expect(e.liveOrders).toBe(1);
    run(e, [limit('c', 'x', 'sell', 102, 1)]);
    const fok = limit('f', 'y', 'buy', 101, 5, { tif: 'FOK' });
    expect(e.apply(fok)).toEqual([accepted(fok), cancelled('f', 'y', 'buy', CancelReason.FOK_UNFILLABLE, 5)]);
    const m = market('m', 'y', 'buy', 1);
    expect(e.apply(m)[0]).toEqual(accepted(m));
    expect(e.liveOrders).toBe(1);
    e.checkInvariants();
  });

  it('cancels free capacity', () => {
    const e = impl.create(acmeOptions({ maxOrders: 1 }));
    run(e, [limit('a', 'x', 'buy', 100, 1)]);
    expect(e.apply(limit('b', 'x', 'buy', 100, 1))).toEqual([rejected('new', 'b', RejectCode.ORDER_CAPACITY)]);
    run(e, [cancel('a', 'x')]);
    // 'b' was used up by its refusal: the retry takes a new id.
    const b = limit('b2', 'x', 'buy', 100, 1);
    expect(e.apply(b)).toEqual([accepted(b), rested(b)]);
  });

  it('STP removals free capacity', () => {
    const e = impl.create(acmeOptions({ maxOrders: 1 }));
    run(e, [limit('a', 'x', 'sell', 100, 1)]);
    const m = market('m', 'x', 'buy', 1, { stp: 'cancel_maker' });
    run(e, [m]);
    expect(e.liveOrders).toBe(0);
    expect(e.apply(limit('b', 'x', 'buy', 100, 1))[0]?.type).toBe('accepted');
  });

  it('modify works at capacity (it never adds an order), with or without priority', () => {
    const e = impl.create(acmeOptions({ maxOrders: 2 }));
    run(e, [limit('a', 'x', 'buy', 100, 5), limit('b', 'y', 'sell', 105, 5)]);
    expect(e.apply(modify('a', 'x', 101, 9))).toEqual([
      modified({ id: 'a', account: 'x', side: 'buy', price: 101, qty: 9, oldPrice: 100, oldQty: 5, priorityKept: false }),
      restedOf('a', 'x', 'buy', 101, 9),
    ]);
    expect(e.apply(modify('a', 'x', 101, 2))[0]).toMatchObject({ type: 'modified', priorityKept: true });
    e.checkInvariants();
    expect(e.liveOrders).toBe(2);
  });

  it('slots are reused: thousands of place/cancel and place/fill cycles at maxOrders 2', () => {
    const e = impl.create(acmeOptions({ maxOrders: 2, initialOrders: 1 }));
    run(e, [limit('anchor', 'z', 'buy', 1, 1)]);
    for (let i = 0; i < 1500; i++) {
      const id = i % 3 === 0 ? i : `o${i}`;
      const placed = e.apply(limit(id, 'x', 'sell', 100 + (i % 5), 2));
      expect(placed[0]?.type).toBe('accepted');
      if (i % 2 === 0) e.apply(cancel(id, 'x'));
      else e.apply(market(`m${i}`, 'y', 'buy', 2));
      expect(e.liveOrders).toBe(1);
    }
    e.checkInvariants();
    expect(e.depth('ACME')).toEqual({ bids: [[1, 1]], asks: [] });
  });

  it('the pool grows from initialOrders up to maxOrders exactly', () => {
    const e = impl.create(acmeOptions({ maxOrders: 100, initialOrders: 1 }));
    const cmds: Command[] = [];
    for (let i = 0; i < 100; i++) cmds.push(limit(i, 'x', i % 2 ? 'buy' : 'sell', i % 2 ? 100 - (i % 9) : 200 + (i % 9), 1));
    expect(run(e, cmds).every((events) => events[0]?.type === 'accepted')).toBe(true);
    expect(e.liveOrders).toBe(100);
    expect(e.apply(limit(100, 'x', 'buy', 1, 1))).toEqual([rejected('new', 100, RejectCode.ORDER_CAPACITY)]);
    run(e, cmds.map((_, i) => cancel(i, 'x')));
    expect(e.liveOrders).toBe(0);
    expect(e.depth('ACME', 100)).toEqual({ bids: [], asks: [] });
  });
});

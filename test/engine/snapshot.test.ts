// Why this file exists: checkpoints are snapshots, and recovery is restore + replay. A restored
// engine must be the same state (same hash, depth, orders, FIFO order, configuration and limits)
// and must then behave identically to the original; a snapshot must be a value (later commands do
// not change it); and bytes that are not a snapshot must be refused with CORRUPT_SNAPSHOT.

import { describe, expect, it } from 'vitest';
import { EngineError } from '../../engine/errors.js';
import type { OrderCommand as Command } from '../../engine/types.js';
import {
  IMPLS,
  RejectCode,
  acmeOptions,
  cancel,
  limit,
  market,
  modify,
  rejected,
  run,
  WIDE,
  type EngineLike,
} from './harness.js';

/** A book with both instruments, partial fills, post-only, stp modes, odd ids and accounts. */
const BUILD: Command[] = [
  limit('a', 'alice', 'buy', 100, 10),
  limit(0, 'bob', 'buy', 100, 4, { stp: 'cancel_taker' }),
  limit(-42, 'çarol 😀', 'buy', 98, 3),
  limit('ünïcode-😀', 'alice', 'sell', 103, 8, { postOnly: true }),
  limit('s2', 'dave', 'sell', 103, 2, { stp: 'cancel_both' }),
  limit('s3', 'dave', 'sell', 110, 5),
  limit('w1', 'alice', 'buy', 500, 30, { symbol: 'WIDE' }),
  limit('w2', 'bob', 'sell', 505, 40, { symbol: 'WIDE', stp: 'cancel_maker' }),
  limit('t', 'erin', 'sell', 100, 12, { tif: 'IOC' }),
  limit('gone', 'x', 'buy', 1, 1),
  cancel('gone', 'x'),
];

/** Commands that exercise FIFO order, STP, modify and capacity after the restore point. */
const CONTINUE: Command[] = [
  limit('n1', 'frank', 'buy', 103, 5),
  market('m1', 'dave', 'buy', 3, { stp: 'cancel_both' }),
  modify(0, 'bob', 101, 4),
  limit('n2', 'bob', 'sell', 99, 20, { stp: 'cancel_taker' }),
  limit('n3', 'alice', 'sell', 500, 30, { symbol: 'WIDE', stp: 'cancel_maker' }),
  limit('gone', 'x', 'sell', 200, 1),
  cancel(-42, 'çarol 😀'),
];

function built(impl: (typeof IMPLS)[number]): EngineLike {
  const e = impl.create(acmeOptions());
  for (const cmd of BUILD) {
    const events = e.apply(cmd);
    if (events.some((ev) => ev.type === 'rejected')) throw new Error(`BUILD rejected ${JSON.stringify(events)}`);
  }
  return e;
}

function views(e: EngineLike): unknown[] {
  return ['a', 0, -42, 'ünïcode-😀', 's2', 's3', 'w1', 'w2', 'n1', 'n2', 'n3', 'gone'].map((id) => e.order(id));
}

describe.each(IMPLS)('snapshot and restore ($name)', (impl) => {
  it('an empty engine round-trips', () => {
    const e = impl.create(acmeOptions());
    const copy = impl.restore(e.snapshot());
    expect(copy.stateHash()).toBe(e.stateHash());
    expect(copy.liveOrders).toBe(0);
    copy.checkInvariants();
  });

  it('a restored engine has the same hash, depth, orders and live count', () => {
    const e = built(impl);
    const bytes = e.snapshot();
    expect(bytes).toBeInstanceOf(Uint8Array);
    const copy = impl.restore(bytes);
    copy.checkInvariants();
    expect(copy.stateHash()).toBe(e.stateHash());
    expect(copy.liveOrders).toBe(e.liveOrders);
    for (const symbol of ['ACME', 'WIDE']) expect(copy.depth(symbol, 100)).toEqual(e.depth(symbol, 100));
    expect(views(copy)).toEqual(views(e));
  });

  it('original and copy continue identically (FIFO, STP, modify, id reuse)', () => {
    const e = built(impl);
    const copy = impl.restore(e.snapshot());
    for (const cmd of CONTINUE) {
      expect(copy.apply(cmd)).toEqual(e.apply(cmd));
      copy.checkInvariants();
      expect(copy.stateHash()).toBe(e.stateHash());
    }
  });

  it('a snapshot is a value: later commands on the original do not change it', () => {
    const e = built(impl);
    const hashAtSnapshot = e.stateHash();
    const bytes = e.snapshot();
    const saved = Uint8Array.from(bytes);
    run(e, CONTINUE);
    expect(e.stateHash()).not.toBe(hashAtSnapshot);
    expect(Uint8Array.from(bytes)).toEqual(saved);
    expect(impl.restore(bytes).stateHash()).toBe(hashAtSnapshot);
  });

  it('two restores from the same bytes are independent engines', () => {
    const bytes = built(impl).snapshot();
    const one = impl.restore(bytes);
    const two = impl.restore(bytes);
    run(one, CONTINUE);
    expect(two.stateHash()).toBe(impl.restore(bytes).stateHash());
    expect(two.stateHash()).not.toBe(one.stateHash());
  });

  it('a snapshot of a restored engine restores to the same state again', () => {
    const e = built(impl);
    const twice = impl.restore(impl.restore(e.snapshot()).snapshot());
    expect(twice.stateHash()).toBe(e.stateHash());
  });

  it('configuration and limits survive: maxOrders, tick/lot rules, maxQty', () => {
    const e = impl.create(acmeOptions({ maxOrders: 2 }));
    run(e, [limit('a', 'alice', 'buy', 100, 1), limit('b', 'alice', 'buy', 99, 1)]);
    const copy = impl.restore(e.snapshot());
    expect(copy.apply(limit('c', 'alice', 'buy', 98, 1))).toEqual([rejected('new', 'c', RejectCode.ORDER_CAPACITY)]);
    run(copy, [cancel('a', 'alice')]);
    expect(copy.apply(limit('d', 'alice', 'buy', 502, 10, { symbol: 'WIDE' }))).toEqual([
      rejected('new', 'd', RejectCode.PRICE_NOT_ON_TICK, WIDE),
    ]);
    expect(copy.apply(limit('d', 'alice', 'buy', 500, 10_010, { symbol: 'WIDE' }))).toEqual([
      rejected('new', 'd', RejectCode.QTY_OUT_OF_RANGE, WIDE),
    ]);
    expect(copy.apply(limit('d', 'alice', 'buy', 500, 10, { symbol: 'WIDE' }))[0]?.type).toBe('accepted');
  });

  it('a restored engine keeps working as its pool grows', () => {
    const e = impl.create(acmeOptions({ initialOrders: 2, maxOrders: 1000 }));
    run(e, [limit('a', 'alice', 'buy', 100, 1)]);
    const copy = impl.restore(e.snapshot());
    const more: Command[] = [];
    for (let i = 0; i < 300; i++) more.push(limit(`m${i}`, 'bob', i % 2 ? 'buy' : 'sell', i % 2 ? 50 + (i % 40) : 150 + (i % 40), 1));
    run(copy, more);
    run(e, more);
    expect(copy.stateHash()).toBe(e.stateHash());
    expect(copy.liveOrders).toBe(301);
  });

  it('extreme values survive: price 2^48, qty 2^32-1, ±MAX_SAFE_INTEGER ids, 64-unit astral ids and accounts', () => {
    const top = 2 ** 48;
    const e = impl.create({
      instruments: [{ symbol: 'X'.repeat(32), tickSize: 1, lotSize: 1, minPrice: 1, maxPrice: top, maxQty: 2 ** 32 - 1 }],
      maxOrders: 1000,
    });
    const cmds: Command[] = [
      { op: 'new', id: Number.MAX_SAFE_INTEGER, account: '😀'.repeat(32), symbol: 'X'.repeat(32), side: 'sell', type: 'limit', price: top, qty: 2 ** 32 - 1, time: Number.MAX_SAFE_INTEGER },
      { op: 'new', id: -Number.MAX_SAFE_INTEGER, account: 'a'.repeat(64), symbol: 'X'.repeat(32), side: 'buy', type: 'limit', price: 1, qty: 2 ** 32 - 1, time: 0 },
      { op: 'new', id: '😀'.repeat(32), account: '\u0000', symbol: 'X'.repeat(32), side: 'sell', type: 'limit', price: top, qty: 1, time: 0, postOnly: true, stp: 'cancel_both' },
    ];
    for (const cmd of cmds) expect(e.apply(cmd)[0]?.type).toBe('accepted');
    const copy = impl.restore(e.snapshot());
    expect(copy.stateHash()).toBe(e.stateHash());
    expect(copy.depth('X'.repeat(32))).toEqual({ bids: [[1, 2 ** 32 - 1]], asks: [[top, 2 ** 32]] });
    expect(copy.order('😀'.repeat(32))).toEqual(e.order('😀'.repeat(32)));
    expect(copy.order(-Number.MAX_SAFE_INTEGER)?.account).toBe('a'.repeat(64));
  });

  it.each([
    ['empty', new Uint8Array(0)],
    ['garbage', new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])],
    ['text', new TextEncoder().encode('hello, I am not a snapshot')],
  ])('%s bytes are refused with EngineError CORRUPT_SNAPSHOT', (_name, bytes) => {
    try {
      impl.restore(bytes);
    } catch (error) {
      expect(error).toBeInstanceOf(EngineError);
      expect((error as EngineError).code).toBe('CORRUPT_SNAPSHOT');
      return;
    }
    throw new Error('restore accepted bytes that are not a snapshot');
  });

  it('a truncated snapshot is refused with EngineError CORRUPT_SNAPSHOT', () => {
    const bytes = built(impl).snapshot();
    for (const cut of [1, Math.floor(bytes.length / 2), bytes.length - 1]) {
      try {
        impl.restore(bytes.slice(0, cut));
      } catch (error) {
        expect(error).toBeInstanceOf(EngineError);
        expect((error as EngineError).code).toBe('CORRUPT_SNAPSHOT');
        continue;
      }
      throw new Error(`restore accepted a snapshot cut to ${cut} of ${bytes.length} bytes`);
    }
  });
});

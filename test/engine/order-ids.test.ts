// Why this file exists: SEMANTICS.md "Order ids" — a client that retries an order whose
// acknowledgement it lost must not trade twice. Every `new` past its shape checks uses up its id;
// re-using it while remembered is DUPLICATE_ID (dead) or DUPLICATE_ORDER_ID (live) with the
// original seq; the memory is bounded by a window in commands and/or command time and by a cap
// per instrument ('forget-oldest' or 'reject' → ID_MEMORY_FULL); it survives snapshot + restore.

import { describe, expect, it } from 'vitest';
import { Engine } from '../../engine/index.js';
import { CancelReason, IMPLS, RejectCode, acmeOptions, cancel, cancelled, limit, modify, rejected, run } from './harness.js';

const dup = (id: string, reason: RejectCode, originalSeq: number, symbol = 'ACME') => ({
  ...rejected('new', id, reason),
  detail: { symbol, originalSeq },
});

describe.each(IMPLS)('order ids ($name)', (impl) => {
  it('a retry of a filled order is DUPLICATE_ID with the original seq; nothing trades twice', () => {
    const e = impl.create(acmeOptions());
    run(e, [limit('s', 'sid', 'sell', 100, 10), limit('client-42', 'bo', 'buy', 100, 4)]);
    const before = e.stateHash();
    expect(e.apply(limit('client-42', 'bo', 'buy', 100, 4))).toEqual([dup('client-42', RejectCode.DUPLICATE_ID, 2)]);
    expect(e.stateHash()).toBe(before);
    expect(e.order('s')?.qty).toBe(6);
  });

  it('the id of a live order is DUPLICATE_ORDER_ID, also from another instrument', () => {
    const e = impl.create(acmeOptions());
    run(e, [limit('x', 'u', 'buy', 100, 1)]);
    expect(e.apply(limit('x', 'u', 'buy', 500, 10, { symbol: 'WIDE' }))).toEqual([dup('x', RejectCode.DUPLICATE_ORDER_ID, 1)]);
  });

  it('a new refused by a stateful check uses up its id; a shape reject does not', () => {
    const e = impl.create(acmeOptions());
    run(e, [limit('s', 'sid', 'sell', 101, 5)]);
    expect(e.apply(limit('p', 'a', 'buy', 101, 5, { postOnly: true }))).toEqual([rejected('new', 'p', RejectCode.POST_ONLY_WOULD_TAKE)]);
    expect(e.apply(limit('p', 'a', 'buy', 100, 5, { postOnly: true }))).toEqual([dup('p', RejectCode.DUPLICATE_ID, 2)]);
  });

  it('a window by commands: remembered for idRetentionCommands seqs after the new', () => {
    const e = impl.create(acmeOptions({ idRetentionCommands: 3 }));
    run(e, [limit('x', 'u', 'buy', 100, 1), cancel('x', 'u')]); // seqs 1, 2
    expect(e.apply(limit('x', 'u', 'buy', 100, 1))).toEqual([dup('x', RejectCode.DUPLICATE_ID, 1)]); // seq 3: 3 - 1 < 3
    expect(e.apply(limit('x', 'u', 'buy', 100, 1))[0].type).toBe('accepted'); // seq 4: 4 - 1 >= 3
  });

  it('a window by time: remembered while time - created time < idRetentionMs', () => {
    const e = impl.create(acmeOptions({ idRetentionMs: 100 }));
    run(e, [limit('x', 'u', 'buy', 100, 1, { time: 1000 }), cancel('x', 'u')]);
    expect(e.apply(limit('x', 'u', 'buy', 100, 1, { time: 1099 }))).toEqual([dup('x', RejectCode.DUPLICATE_ID, 1)]);
    expect(e.orderStatus('x')?.status).toBe('cancelled');
    expect(e.apply(limit('x', 'u', 'buy', 100, 1, { time: 1100 }))[0].type).toBe('accepted');
  });

  it("a full memory with 'forget-oldest' forgets the oldest id (the guarantee shrinks to the cap)", () => {
    const e = impl.create(acmeOptions({ idsRememberedPerInstrumentMax: 2 }));
    run(e, [limit('a', 'u', 'buy', 90, 1), limit('b', 'u', 'buy', 90, 1), cancel('a', 'u'), cancel('b', 'u'), limit('c', 'u', 'buy', 90, 1)]);
    expect(e.apply(limit('b', 'u', 'buy', 90, 1))).toEqual([dup('b', RejectCode.DUPLICATE_ID, 2)]);
    expect(e.apply(limit('a', 'u', 'buy', 90, 1))[0].type).toBe('accepted');
  });

  it("a full memory with 'reject' refuses new ids (ID_MEMORY_FULL, id not used up) until the window frees room", () => {
    const e = impl.create(acmeOptions({ idsRememberedPerInstrumentMax: 2, idRetentionCommands: 4, idsRememberedFull: 'reject' }));
    run(e, [limit('a', 'u', 'buy', 90, 1), limit('b', 'u', 'buy', 90, 1)]); // seqs 1, 2
    expect(e.apply(limit('c', 'u', 'buy', 90, 1))).toEqual([rejected('new', 'c', RejectCode.ID_MEMORY_FULL)]); // seq 3
    // Another instrument has its own ring.
    expect(e.apply(limit('w', 'u', 'buy', 500, 10, { symbol: 'WIDE' }))[0].type).toBe('accepted'); // seq 4
    expect(e.apply(limit('c', 'u', 'buy', 90, 1))[0].type).toBe('accepted'); // seq 5: 'a' (seq 1) left the window
  });

  it('an order outliving the window stays a duplicate while live, reports its status, and is forgotten when it dies', () => {
    const e = impl.create(acmeOptions({ idRetentionCommands: 2 }));
    run(e, [limit('x', 'u', 'buy', 90, 5), limit('y', 'u', 'buy', 90, 1), limit('z', 'u', 'buy', 90, 1)]); // 'x' left the ring at seq 3
    expect(e.apply(limit('x', 'u', 'buy', 90, 1))).toEqual([dup('x', RejectCode.DUPLICATE_ORDER_ID, 1)]);
    expect(e.orderStatus('x')).toMatchObject({ status: 'resting', createdSeq: 1, remainingQty: 5 });
    expect(e.apply(cancel('x', 'u'))).toEqual([cancelled('x', 'u', 'buy', CancelReason.USER, 5)]);
    expect(e.orderStatus('x')).toBeUndefined();
    expect(e.apply(cancel('x', 'u'))).toEqual([rejected('cancel', 'x', RejectCode.UNKNOWN_ORDER)]);
    expect(e.apply(limit('x', 'u', 'buy', 90, 1))[0].type).toBe('accepted');
  });

  it('survives snapshot and restore (ids, statuses, seq numbering)', () => {
    const e = impl.create(acmeOptions({ idRetentionCommands: 10 }));
    run(e, [limit('s', 'sid', 'sell', 100, 10), limit('b', 'bo', 'buy', 100, 4), cancel('s', 'sid'), limit('r', 'a', 'buy', 90, 2)]);
    const restored = impl.restore(e.snapshot());
    expect(restored.stateHash()).toBe(e.stateHash());
    expect(restored.lastSeq).toBe(4);
    for (const id of ['s', 'b', 'r']) expect(restored.orderStatus(id)).toEqual(e.orderStatus(id));
    expect(restored.apply(limit('b', 'bo', 'buy', 100, 4))).toEqual([dup('b', RejectCode.DUPLICATE_ID, 2)]);
    expect(e.apply(limit('b', 'bo', 'buy', 100, 4))).toEqual([dup('b', RejectCode.DUPLICATE_ID, 2)]);
    expect(restored.stateHash()).toBe(e.stateHash());
  });

  it("takes the log's seq when given one", () => {
    const e = impl.create(acmeOptions());
    e.apply(limit('x', 'u', 'buy', 90, 1), 40);
    expect(e.lastSeq).toBe(40);
    expect(e.apply(limit('x', 'u', 'buy', 90, 1), 45)).toEqual([dup('x', RejectCode.DUPLICATE_ORDER_ID, 40)]);
    e.apply(modify('x', 'u', 91, 1));
    expect(e.orderStatus('x')).toMatchObject({ createdSeq: 40, lastSeq: 46 });
  });
});

describe('order ids (engine only)', () => {
  it('a seq not above the last one is an INVALID_ARGUMENT error', () => {
    const e = new Engine(acmeOptions());
    e.apply(limit('x', 'u', 'buy', 90, 1), 5);
    expect(() => e.apply(limit('y', 'u', 'buy', 90, 1), 5)).toThrow(/seq must be a safe integer above the last seq 5/);
    expect(() => e.apply(limit('y', 'u', 'buy', 90, 1), 1.5)).toThrow(/INVALID_ARGUMENT|seq must be/);
  });
});

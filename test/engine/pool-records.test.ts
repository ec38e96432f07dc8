// Why this file exists: orders and levels are one 32-byte record each (engine/order-pool.ts,
// level-pool.ts: int32 fields and a float64 over one buffer), while snapshots keep storing one
// section per field. These check that the record fields do not overlap, that growing keeps every
// record and marks new slots free, and that column() gathers exactly what loadColumns() scattered
// (the snapshot format is unchanged by the layout).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { L_BOOK, L_COUNT, L_F64S, L_HEAD, L_INTS, L_PRICE, L_TAIL, L_TOTAL, LevelPool } from '../../engine/level-pool.js';
import { NIL, O_ACCOUNT, O_ENTRY, O_F64S, O_FLAGS, O_INTS, O_LEVEL, O_NEXT, O_PREV, O_QTY, OrderPool } from '../../engine/order-pool.js';

const int = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
const qty = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });

describe('order pool records', () => {
  it('fields do not overlap, survive growth, and round-trip through the snapshot columns', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(int, int, int, int, fc.integer({ min: 0, max: 63 }), qty), { minLength: 1, maxLength: 200 }), (rows) => {
        const pool = new OrderPool(1, 1 << 20);
        for (const [next, prev, level, account, flags, q] of rows) {
          const slot = pool.alloc();
          const at = slot * O_INTS;
          pool.i32[at + O_NEXT] = next;
          pool.i32[at + O_PREV] = prev;
          pool.i32[at + O_LEVEL] = level;
          pool.i32[at + O_ACCOUNT] = account;
          pool.i32[at + O_FLAGS] = flags;
          pool.i32[at + O_ENTRY] = slot;
          pool.f64[slot * O_F64S + O_QTY] = q;
        }
        rows.forEach(([next, prev, level, account, flags, q], slot) => {
          const at = slot * O_INTS;
          expect([pool.i32[at + O_NEXT], pool.i32[at + O_PREV], pool.i32[at + O_LEVEL], pool.i32[at + O_ACCOUNT], pool.i32[at + O_FLAGS]]).toEqual([next, prev, level, account, flags]);
          expect(pool.i32[at + O_ENTRY]).toBe(slot);
          expect(pool.f64[slot * O_F64S + O_QTY]).toBe(q);
        });
        for (let slot = rows.length; slot < pool.capacity; slot++) expect(pool.i32[slot * O_INTS + O_ENTRY]).toBe(NIL);
        const n = rows.length;
        const copy = new OrderPool(n, 1 << 20);
        copy.loadColumns({
          qty: pool.column('qty', n) as Float64Array,
          next: pool.column('next', n) as Int32Array,
          prev: pool.column('prev', n) as Int32Array,
          level: pool.column('level', n) as Int32Array,
          account: pool.column('account', n) as Int32Array,
          flags: pool.column('flags', n) as Uint8Array,
        });
        for (const name of ['qty', 'next', 'prev', 'level', 'account', 'flags'] as const) expect(copy.column(name, n)).toEqual(pool.column(name, n));
        expect(pool.column('qty', n)).toEqual(Float64Array.from(rows.map((r) => r[5])));
        // The id entry is derived state: not a snapshot column, NIL after a load.
        for (let slot = 0; slot < n; slot++) expect(copy.i32[slot * O_INTS + O_ENTRY]).toBe(NIL);
      }),
      { numRuns: 50 },
    );
  });

  it('a freed slot is NIL-entried and reused first', () => {
    const pool = new OrderPool(2, 8);
    const a = pool.alloc();
    const b = pool.alloc();
    pool.i32[a * O_INTS + O_ENTRY] = 7;
    pool.free(a);
    expect(pool.i32[a * O_INTS + O_ENTRY]).toBe(NIL);
    expect(pool.alloc()).toBe(a);
    expect(pool.alloc()).toBe(2); // grew past its initial 2 slots
    expect(b).toBe(1);
  });
});

describe('level pool records', () => {
  it('fields do not overlap, survive growth, and round-trip through the snapshot columns', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(qty, qty, int, int, int, int), { minLength: 1, maxLength: 200 }), (rows) => {
        const pool = new LevelPool(1);
        for (const [price, total, head, tail, count, book] of rows) {
          const level = pool.alloc(price, book);
          pool.f64[level * L_F64S + L_TOTAL] = total;
          pool.i32[level * L_INTS + L_HEAD] = head;
          pool.i32[level * L_INTS + L_TAIL] = tail;
          pool.i32[level * L_INTS + L_COUNT] = count;
        }
        rows.forEach(([price, total, head, tail, count, book], level) => {
          expect([pool.f64[level * L_F64S + L_PRICE], pool.f64[level * L_F64S + L_TOTAL]]).toEqual([price, total]);
          const at = level * L_INTS;
          expect([pool.i32[at + L_HEAD], pool.i32[at + L_TAIL], pool.i32[at + L_COUNT], pool.i32[at + L_BOOK]]).toEqual([head, tail, count, book]);
          expect(pool.countOf(level)).toBe(count);
        });
        const n = rows.length;
        const copy = new LevelPool(n);
        copy.loadColumns({
          price: pool.column('price', n) as Float64Array,
          head: pool.column('head', n) as Int32Array,
          tail: pool.column('tail', n) as Int32Array,
          total: pool.column('total', n) as Float64Array,
          count: pool.column('count', n) as Int32Array,
          book: pool.column('book', n) as Int32Array,
        });
        for (const name of ['price', 'head', 'tail', 'total', 'count', 'book'] as const) expect(copy.column(name, n)).toEqual(pool.column(name, n));
      }),
      { numRuns: 50 },
    );
  });
});

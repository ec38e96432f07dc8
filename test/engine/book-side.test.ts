// Why this file exists: a book side finds a price's level through a direct index by tick (a
// window grown by doubling, capped at WINDOW_TICKS_MAX) and falls back to binary search outside
// it (issue 11). The window is the kind of derived state that goes stale in one corner: growth in
// either direction, levels left outside the cap that a later growth must pick up, removals, and
// a rebuild after restore. A plain Map is the oracle for every lookup.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BookSide, WINDOW_TICKS_MAX } from '../../engine/book-side.js';
import { NIL } from '../../engine/order-pool.js';

type Op = { kind: 'add' | 'remove' | 'find'; tick: number };

function check(side: BookSide, model: Map<number, number>, tickSize: number, probe: number[]): void {
  for (const tick of probe) expect(side.find(tick * tickSize)).toBe(model.get(tick) ?? NIL);
  for (const [tick, level] of model) expect(side.find(tick * tickSize)).toBe(level);
  expect(side.size).toBe(model.size);
  const best = side.best();
  if (model.size === 0) expect(best).toBe(NIL);
  else {
    const ticks = [...model.keys()];
    const top = side.sign === 1 ? Math.max(...ticks) : Math.min(...ticks);
    expect(best).toBe(model.get(top));
  }
}

describe('BookSide price index', () => {
  for (const sign of [1, -1] as const) {
    it(`agrees with a Map through growth both ways and past the cap (${sign === 1 ? 'bids' : 'asks'})`, () => {
      const tick = fc.oneof(
        fc.integer({ min: 9_000, max: 11_000 }),
        fc.integer({ min: 1, max: 3 * WINDOW_TICKS_MAX }),
        fc.constantFrom(1, WINDOW_TICKS_MAX, WINDOW_TICKS_MAX + 1, 2 ** 40),
      );
      const op: fc.Arbitrary<Op> = fc.record({ kind: fc.constantFrom('add', 'add', 'remove', 'find'), tick });
      fc.assert(
        fc.property(fc.array(op, { maxLength: 300 }), fc.constantFrom(1, 5, 100), (ops, tickSize) => {
          const side = new BookSide(sign, tickSize);
          const model = new Map<number, number>();
          let next = 0;
          for (const o of ops) {
            if (o.kind === 'add' && !model.has(o.tick)) {
              side.insert(o.tick * tickSize, next);
              model.set(o.tick, next++);
            } else if (o.kind === 'remove' && model.has(o.tick)) {
              side.remove(o.tick * tickSize);
              model.delete(o.tick);
            }
            expect(side.find(o.tick * tickSize)).toBe(model.get(o.tick) ?? NIL);
          }
          check(side, model, tickSize, ops.map((o) => o.tick));
          side.rebuildIndex();
          check(side, model, tickSize, ops.map((o) => o.tick + 1));
        }),
        { numRuns: 200 },
      );
    });
  }

  it('picks up a level left outside the cap when a later growth covers it', () => {
    const side = new BookSide(1);
    side.insert(10, 0);
    side.insert(10 + WINDOW_TICKS_MAX + 5, 1); // beyond the cap from 10: binary search only
    side.insert(10 + WINDOW_TICKS_MAX / 2, 2);
    side.remove(10);
    side.insert(10 + WINDOW_TICKS_MAX, 3); // the window may now move up and cover level 1
    expect(side.find(10 + WINDOW_TICKS_MAX + 5)).toBe(1);
    expect(side.find(10 + WINDOW_TICKS_MAX)).toBe(3);
    expect(side.find(10 + WINDOW_TICKS_MAX / 2)).toBe(2);
    expect(side.find(10)).toBe(NIL);
    expect(side.memoryBytes()).toBeLessThanOrEqual(side.keys.length * 12 + WINDOW_TICKS_MAX * 4);
  });
});

// Why this file exists: the engine's id table keeps ids in typed arrays (engine/id-store.ts): short
// Latin-1 strings inline by entry, integers as float64s, other strings as themselves. Whatever the
// storage, lookups must be exact on UTF-16 units (lone surrogates, units ≥ 256, ids longer than the
// inline bytes, an integer and its decimal string kept apart) and `idAt` must give the id back.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hashId } from '../../engine/id-index.js';
import { IdStore, INLINE_ID_BYTES } from '../../engine/id-store.js';

const anyId = fc.oneof(
  fc.string({ minLength: 1, maxLength: 4 }),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 64 }),
  fc.string({ unit: fc.integer({ min: 0xd800, max: 0xdfff }).map((u) => String.fromCharCode(u)), minLength: 1, maxLength: 3 }),
  fc.string({ minLength: INLINE_ID_BYTES - 1, maxLength: INLINE_ID_BYTES + 2 }),
  fc.integer({ min: 1, max: 40 }),
  fc.integer({ min: 1, max: 2 ** 40 }),
);

describe('IdStore', () => {
  it('agrees with a Map through adds and removals, and gives every id back exactly', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), anyId), { maxLength: 300 }), (ops) => {
        const store = new IdStore(4);
        const model = new Map<string | number, number>();
        const free: number[] = [];
        let next = 0;
        for (const [add, id] of ops) {
          const hash = hashId(id);
          expect(store.find(id, hash)).toBe(model.get(id) ?? -1);
          if (add && !model.has(id)) {
            const entry = free.length > 0 ? free.pop()! : next++;
            store.grow(Math.max(store.capacity * 2, entry + 1));
            store.write(entry, id, hash);
            store.insert(entry);
            model.set(id, entry);
          } else if (!add && model.has(id)) {
            const entry = model.get(id)!;
            expect(store.idAt(entry)).toBe(id);
            store.remove(entry);
            store.clear(entry);
            model.delete(id);
            free.push(entry);
          }
        }
        expect(store.size).toBe(model.size);
        for (const [id, entry] of model) {
          expect(store.idAt(entry)).toBe(id);
          expect(store.find(id, hashId(id))).toBe(entry);
        }
      }),
    );
  });

  it('gives back inline ids of every length 1–16, any unit below 256', () => {
    const store = new IdStore(INLINE_ID_BYTES + 1);
    for (let n = 1; n <= INLINE_ID_BYTES; n++) {
      const id = Array.from({ length: n }, (_, i) => String.fromCharCode((n * 37 + i * 101) & 0xff)).join('');
      store.write(n, id, hashId(id));
      store.insert(n);
      expect(store.idAt(n)).toBe(id);
      expect(store.find(id, hashId(id))).toBe(n);
    }
  });

  it('keeps an integer id and its decimal string apart, and strings equal in content but not in case apart', () => {
    const store = new IdStore(8);
    const ids: Array<string | number> = [7, '7', 'abc', 'ABC', 'é', 'ĀĀ', 'x'.repeat(INLINE_ID_BYTES + 1)];
    ids.forEach((id, entry) => {
      store.write(entry, id, hashId(id));
      store.insert(entry);
    });
    ids.forEach((id, entry) => {
      expect(store.find(id, hashId(id))).toBe(entry);
      expect(store.idAt(entry)).toBe(id);
    });
    expect(store.find('abd', hashId('abd'))).toBe(-1);
    expect(store.find(8, hashId(8))).toBe(-1);
  });
});

// Why this file exists: string ids moved from a Map to a typed-array table keyed by a 32-bit hash
// (issue 11). A hash only routes; ids must stay exact: every distinct UTF-16 string distinct
// (lone surrogates, strings equal after normalisation, strings with equal hashes), and the slot →
// id array the table compares against must follow every set and delete (by id or by slot).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hashString, IdIndex } from '../../engine/id-index.js';

/** Two different strings with the same 32-bit hash, found by a birthday search (~80k hashes). */
function collidingPair(): [string, string] {
  const seen = new Map<number, string>();
  for (let n = 0; ; n++) {
    const text = `c-${n}`;
    const h = hashString(text);
    const other = seen.get(h);
    if (other !== undefined) return [other, text];
    seen.set(h, text);
  }
}

describe('IdIndex with string ids', () => {
  it('agrees with a Map on arbitrary UTF-16 strings (lone surrogates included), through resizes', () => {
    const key = fc.oneof(
      fc.string({ unit: 'binary', minLength: 1, maxLength: 4 }),
      fc.string({ unit: fc.constantFrom('a', '\ud800', '\udc00', '\u0301', 'é'), minLength: 1, maxLength: 3 }),
      fc.integer({ min: -3, max: 3 }),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('set', 'delete', 'deleteSlot', 'get'), key), { maxLength: 3000 }), (ops) => {
        const index = new IdIndex();
        const model = new Map<string | number, number>();
        let slot = 0;
        for (const [kind, id] of ops) {
          if (kind === 'set' && !model.has(id)) {
            index.set(id, slot);
            model.set(id, slot++);
          } else if (kind === 'delete') {
            index.delete(id);
            model.delete(id);
          } else if (kind === 'deleteSlot' && model.has(id)) {
            index.deleteSlot(model.get(id) as number);
            model.delete(id);
          }
          expect(index.get(id)).toBe(model.get(id) ?? -1);
          expect(index.size).toBe(model.size);
        }
        for (const [id, value] of model) {
          expect(index.get(id)).toBe(value);
          expect(index.keys[value]).toBe(id);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('keeps ids with equal hashes distinct, and finds the survivor after deleting either', () => {
    const [a, b] = collidingPair();
    expect(a).not.toBe(b);
    expect(hashString(a)).toBe(hashString(b));
    for (const first of [a, b]) {
      const index = new IdIndex();
      index.set(a, 0);
      index.set(b, 1);
      expect(index.get(a)).toBe(0);
      expect(index.get(b)).toBe(1);
      index.delete(first);
      expect(index.get(first)).toBe(-1);
      const other = first === a ? b : a;
      expect(index.get(other)).toBe(other === a ? 0 : 1);
    }
  });

  it('tells apart canonically equivalent strings and a string from the number it spells', () => {
    const index = new IdIndex();
    index.set('e\u0301', 0);
    index.set('\u00e9', 1);
    index.set('7', 2);
    index.set(7, 3);
    expect([index.get('e\u0301'), index.get('\u00e9'), index.get('7'), index.get(7)]).toEqual([0, 1, 2, 3]);
    index.delete('7');
    expect([index.get('7'), index.get(7)]).toEqual([-1, 3]);
  });

  it('compares by content, not by object: an id built at run time finds the stored one', () => {
    const index = new IdIndex();
    for (let i = 0; i < 20_000; i++) index.set(`order-${i}`, i);
    for (let i = 0; i < 20_000; i += 7) expect(index.get(['order', String(i)].join('-'))).toBe(i);
    for (let i = 0; i < 20_000; i += 2) index.delete(`order-${i}`);
    for (let i = 0; i < 20_000; i++) expect(index.get(`order-${i}`)).toBe(i % 2 === 0 ? -1 : i);
    expect(index.keys[2]).toBeNull();
    expect(index.size).toBe(10_000);
  });
});

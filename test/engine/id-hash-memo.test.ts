// Why this file exists: validation hashes a string id in the same pass as its lone-surrogate check
// and leaves the hash for the engine's id probe (engine/validate.ts isShortId, id-index.ts
// rememberHash). The id table routes by that hash, so it must be exactly hashString's value for
// every valid id, and an id refused by validation must leave no hash behind.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hashString } from '../../engine/id-index.js';
import { isValidId } from '../../engine/validate.js';

/** hashString computed from the units, not taken from the memo (the memo holds another string). */
function freshHash(text: string): number {
  const other = text === 'memo-other' ? 'memo-other-2' : 'memo-other';
  expect(isValidId(other)).toBe(true);
  return hashString(text);
}

describe('the id hash validation leaves for the engine', () => {
  it('equals hashString of the same units for every valid id (odd and even lengths, surrogate pairs)', () => {
    const unit = fc.constantFrom('a', 'Z', '0', 'é', '\u4e00', '\ud83d\ude00', '\uffff');
    fc.assert(
      fc.property(fc.array(unit, { minLength: 1, maxLength: 40 }), (units) => {
        const id = units.join('').slice(0, 64);
        if (!isValidId(id)) return; // a pair cut in half by the slice: refused, see below
        const memo = hashString(id);
        expect(memo).toBe(freshHash(id));
        // A different string object with the same units gets the same hash.
        expect(hashString([...id].join(''))).toBe(memo);
      }),
      { numRuns: 300 },
    );
  });

  it('a refused id (lone surrogate, too long, empty) leaves the previous memo and no hash of its own', () => {
    expect(isValidId('CL0000001')).toBe(true);
    const before = hashString('CL0000001');
    for (const bad of ['a\ud800', '\udc00', 'x'.repeat(65), '']) {
      expect(isValidId(bad)).toBe(false);
      expect(hashString('CL0000001')).toBe(before);
    }
    const lone = 'a\ud800';
    expect(hashString(lone)).toBe(freshHash(lone));
  });
});

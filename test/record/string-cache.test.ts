// Why this file exists: the record readers' string cache (replay/string-cache.ts) must give back
// exactly the units it was handed (lone surrogates, the empty string), build a string only when it
// is not cached, and keep two strings that alternate resident even when they share a set
// (a direct-mapped cache rebuilt both on every alternation).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Utf16StringCache } from '../../replay/index.js';

function units(s: string): Uint8Array {
  const b = new Uint8Array(2 * s.length + 3);
  for (let i = 0; i < s.length; i++) {
    b[3 + 2 * i] = s.charCodeAt(i) & 0xff;
    b[4 + 2 * i] = s.charCodeAt(i) >>> 8;
  }
  return b;
}

const read = (cache: Utf16StringCache, s: string): string => cache.get(units(s), 3, s.length);

describe('record string cache', () => {
  it('gives back any UTF-16 units exactly, lone surrogates and the empty string included', () => {
    const cache = new Utf16StringCache();
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 80 }), (codes) => {
        const s = String.fromCharCode(...codes);
        expect(read(cache, s)).toBe(s);
        expect(read(cache, s)).toBe(s);
      }),
      { numRuns: 300 },
    );
    expect(read(cache, '')).toBe('');
  });

  it('keeps two alternating strings resident, whichever sets they fall in', () => {
    for (let k = 0; k < 3000; k++) {
      const cache = new Utf16StringCache();
      expect(read(cache, `acct-${k}`)).toBe(`acct-${k}`);
      expect(read(cache, `acct-${k + 1}`)).toBe(`acct-${k + 1}`);
      for (let round = 0; round < 3; round++) {
        expect(read(cache, `acct-${k}`)).toBe(`acct-${k}`);
        expect(read(cache, `acct-${k + 1}`)).toBe(`acct-${k + 1}`);
      }
      expect(cache.built).toBe(2);
    }
  });

  it('builds each of 100 accounts once when they repeat in any order', () => {
    const cache = new Utf16StringCache();
    for (let round = 0; round < 5; round++) for (let i = 0; i < 100; i++) expect(read(cache, `acct-${(i * 37 + round) % 100}`)).toBe(`acct-${(i * 37 + round) % 100}`);
    expect(cache.built).toBe(100);
  });
});

// Why this file exists: ids and accounts are checked for lone UTF-16 surrogates on every command,
// through a loop that hands only strings holding a unit of the surrogate range to the regular
// expression. This pins that fast path to the exact rule: the units just outside the range pass,
// pairs pass, a lone or swapped half fails, and the length bounds hold.

import { describe, expect, it } from 'vitest';
import { isShortString } from '../../engine/validate.js';

describe('isShortString (ids and accounts)', () => {
  it('accepts units next to the surrogate range and well-formed pairs', () => {
    for (const s of ['\uD7FF', '\uE000', 'a\uFFFF', '\uD83D\uDE00', 'x\uDBFF\uDFFFy', 'CL00000000042']) expect(isShortString(s, 64), s).toBe(true);
  });

  it('refuses a lone high or low half, swapped halves, and a pair cut at the end', () => {
    for (const s of ['\uD800', '\uDFFF', 'a\uDC00', '\uDE00\uD83D', 'ok\uD83D']) expect(isShortString(s, 64), JSON.stringify(s)).toBe(false);
  });

  it('refuses the empty string, strings over the limit and non-strings', () => {
    expect(isShortString('', 64)).toBe(false);
    expect(isShortString('a'.repeat(64), 64)).toBe(true);
    expect(isShortString('a'.repeat(65), 64)).toBe(false);
    for (const v of [1, null, undefined, {}, ['a']]) expect(isShortString(v, 64)).toBe(false);
  });
});

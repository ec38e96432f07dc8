// Why this file exists: the event digest's folding of numbers and strings was rewritten for speed
// (lanes kept in locals, event-digest.ts); digests in existing logs' marks must still verify, so
// the fold must give exactly the old value for every safe integer (negative, above 2^32) and every
// UTF-16 string (odd and even lengths, lone surrogates). The reference below is the fold as it was.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CancelReason, EventDigest, type OrderId } from '../../engine/index.js';

/** The fold before the rewrite, word by word through `mix`. */
class ReferenceFold {
  a = 0x811c9dc5;
  b = 0x9747b28c;

  mix(word: number): void {
    this.a = Math.imul(this.a ^ word, 0x01000193);
    this.b = Math.imul((this.b ^ word) + (this.b << 5), 0x5bd1e995);
    this.b ^= this.b >>> 15;
  }

  num(value: number): void {
    const lo = value | 0;
    this.mix(lo);
    this.mix(lo === value ? 0 : Math.floor(value / 4294967296) | 0);
  }

  id(value: OrderId): void {
    if (typeof value === 'string') {
      this.mix(0x53);
      this.str(value);
    } else {
      this.mix(0x4e);
      this.num(value);
    }
  }

  str(value: string): void {
    const length = value.length;
    this.mix(length);
    let i = 0;
    for (; i + 1 < length; i += 2) this.mix(value.charCodeAt(i) | (value.charCodeAt(i + 1) << 16));
    if (i < length) this.mix(value.charCodeAt(i));
  }

  get value(): string {
    return (this.a >>> 0).toString(16).padStart(8, '0') + (this.b >>> 0).toString(16).padStart(8, '0');
  }
}

const safe = fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER });
const units = fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 70 }).map((a) => String.fromCharCode(...a));

describe('event digest fold', () => {
  it('gives the reference fold for any ids, strings and safe integers', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.oneof(safe, units), units, safe, safe), { minLength: 1, maxLength: 8 }),
        (events) => {
          const digest = new EventDigest();
          const reference = new ReferenceFold();
          for (const [id, account, seq, qty] of events) {
            digest.command(seq);
            digest.cancelled(id, account, 'SYM', 'sell', CancelReason.USER, qty);
            reference.num(-1);
            reference.num(seq);
            reference.num(4);
            reference.id(id);
            reference.str(account);
            reference.str('SYM');
            reference.str('sell');
            reference.str(CancelReason.USER);
            reference.num(qty);
          }
          expect(digest.value).toBe(reference.value);
        },
      ),
      { numRuns: 500 },
    );
  });
});

// Why this file exists: every record's checksum is CRC-32C; the published test vectors, split ranges against a bitwise
// reference and out-of-range arguments pin it.

import { describe, expect, it } from 'vitest';
import { crc32c, crc32c_u32be } from '../../wal/crc32c.js';

describe('crc32c', () => {
  // Test vectors from RFC 3720 (iSCSI), appendix B.4, and the standard check value.
  it('matches the published test vectors', () => {
    expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i))).toBe(0x113fdb5c);
    expect(crc32c(new Uint8Array(0))).toBe(0);
  });

  it('continues over split ranges and agrees with a bitwise reference', () => {
    const bytes = Uint8Array.from({ length: 301 }, (_, i) => (i * 37 + 11) & 0xff);
    const reference = (b: Uint8Array): number => {
      let c = 0xffffffff;
      for (const x of b) {
        c ^= x;
        for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
      }
      return ~c >>> 0;
    };
    for (const end of [0, 1, 7, 8, 9, 63, 64, 65, 301]) {
      const whole = crc32c(bytes, 0, end);
      expect(whole).toBe(reference(bytes.subarray(0, end)));
      for (const split of [0, 3, Math.floor(end / 2), end]) {
        if (split > end) continue;
        expect(crc32c(bytes, split, end, crc32c(bytes, 0, split))).toBe(whole);
      }
    }
  });

  it('rejects a range outside the buffer', () => {
    expect(() => crc32c(new Uint8Array(4), 2, 9)).toThrow('crc32c: range [2, 9) outside buffer of 4 bytes');
  });
});

describe('crc32c_u32be', () => {
  it('continues a checksum over a u32 as its 4 big-endian bytes', () => {
    const bytes = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 0xde, 0xad, 0xbe, 0xef]);
    const head = crc32c(bytes, 0, 8);
    expect(crc32c_u32be(head, 0xdeadbeef)).toBe(crc32c(bytes));
    expect(crc32c_u32be(0, 0x01020304)).toBe(crc32c(bytes, 0, 4));
  });
});

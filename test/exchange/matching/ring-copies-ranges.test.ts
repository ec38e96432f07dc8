// Why this file exists: the exchange hands the ring a record as a range of the encoder's reused
// buffer (no view per record), and the ring copies short ranges itself: as 32-bit words when the
// range starts on a word of a word-aligned buffer, byte by byte otherwise. Every start, length and
// alignment must arrive byte for byte, and nothing past the range may be read into the entry.

import { describe, expect, it } from 'vitest';
import { createRingBuffer, RingReader, RingWriter } from '../../../exchange/matching-ring.js';

function take(reader: RingReader): Uint8Array | null {
  const start = reader.next();
  return start < 0 ? null : reader.source.slice(start, reader.end);
}

describe('matching ring: entries copied from a range of a larger buffer', () => {
  it('carries [start, end) exactly for every start alignment and length, from aligned and unaligned buffers', () => {
    const backing = new ArrayBuffer(1024);
    const sources = [new Uint8Array(backing, 0, 600), new Uint8Array(backing, 1, 600), new Uint8Array(backing, 4, 517)];
    for (let i = 0; i < backing.byteLength; i++) new Uint8Array(backing)[i] = (i * 13 + 5) & 0xff;
    for (const src of sources) {
      const buffer = createRingBuffer(4096);
      const writer = new RingWriter(buffer);
      const reader = new RingReader(buffer);
      for (let start = 0; start < 9; start++) {
        for (const length of [0, 1, 3, 4, 5, 63, 64, 65, 100, 255, 256, 257, 300]) {
          const end = Math.min(src.length, start + length);
          expect(writer.tryWrite(src, start, end)).toBe(true);
          writer.publish();
          expect(Array.from(take(reader)!)).toEqual(Array.from(src.subarray(start, end)));
          reader.release();
        }
      }
      // A range ending at the buffer's last byte: its last word would read past the view.
      expect(writer.tryWrite(src, src.length - 6, src.length)).toBe(true);
      writer.publish();
      expect(Array.from(take(reader)!)).toEqual(Array.from(src.subarray(src.length - 6)));
      reader.release();
    }
  });
});

// Why this file exists: the SharedArrayBuffer ring between the exchange and a matching worker
// (exchange/matching-ring.ts) wraps around its end many times: entries of every length arrive
// whole, in order, byte for byte; an entry never splits across the end (a wrap marker sends the
// reader to 0); entries longer than a chunk arrive whole too (reassembled).

import { describe, expect, it } from 'vitest';
import { createRingBuffer, RingReader, RingWriter } from '../../../exchange/matching-ring.js';

/** Deterministic bytes for entry `n` of `length` (so a misplaced byte is caught). */
function entry(n: number, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (n * 31 + i * 7) & 0xff;
  return bytes;
}

/** Byte equality (vitest's deep equality is slow on long typed arrays). */
function same(got: Uint8Array | null, expected: Uint8Array): boolean {
  return got !== null && Buffer.from(got.buffer, got.byteOffset, got.byteLength).equals(Buffer.from(expected.buffer));
}

function take(reader: RingReader): Uint8Array | null {
  const start = reader.next();
  return start < 0 ? null : reader.source.slice(start, reader.end);
}

describe('matching ring: wrap-around', () => {
  it('carries entries of every length across many wraps, whole and in order', () => {
    const buffer = createRingBuffer(4096);
    const writer = new RingWriter(buffer);
    const reader = new RingReader(buffer);
    let written = 0;
    let read = 0;
    let total = 0;
    // Lengths 0..1500 in a stride that lands on every alignment; ~60 wraps of a 4 KiB ring.
    for (let round = 0; round < 400; round++) {
      const length = (round * 97) % 1500;
      while (!writer.tryWrite(entry(written, length))) {
        writer.publish();
        const got = take(reader);
        expect(same(got, entry(read, (read * 97) % 1500))).toBe(true);
        read++;
        reader.release();
      }
      written++;
      total += length;
    }
    writer.publish();
    for (let got = take(reader); got !== null; got = take(reader)) {
      expect(same(got, entry(read, (read * 97) % 1500))).toBe(true);
      read++;
    }
    reader.release();
    expect(read).toBe(written);
    expect(writer.usedBytes).toBe(0);
    expect(total).toBeGreaterThan(50 * 4096);
  });

  it('an entry that does not fit before the end starts at 0, not split', () => {
    const buffer = createRingBuffer(4096);
    const writer = new RingWriter(buffer);
    const reader = new RingReader(buffer);
    // 3016 bytes in (two entries with their headers), then consumed: the next 1500-byte entry
    // (1508 with its header) cannot fit in the 1080 bytes left before the end.
    expect(writer.tryWrite(entry(0, 2000))).toBe(true);
    expect(writer.tryWrite(entry(1, 1000))).toBe(true);
    writer.publish();
    expect(same(take(reader), entry(0, 2000))).toBe(true);
    expect(same(take(reader), entry(1, 1000))).toBe(true);
    reader.release();
    expect(writer.tryWrite(entry(2, 1500))).toBe(true);
    writer.publish();
    const start = reader.next();
    expect(start).toBe(8);
    expect(reader.source).toBe(reader.bytes);
    expect(same(reader.source.slice(start, reader.end), entry(2, 1500))).toBe(true);
  });

  it('an entry longer than one chunk crosses in chunks and is reassembled', () => {
    const buffer = createRingBuffer(4096);
    const writer = new RingWriter(buffer);
    const reader = new RingReader(buffer);
    expect(writer.chunkBytesMax).toBeLessThan(3000);
    expect(() => writer.tryWrite(entry(0, 3000))).toThrow(RangeError);
    expect(writer.writeBlocking(entry(5, 3000), 0, 3000, () => false)).toBe(true);
    writer.publish();
    expect(same(take(reader), entry(5, 3000))).toBe(true);
    reader.release();
    expect(writer.usedBytes).toBe(0);
  });

  it('refuses a capacity that is not a power of two in range', () => {
    expect(() => createRingBuffer(5000)).toThrow(/power of two/);
    expect(() => createRingBuffer(1024)).toThrow(/power of two/);
  });
});

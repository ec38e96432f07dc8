// Why this file exists: `appendChecksummed` frames a record that carries its own CRC-32C (version 2
// frames, wal/frame.ts) by continuing that checksum instead of computing a second one. The one
// checksum must still catch damage anywhere: every byte of a stored record (payload, its own
// checksum field, the frame header) flipped is refused with WalCorruptionError naming the record,
// in a chunk built in memory (every bit) and in a log on disk (every byte). Logs of version 1
// frames stay readable, and both versions may share a chunk.

import { afterEach, describe, expect, it } from 'vitest';
import { open } from 'lmdb';
import { Wal, WalCorruptionError } from '../../wal/index.js';
import {
  CHUNK_TRAILER_BYTES,
  ChunkBuilder,
  FRAME_HEADER_BYTES,
  FRAME_VERSION,
  FRAME_VERSION_CHECKSUMMED,
  check_chunk,
  key_seq,
} from '../../wal/frame.js';
import { segment_name } from '../../wal/lmdb-store.js';
import { checksummed_record, temp_dir, type TempDir } from './helpers.js';

const record = (n: number): Uint8Array => checksummed_record(n, 70);

/** Offset of record `index`'s header inside a chunk. */
function header_offset(chunk: Uint8Array, index: number): number {
  const t = chunk.length - CHUNK_TRAILER_BYTES;
  const records = ((chunk[t] << 24) | (chunk[t + 1] << 16) | (chunk[t + 2] << 8) | chunk[t + 3]) >>> 0;
  return t - (records - index) * FRAME_HEADER_BYTES;
}

/** Every offset of record `index`'s frame in `chunk`: its payload and its header. */
function frame_offsets(chunk: Uint8Array, index: number, payload_ends: number[]): number[] {
  const start = index === 0 ? 0 : payload_ends[index - 1];
  const offsets: number[] = [];
  for (let o = start; o < payload_ends[index]; o++) offsets.push(o);
  const h = header_offset(chunk, index);
  for (let o = h; o < h + FRAME_HEADER_BYTES; o++) offsets.push(o);
  return offsets;
}

type SegmentDb = ReturnType<ReturnType<typeof open>['openDB']>;

/** Reads or edits the first segment directly through lmdb, as a disk fault or a bug would. */
async function with_segment<R>(path: string, edit: (db: SegmentDb) => R): Promise<Awaited<R>> {
  const env = open({ path, maxDbs: 16 });
  const db = env.openDB({ name: segment_name(1), encoding: 'binary', keyEncoding: 'binary' });
  try {
    const result = await edit(db);
    await db.flushed;
    return result;
  } finally {
    await env.close();
  }
}

/** check_chunk's error for `chunk` (which must throw one). */
function corruption(chunk: Uint8Array, chunk_seq: number): WalCorruptionError {
  try {
    check_chunk(chunk, chunk_seq, 'test.mdb', []);
  } catch (error) {
    if (error instanceof WalCorruptionError) return error;
    throw error;
  }
  throw new Error('the damaged chunk passed its checks');
}

describe('checksummed frames (version 2)', () => {
  let dir: TempDir | undefined;
  afterEach(() => dir?.cleanup());

  it('reads back exactly, beside version 1 frames in the same chunk', () => {
    const builder = new ChunkBuilder(Buffer.alloc(4096));
    for (let n = 10; n < 30; n++) {
      const bytes = record(n);
      // A record at an offset of a larger buffer, as the encoder's reused buffer hands it over.
      const padded = new Uint8Array(bytes.length + 5);
      padded.set(bytes, 3);
      if (n % 3 === 0) builder.add(n, padded, 3, 3 + bytes.length);
      else builder.add_checksummed(n, padded, 3, 3 + bytes.length);
    }
    const chunk = builder.seal();
    const ends: number[] = [];
    expect(check_chunk(chunk, 10, 'test.mdb', ends)).toBe(20);
    for (let i = 0; i < 20; i++) {
      const n = 10 + i;
      expect(chunk[header_offset(chunk, i) + 4]).toBe(n % 3 === 0 ? FRAME_VERSION : FRAME_VERSION_CHECKSUMMED);
      expect(Buffer.from(chunk.subarray(i === 0 ? 0 : ends[i - 1], ends[i])).equals(Buffer.from(record(n)))).toBe(true);
    }
  });

  it('refuses a flip of any bit of any byte of a record (payload, own checksum, header), naming it', () => {
    const builder = new ChunkBuilder(Buffer.alloc(4096));
    for (let n = 1; n <= 5; n++) {
      const bytes = record(n + 40);
      builder.add_checksummed(n, bytes, 0, bytes.length);
    }
    const chunk = Buffer.from(builder.seal());
    const ends: number[] = [];
    check_chunk(chunk, 1, 'test.mdb', ends);
    for (const index of [0, 2, 4]) {
      const seq = 1 + index;
      const h = header_offset(chunk, index);
      for (const o of frame_offsets(chunk, index, ends)) {
        for (let bit = 0; bit < 8; bit++) {
          chunk[o] ^= 1 << bit;
          const error = corruption(chunk, 1);
          chunk[o] ^= 1 << bit;
          // A damaged length moves later payloads: the chunk's check may name a later record of it.
          const in_length = o >= h + 5 && o < h + 8;
          if (in_length) {
            expect(error.seq).toBeGreaterThanOrEqual(seq);
            expect(error.seq).toBeLessThanOrEqual(5);
          } else {
            expect(error.seq).toBe(seq);
          }
        }
      }
    }
    expect(check_chunk(chunk, 1, 'test.mdb', [])).toBe(5);
  });

  it('a record whose own checksum is wrong when appended is refused on read (trusted, never misread)', () => {
    const builder = new ChunkBuilder(Buffer.alloc(1024));
    const bytes = record(7);
    bytes[12] ^= 0x40; // after its checksum was written
    builder.add_checksummed(1, bytes, 0, bytes.length);
    expect(corruption(builder.seal(), 1).message).toMatch(/checksum mismatch/);
  });

  it('refuses a record shorter than its checksum, when appending and when reading', () => {
    const builder = new ChunkBuilder(Buffer.alloc(1024));
    expect(() => builder.add_checksummed(1, new Uint8Array(7), 0, 7)).toThrow(RangeError);
    const bytes = record(3);
    builder.add_checksummed(1, bytes, 0, bytes.length);
    const chunk = Buffer.from(builder.seal());
    // Claim a length of 4 and move the header right behind it (as a writer bug would leave it).
    const short = Buffer.concat([chunk.subarray(0, 4), chunk.subarray(chunk.length - CHUNK_TRAILER_BYTES - FRAME_HEADER_BYTES)]);
    short[4 + 5] = 0;
    short[4 + 6] = 0;
    short[4 + 7] = 4;
    expect(corruption(short, 1).message).toMatch(/shorter than 8/);
  });

  it('on disk: a flip of every byte of a stored record is a WalCorruptionError naming its seq; version 1 logs read on', async () => {
    dir = temp_dir();
    const path = dir.path;
    // A log written with version 1 frames (appendBytes, as before this format), then reopened
    // and continued with checksummed frames.
    const before = await Wal.open<Uint8Array>({ path, durability: 'sync', records: 'bytes', chunkBytesMax: 4096 });
    for (let n = 1; n <= 20; n++) {
      const bytes = record(n);
      expect(before.appendBytes(bytes, 0, bytes.length)).toBe(n);
    }
    await before.close();
    const after = await Wal.open<Uint8Array>({ path, durability: 'sync', records: 'bytes', chunkBytesMax: 4096 });
    for (let n = 21; n <= 40; n++) {
      const bytes = record(n);
      expect(after.appendChecksummed(bytes, 0, bytes.length)).toBe(n);
    }
    await after.close();
    const reread = await Wal.open<Uint8Array>({ path, durability: 'sync', records: 'bytes' });
    const all = reread.readBatch(1, 100);
    await reread.close();
    expect(all.map((r) => r.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    for (const { seq, command } of all) expect(Buffer.from(command).equals(Buffer.from(record(seq)))).toBe(true);

    // Record 30's chunk, and the offsets of its frame in it.
    const target = 30;
    const { chunk_key, chunk } = await with_segment(path, (db) => {
      let found: { chunk_key: Uint8Array; chunk: Buffer } | null = null;
      for (const { key, value } of db.getRange({})) {
        if (key_seq(key as Uint8Array) <= target) found = { chunk_key: key as Uint8Array, chunk: Buffer.from(value as Buffer) };
      }
      return found!;
    });
    const chunk_seq = key_seq(chunk_key);
    const ends: number[] = [];
    const index = target - chunk_seq;
    expect(index).toBeLessThan(check_chunk(chunk, chunk_seq, 'data.mdb', ends));
    const h = header_offset(chunk, index);
    expect(chunk[h + 4]).toBe(FRAME_VERSION_CHECKSUMMED);
    for (const o of frame_offsets(chunk, index, ends)) {
      const damaged = Buffer.from(chunk);
      damaged[o] ^= 0xff;
      await with_segment(path, (db) => db.put(chunk_key, damaged));
      // Opening checks the log's last chunk, reading checks every one: either refuses it.
      let caught: unknown = null;
      try {
        const wal = await Wal.open<Uint8Array>({ path, durability: 'sync', records: 'bytes' });
        try {
          wal.readBatch(1, 100);
        } finally {
          await wal.close();
        }
      } catch (error) {
        caught = error;
      }
      expect(caught, `byte ${o} of the chunk`).toBeInstanceOf(WalCorruptionError);
      const seq = (caught as WalCorruptionError).seq;
      if (o >= h + 5 && o < h + 8) expect(seq).toBeGreaterThanOrEqual(target);
      else expect(seq, `byte ${o} of the chunk`).toBe(target);
    }
    await with_segment(path, (db) => db.put(chunk_key, chunk));
    const healed = await Wal.open<Uint8Array>({ path, durability: 'sync', records: 'bytes' });
    expect(healed.readBatch(1, 100).length).toBe(40);
    await healed.close();
  });
});

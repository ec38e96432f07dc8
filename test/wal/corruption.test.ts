// Why this file exists: a damaged log must be named, never read as data: flipped payload bytes, a record's seq out of
// place, an unknown format version, a chunk under the wrong key and a missing chunk are each refused
// with the seq and file.

import { afterEach, describe, expect, it } from 'vitest';
import { open } from 'lmdb';
import { join } from 'node:path';
import { Wal, WalCorruptionError, type WalRecord } from '../../wal/index.js';
import { crc32c } from '../../wal/crc32c.js';
import { key_seq, seq_key, CHUNK_TRAILER_BYTES, FRAME_HEADER_BYTES } from '../../wal/frame.js';
import { segment_name } from '../../wal/lmdb-store.js';
import { order_command, temp_dir, type OrderCommand, type TempDir } from './helpers.js';

const RECORDS = 600;

/** A log of RECORDS records in several small chunks of one segment; returns chunk keys. */
async function make_log(path: string): Promise<number[]> {
  const wal = await Wal.open<OrderCommand>({ path, durability: 'sync', chunkBytesMax: 4096 });
  for (let n = 1; n <= RECORDS; n++) wal.append(order_command(n));
  await wal.close();
  return with_segment(path, (db) => [...db.getKeys()].map((key) => key_seq(key as Uint8Array)));
}

type SegmentDb = ReturnType<ReturnType<typeof open>['openDB']>;

/** Edit the first segment directly through lmdb, as a disk fault or a bug would. */
async function with_segment<R>(path: string, edit: (db: SegmentDb) => R): Promise<R> {
  const env = open({ path, maxDbs: 16 });
  const db = env.openDB({ name: segment_name(1), encoding: 'binary', keyEncoding: 'binary' });
  try {
    const result = edit(db);
    await db.flushed;
    return result;
  } finally {
    await env.close();
  }
}

async function read_all(wal: Wal<OrderCommand>): Promise<WalRecord<OrderCommand>[]> {
  const out: WalRecord<OrderCommand>[] = [];
  for await (const record of wal.read(1)) out.push(record);
  return out;
}

/** Offset of record `index`'s header inside a chunk. */
function header_offset(chunk: Buffer, index: number): number {
  const records = chunk.readUInt32BE(chunk.length - CHUNK_TRAILER_BYTES);
  return chunk.length - CHUNK_TRAILER_BYTES - (records - index) * FRAME_HEADER_BYTES;
}

async function expect_corruption(path: string, seq: number, detail: RegExp): Promise<void> {
  const file = join(path, 'data.mdb');
  const wal = await Wal.open<OrderCommand>({ path, durability: 'sync' });
  try {
    let caught: unknown;
    try {
      await read_all(wal);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(WalCorruptionError);
    const error = caught as WalCorruptionError;
    expect(error.seq).toBe(seq);
    expect(error.file).toBe(file);
    expect(error.message).toContain(`seq ${seq}`);
    expect(error.message).toContain(file);
    expect(error.message).toMatch(detail);
    // readBatch over the same range fails the same way.
    expect(() => wal.readBatch(1, RECORDS)).toThrow(WalCorruptionError);
  } finally {
    await wal.close();
  }
}

describe('Wal corruption', () => {
  let dir: TempDir | undefined;
  afterEach(() => dir?.cleanup());

  it('detects a flipped payload byte by its checksum, naming seq and file', async () => {
    dir = temp_dir();
    const keys = await make_log(dir.path);
    expect(keys.length).toBeGreaterThan(4);
    const chunk_seq = keys[1];
    await with_segment(dir.path, (db) => {
      const chunk = Buffer.from(db.getBinary(seq_key(chunk_seq))!);
      chunk[0] ^= 0x40; // first payload byte of the chunk's first record
      db.putSync(seq_key(chunk_seq), chunk);
    });
    await expect_corruption(dir.path, chunk_seq, /checksum mismatch \(stored 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}\)/);
  });

  it('detects a record whose stored seq does not match its place (checksum recomputed)', async () => {
    dir = temp_dir();
    const keys = await make_log(dir.path);
    const chunk_seq = keys[2];
    await with_segment(dir.path, (db) => {
      const chunk = Buffer.from(db.getBinary(seq_key(chunk_seq))!);
      const o = header_offset(chunk, 3);
      chunk.writeUInt32BE(chunk_seq + 3 + 7, o + 12); // wrong seq, low word
      // Recompute the checksum so only the sequence check can catch it.
      const length = (chunk[o + 5] << 16) | (chunk[o + 6] << 8) | chunk[o + 7];
      let start = 0;
      for (let i = 0; i < 3; i++) {
        const h = header_offset(chunk, i);
        start += (chunk[h + 5] << 16) | (chunk[h + 6] << 8) | chunk[h + 7];
      }
      chunk.writeUInt32BE(crc32c(chunk, start, start + length, crc32c(chunk, o + 4, o + 16)), o);
      db.putSync(seq_key(chunk_seq), chunk);
    });
    await expect_corruption(dir.path, chunk_seq + 3, new RegExp(`record carries seq ${chunk_seq + 10}`));
  });

  it('refuses a record of an unknown format version (checksum recomputed)', async () => {
    dir = temp_dir();
    const keys = await make_log(dir.path);
    const chunk_seq = keys[1];
    await with_segment(dir.path, (db) => {
      const chunk = Buffer.from(db.getBinary(seq_key(chunk_seq))!);
      const o = header_offset(chunk, 0);
      chunk[o + 4] = 9;
      const length = (chunk[o + 5] << 16) | (chunk[o + 6] << 8) | chunk[o + 7];
      chunk.writeUInt32BE(crc32c(chunk, 0, length, crc32c(chunk, o + 4, o + 16)), o);
      db.putSync(seq_key(chunk_seq), chunk);
    });
    await expect_corruption(dir.path, chunk_seq, /unknown record format version 9 \(expected 1 or 2\)/);
  });

  it('detects a chunk stored under the wrong key', async () => {
    dir = temp_dir();
    const keys = await make_log(dir.path);
    await with_segment(dir.path, (db) => {
      // Chunk 3's records now sit under chunk 2's key.
      const moved = Buffer.from(db.getBinary(seq_key(keys[3]))!);
      db.putSync(seq_key(keys[2]), moved);
    });
    await expect_corruption(dir.path, keys[2], new RegExp(`record carries seq ${keys[3]}`));
  });

  it('detects a missing chunk inside the range as a gap', async () => {
    dir = temp_dir();
    const keys = await make_log(dir.path);
    await with_segment(dir.path, (db) => {
      db.removeSync(seq_key(keys[2]));
    });
    await expect_corruption(dir.path, keys[2], new RegExp(`records ${keys[2]}\\.\\.${keys[3] - 1} are missing`));
  });

  it('treats a lost last chunk as a shorter log (a torn tail ends the log)', async () => {
    dir = temp_dir();
    const keys = await make_log(dir.path);
    const last = keys[keys.length - 1];
    await with_segment(dir.path, (db) => {
      db.removeSync(seq_key(last));
    });
    const wal = await Wal.open<OrderCommand>({ path: dir.path, durability: 'sync' });
    expect(wal.lastSeq).toBe(last - 1);
    expect(wal.append(order_command(last)).seq).toBe(last);
    await wal.flush();
    expect((await read_all(wal)).map((r) => r.seq)).toEqual(Array.from({ length: last }, (_, i) => i + 1));
    await wal.close();
  });

  it('refuses to open a log whose last chunk is corrupt', async () => {
    dir = temp_dir();
    const keys = await make_log(dir.path);
    const last = keys[keys.length - 1];
    await with_segment(dir.path, (db) => {
      const chunk = Buffer.from(db.getBinary(seq_key(last))!);
      chunk[5] ^= 0x01;
      db.putSync(seq_key(last), chunk);
    });
    await expect(Wal.open({ path: dir.path })).rejects.toThrow(WalCorruptionError);
    await expect(Wal.open({ path: dir.path })).rejects.toThrow(new RegExp(`WAL corruption at seq ${last} in .*data\\.mdb: checksum mismatch`));
  });

  it('detects a truncated chunk', async () => {
    dir = temp_dir();
    const keys = await make_log(dir.path);
    await with_segment(dir.path, (db) => {
      const chunk = Buffer.from(db.getBinary(seq_key(keys[1]))!);
      db.putSync(seq_key(keys[1]), chunk.subarray(0, chunk.length - 9));
    });
    await expect_corruption(dir.path, keys[1], /chunk trailer claims|checksum mismatch|runs past/);
  });
});

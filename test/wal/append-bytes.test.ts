// Why this file exists: `appendBytes(bytes, start, end)` is `append` of bytes[start, end) without
// the AppendResult object (the exchange appends one record per command from its encoder's reused
// buffer): it returns the seq, copies the range before returning, and the batch's `durable`
// promise is `lastDurable`. A msgpack log refuses it with a TypeError saying why.

import { afterEach, describe, expect, it } from 'vitest';
import { Wal } from '../../wal/index.js';
import { temp_dir, type TempDir } from './helpers.js';

function fill(scratch: Uint8Array, n: number): number {
  const length = 20 + (n % 61);
  for (let i = 0; i < length; i++) scratch[i + 3] = (n * 31 + i) & 0xff;
  return length;
}

function expected(n: number): Buffer {
  const scratch = new Uint8Array(128);
  return Buffer.from(scratch.subarray(3, 3 + fill(scratch, n)));
}

describe('appendBytes: a range of a reused buffer, the seq back', () => {
  let dir: TempDir | undefined;
  afterEach(() => dir?.cleanup());

  for (const durability of ['sync', 'memory'] as const) {
    it(`numbers and stores each range exactly (${durability}); lastDurable is the batch's durable`, async () => {
      dir = temp_dir();
      const wal = await Wal.open<Uint8Array>({ path: dir.path, durability, records: 'bytes', chunkBytesMax: 4096 });
      const scratch = new Uint8Array(128);
      for (let n = 1; n <= 500; n++) {
        const length = fill(scratch, n);
        expect(wal.appendBytes(scratch, 3, 3 + length)).toBe(n);
      }
      // In the same turn, an append joins the same batch: its durable is the one lastDurable gave.
      const durable = wal.lastDurable;
      expect(wal.append(new Uint8Array([7])).durable).toBe(durable);
      await durable;
      expect(wal.durableSeq).toBe(501);
      const records = wal.readBatch(1, 600);
      expect(records.length).toBe(501);
      for (const { seq, command } of records.slice(0, 500)) expect(Buffer.from(command).equals(expected(seq))).toBe(true);
      await wal.close();
    });
  }

  it('a log of msgpack records refuses it (TypeError naming the format)', async () => {
    dir = temp_dir();
    const wal = await Wal.open({ path: dir.path, durability: 'async' });
    expect(() => wal.appendBytes(new Uint8Array(4), 0, 4)).toThrow(TypeError);
    expect(wal.lastSeq).toBe(0);
    await wal.close();
  });
});

// Why this file exists: log format 2 stores records that are already bytes exactly as given and reads
// them back as views of the stored chunks; a log keeps its format, and opening a format 1 (msgpack)
// log written before formats were named, for bytes, is a typed refusal that changes nothing.

import { afterEach, describe, expect, it } from 'vitest';
import { Wal, WalFormatError } from '../../wal/index.js';
import { order_command, temp_dir, type TempDir } from './helpers.js';

function record(n: number): Uint8Array {
  // Lengths vary so records straddle chunks; content is a pure function of n.
  const bytes = new Uint8Array(20 + (n % 61));
  for (let i = 0; i < bytes.length; i++) bytes[i] = (n * 31 + i) & 0xff;
  return bytes;
}

describe('log format 2: binary records', () => {
  let dir: TempDir | undefined;
  afterEach(() => dir?.cleanup());

  it('stores the bytes given (from a reused buffer) and reads them back exactly, over many chunks', async () => {
    dir = temp_dir();
    const wal = await Wal.open<Uint8Array>({ path: dir.path, durability: 'async', records: 'bytes', chunkBytesMax: 4096 });
    const scratch = new Uint8Array(128);
    for (let n = 1; n <= 3000; n++) {
      const r = record(n);
      scratch.set(r);
      wal.append(scratch.subarray(0, r.length));
    }
    await wal.flush();
    const all = [];
    for (let from = 1; ; ) {
      const batch = wal.readBatch(from, 500);
      if (batch.length === 0) break;
      all.push(...batch);
      from = batch[batch.length - 1].seq + 1;
    }
    // Compared after everything was read: earlier views must not be overwritten by later reads.
    expect(all.length).toBe(3000);
    for (const { seq, command } of all) expect(Buffer.from(command).equals(Buffer.from(record(seq)))).toBe(true);
    let n = 0;
    for await (const { seq, command } of wal.read(2000)) {
      expect(Buffer.from(command).equals(Buffer.from(record(seq)))).toBe(true);
      n++;
    }
    expect(n).toBe(1001);
    // readBytes: the same records, as ranges of the stored chunks, in bounded steps.
    const seen: number[] = [];
    let from = 1;
    for (let visited; (visited = wal.readBytes(from, 700, (seq, bytes, start, end) => {
      expect(Buffer.from(bytes.subarray(start, end)).equals(Buffer.from(record(seq)))).toBe(true);
      seen.push(seq);
    })) > 0; ) {
      expect(visited).toBeLessThanOrEqual(700);
      from += visited;
    }
    expect(seen).toEqual(Array.from({ length: 3000 }, (_, i) => i + 1));
    await wal.close();
  });

  it('refuses readBytes on a log of msgpack records', async () => {
    dir = temp_dir();
    const wal = await Wal.open({ path: dir.path, durability: 'async' });
    wal.append(order_command(1));
    await wal.flush();
    expect(() => wal.readBytes(1, 1, () => undefined)).toThrow(TypeError);
    await wal.close();
  });

  it('keeps copies in a memory log', async () => {
    const wal = await Wal.open<Uint8Array>({ durability: 'memory', records: 'bytes' });
    const scratch = new Uint8Array([1, 2, 3]);
    wal.append(scratch);
    scratch[0] = 9;
    expect(Array.from(wal.readBatch(1, 1)[0].command)).toEqual([1, 2, 3]);
    await wal.close();
  });

  it('refuses a value that is not bytes', async () => {
    dir = temp_dir();
    const wal = await Wal.open<unknown>({ path: dir.path, durability: 'async', records: 'bytes' });
    expect(() => wal.append({ op: 'new' })).toThrow(TypeError);
    await wal.close();
  });

  it('refuses to open an old msgpack log for bytes, and a bytes log for msgpack, changing nothing', async () => {
    dir = temp_dir();
    const old = await Wal.open({ path: dir.path, durability: 'async' });
    old.append(order_command(1));
    await old.close();
    const opening = Wal.open({ path: dir.path, durability: 'async', records: 'bytes' });
    await expect(opening).rejects.toBeInstanceOf(WalFormatError);
    await expect(Wal.open({ path: dir.path, durability: 'async', records: 'bytes' })).rejects.toMatchObject({
      code: 'WAL_FORMAT',
      stored: 1,
      expected: 2,
    });
    // Still readable as what it is.
    const again = await Wal.open({ path: dir.path, durability: 'async' });
    expect(again.readBatch(1, 1)[0].command).toEqual(order_command(1));
    await again.close();

    const other = temp_dir();
    try {
      const bytes = await Wal.open<Uint8Array>({ path: other.path, durability: 'async', records: 'bytes' });
      bytes.append(record(1));
      await bytes.close();
      await expect(Wal.open({ path: other.path, durability: 'async' })).rejects.toMatchObject({ code: 'WAL_FORMAT', stored: 2, expected: 1 });
      const reopened = await Wal.open<Uint8Array>({ path: other.path, durability: 'async', records: 'bytes' });
      expect(Array.from(reopened.readBatch(1, 1)[0].command)).toEqual(Array.from(record(1)));
      await reopened.close();
    } finally {
      other.cleanup();
    }
  });

  it('lets an empty log take either format', async () => {
    dir = temp_dir();
    const empty = await Wal.open({ path: dir.path, durability: 'async' });
    await empty.close();
    const bytes = await Wal.open<Uint8Array>({ path: dir.path, durability: 'async', records: 'bytes' });
    bytes.append(record(1));
    await bytes.close();
  });
});

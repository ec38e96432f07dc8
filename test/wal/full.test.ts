// Why this file exists: a full log must refuse cleanly and keep what is durable: appends past mapSize, a failed commit,
// and more queued bytes than queueBytesMax each fail with their typed error, and the log works again after reclaim.

import { afterEach, describe, expect, it, vi } from 'vitest';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { Wal, WalFullError, WalOverloadError, WalRangeError } from '../../wal/index.js';
import { LmdbStore } from '../../wal/lmdb-store.js';
import { order_command, temp_dir, type OrderCommand, type TempDir } from './helpers.js';

async function read_seqs(wal: Wal<OrderCommand>): Promise<number[]> {
  const out: number[] = [];
  for await (const record of wal.read()) {
    expect(record.command).toEqual(order_command(record.seq));
    out.push(record.seq);
  }
  return out;
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/** Append until the log refuses; returns the last seq accepted and the error. */
async function fill(wal: Wal<OrderCommand>): Promise<{ last: number; error: unknown }> {
  for (let i = 0; i < 1_000_000; i++) {
    try {
      wal.append(order_command(wal.lastSeq + 1));
    } catch (error) {
      return { last: wal.lastSeq, error };
    }
    if (i % 2000 === 1999) await wal.flush();
  }
  throw new Error('the log never filled up');
}

describe('Wal full', () => {
  let dir: TempDir | undefined;
  afterEach(() => {
    vi.restoreAllMocks();
    dir?.cleanup();
  });

  it('refuses appends past mapSize with WalFullError, keeps durable records, works after reclaim and after reopening larger', async () => {
    dir = temp_dir();
    const map_bytes = 2 ** 20;
    const options = { path: dir.path, durability: 'sync' as const, mapSize: map_bytes, segmentRecords: 1000 };
    let wal = await Wal.open<OrderCommand>(options);
    const { last, error } = await fill(wal);
    expect(error).toBeInstanceOf(WalFullError);
    expect((error as WalFullError).code).toBe('WAL_FULL');
    expect((error as Error).message).toMatch(
      new RegExp(`the WAL at .* is full: appending seq ${last + 1} needs \\d+ bytes, mapSize ${map_bytes} leaves \\d+; reclaim or reopen with a larger mapSize`),
    );
    expect(last).toBeGreaterThan(5000);
    await wal.flush();
    expect(wal.durableSeq).toBe(last);
    // A refused append consumes no sequence number.
    expect(() => wal.append(order_command(last + 1))).toThrow(WalFullError);
    expect(wal.lastSeq).toBe(last);
    expect(await read_seqs(wal)).toEqual(range(1, last));
    expect(statSync(join(dir.path, 'data.mdb')).size).toBeLessThanOrEqual(map_bytes * 1.25);

    // Reclaim frees whole segments; appends work again and go on without a gap.
    await wal.reclaim(last - 1000);
    const after = wal.append(order_command(last + 1));
    expect(after.seq).toBe(last + 1);
    await after.durable;
    await wal.close();

    // Reopen with the same size: full again after a while, nothing lost.
    wal = await Wal.open<OrderCommand>(options);
    expect(wal.lastSeq).toBe(last + 1);
    const second = await fill(wal);
    expect(second.error).toBeInstanceOf(WalFullError);
    await wal.close();

    // Reopen larger: room again.
    wal = await Wal.open<OrderCommand>({ ...options, mapSize: 4 * map_bytes });
    expect(wal.lastSeq).toBe(second.last);
    for (let n = second.last + 1; n <= second.last + 5000; n++) expect(wal.append(order_command(n)).seq).toBe(n);
    await wal.flush();
    expect(await read_seqs(wal)).toEqual(range(wal.firstSeq, second.last + 5000));
    await wal.close();
  });

  it.each(['sync', 'memory'] as const)('refuses a segment past segmentsMax (%s)', async (durability) => {
    dir = temp_dir();
    const wal = await Wal.open<OrderCommand>({ path: dir.path, durability, segmentsMax: 3, segmentRecords: 10 });
    for (let n = 1; n <= 30; n++) wal.append(order_command(n));
    expect(() => wal.append(order_command(31))).toThrow(WalFullError);
    expect(() => wal.append(order_command(31))).toThrow(/holds segmentsMax 3 segments; reclaim before appending seq 31/);
    await wal.reclaim(20);
    expect(wal.append(order_command(31)).seq).toBe(31);
    await wal.flush();
    expect(await read_seqs(wal)).toEqual(range(21, 31));
    await wal.close();
  });

  it('a failed commit rejects its records and everything after, and reuses their seqs (no gap)', async () => {
    dir = temp_dir();
    const wal = await Wal.open<OrderCommand>({ path: dir.path, durability: 'sync' });
    for (let n = 1; n <= 10; n++) wal.append(order_command(n));
    await wal.flush();

    const no_space = Object.assign(new Error('ENOSPC: No space left on device'), { code: 'ENOSPC' });
    const spy = vi.spyOn(LmdbStore.prototype, 'put_chunk').mockImplementation(() => Promise.reject(no_space));
    const failed = wal.append(order_command(11));
    const also_failed = wal.append(order_command(12));
    expect([failed.seq, also_failed.seq]).toEqual([11, 12]);
    await expect(failed.visible).rejects.toBeInstanceOf(WalFullError);
    await expect(failed.durable).rejects.toThrow(/the WAL is full while committing records 11\.\.12: ENOSPC: No space left on device/);
    await expect(also_failed.durable).rejects.toBeInstanceOf(WalFullError);
    expect(wal.lastSeq).toBe(10);
    expect(wal.durableSeq).toBe(10);
    spy.mockRestore();

    // Space is back: the next record takes seq 11 again.
    const retried = wal.append(order_command(11));
    expect(retried.seq).toBe(11);
    await retried.durable;
    expect(await read_seqs(wal)).toEqual(range(1, 11));
    await wal.close();
  });

  it('refuses more queued bytes than queueBytesMax, and oversized records', async () => {
    dir = temp_dir();
    const wal = await Wal.open<unknown>({
      path: dir.path,
      durability: 'sync',
      queueBytesMax: 2 ** 20,
      recordBytesMax: 700 * 1024,
    });
    const big = 'x'.repeat(600 * 1024);
    wal.append({ big });
    expect(() => wal.append({ big })).toThrow(WalOverloadError);
    expect(() => wal.append({ big })).toThrow(/bytes wait for a commit, queueBytesMax is 1048576; await durable before appending more/);
    expect(() => wal.append({ big: 'y'.repeat(800 * 1024) })).toThrow(WalRangeError);
    expect(() => wal.append({ big: 'y'.repeat(800 * 1024) })).toThrow(/exceeds recordBytesMax 716800/);
    await wal.flush();
    expect(wal.append({ big }).seq).toBe(2);
    await wal.flush();
    expect(wal.readBatch(1, 5).map((r) => r.seq)).toEqual([1, 2]);
    await wal.close();
  });
});

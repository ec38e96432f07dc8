// Why this file exists: the log pipelines its group commits: the next batch commits while the previous one is still
// being flushed, yet in `sync` mode a record is durable only once its own batch is flushed and
// every batch before it is durable. A failed flush (later batches may be committed already)
// refuses everything after it instead of handing sequence numbers out again.

import { afterEach, describe, expect, it, vi } from 'vitest';
import { Wal, WalIoError } from '../../wal/index.js';
import { LmdbStore } from '../../wal/lmdb-store.js';
import { order_command, temp_dir, type OrderCommand, type TempDir } from './helpers.js';

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Holds every flush until `release(i)` is called for it (in call order). */
function holdFlushes(): { release(i: number): void; fail(i: number, error: Error): void; count(): number } {
  const gates: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];
  const real = LmdbStore.prototype.flushed;
  vi.spyOn(LmdbStore.prototype, 'flushed').mockImplementation(function (this: LmdbStore) {
    const flushed = real.call(this);
    const gate = new Promise<void>((resolve, reject) => gates.push({ resolve, reject }));
    return gate.then(() => flushed);
  });
  return {
    release: (i) => gates[i].resolve(),
    fail: (i, error) => gates[i].reject(error),
    count: () => gates.length,
  };
}

describe('Wal pipelined commit', () => {
  let dir: TempDir | undefined;
  afterEach(() => {
    vi.restoreAllMocks();
    dir?.cleanup();
  });

  it('commits the next batch while the previous flushes; durable follows each own flush, in order', async () => {
    dir = temp_dir();
    const flushes = holdFlushes();
    const wal = await Wal.open<OrderCommand>({ path: dir.path, durability: 'sync' });
    const first = wal.append(order_command(1));
    await first.visible;
    const second = wal.append(order_command(2));
    // Committed (readable) while the first batch's flush is still held.
    await second.visible;
    expect(wal.visibleSeq).toBe(2);
    expect(flushes.count()).toBe(2);
    const durable: number[] = [];
    void first.durable.then(() => durable.push(1));
    void second.durable.then(() => durable.push(2));
    // The second flush finishing first releases nothing: the first is not durable yet.
    flushes.release(1);
    for (let i = 0; i < 5; i++) await turn();
    expect(durable).toEqual([]);
    expect(wal.durableSeq).toBe(0);
    flushes.release(0);
    await second.durable;
    expect(durable).toEqual([1, 2]);
    expect(wal.durableSeq).toBe(2);
    await wal.flush();
    vi.restoreAllMocks();
    await wal.close();
  });

  it('a failed flush rejects its batch and every later one, and refuses later appends with WalIoError', async () => {
    dir = temp_dir();
    const flushes = holdFlushes();
    const wal = await Wal.open<OrderCommand>({ path: dir.path, durability: 'sync' });
    const first = wal.append(order_command(1));
    await first.visible;
    const second = wal.append(order_command(2));
    await second.visible;
    flushes.fail(0, new Error('EIO: injected fsync failure'));
    await expect(first.durable).rejects.toBeInstanceOf(WalIoError);
    await expect(second.durable).rejects.toBeInstanceOf(WalIoError);
    expect(() => wal.append(order_command(3))).toThrow(WalIoError);
    await expect(wal.flush()).rejects.toThrow(/EIO: injected fsync failure/);
    expect(wal.durableSeq).toBe(0);
    flushes.release(1);
    vi.restoreAllMocks();
    await wal.close();
  });
});

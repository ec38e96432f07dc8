// Why this file exists: bench:exchange's recovery child (1M records, sync, healthy disk) failed closed with
// "records 1000011..1050010 were flushed but the meta page marking transaction 61 flushed is not
// in data.mdb (it names 60)". That batch started a segment: lmdb-js opened the segment's database
// in synchronous transactions (59, 60) before the batch's own (61), and the `flushed` promise taken
// with the puts resolved once 60 was flushed. The meta read-back treated "not yet" as "failed".
// It now reads the meta again while lmdb-js's next flush writes it, and fails closed only when
// the meta never arrives within commitMsMax. The race is timing-dependent (one run in three on a
// 1M-record log), so these tests make the meta lag on purpose.

import { afterEach, describe, expect, it, vi } from 'vitest';
import { Wal, WalIoError } from '../../wal/index.js';
import { LmdbStore } from '../../wal/lmdb-store.js';
import { order_command, temp_dir, type OrderCommand, type TempDir } from './helpers.js';

/** The flushed meta on disk names the transaction before the real one for the first `reads` read-backs. */
function lagMeta(reads: number): { count(): number } {
  const real = LmdbStore.prototype.flushed_txn;
  let calls = 0;
  vi.spyOn(LmdbStore.prototype, 'flushed_txn').mockImplementation(function (this: LmdbStore) {
    const txn = real.call(this);
    return calls++ < reads ? txn - 1 : txn;
  });
  return { count: () => calls };
}

describe('the flushed meta read-back after a sync batch', () => {
  let dir: TempDir | undefined;
  afterEach(() => {
    vi.restoreAllMocks();
    dir?.cleanup();
  });

  it('waits for a meta that lags the batch (lmdb-js flushed an earlier transaction first) and loses nothing', async () => {
    dir = temp_dir();
    const lag = lagMeta(5);
    const wal = await Wal.open<OrderCommand>({ path: dir.path, durability: 'sync', segmentRecords: 16 });
    const durable: Promise<void>[] = [];
    for (let n = 1; n <= 40; n++) durable.push(wal.append(order_command(n)).durable);
    await Promise.all(durable);
    expect(wal.durableSeq).toBe(40);
    // It was read again after the lag, not once.
    expect(lag.count()).toBeGreaterThan(5);
    await wal.close();
    const again = await Wal.open<OrderCommand>({ path: dir.path, durability: 'sync', segmentRecords: 16 });
    expect(again.lastSeq).toBe(40);
    await again.close();
  });

  it('fails closed with a WalIoError naming the meta when it never arrives within commitMsMax', async () => {
    dir = temp_dir();
    lagMeta(Number.MAX_SAFE_INTEGER);
    const wal = await Wal.open<OrderCommand>({ path: dir.path, durability: 'sync', commitMsMax: 200 });
    const error = await wal.append(order_command(1)).durable.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(WalIoError);
    expect((error as Error).message).toMatch(/meta page marking transaction \d+ flushed never reached .*data\.mdb \(it still names \d+\)/);
    expect(wal.durableSeq).toBe(0);
    await wal.close().catch(() => undefined);
  });

  it('stays exact over many sync batches that start segments on a healthy disk', async () => {
    dir = temp_dir();
    // 16 records per segment: almost every batch opens one or two segment databases.
    const wal = await Wal.open<OrderCommand>({ path: dir.path, durability: 'sync', segmentRecords: 16 });
    let n = 0;
    const durable: Promise<void>[] = [];
    for (let b = 0; b < 200; b++) {
      for (let i = 0; i < 37; i++) durable.push(wal.append(order_command(++n)).durable);
      if (b % 3 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(durable);
    expect(wal.durableSeq).toBe(n);
    await wal.close();
  }, 60_000);
});

// Why this file exists: group commit is what makes sync durability affordable: a burst shares one batch and one flush,
// appends during a commit gather into the next, and each durability mode resolves at its own moment.

import { afterEach, describe, expect, it, vi } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import { Wal } from '../../wal/index.js';
import { LmdbStore } from '../../wal/lmdb-store.js';
import { order_command, temp_dir, type OrderCommand, type TempDir } from './helpers.js';

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('Wal group commit', () => {
  let dir: TempDir | undefined;
  afterEach(() => {
    vi.restoreAllMocks();
    dir?.cleanup();
  });

  it('a burst shares one batch: one pair of promises, one flush, not one per record', async () => {
    dir = temp_dir();
    const flushes = vi.spyOn(LmdbStore.prototype, 'flushed');
    const wal = await Wal.open<OrderCommand>({ path: dir.path, durability: 'sync' });
    const results = Array.from({ length: 10_000 }, (_, i) => wal.append(order_command(i + 1)));
    expect(new Set(results.map((r) => r.durable)).size).toBe(1);
    expect(new Set(results.map((r) => r.visible)).size).toBe(1);
    await results[results.length - 1].durable;
    expect(flushes).toHaveBeenCalledTimes(1);
    await wal.close();
  });

  it('appends made while a batch is in flight gather into the next batch', async () => {
    dir = temp_dir();
    const wal = await Wal.open<OrderCommand>({ path: dir.path, durability: 'sync' });
    const first = wal.append(order_command(1));
    await turn(); // the first batch is issued and in flight
    const later = Array.from({ length: 50 }, (_, i) => wal.append(order_command(i + 2)));
    await turn();
    later.push(wal.append(order_command(52)));
    expect(later.every((r) => r.durable !== first.durable)).toBe(true);
    await Promise.all(later.map((r) => r.durable));
    // At most two batches after the first: the one gathered while it flushed, and maybe one more.
    expect(new Set(later.map((r) => r.durable)).size).toBeLessThanOrEqual(2);
    expect(wal.durableSeq).toBe(52);
    await wal.close();
  });

  it('sync: durable waits for the flush, visible does not', async () => {
    dir = temp_dir();
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const real = LmdbStore.prototype.flushed;
    vi.spyOn(LmdbStore.prototype, 'flushed').mockImplementation(function (this: LmdbStore) {
      const flushed = real.call(this);
      return held.then(() => flushed);
    });
    const wal = await Wal.open<OrderCommand>({ path: dir.path, durability: 'sync' });
    const result = wal.append(order_command(1));
    let durable = false;
    void result.durable.then(() => (durable = true));
    await result.visible;
    expect(wal.visibleSeq).toBe(1);
    for (let i = 0; i < 5; i++) await turn();
    expect(durable).toBe(false);
    expect(wal.durableSeq).toBe(0);
    expect(wal.readBatch(1, 1)[0].command).toEqual(order_command(1)); // readable once visible
    release();
    await result.durable;
    expect(wal.durableSeq).toBe(1);
    await wal.close();
  });

  it('async: durable is the commit (no flush is waited for)', async () => {
    dir = temp_dir();
    const flushes = vi.spyOn(LmdbStore.prototype, 'flushed');
    const wal = await Wal.open<OrderCommand>({ path: dir.path, durability: 'async' });
    for (let n = 1; n <= 100; n++) wal.append(order_command(n));
    await wal.flush();
    expect(wal.durableSeq).toBe(100);
    expect(flushes).not.toHaveBeenCalled();
    await wal.close();
  });

  it('memory: resolves at once and touches no disk', async () => {
    dir = temp_dir();
    const path = `${dir.path}/never-created`;
    const wal = await Wal.open<OrderCommand>({ path, durability: 'memory' });
    const result = wal.append(order_command(1));
    await result.durable;
    expect([wal.visibleSeq, wal.durableSeq]).toEqual([1, 1]);
    await wal.close();
    expect(existsSync(path)).toBe(false);
    expect(readdirSync(dir.path)).toEqual([]);
  });

  it('flush() resolves when everything appended so far is durable', async () => {
    dir = temp_dir();
    const wal = await Wal.open<OrderCommand>({ path: dir.path, durability: 'sync' });
    await wal.flush(); // nothing appended: resolves
    for (let n = 1; n <= 1000; n++) wal.append(order_command(n));
    await turn();
    for (let n = 1001; n <= 2000; n++) wal.append(order_command(n));
    await wal.flush();
    expect(wal.durableSeq).toBe(2000);
    await wal.close();
  });
});

// Why this file exists: commitMsMax is there to catch a writer that is stuck (lmdb-js settles
// nothing after a failed fsync), not one whose process is busy. bench:exchange at load 20 with
// 50,000 commands in flight failed a healthy `sync` log closed: the main thread ran the batch's
// timer seconds late, after lmdb-js had made the batch durable but before its callbacks ran. Here
// the main thread is blocked until the batch is durable on disk, then let go: the timer, due long
// ago, runs before lmdb-js's callbacks, and the log must look at the disk rather than fail.

import { closeSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Wal } from '../../wal/index.js';
import { lmdbTxnState, lmdbTxnStateBytes } from '../../wal/lmdb-preopen.js';
import { order_command, temp_dir, type OrderCommand, type TempDir } from './helpers.js';

/** Bound on blocking the main thread while the writer thread works (a loaded machine is slow). */
const BLOCK_MS_MAX = 60_000;
/** Short enough to be long due after the block, long enough for a loaded machine's first commit and flush. */
const COMMIT_MS_MAX = 1_000;

/** The newest transaction data.mdb's metas name now, read as the log reads them. */
function writtenTxn(file: string): number {
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(64);
    readSync(fd, head, 0, head.length, 0);
    const pageBytes = head.readUInt32LE(48);
    const bytes = Buffer.alloc(lmdbTxnStateBytes(pageBytes));
    readSync(fd, bytes, 0, bytes.length, 0);
    return lmdbTxnState(bytes, pageBytes)?.written ?? -1;
  } finally {
    closeSync(fd);
  }
}

/** Blocks this thread (no event loop turn) until `done` or BLOCK_MS_MAX. */
function blockUntil(done: () => boolean): boolean {
  const until = Date.now() + BLOCK_MS_MAX;
  while (Date.now() < until) if (done()) return true;
  return false;
}

describe('the commit timer of a log whose process was too busy to run callbacks', () => {
  let dir: TempDir | undefined;
  afterEach(() => dir?.cleanup());

  it('finds the batch durable on disk and completes it instead of failing closed', async () => {
    dir = temp_dir();
    const wal = await Wal.open<OrderCommand>({ path: dir.path, durability: 'sync', commitMsMax: COMMIT_MS_MAX });
    await wal.append(order_command(1)).durable;
    const file = join(dir.path, 'data.mdb');
    const before = writtenTxn(file);
    const append = wal.append(order_command(2));
    const outcome = append.durable.then(
      () => 'durable',
      (error: unknown) => error,
    );
    // Let the log issue the batch (a microtask; its timer starts) and lmdb-js start writing it
    // (lmdb-js's setImmediate, which runs after the first of ours), then keep the event loop away
    // from every callback until the writer thread has written it and the timer is long due.
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    const blockedAt = Date.now();
    expect(blockUntil(() => writtenTxn(file) > before && Date.now() - blockedAt >= 3 * COMMIT_MS_MAX)).toBe(true);
    expect(await outcome).toBe('durable');
    expect(wal.durableSeq).toBe(2);
    await wal.close();
    const again = await Wal.open<OrderCommand>({ path: dir.path, durability: 'sync' });
    expect(again.lastSeq).toBe(2);
    await again.close();
  });
});

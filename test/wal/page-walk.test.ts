// Why this file exists: the pre-open check walks the B-trees of the meta LMDB will use
// (wal/lmdb-page-walk.ts) to refuse zeroed or garbage pages before LMDB maps them. It must
// never call a sound log damaged: here logs whose reclaimed pages LMDB has reused walk clean, in
// both durability modes. They also show why it walks the trees instead of scanning every page up
// to the meta's last page: such a log holds pages without a valid header (the rest of a freed
// overflow run) that a sequential scan would call damaged.

import { closeSync, openSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Wal } from '../../wal/index.js';
import { walkLmdbPages, type LmdbWalkFigures } from '../../wal/lmdb-page-walk.js';
import { readLmdbMetas } from '../../wal/lmdb-preopen.js';
import { order_command, temp_dir, type OrderCommand, type TempDir } from './helpers.js';

/** Pages 2..last whose header does not name them (what a sequential scan would refuse). */
function scanMismatches(fd: number, pageBytes: number, lastPage: number): number {
  const header = Buffer.alloc(8);
  let bad = 0;
  for (let p = 2; p <= lastPage; p++) {
    readSync(fd, header, 0, 8, p * pageBytes);
    if (header.readBigUInt64LE(0) !== BigInt(p)) bad++;
  }
  return bad;
}

describe('LMDB page walk on damaged pages', () => {
  let dir: TempDir | undefined;
  afterEach(() => dir?.cleanup());

  it('names a zeroed branch page, a leaf page marked as a branch, and an overflow run whose header lies', async () => {
    dir = temp_dir();
    // Small chunks: many leaves, so the segment's tree has a branch root.
    const wal = await Wal.open<OrderCommand>({ path: dir.path, durability: 'sync', chunkBytesMax: 4096 });
    for (let n = 1; n <= 20_000; n++) wal.append(order_command(n));
    await wal.close();
    const file = join(dir.path, 'data.mdb');
    const pristine = readFileSync(file);
    const reached: { kind: string; page: number; tree: string }[] = [];
    const walk = (damage: (b: Buffer) => void): string | null => {
      const b = Buffer.from(pristine);
      damage(b);
      writeFileSync(file, b);
      const fd = openSync(file, 'r');
      try {
        const figures: LmdbWalkFigures = { branch: 0, leaf: 0, overflowRuns: 0, trees: 0, visit: (kind, page, _pages, tree) => reached.push({ kind, page, tree }) };
        return walkLmdbPages(fd, readLmdbMetas(fd, file, { safeRestore: false }).used, figures);
      } finally {
        closeSync(fd);
      }
    };
    expect(walk(() => undefined)).toBeNull();
    const pageBytes = 4096;
    const branch = reached.find((r) => r.kind === 'branch' && r.tree.startsWith("database 'seg."));
    const leaf = reached.find((r) => r.kind === 'leaf' && r.tree.startsWith("database 'seg."));
    const overflow = reached.find((r) => r.kind === 'overflow');
    expect(branch && leaf && overflow, JSON.stringify(reached.slice(0, 20))).toBeTruthy();
    expect(walk((b) => b.fill(0, branch!.page * pageBytes, (branch!.page + 1) * pageBytes))).toMatch(new RegExp(`^page ${branch!.page} \\(database 'seg\\.[0-9a-f]+', level 1 of 2\\) is zeroed$`));
    expect(walk((b) => b.writeUInt16LE(0x01, leaf!.page * pageBytes + 18))).toMatch(/is marked 0x1, not a leaf page/);
    expect(walk((b) => b.writeUInt32LE(99, overflow!.page * pageBytes + 20))).toMatch(/starts a run of 99 pages, its node says/);
    expect(walk((b) => b.writeBigUInt64LE(7n, overflow!.page * pageBytes))).toMatch(/names itself page 7/);
  });
});

describe.each(['sync', 'async'] as const)('LMDB page walk (%s)', (durability) => {
  let dir: TempDir | undefined;
  afterEach(() => dir?.cleanup());

  it('a log whose reclaimed pages were reused walks clean; a sequential header scan would not', async () => {
    dir = temp_dir();
    const options = { path: dir.path, durability, segmentRecords: 500 };
    const wal = await Wal.open<OrderCommand>(options);
    let n = 1;
    for (let round = 0; round < 4; round++) {
      for (const end = n + 3000; n < end; n++) wal.append(order_command(n));
      await wal.flush();
      await wal.reclaim(n - 600);
    }
    await wal.close();
    const file = join(dir.path, 'data.mdb');
    const fd = openSync(file, 'r');
    try {
      const { used } = readLmdbMetas(fd, file, { safeRestore: false });
      const figures: LmdbWalkFigures = { branch: 0, leaf: 0, overflowRuns: 0, trees: 0 };
      expect(walkLmdbPages(fd, used, figures)).toBeNull();
      expect(figures.overflowRuns).toBeGreaterThan(0);
      expect(figures.trees).toBeGreaterThan(2);
      expect(scanMismatches(fd, used.pageBytes, used.lastPage)).toBeGreaterThan(0);
    } finally {
      closeSync(fd);
    }
  });
});

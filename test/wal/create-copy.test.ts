// Why this file exists: a new log is created once per process by a child process (lmdb-js crashes
// its host when a write fails while it initialises an environment), and every later new log is a
// copy of that first pristine file made with plain writes (wal/lmdb-preopen.ts says why). The copy
// must be exactly what the child makes, open and take records like any log, and fail typed —
// leaving no data.mdb behind — when it cannot be written.

import { mkdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Wal, WalIoError } from '../../wal/index.js';
import { createLmdbDirOutOfProcess } from '../../wal/lmdb-preopen.js';
import { order_command, temp_dir, type OrderCommand, type TempDir } from './helpers.js';

const dirs: TempDir[] = [];
function fresh(): TempDir {
  const dir = temp_dir();
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) dir.cleanup();
});

describe('a new log after the first in a process', () => {
  it('is byte for byte the file the creating child makes', () => {
    const first = join(fresh().path, 'wal');
    const second = join(fresh().path, 'wal');
    createLmdbDirOutOfProcess(first, 8);
    const made = readFileSync(join(first, 'data.mdb'));
    createLmdbDirOutOfProcess(second, 8);
    expect(readFileSync(join(second, 'data.mdb')).equals(made)).toBe(true);
    expect(existsSync(join(second, 'data.mdb.creating'))).toBe(false);
  });

  it('opens, takes records durably and reads them back after a reopen', async () => {
    createLmdbDirOutOfProcess(join(fresh().path, 'wal'), 8); // the first one, made by the child
    const path = fresh().path;
    let wal = await Wal.open<OrderCommand>({ path, durability: 'sync' });
    for (let n = 1; n <= 50; n++) wal.append(order_command(n));
    await wal.flush();
    await wal.close();
    wal = await Wal.open<OrderCommand>({ path, durability: 'sync' });
    const read: OrderCommand[] = [];
    for await (const entry of wal.read(1)) read.push(entry.command);
    await wal.close();
    expect(read).toEqual(Array.from({ length: 50 }, (_, i) => order_command(i + 1)));
  });

  it('fails with a typed error and leaves no data.mdb when the copy cannot be written', () => {
    createLmdbDirOutOfProcess(join(fresh().path, 'wal'), 8);
    const target = join(fresh().path, 'wal');
    // The temporary name taken by a directory: opening it for writing fails (EISDIR).
    mkdirSync(join(target, 'data.mdb.creating'), { recursive: true });
    expect(() => createLmdbDirOutOfProcess(target, 8)).toThrow(WalIoError);
    expect(() => createLmdbDirOutOfProcess(target, 8)).toThrow(/creating the WAL at .* failed: EISDIR/);
    expect(existsSync(join(target, 'data.mdb'))).toBe(false);
  });
});

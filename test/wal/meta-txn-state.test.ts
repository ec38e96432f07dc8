// Why this file exists: after each `sync` flush the log reads the meta pages back and asks which
// transaction LMDB would open at after a power loss (lmdbTxnState). The flushed meta alone is not
// the answer: a synchronous commit (lmdb-js opening a segment's database) writes its own meta
// page unflagged and leaves the flushed meta behind. bench:exchange's recovery child hit exactly
// that on a healthy disk (page 1: txn 61 unflagged, flushed meta: 60) and the exchange stopped.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Wal } from '../../wal/index.js';
import { lmdbTxnState, lmdbTxnStateBytes } from '../../wal/lmdb-preopen.js';
import { order_command, temp_dir, type OrderCommand, type TempDir } from './helpers.js';

const TXNID = 152;
const FLAGS = 52;
const UNFLUSHED = 0x1000;

/** The first pages of a real log's data.mdb, to edit as a crash or a commit path would leave them. */
async function realMetas(dir: TempDir): Promise<{ bytes: Buffer; pageBytes: number }> {
  const wal = await Wal.open<OrderCommand>({ path: dir.path, durability: 'sync' });
  for (let n = 1; n <= 10; n++) await wal.append(order_command(n)).durable;
  await wal.close();
  const file = readFileSync(join(dir.path, 'data.mdb'));
  const pageBytes = file.readUInt32LE(48);
  return { bytes: Buffer.from(file.subarray(0, lmdbTxnStateBytes(pageBytes))), pageBytes };
}

function setMeta(bytes: Buffer, at: number, txn: number, unflushed: boolean): void {
  bytes.writeBigUInt64LE(BigInt(txn), at + TXNID);
  const flags = bytes.readUInt16LE(at + FLAGS);
  bytes.writeUInt16LE(unflushed ? flags | UNFLUSHED : flags & ~UNFLUSHED, at + FLAGS);
}

describe('lmdbTxnState: the transaction that survives a power loss', () => {
  let dir: TempDir | undefined;
  afterEach(() => dir?.cleanup());

  it('counts a meta page written unflagged by a synchronous commit beyond the flushed meta', async () => {
    dir = temp_dir();
    const { bytes, pageBytes } = await realMetas(dir);
    setMeta(bytes, 0, 60, true);
    setMeta(bytes, pageBytes, 61, false);
    setMeta(bytes, pageBytes >> 1, 60, false);
    expect(lmdbTxnState(bytes, pageBytes)).toEqual({ written: 61, durable: 61 });
  });

  it('does not count a meta page written before its sync (flagged): only the flushed meta survives', async () => {
    dir = temp_dir();
    const { bytes, pageBytes } = await realMetas(dir);
    setMeta(bytes, 0, 60, true);
    setMeta(bytes, pageBytes, 61, true);
    setMeta(bytes, pageBytes >> 1, 59, false);
    expect(lmdbTxnState(bytes, pageBytes)).toEqual({ written: 61, durable: 59 });
  });

  it('reads a freshly closed log as fully durable', async () => {
    dir = temp_dir();
    const { bytes, pageBytes } = await realMetas(dir);
    const state = lmdbTxnState(bytes, pageBytes);
    expect(state).not.toBeNull();
    expect(state!.durable).toBe(state!.written);
    expect(state!.written).toBeGreaterThan(0);
  });
});

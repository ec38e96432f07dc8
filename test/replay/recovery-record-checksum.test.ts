// Why this file exists: recovery computes a record's own checksum only where the log's frame check
// did not already cover it. A version 2 frame's CRC continues the payload's stored checksum, so a
// payload damaged before it was framed fails the frame check (WalCorruptionError naming its seq);
// a version 1 frame checksums whatever bytes it was given, so there the record's own checksum
// (CommandRecordError naming its seq) is still computed. Both stop recovery; neither is misread.

import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Exchange } from '../../exchange/exchange.js';
import { settleConfig } from '../../exchange/stored-config.js';
import { ParsedCommand, parseCommand, type OrderCommand as Command } from '../../engine/index.js';
import { CommandRecordEncoder, CommandRecordError } from '../../replay/index.js';
import { Wal, WalCorruptionError } from '../../wal/index.js';
import { ACME, Scope } from '../exchange/fixtures/common.js';

function order(n: number): Command {
  return { op: 'new', id: n, account: 'a', symbol: 'ACME', side: n % 2 === 0 ? 'buy' : 'sell', type: 'limit', price: 100 + (n % 5), qty: 1, time: n };
}

/** A log of five records, the third damaged inside its own checksum before the log framed it. */
async function damagedLog(dir: string, framing: 'version 1' | 'version 2'): Promise<void> {
  settleConfig(dir, [ACME], 10_000, true);
  const wal = await Wal.open<Uint8Array>({ path: join(dir, 'wal'), durability: 'async', records: 'bytes' });
  const encoder = new CommandRecordEncoder();
  const parsed = new ParsedCommand();
  const index = new Map([['ACME', 0]]);
  for (let n = 1; n <= 5; n++) {
    expect(parseCommand(order(n), index, [{ ...ACME, maxQty: 1_000_000_000 }], parsed, true)).toBeNull();
    const bytes = encoder.encodeCommand(n, parsed);
    if (n === 3) bytes[20] ^= 0x04; // inside `time`, after the record's checksum was written
    if (framing === 'version 2') wal.appendChecksummed(bytes, 0, bytes.length);
    else wal.append(bytes);
  }
  await wal.close();
}

async function openError(dir: string): Promise<unknown> {
  return Exchange.open({ dir }).then(
    async (exchange) => {
      await exchange.close();
      return null;
    },
    (e: unknown) => e,
  );
}

describe('recovery and a record damaged before the log framed it', () => {
  const scope = new Scope();
  afterEach(() => scope.dispose());

  it('version 2 frame: the frame check (which covers the record checksum) stops recovery at its seq', async () => {
    const dir = scope.dir();
    await damagedLog(dir, 'version 2');
    const error = await openError(dir);
    expect(error).toBeInstanceOf(WalCorruptionError);
    expect(error).toMatchObject({ seq: 3 });
    expect((error as Error).message).toMatch(/checksum mismatch/);
  });

  it('version 1 frame: the record checksum is still computed and stops recovery at its seq', async () => {
    const dir = scope.dir();
    await damagedLog(dir, 'version 1');
    const error = await openError(dir);
    expect(error).toBeInstanceOf(CommandRecordError);
    expect(error).toMatchObject({ code: 'RECORD_DAMAGED', seq: 3 });
  });

  it('undamaged version 2 records replay to the same state as version 1 ones', async () => {
    const hashes: string[] = [];
    for (const framing of ['version 1', 'version 2'] as const) {
      const dir = scope.dir();
      settleConfig(dir, [ACME], 10_000, true);
      const wal = await Wal.open<Uint8Array>({ path: join(dir, 'wal'), durability: 'async', records: 'bytes' });
      const encoder = new CommandRecordEncoder();
      const parsed = new ParsedCommand();
      const index = new Map([['ACME', 0]]);
      for (let n = 1; n <= 50; n++) {
        expect(parseCommand(order(n), index, [{ ...ACME, maxQty: 1_000_000_000 }], parsed, true)).toBeNull();
        const bytes = encoder.encodeCommand(n, parsed);
        if (framing === 'version 2') wal.appendChecksummed(bytes, 0, bytes.length);
        else wal.append(bytes);
      }
      await wal.close();
      const exchange = await Exchange.open({ dir });
      expect(exchange.lastSeq).toBe(50);
      hashes.push(exchange.stateHash());
      await exchange.close();
    }
    expect(hashes[1]).toBe(hashes[0]);
  });
});

// Why this file exists: a damaged record stops recovery with a typed error naming its seq, whichever
// checksum catches it. Recovery of the exchange's LMDB log skips the record's own CRC because the
// log's frame CRC-32C, checked first, covers the whole record (RecoverOptions.logChecksRecords);
// every other log (this memory log, which checks nothing) keeps the record's own check by default.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ParsedCommand, parseCommand, type EngineOptions } from '../../engine/index.js';
import { CommandRecordEncoder, CommandRecordError, recover } from '../../replay/index.js';
import { Wal } from '../../wal/index.js';

const ACME = { symbol: 'ACME', tickSize: 1, lotSize: 1, minPrice: 1, maxPrice: 10_000 };
const OPTIONS: EngineOptions = { instruments: [ACME] };

function records(count: number): Uint8Array[] {
  const encoder = new CommandRecordEncoder();
  const p = new ParsedCommand();
  const out: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const command = { op: 'new', id: i + 1, account: 'alice', symbol: 'ACME', side: i % 2 === 0 ? 'buy' : 'sell', type: 'limit', price: 100 + (i % 3), qty: 2 };
    if (parseCommand(command, new Map([['ACME', 0]]), [{ ...ACME, maxQty: Number.MAX_SAFE_INTEGER }], p, false) !== null) throw new Error('bad fixture');
    p.time = 1_000 + i;
    out.push(encoder.encodeCommand(i + 1, p).slice());
  }
  return out;
}

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A log of 50 records whose record `damagedSeq` has byte `at` flipped before the log took it. */
async function logWith(durability: 'memory' | 'sync', damagedSeq: number, at: number): Promise<Wal<Uint8Array>> {
  const dir = mkdtempSync(join(tmpdir(), 'matchlog-damaged-record-'));
  dirs.push(dir);
  const wal = await Wal.open<Uint8Array>({ path: join(dir, 'wal'), durability, records: 'bytes' });
  const all = records(50);
  // Damaged before the log took it: the log's own frame (if any) vouches for the damaged bytes,
  // so only the record's checksum can catch it.
  all[damagedSeq - 1][at] ^= 0x10;
  for (const record of all) wal.append(record);
  await wal.flush();
  return wal;
}

describe('a damaged record at recovery', () => {
  it("is named by seq by the record's own checksum (the default: the log checks no frame)", async () => {
    const wal = await logWith('memory', 17, 20);
    try {
      let error: unknown = null;
      try {
        recover(wal, null, OPTIONS, () => undefined, { onLogBehind: 'skip' });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(CommandRecordError);
      expect((error as CommandRecordError).seq).toBe(17);
      expect((error as Error).message).toContain('seq 17');
    } finally {
      await wal.close();
    }
  });

  it("with logChecksRecords (the LMDB log's frame CRC covers the record) the record's own checksum is not computed again", async () => {
    // Only the record's CRC field is wrong: the frame CRC over the stored bytes is right, so this
    // is what a record CRC computed a second time would refuse, and replay must not compute it.
    // Disk damage (after the append) is the frame's to catch, named by seq: test/faults/damaged-lmdb.test.ts.
    const checked = await logWith('sync', 17, 5);
    try {
      expect(() => recover(checked, null, OPTIONS, () => undefined, { onLogBehind: 'skip' })).toThrow(/command record at seq 17: checksum mismatch/);
      const recovered = recover(checked, null, OPTIONS, () => undefined, { onLogBehind: 'skip', logChecksRecords: true });
      expect(recovered.seq).toBe(50);
      expect(recovered.stats.replayedCommands).toBe(50);
    } finally {
      await checked.close();
    }
  });
});

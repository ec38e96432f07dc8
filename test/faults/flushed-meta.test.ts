// Why this file exists: lmdb-js 3.5.6 ignores a failed write of its "flushed" meta page (the one
// that marks a transaction's pages fdatasynced) and reports the transaction flushed. matchlog
// acknowledged such a batch, and after a power loss (a reboot: lmdb-js then no longer trusts the
// flagged meta of the boot that wrote it) the acknowledged records were gone: EIO from the log's
// 14th write, reopened as after a reboot at seq 32 below the acknowledged 48. The log now reads
// that meta back after each flush (LmdbStore.flushed_txn) and fails closed when it is missing.
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../exchange/fixtures/common.js';
import { EIO, runTrial } from './fixtures/storage-faults.js';

describe('a failed write of the flushed meta page', () => {
  const base = tempDir('matchlog-flushed-meta-');
  afterAll(() => base.cleanup());

  it('loses nothing acknowledged after a reboot: the log fails closed instead of acknowledging', async () => {
    // Every write of data.mdb from the 14th fails (the flushed meta of an early batch among them).
    const r = await runTrial({ seed: 2, target: 'log', op: 'write', at: 14, errno: EIO, commands: 200 }, base.path, { reboot: true });
    const report = `${r.outcome}: ${r.detail} [run: ${r.run}]`;
    expect(r.outcome, report).not.toBe('wrong');
    expect(r.outcome, report).not.toBe('crash');
    expect(r.outcome, report).not.toBe('hang');
    expect(r.run, report).toMatch(/failed (WalIoError|WalFullError)/);
    console.log(`flushed meta: ${report}`);
  }, 120_000);
});

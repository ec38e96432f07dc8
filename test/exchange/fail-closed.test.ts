// Why this file exists: the one failure policy (issue 10 item 7): whatever stops the exchange — divergence, a failed
// reclaim, a dead backup thread or matching worker, a full log — every pending and later submit
// rejects with the same typed error, close() resolves, the lock is released (the directory
// reopens and recovers everything acknowledged), and stats().failed says why. Faults are injected
// through the exchange's private parts: the causes themselves (EIO, ENOSPC) are the fault tests'.

import { afterEach, describe, expect, it } from 'vitest';
import {
  BackupThreadError,
  DivergenceError,
  Exchange,
  MatchingWorkerError,
  ReclaimError,
  WalFullError,
  type SubmitResult,
} from '../../index.js';
import { MULTI, Reference, Scope, eventually, within } from './fixtures/common.js';
import { generate } from './fixtures/load.js';

/** Test-only handle on the parts a fault is injected into. */
interface Parts {
  wal: { reclaim(seq: number): Promise<void>; lastSeq: number };
  shards: { hosts: Array<{ destroy(): Promise<void> }> };
  checkpointer: {
    host: { worker: { terminate(): Promise<number> }; mark(seq: number, mark: unknown): void } | null;
  };
}
const parts = (ex: Exchange): Parts => ex as unknown as Parts;

/** Submits `count` commands, waits for them all; returns the acknowledged ones. */
async function load(ex: Exchange, seed: number, count: number): Promise<{ acked: SubmitResult[]; commands: ReturnType<typeof generate> }> {
  const commands = generate(seed, MULTI, count);
  const settled = await Promise.allSettled(commands.map((c) => ex.submit(c)));
  const acked = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  return { acked, commands };
}

/** After a failure: later submits reject with it, close resolves, the directory reopens with everything acknowledged. */
async function expectFailedClosed(scope: Scope, ex: Exchange, dir: string, type: new (...args: never[]) => Error): Promise<Exchange> {
  expect(await eventually(() => ex.stats().failed !== null, 10_000)).toBe(true);
  const failure = ex.stats().failed!;
  const later = ex.submit({ op: 'cancel', id: 'nobody', account: 'alice' });
  await expect(later).rejects.toBeInstanceOf(type);
  await expect(later).rejects.toThrow(failure);
  await within(ex.close(), 10_000, 'close after failure');
  const lastSeq = ex.lastSeq;
  const again = await scope.open({ dir, onWarning: () => undefined });
  expect(again.lastSeq).toBeGreaterThanOrEqual(lastSeq);
  return again;
}

describe('fail closed: one failure policy', () => {
  const scope = new Scope();
  afterEach(() => scope.dispose());

  it('a divergence between the primary and the backup replica stops the exchange with a DivergenceError', async () => {
    const dir = scope.dir();
    const ex = await scope.open({ dir, instruments: MULTI });
    await load(ex, 1, 200);
    expect(await eventually(() => ex.stats().backup.appliedSeq === ex.lastSeq, 5_000)).toBe(true);
    // A mark whose digest the replica cannot reproduce (as a primary that computed something else would write).
    parts(ex).checkpointer.host!.mark(ex.lastSeq + 1, { op: 'mark', upto: ex.lastSeq, commands: 200, digest: '0'.repeat(16) });
    expect(await eventually(() => ex.stats().failed !== null, 5_000)).toBe(true);
    expect(ex.stats().failed).toMatch(/^divergence: /);
    expect(ex.stats().checkpoints.divergence).not.toBeNull();
    await expectFailedClosed(scope, ex, dir, DivergenceError);
  });

  it('a reclaim that fails stops the exchange with a ReclaimError', async () => {
    const dir = scope.dir();
    const ex = await scope.open({ dir, instruments: MULTI, checkpointEvery: 100 });
    parts(ex).wal.reclaim = () => Promise.reject(new Error('EIO: injected'));
    await load(ex, 2, 400);
    const again = await expectFailedClosed(scope, ex, dir, ReclaimError);
    expect(again.stats().commands).toBeGreaterThanOrEqual(100);
  });

  it('a backup thread that exits unasked stops the exchange with a BackupThreadError', async () => {
    const dir = scope.dir();
    const ex = await scope.open({ dir, instruments: MULTI });
    await load(ex, 3, 100);
    await parts(ex).checkpointer.host!.worker.terminate();
    expect(await eventually(() => ex.stats().failed !== null, 5_000)).toBe(true);
    expect(ex.stats().failed).toMatch(/^backup thread: exited unexpectedly/);
    await expectFailedClosed(scope, ex, dir, BackupThreadError);
  });

  it('a matching worker that dies rejects every pending submit with a MatchingWorkerError', async () => {
    const dir = scope.dir();
    const ex = await scope.open({ dir, instruments: MULTI, workers: 2 });
    const { acked } = await load(ex, 4, 100);
    expect(acked).toHaveLength(100);
    await parts(ex).shards.hosts[1].destroy();
    const settled = await Promise.allSettled(generate(5, MULTI, 50).map((c) => ex.submit(c)));
    const reasons = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as Error] : []));
    expect(reasons.length).toBeGreaterThan(0);
    for (const reason of reasons) expect(reason).toBeInstanceOf(MatchingWorkerError);
    await expectFailedClosed(scope, ex, dir, MatchingWorkerError);
  });

  it('a full log stops the exchange with the WalFullError; what was acknowledged reopens', async () => {
    const dir = scope.dir();
    const ex = await scope.open({ dir, instruments: MULTI, walMapSizeBytes: 2 ** 20, checkpointEvery: 10_000_000 });
    const reference = new Reference(MULTI);
    let acked = 0;
    let error: unknown = null;
    const commands = generate(6, MULTI, 100_000);
    for (let i = 0; i < commands.length && error === null; i += 500) {
      const batch = commands.slice(i, i + 500);
      const settled = await Promise.allSettled(batch.map((c) => ex.submit(c)));
      for (let j = 0; j < settled.length; j++) {
        const s = settled[j];
        if (s.status === 'fulfilled') {
          reference.apply(batch[j]);
          acked++;
        } else error ??= s.reason;
      }
    }
    expect(error).toBeInstanceOf(WalFullError);
    expect(acked).toBeGreaterThan(1000);
    const again = await expectFailedClosed(scope, ex, dir, WalFullError);
    expect(again.stateHash()).toBe(reference.stateHash());
  });

  it('a memory exchange without a directory keeps no log records', async () => {
    const ex = await scope.open({ durability: 'memory', instruments: MULTI });
    await load(ex, 7, 300);
    const stats = ex.stats();
    expect(stats.lastSeq).toBe(300);
    // The log holds nothing: the oldest record held is past the last one.
    expect(stats.firstSeq).toBe(301);
  });
});

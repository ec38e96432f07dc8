// Why this file exists: at recovery the backup thread restores the checkpoint and follows the
// opening thread's replay itself (replay/backup-follow.ts) instead of restoring a snapshot of the
// result. It must end in exactly the opening thread's state, and a backup whose replay ends
// anywhere else must stop the exchange from opening (RecoveryError ROLE_DIVERGED): fail closed.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Engine, EventDigest, ParsedCommand, parseCommand, type EngineOptions } from '../../engine/index.js';
import { BackupFollower, BackupHost, CheckpointCorruptError, CommandRecordEncoder, initialDigest, RecoveryError, Replayer, type BackupListener } from '../../replay/index.js';

const ACME = { symbol: 'ACME', tickSize: 1, lotSize: 1, minPrice: 1, maxPrice: 10_000 };
const OPTIONS: EngineOptions = { instruments: [ACME] };

/** Records 1..count: crossing limit orders (trades, rests, cancels). */
function records(count: number): Uint8Array[] {
  const encoder = new CommandRecordEncoder();
  const p = new ParsedCommand();
  const index = new Map([['ACME', 0]]);
  const specs = [{ ...ACME, maxQty: Number.MAX_SAFE_INTEGER }];
  const out: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const command =
      i % 7 === 6
        ? { op: 'cancel', id: i - 3, account: 'alice' }
        : { op: 'new', id: i + 1, account: i % 3 === 0 ? 'bob' : 'alice', symbol: 'ACME', side: i % 2 === 0 ? 'buy' : 'sell', type: 'limit', price: 100 + (i % 5), qty: 1 + (i % 4) };
    if (parseCommand(command, index, specs, p, false) !== null) throw new Error('bad fixture');
    p.time = 1_000 + i;
    out.push(encoder.encodeCommand(i + 1, p).slice());
  }
  return out;
}

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function listener(errors: Error[]): BackupListener {
  return {
    onCheckpoint: () => undefined,
    onDivergence: (message) => errors.push(new Error(message)),
    onError: (error) => errors.push(error),
    onChecked: () => undefined,
    onProgress: () => undefined,
  };
}

/** What the opening thread does: restore `snapshot` at `from`, replay the records after it, telling the follower. */
function recoverWithFollower(
  snapshot: Uint8Array,
  from: { seq: number; commands: number; digest: string },
  tail: Uint8Array[],
  follower: BackupFollower,
  stateHash: string | null,
): Replayer {
  const replayer = new Replayer(Engine.restore(snapshot), from);
  follower.started({ ...from, snapshot, stateHash });
  for (let i = 0; i < tail.length; i++) {
    const seq = from.seq + 1 + i;
    replayer.applyRecord(seq, tail[i]);
    follower.record(seq, tail[i], 0, tail[i].length);
  }
  follower.ended();
  return replayer;
}

async function startFollowed(
  shift: (end: { seq: number; commands: number; digest: string }) => { seq: number; commands: number; digest: string },
  /** The state hash the checkpoint's header claims (its deferred check), or null for none. */
  claimedHash: ((actual: string) => string) | null = null,
) {
  const all = records(3_000);
  // The checkpoint: the state after the first 1,000 records.
  const base = new Replayer(new Engine(OPTIONS), { seq: 0, commands: 0, digest: initialDigest() });
  for (let i = 0; i < 1_000; i++) base.applyRecord(i + 1, all[i]);
  const from = { seq: base.seq, commands: base.commands, digest: base.digest.value };
  const spawned = BackupHost.spawn();
  // Small batches: the follower's batching is crossed many times.
  const follower = new BackupFollower(spawned, OPTIONS);
  const checkpoint = base.engine.snapshot();
  const claimed = claimedHash === null ? null : claimedHash(base.engine.stateHash());
  const recovered = recoverWithFollower(checkpoint, from, all.slice(1_000), follower, claimed);
  expect(follower.forwarded).toBe(2_000);
  expect(spawned.prepared).toBe(true);
  const dir = mkdtempSync(join(tmpdir(), 'matchlog-follow-'));
  dirs.push(dir);
  const errors: Error[] = [];
  const end = { seq: recovered.seq, commands: recovered.commands, digest: recovered.digest.value };
  const start = BackupHost.start(
    {
      engineOptions: OPTIONS,
      // Ignored for a prepared thread (it holds the state): the host sends none.
      snapshot: recovered.engine.snapshot(),
      start: shift(end),
      checkpointDir: dir,
      checkpointEvery: 1_000_000,
      checkpointIntervalMs: 2 ** 31 - 1,
      checkpointsKept: 2,
      deferred: claimed === null ? null : { checkpoint: { seq: from.seq, snapshot: checkpoint.slice(), stateHash: claimed }, recoveredStateHash: null },
    },
    listener(errors),
    spawned,
  );
  return { start, recovered, spawned, errors };
}

/** Starts a followed backup whose replay end is `shift`ed; returns the RecoveryError ROLE_DIVERGED it must refuse with. */
async function divergedStart(shift: Parameters<typeof startFollowed>[0]): Promise<RecoveryError> {
  const { start, spawned } = await startFollowed(shift);
  const error = await start.then(
    () => null,
    (e: unknown) => e,
  );
  await spawned.terminate();
  expect(error).toBeInstanceOf(RecoveryError);
  expect((error as RecoveryError).code).toBe('ROLE_DIVERGED');
  return error as RecoveryError;
}

describe('the backup thread follows recovery', () => {
  it("ends in the opening thread's state: the same state hash and depth", async () => {
    const { start, recovered } = await startFollowed((end) => end);
    const host = await start;
    try {
      expect(host.query('stateHash', [])).toBe(recovered.engine.stateHash());
      expect(host.query('depth', ['ACME', 10])).toEqual(recovered.engine.depth('ACME', 10));
    } finally {
      await host.stop();
    }
  });

  it('checks the checkpoint it follows from (the deferred check) on its own restore: a good one lets acknowledgements through', async () => {
    const { start, errors } = await startFollowed((end) => end, (actual) => actual);
    const host = await start;
    try {
      for (let i = 0; i < 500 && !host.checked && errors.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(errors).toEqual([]);
      expect(host.checked).toBe(true);
    } finally {
      await host.stop();
    }
  });

  it('a checkpoint whose header claims another state hash fails the exchange after start and acknowledges nothing (fail closed)', async () => {
    const { start, errors } = await startFollowed((end) => end, (actual) => actual.replace(/^./, (c) => (c === '0' ? '1' : '0')));
    const host = await start;
    try {
      for (let i = 0; i < 500 && errors.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toBeInstanceOf(CheckpointCorruptError);
      expect(errors[0].message).toMatch(/checkpoint 1000 failed the checks run after open \(its state hash does not match its snapshot\)/);
      expect(host.checked).toBe(false);
    } finally {
      await host.stop();
    }
  });

  it('a backup whose replay ends at another digest refuses to start: RecoveryError ROLE_DIVERGED', async () => {
    const error = await divergedStart((end) => ({ ...end, digest: EventDigest.from(end.digest).value.replace(/^./, (c) => (c === '0' ? '1' : '0')) }));
    expect(error.message).toMatch(/backup thread's replay of recovery ended at seq 3000 .* the opening thread's at seq 3000/);
  });

  it('a backup that ends at another seq refuses to start too (a record the follower never got)', async () => {
    const error = await divergedStart((end) => ({ ...end, seq: end.seq + 1, commands: end.commands + 1 }));
    expect(error.message).toContain('ended at seq 3000');
  });
});

// Why this file exists: checkpoints: the backup thread checkpoints its replica every checkpointEvery commands (and every
// checkpointIntervalMs), keeps checkpointsKept files, the log behind the oldest kept one is
// reclaimed, and a reopen starts from the newest checkpoint with the same state.

import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, MULTI, Reference, Scope, within } from './fixtures/common.js';
import { generate } from './fixtures/load.js';

const checkpointFiles = (dir: string): string[] =>
  readdirSync(join(dir, 'checkpoints')).filter((name) => name.endsWith('.bin')).sort();

describe('checkpoints', () => {
  const scope = new Scope();
  afterEach(() => scope.dispose());

  it('are taken every checkpointEvery commands, pruned to checkpointsKept, and the log is reclaimed', async () => {
    const dir = scope.dir();
    const ex = await scope.open({ dir, instruments: MULTI, checkpointEvery: 150, checkpointsKept: 2, markEvery: 40 });
    const reference = new Reference(MULTI);
    const commands = generate(31, MULTI, 2_000);
    for (let i = 0; i < commands.length; i += 250) {
      await Promise.all(commands.slice(i, i + 250).map((c) => ex.submit(c)));
    }
    for (const c of commands) reference.apply(c);
    expect(await eventually(() => ex.stats().checkpoints.taken >= 5 && ex.stats().firstSeq > 1, 5_000)).toBe(true);
    const stats = ex.stats();
    expect(stats.checkpoints.lastSeq).not.toBeNull();
    expect(stats.checkpoints.lastSeq!).toBeLessThanOrEqual(ex.lastSeq);
    expect(stats.checkpoints.lastBytes).toBeGreaterThan(0);
    expect(stats.checkpoints.divergence).toBeNull();
    // The log is kept back to the oldest checkpoint kept, no further.
    const kept = checkpointFiles(dir).map((name) => Number(name.slice('checkpoint-'.length, -'.bin'.length)));
    expect(kept.length).toBeGreaterThanOrEqual(1);
    // checkpointsKept + 1 while the backup thread runs: a new checkpoint lands (fsynced, renamed)
    // before the oldest is pruned, so a crash in between never leaves fewer than K.
    expect(kept.length).toBeLessThanOrEqual(3);
    expect(stats.firstSeq).toBeLessThanOrEqual(Math.min(...kept) + 1);
    expect(stats.firstSeq).toBeGreaterThan(1);
    expect(ex.stateHash()).toBe(reference.stateHash());
    await ex.close();
    expect(checkpointFiles(dir).length).toBeLessThanOrEqual(2);

    const warnings: string[] = [];
    const again = await scope.open({ dir, onWarning: (m) => warnings.push(m) });
    const recovery = again.stats().recovery;
    expect(recovery.checkpointSeq).not.toBeNull();
    expect(recovery.checkpointsSkipped).toBe(0);
    expect(again.stateHash()).toBe(reference.stateHash());
    expect(again.stats().commands).toBe(2_000);
    expect(again.stats().firstSeq).toBeGreaterThan(1);
    expect(warnings).toEqual([]);
    // And it carries on from there.
    const extra = generate(32, MULTI, 100).map((c) => ({ ...c, id: `x${String(c.id)}` }));
    for (const c of extra) expect((await again.submit(c)).events).toEqual(reference.apply(c));
    expect(again.stateHash()).toBe(reference.stateHash());
  });

  it('are taken every checkpointIntervalMs while commands arrive, even below checkpointEvery', async () => {
    const dir = scope.dir();
    const ex = await scope.open({ dir, instruments: MULTI, checkpointEvery: 1_000_000, checkpointIntervalMs: 30 });
    const commands = generate(33, MULTI, 40);
    for (const c of commands.slice(0, 20)) await ex.submit(c);
    expect(await eventually(() => ex.stats().checkpoints.taken >= 1, 3_000)).toBe(true);
    const taken = ex.stats().checkpoints.taken;
    await Promise.all(commands.slice(20).map((c) => ex.submit(c)));
    expect(await eventually(() => ex.stats().checkpoints.taken > taken, 3_000)).toBe(true);
    expect(checkpointFiles(dir).length).toBeGreaterThanOrEqual(1);
  });

  it('close takes a final checkpoint, so a reopen replays nothing', async () => {
    const dir = scope.dir();
    const ex = await scope.open({ dir, instruments: MULTI });
    await Promise.all(generate(34, MULTI, 300).map((c) => ex.submit(c)));
    const hash = ex.stateHash();
    await ex.close();
    expect(ex.stats().checkpoints.taken).toBe(1);
    const again = await scope.open({ dir });
    const recovery = again.stats().recovery;
    expect(recovery.checkpointSeq).toBe(again.lastSeq);
    expect(recovery.replayedCommands).toBe(0);
    expect(again.stateHash()).toBe(hash);
  });

  it('with two workers too', async () => {
    const dir = scope.dir();
    const ex = await scope.open({ dir, instruments: MULTI, workers: 2, checkpointEvery: 100, markEvery: 30 });
    const reference = new Reference(MULTI);
    const commands = generate(35, MULTI, 1_000);
    for (let i = 0; i < commands.length; i += 200) await Promise.all(commands.slice(i, i + 200).map((c) => ex.submit(c)));
    for (const c of commands) reference.apply(c);
    expect(await eventually(() => ex.stats().checkpoints.taken >= 3, 5_000)).toBe(true);
    expect(ex.stats().checkpoints.divergence).toBeNull();
    await ex.close();
    const again = await scope.open({ dir, workers: 2 });
    expect(again.stats().recovery.checkpointSeq).not.toBeNull();
    expect(again.stateHash()).toBe(reference.stateHash());
  });

  // BUG (replay/backup.ts, replay/backup-worker.ts, exchange/exchange.ts shutdown): close() awaits
  // backup.checkpointNow(), whose promise is settled only by a 'checkpoint' or 'checkpoint-skipped'
  // reply. A checkpoint that fails to write (disk full, EIO, a broken directory) makes the backup
  // reply 'error' instead: the exchange fails and terminates the thread, and close() never settles.
  // (A diverged replica does the same: checkpoint() returns without replying.)
  it('close settles even when the final checkpoint cannot be written; nothing acknowledged is lost', async () => {
    const dir = scope.dir();
    const warnings: string[] = [];
    const ex = await scope.open({ dir, instruments: MULTI, onWarning: (m) => warnings.push(m) });
    const results = await Promise.all(generate(36, MULTI, 50).map((c) => ex.submit(c)));
    // The checkpoint directory turns into something no checkpoint can be written to.
    rmSync(join(dir, 'checkpoints'), { recursive: true });
    writeFileSync(join(dir, 'checkpoints'), 'not a directory');
    const outcome = await within(ex.close(), 3_000, 'close').then(
      () => 'resolved',
      (error: Error) => error.message,
    );
    expect(outcome).not.toMatch(/did not settle/);
    rmSync(join(dir, 'checkpoints'));
    const again = await scope.open({ dir });
    expect(again.stats().commands).toBe(50);
    expect(again.lastSeq).toBeGreaterThanOrEqual(results[49].seq!);
  });
});

// Why this file exists: checkpointMode 'pause': the caller's thread stops, snapshots the acknowledged state and writes
// it (the report's warm VM snapshot). The checkpoints must be as good as the backup thread's —
// same files, same recovery — and the pause must be reported, because measuring it is the point.

import { cpSync, readdirSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CheckpointWriteError } from '../../index.js';
import { nextCheckpointDue } from '../../replay/checkpoint-store.js';
import { MULTI, Reference, Scope } from './fixtures/common.js';
import { generate } from './fixtures/load.js';

const checkpointCount = (dir: string): number => readdirSync(join(dir, 'checkpoints')).filter((n) => n.endsWith('.bin')).length;

describe("checkpointMode 'pause'", () => {
  const scope = new Scope();
  afterEach(() => scope.dispose());

  for (const durability of ['sync', 'memory'] as const) {
    it(`checkpoints every checkpointEvery commands on the caller's thread and reports the pause (${durability})`, async () => {
      const dir = scope.dir();
      const ex = await scope.open({ dir, durability, instruments: MULTI, checkpointMode: 'pause', checkpointEvery: 100, checkpointsKept: 2 });
      const commands = generate(51, MULTI, 520);
      for (let i = 0; i < commands.length; i += 40) await Promise.all(commands.slice(i, i + 40).map((c) => ex.submit(c)));
      const stats = ex.stats();
      expect(stats.backup.running).toBe(false);
      expect(stats.checkpoints.mode).toBe('pause');
      // Due at 100, 200, ... 500 (a fixed grid), each taken when the release that gets there ends.
      expect(stats.checkpoints.taken).toBe(5);
      expect(stats.checkpoints.lastPauseMs).toBeGreaterThan(0);
      expect(stats.checkpoints.pauseMsMax).toBeGreaterThanOrEqual(stats.checkpoints.lastPauseMs);
      expect(stats.checkpoints.lastBytes).toBeGreaterThan(0);
      expect(checkpointCount(dir)).toBe(2);
      if (durability === 'sync') expect(stats.firstSeq).toBeGreaterThan(1);
      await ex.close();

      const again = await scope.open({ dir, durability });
      const reference = new Reference(MULTI);
      for (const c of commands) reference.apply(c);
      expect(again.stats().commands).toBe(520);
      expect(again.stats().recovery.checkpointSeq).not.toBeNull();
      expect(again.stateHash()).toBe(reference.stateHash());
    });
  }

  it('with a log, a crash image reopens from the last paused checkpoint and replays the tail', async () => {
    const dir = scope.dir();
    const ex = await scope.open({ dir, instruments: MULTI, checkpointMode: 'pause', checkpointEvery: 150, markEvery: 60 });
    const commands = generate(52, MULTI, 400);
    for (let i = 0; i < commands.length; i += 50) await Promise.all(commands.slice(i, i + 50).map((c) => ex.submit(c)));
    // The directory as a crash would leave it: checkpoint at 300 (due at 150, 300), 100 commands after.
    const image = scope.dir();
    rmSync(image, { recursive: true });
    cpSync(dir, image, { recursive: true, filter: (source) => basename(source) !== 'LOCK' });
    const again = await scope.open({ dir: image });
    const recovery = again.stats().recovery;
    expect(recovery.checkpointSeq).not.toBeNull();
    expect(recovery.replayedCommands).toBe(100);
    expect(recovery.marksVerified).toBeGreaterThan(0);
    const reference = new Reference(MULTI);
    for (const c of commands) reference.apply(c);
    expect(again.stateHash()).toBe(reference.stateHash());
  });

  it('stops the exchange with a CheckpointWriteError when a checkpoint cannot be written', async () => {
    const dir = scope.dir();
    const ex = await scope.open({ dir, durability: 'memory', instruments: MULTI, checkpointMode: 'pause', checkpointEvery: 50 });
    rmSync(join(dir, 'checkpoints'), { recursive: true });
    const commands = generate(53, MULTI, 100);
    // The checkpoint is attempted after the release that crosses 50; what was released stands.
    await Promise.allSettled(commands.map((c) => ex.submit(c)));
    const failure = ex.stats().failed;
    expect(failure).toMatch(/^checkpoint failed: checkpoint \d+ could not be written to .* \(ENOENT\)/);
    await expect(ex.submit(commands[0])).rejects.toBeInstanceOf(CheckpointWriteError);
  });
});

describe('nextCheckpointDue', () => {
  it('keeps checkpoints on a fixed grid of commands, whatever batch crossed the last due point', () => {
    expect(nextCheckpointDue(100, 99, 100)).toBe(100);
    expect(nextCheckpointDue(100, 100, 100)).toBe(200);
    expect(nextCheckpointDue(100, 137, 100)).toBe(200);
    expect(nextCheckpointDue(100, 1_000_050, 100)).toBe(1_000_100);
  });
});

// checkpointMode 'pause': the caller's thread stops, snapshots the acknowledged state and writes
// it (the report's warm VM snapshot). The checkpoints must be as good as the backup thread's —
// same files, same recovery — and the pause must be reported, because measuring it is the point.

import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
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
      // Due 100 commands after the last one, taken when the release that gets there ends: with
      // releases of up to 40 commands, 4 or 5 checkpoints in 520 commands.
      expect(stats.checkpoints.taken).toBeGreaterThanOrEqual(4);
      expect(stats.checkpoints.taken).toBeLessThanOrEqual(5);
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

  it('with a log, a reopen replays the tail after the last paused checkpoint', async () => {
    const dir = scope.dir();
    const ex = await scope.open({ dir, instruments: MULTI, checkpointMode: 'pause', checkpointEvery: 150, markEvery: 60 });
    const commands = generate(52, MULTI, 400);
    for (let i = 0; i < commands.length; i += 50) await Promise.all(commands.slice(i, i + 50).map((c) => ex.submit(c)));
    await ex.close();
    const again = await scope.open({ dir });
    const reference = new Reference(MULTI);
    for (const c of commands) reference.apply(c);
    expect(again.stateHash()).toBe(reference.stateHash());
    expect(again.stats().recovery.marksVerified).toBeGreaterThan(0);
  });
});

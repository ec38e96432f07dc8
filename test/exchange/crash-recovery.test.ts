// Why this file exists: crashes around recovery itself: a child is killed under load, then the child that reopens the
// directory is killed while it recovers (LMDB open, checkpoint load, replay, worker start-up) —
// or, in 'resume', after it recovered and carried on with the stream (cancelling and modifying
// orders placed before the first crash) — and the exchange reopened here must still be exact.

import { describe, expect, it } from 'vitest';
import { runCrashSeed } from './fixtures/crash-harness.js';
import { crashPlan } from './fixtures/crash-plan.js';

const RECOVERY_SEEDS = [21, 22, 23, 24, 25];
const RESUME_SEEDS = [27, 28, 29, 30];

describe('crash recovery across restarts (workers: 1)', () => {
  it.each(RECOVERY_SEEDS)('killed again while recovering (seed %i)', async (seed) => {
    const result = await runCrashSeed(crashPlan(seed, 'recovery', 1));
    expect(result.rounds[1].killedBy).toMatch(/opening|exited/);
  });

  it.each(RESUME_SEEDS)('killed, recovered, resumed and killed again (seed %i)', async (seed) => {
    const result = await runCrashSeed(crashPlan(seed, 'resume', 1));
    expect(result.rounds).toHaveLength(2);
  });
});

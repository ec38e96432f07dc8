// Why this file exists: the heart of the exchange suite: a real child process runs a seeded load on a durable
// exchange (several instruments, every order type, cancels and modifies, checkpoints and log
// reclaim happening during the run) and is SIGKILLed at a seeded moment — in the middle of its
// load, or the instant a checkpoint file is being written or has just been renamed into place.
// The exchange reopened here must hold every acknowledged outcome and the exact state a plain
// engine reaches on the logged prefix of the stream (see fixtures/crash-harness.ts).
// `npm run bench:crash -- --seeds 1000` runs the same kind of seeds by the thousand.

import { describe, expect, it } from 'vitest';
import { runCrashSeed, type CrashSeedResult } from './fixtures/crash-harness.js';
import { crashPlan } from './fixtures/crash-plan.js';

const LOAD_SEEDS = [1, 2, 3, 4, 5, 6, 7, 8];
const CHECKPOINT_SEEDS = [11, 12, 13, 14, 15, 16, 17, 18];

describe('crash recovery (SIGKILL, workers: 1)', () => {
  const results: CrashSeedResult[] = [];

  it.each(LOAD_SEEDS)('killed under load: keeps every acknowledged command (seed %i)', async (seed) => {
    const result = await runCrashSeed(crashPlan(seed, 'load', 1));
    results.push(result);
    expect(result.commands).toBeGreaterThanOrEqual(result.acked);
  });

  it.each(CHECKPOINT_SEEDS)('killed as a checkpoint is written or lands (seed %i)', async (seed) => {
    const result = await runCrashSeed(crashPlan(seed, 'checkpoint', 1));
    results.push(result);
    expect(result.commands).toBeGreaterThanOrEqual(result.acked);
  });

  // Not a behaviour of its own: what the seeds above reached (recovery from a checkpoint, a
  // reclaimed log, kills at checkpoint time), printed so a change that made checkpoints rare shows
  // in the log. Not asserted: the loads are timed, so how many checkpoints land and how much log is
  // reclaimed before a kill depends on how busy the machine is (under a load average of 27 only one
  // of 16 seeds had reclaimed its log). Those paths are asserted deterministically in
  // checkpoints.test.ts (waits for checkpoints and reclaim) and checkpoint-corruption.test.ts.
  it('reports what the seeds covered', () => {
    expect(results).toHaveLength(LOAD_SEEDS.length + CHECKPOINT_SEEDS.length);
    const fromCheckpoint = results.filter((r) => r.recovery.checkpointSeq !== null).length;
    const reclaimed = results.filter((r) => r.firstSeq > 1).length;
    const atCheckpoint = results.filter((r) => r.rounds[0].killedBy.startsWith('checkpoint-')).length;
    const acked = results.filter((r) => r.acked > 0).length;
    console.info(
      `crash seeds: ${results.length}; recovered from a checkpoint ${fromCheckpoint}, reclaimed log ${reclaimed}, ` +
        `killed at a checkpoint ${atCheckpoint}, with acknowledged commands ${acked}`,
    );
  });
});

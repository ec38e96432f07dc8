// Why this file exists: the crash test with two matching workers: instruments sharded over threads, cancels and
// modifies routed by order id. Ids are never reused in the stream, so the results must equal
// one plain engine's; 'resume' seeds also route commands for orders recovered from the log.

import { describe, expect, it } from 'vitest';
import { runCrashSeed } from './fixtures/crash-harness.js';
import { crashPlan, type CrashVariant } from './fixtures/crash-plan.js';

const SEEDS: Array<[number, CrashVariant]> = [
  [31, 'load'],
  [32, 'load'],
  [33, 'checkpoint'],
  [34, 'recovery'],
  [38, 'resume'],
];

describe('crash recovery (SIGKILL, workers: 2)', () => {
  it.each(SEEDS)('seed %i (%s)', async (seed, variant) => {
    const result = await runCrashSeed(crashPlan(seed, variant, 2));
    expect(result.commands).toBeGreaterThanOrEqual(result.acked);
  });
});

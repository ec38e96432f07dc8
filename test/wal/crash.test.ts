// Why this file exists: a SIGKILL at a random moment must never lose a durable record: a child appends a seeded mix and
// is killed, and every record it was told was durable is read back intact (bench/wal/crash.ts runs hundreds).

import { afterEach, describe, expect, it } from 'vitest';
import { crash_round } from './fixtures/crash-harness.js';
import { temp_dir, type TempDir } from './helpers.js';

// A few seeds here (~5-8 s); `npm run bench:wal:crash -- --seeds 300` runs hundreds.
const SEEDS: [number, 'sync' | 'async'][] = [
  [1, 'sync'],
  [2, 'sync'],
  [3, 'async'],
];
const ROUNDS_PER_SEED = 2;
const KILL_MS_MAX = 400;

describe('Wal crash (SIGKILL at a random moment)', () => {
  let dir: TempDir | undefined;
  afterEach(() => dir?.cleanup());

  it.each(SEEDS)('keeps every record reported durable (seed %i, %s)', async (seed, durability) => {
    dir = temp_dir();
    let last_seq = 0;
    for (let round = 0; round < ROUNDS_PER_SEED; round++) {
      const result = await crash_round(dir.path, seed * 100 + round, KILL_MS_MAX, durability);
      expect(result.last_seq).toBeGreaterThanOrEqual(result.durable_reported);
      expect(result.last_seq).toBeGreaterThanOrEqual(last_seq);
      last_seq = result.last_seq;
    }
  }, 30_000);
});

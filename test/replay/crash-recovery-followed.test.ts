// Why this file exists: on machines with a core per role the backup thread follows recovery (it
// restores the checkpoint and replays the tail beside the opening thread: replay/backup-follow.ts);
// on this 2-core machine it does not by default (exchange/open.ts RECOVERY_FOLLOW_CORES_MIN). These
// seeds force it on, so that path too is SIGKILLed and must reopen with every acknowledged command
// and the state hash a plain engine reaches on the logged prefix (live = replay = checkpoint +
// replay, fixtures/crash-harness.ts), and then checkpoint and reopen again from there.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCrashSeed } from '../exchange/fixtures/crash-harness.js';
import { crashPlan } from '../exchange/fixtures/crash-plan.js';

describe('crash recovery with the backup thread following it (MATCHLOG_RECOVERY_FOLLOW=1)', () => {
  let before: string | undefined;
  beforeAll(() => {
    before = process.env.MATCHLOG_RECOVERY_FOLLOW;
    process.env.MATCHLOG_RECOVERY_FOLLOW = '1';
  });
  afterAll(() => {
    if (before === undefined) delete process.env.MATCHLOG_RECOVERY_FOLLOW;
    else process.env.MATCHLOG_RECOVERY_FOLLOW = before;
  });

  it.each([3, 13])('keeps every acknowledged command and the reference state (seed %i)', async (seed) => {
    const result = await runCrashSeed(crashPlan(seed, seed > 10 ? 'checkpoint' : 'load', 1));
    expect(result.commands).toBeGreaterThanOrEqual(result.acked);
  });
});

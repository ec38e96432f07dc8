// Why this file exists: `stats().recovery.phases` is the timeline of Exchange.open (issue 9:
// "where the whole open goes"). Each phase is a duration in ms, the phases that ran are there and
// add up within the whole open, and a phase that did not run is 0. No assertion on how long
// anything took (the machine is shared): only on the shape and the order of the timeline.

import { afterEach, describe, expect, it } from 'vitest';
import { ACME, Scope } from './fixtures/common.js';
import { generate } from './fixtures/load.js';

describe('stats().recovery.phases', () => {
  const scope = new Scope();
  afterEach(() => scope.dispose());

  it('times each phase of a reopen from a checkpoint and a tail, within the whole open', async () => {
    const dir = scope.dir();
    const ex = await scope.open({ dir, instruments: [ACME], checkpointEvery: 300 });
    await Promise.all(generate(1, [ACME], 400).map((c) => ex.submit(c)));
    await ex.close();

    const again = await scope.open({ dir });
    const recovery = again.stats().recovery;
    const p = recovery.phases;
    expect(recovery.checkpointSeq).not.toBeNull();
    for (const value of Object.values(p)) {
      expect(Number.isFinite(value)).toBe(true);
      expect(value).toBeGreaterThanOrEqual(0);
    }
    expect(p.checkpointReadMs).toBeGreaterThan(0);
    expect(p.checkpointRestoreMs).toBeGreaterThan(0);
    expect(p.checkpointReadMs + p.checkpointRestoreMs).toBeLessThanOrEqual(recovery.checkpointLoadMs);
    expect(p.snapshotMs).toBeGreaterThan(0);
    expect(p.workersStartMs).toBeGreaterThan(0);
    expect(p.backupStartMs).toBeGreaterThan(0);
    // The phases run one after another (the workers' and the backup's start side by side).
    const serial = p.prepareMs + p.logOpenMs + recovery.totalMs + p.afterRecoveryMs + p.snapshotMs + Math.max(p.workersStartMs, p.backupStartMs);
    expect(serial).toBeLessThanOrEqual(p.openMs + 1);
  });

  it('has no checkpoint phases when there is no checkpoint to start from (no directory)', async () => {
    const ex = await scope.open({ instruments: [ACME], durability: 'memory' });
    const { checkpointSeq, phases } = ex.stats().recovery;
    expect(checkpointSeq).toBeNull();
    expect(phases.checkpointReadMs).toBe(0);
    expect(phases.checkpointRestoreMs).toBe(0);
    expect(phases.openMs).toBeGreaterThan(0);
  });
});

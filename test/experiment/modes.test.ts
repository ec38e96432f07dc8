// Why this file exists: the protection modes' plans: intervals scale to the run with the report's 6:1 warm:hot ratio,
// the crash never lands on a snapshot, and each mode is built from the options it claims.

import { describe, expect, it } from 'vitest';
import { MODE_NAMES, planModes } from '../../bench/experiment/modes.js';

describe('planModes', () => {
  for (const crashAt of [1_000, 15_000, 500_000]) {
    it(`scales the intervals to a run of ${crashAt} commands`, () => {
      const plans = planModes(crashAt);
      expect(plans.map((p) => p.name)).toEqual([...MODE_NAMES]);
      const byName = Object.fromEntries(plans.map((p) => [p.name, p]));
      const warm = byName.warm.intervalCommands!;
      expect(byName.hot.intervalCommands).toBe(6 * warm);
      expect(byName.matchlog.intervalCommands).toBe(2 * warm);
      // The crash falls between two warm snapshots (half an interval after the last), never on one.
      expect(crashAt % warm).not.toBe(0);
      expect(crashAt - Math.floor(crashAt / warm) * warm).toBeGreaterThan(warm / 4);
      expect(byName.hot.intervalCommands!).toBeLessThan(crashAt);
      expect(byName.cold.restartAt).toBe(Math.round(crashAt / 2));
      for (const name of ['warm', 'hot', 'matchlog']) expect(byName[name].exchange.checkpointEvery, name).toBe(byName[name].intervalCommands);
    });
  }

  it('builds each mode from the exchange options it describes', () => {
    const byName = Object.fromEntries(planModes(10_000).map((p) => [p.name, p]));
    expect(byName.none.exchange.durability).toBe('memory');
    expect(byName.none.usesDir).toBe(false);
    expect(byName.cold.exchange).toMatchObject({ durability: 'memory', checkpointMode: 'pause' });
    expect(byName.warm.exchange).toMatchObject({ durability: 'memory', checkpointMode: 'pause' });
    expect(byName.hot.exchange).toMatchObject({ durability: 'memory', checkpointMode: 'backup' });
    expect(byName.matchlog.exchange).toMatchObject({ durability: 'sync', checkpointMode: 'backup' });
    expect(byName.warm.report).toEqual({ pause: '30–120 s', interval: '~20 s', crashAfter: 'a whole interval (worst case)', lost: '40,000–100,000' });
    expect(byName.hot.report?.lost).toBe('240,000–600,000');
  });

  it('refuses a run too short to place the snapshots', () => {
    expect(() => planModes(99)).toThrow(new RangeError('crashAt must be an integer ≥ 100, got 99'));
    expect(() => planModes(1.5e3 + 0.5)).toThrow(RangeError);
  });
});

// Why this file exists: the experiment's workload: seeded and reproducible, the documented mix of command kinds, every
// command valid in order, and books that grow (a snapshot must have something to write).

import { describe, expect, it } from 'vitest';
import { Engine } from '../../engine/index.js';
import { EXPERIMENT_MIX, generateExperimentWorkload } from '../../bench/experiment/workload.js';

describe('generateExperimentWorkload', () => {
  const workload = generateExperimentWorkload(20_000, 5);

  it('is the same stream for the same seed, another for another seed', () => {
    expect(generateExperimentWorkload(20_000, 5).stats.fingerprint).toBe(workload.stats.fingerprint);
    expect(generateExperimentWorkload(20_000, 6).stats.fingerprint).not.toBe(workload.stats.fingerprint);
    expect(generateExperimentWorkload(20_000, 5).commands).toEqual(workload.commands);
  });

  it('draws the documented mix over several instruments', () => {
    const s = workload.stats;
    const share = (n: number): number => (100 * n) / s.commands;
    expect(share(s.passive_limits)).toBeCloseTo(EXPERIMENT_MIX.passive_limit_percent, -0.5);
    expect(share(s.cancels)).toBeCloseTo(EXPERIMENT_MIX.cancel_percent, -0.5);
    expect(share(s.modifies)).toBeCloseTo(EXPERIMENT_MIX.modify_percent, -0.5);
    expect(s.markets).toBeGreaterThan(0);
    expect(s.marketable_limits).toBeGreaterThan(0);
    expect(s.trades).toBeGreaterThan(0);
    expect(new Set(workload.commands.filter((c) => c.op === 'new').map((c) => (c.op === 'new' ? c.symbol : ''))).size).toBe(workload.specs.length);
  });

  it('is valid in order and grows the books', () => {
    const engine = new Engine({ instruments: workload.specs, maxOrders: 30_000 });
    for (const command of workload.commands) {
      for (const event of engine.apply(command)) expect(event.type).not.toBe('rejected');
    }
    expect(engine.liveOrders).toBe(workload.stats.resting_orders_end);
    expect(engine.liveOrders).toBeGreaterThan(workload.commands.length / 3);
  });

  it('refuses a bad length', () => {
    expect(() => generateExperimentWorkload(0, 1)).toThrow(new RangeError('commands must be an integer in 1..20000000, got 0'));
  });
});

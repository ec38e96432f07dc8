// Why this file exists: issue 11's figures compare id/account variants of one seeded stream and a
// new `wide` workload; those comparisons mean something only if every variant makes the same
// trades and book (only ids and account names differ) and `wide` is reproducible and valid for the
// engine (no rejects, the live set it tracked without events is the engine's).

import { describe, expect, it } from 'vitest';
import { ID_VARIANTS, stringId, withIdVariant } from '../../bench/engine/variants.js';
import { createWorkloadEngine, generateWorkloadDetailed } from '../../bench/engine/workloads.js';
import type { OrderCommand as Command, Depth } from '../../engine/index.js';

function runAll(workload: ReturnType<typeof generateWorkloadDetailed>, commands: Command[]): { rejected: number; trades: number; live: number; depths: Depth[] } {
  const engine = createWorkloadEngine(workload);
  let rejected = 0;
  let trades = 0;
  for (const command of commands) {
    for (const event of engine.apply(command)) {
      if (event.type === 'rejected') rejected++;
      if (event.type === 'trade') trades++;
    }
  }
  engine.checkInvariants();
  return { rejected, trades, live: engine.liveOrders, depths: workload.instruments.map((spec) => engine.depth(spec.symbol, 100_000)) };
}

describe('engine bench workloads', () => {
  it('wide is reproducible from its seed and differs between seeds', () => {
    const a = generateWorkloadDetailed('wide', { commands: 5_000, seed: 3 });
    const b = generateWorkloadDetailed('wide', { commands: 5_000, seed: 3 });
    const c = generateWorkloadDetailed('wide', { commands: 5_000, seed: 4 });
    expect(a.stats.stream_fingerprint).toBe(b.stats.stream_fingerprint);
    expect(a.commands).toEqual(b.commands);
    expect(c.stats.stream_fingerprint).not.toBe(a.stats.stream_fingerprint);
    expect(a.instruments.length).toBeGreaterThan(1);
  });

  it('wide spreads passive orders over thousands of levels and the engine accepts every command', () => {
    const w = generateWorkloadDetailed('wide', { commands: 20_000, seed: 1 });
    const result = runAll(w, w.commands);
    expect(result.rejected).toBe(0);
    expect(result.trades).toBe(0);
    expect(result.live).toBe(w.stats.resting_orders);
    // Narrow workloads stay within ±50 ticks (at most ~100 levels per side); wide uses thousands.
    expect(w.stats.levels).toBeGreaterThan(4_000);
  });

  for (const name of ['mixed', 'wide'] as const) {
    it(`every id/account variant of ${name} makes the same trades and book`, () => {
      const w = generateWorkloadDetailed(name, { commands: 8_000, seed: 2 });
      const base = runAll(w, w.commands);
      for (const variant of ID_VARIANTS) {
        const result = runAll(w, withIdVariant(w.commands, variant));
        expect(result, variant).toEqual(base);
      }
    });
  }

  it('string ids are fresh objects with equal content, at most 64 units', () => {
    const a = stringId(12345);
    const b = stringId(12345);
    expect(a).toBe(b);
    expect(a.length).toBeLessThanOrEqual(64);
    expect(stringId(1)).not.toBe(stringId(10));
  });
});

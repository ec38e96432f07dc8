// Why this file exists: one command can have thousands of events (a market order sweeping a deep
// book), so one batch's answer can be far larger than the output ring. It crosses in chunks: the
// worker publishes each and waits (bounded, re-checking) for room; the exchange's thread
// reassembles them. The events must be exactly Engine.apply's.

import { describe, expect, it } from 'vitest';
import type { EngineOptions } from '../../../engine/index.js';
import { driveWorker, SMALL_LIMITS } from './fixtures.js';

const OPTIONS: EngineOptions = { instruments: [{ symbol: 'ACME', tickSize: 1, lotSize: 1, minPrice: 1, maxPrice: 10_000 }] };

describe('matching ring: answers larger than the ring', () => {
  it('a sweep of 2,000 resting orders crosses a 4 KiB output ring in chunks, events exact', async () => {
    const commands: unknown[] = [];
    for (let i = 0; i < 2_000; i++) {
      commands.push({ op: 'new', id: `maker-${i}`, account: `acct-${i % 7}`, symbol: 'ACME', side: 'sell', type: 'limit', price: 100 + (i % 500), qty: 3, time: 1_000 + i });
    }
    commands.push({ op: 'new', id: 'sweeper', account: 'taker', symbol: 'ACME', side: 'buy', type: 'market', qty: 6_000, time: 5_000 });
    const { worker, reference } = await driveWorker(OPTIONS, commands, SMALL_LIMITS, 500);
    const sweep = worker[worker.length - 1];
    expect(sweep.filter((event) => event.type === 'trade')).toHaveLength(2_000);
    expect(worker).toEqual(reference);
  });
});

// Why this file exists: how each retention bound turns into the window start W (every record at
// or after W stays re-readable): by count exactly, by bytes and by age through the sampled ledger,
// never after the exact boundary and at most LEDGER_SAMPLE_SEQS before it; the shortest window
// wins; the ledger is bounded.

import { describe, expect, it } from 'vitest';
import { FeedRetention, LEDGER_SAMPLE_SEQS } from '../../../exchange/feed-retention.js';

/** A ledger fed `n` records of `bytes` bytes each, record s stamped at time s * msPerRecord. */
function fed(bounds: { commands?: number; bytes?: number; ms?: number }, n: number, bytes = 100, msPerRecord = 1): FeedRetention {
  const retention = FeedRetention.from({ commands: 0, bytes: 0, ms: 0, ...bounds })!;
  for (let seq = 1; seq <= n; seq++) retention.note(seq, bytes, seq * msPerRecord);
  return retention;
}

describe('feed retention window', () => {
  it('no bound: no retention object (recovery alone decides)', () => {
    expect(FeedRetention.from({ commands: 0, bytes: 0, ms: 0 })).toBeNull();
  });

  it('by commands: exactly the newest N sequence numbers', () => {
    expect(fed({ commands: 1_000 }, 50_000).windowStart(50_000, 0)).toBe(49_001);
    expect(fed({ commands: 1_000 }, 500).windowStart(500, 0)).toBe(1);
  });

  it('by bytes: at or before the exact boundary, by at most one sample', () => {
    const n = 100_000;
    // 100 bytes a record: 1,000,000 bytes are the newest 10,000 records, from 90,001.
    const w = fed({ bytes: 1_000_000 }, n).windowStart(n, 0);
    expect(w).toBeLessThanOrEqual(90_001);
    expect(w).toBeGreaterThan(90_001 - LEDGER_SAMPLE_SEQS);
  });

  it('by age: at or before the exact boundary, by at most one sample', () => {
    const n = 100_000;
    // Record s stamped at s ms; now = n: 5,000 ms keeps records stamped from 95,000 on.
    const w = fed({ ms: 5_000 }, n).windowStart(n, n);
    expect(w).toBeLessThanOrEqual(95_000);
    expect(w).toBeGreaterThan(95_000 - LEDGER_SAMPLE_SEQS);
    // Later, with no new record, the window moves on with the clock.
    expect(fed({ ms: 5_000 }, n).windowStart(n, n + 10_000)).toBeGreaterThan(w);
  });

  it('several bounds: the shortest window wins', () => {
    const n = 100_000;
    const retention = fed({ commands: 50_000, bytes: 1_000_000, ms: 60_000 }, n);
    expect(retention.windowStart(n, n)).toBe(fed({ bytes: 1_000_000 }, n).windowStart(n, n));
    expect(fed({ commands: 2_000, bytes: 1_000_000 }, n).windowStart(n, n)).toBe(98_001);
  });

  it('forgets samples the log no longer holds', () => {
    const retention = fed({ bytes: 10 ** 9 }, 100 * LEDGER_SAMPLE_SEQS);
    expect(retention.samples).toBe(100);
    retention.forget(50 * LEDGER_SAMPLE_SEQS + 1);
    expect(retention.samples).toBeLessThanOrEqual(51);
    // Everything still held is within the bound: the window starts at the oldest sample kept.
    expect(retention.windowStart(100 * LEDGER_SAMPLE_SEQS, 0)).toBe(1);
  });
});

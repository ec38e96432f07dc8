// Why this file exists: retention bounds reclaim both ways. With a bound the log and the
// checkpoints are kept back to the newest checkpoint at or before the window's start (every seq in
// the window re-readable, at most about one checkpoint interval more kept, one extra checkpoint
// file); without one, as far as recovery keeps. Bytes and age retention survive a reopen (the
// ledger is rebuilt from the log). A subscription catching up holds the log where it reads.

import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FEED_STEP_RECORDS_FOR_TESTS, FEED_WINDOW_CHECKPOINTS_MAX, type Exchange, type ExchangeOptions, type ExchangeCommand } from './retention-fixture.js';
import { eventually, MULTI, Scope } from '../fixtures/common.js';
import { reached, Recorder, take } from '../fixtures/feed.js';
import { generate } from '../fixtures/load.js';

/** Submits in chunks of `every`, letting the backup thread checkpoint after each; returns the last seq. */
async function run(ex: Exchange, commands: ExchangeCommand[], every: number): Promise<number> {
  let last = 0;
  for (let i = 0; i < commands.length; i += every) {
    const results = await ex.submitMany(commands.slice(i, i + every));
    last = results[results.length - 1].seq!;
    await eventually(() => (ex.stats().checkpoints.lastSeq ?? 0) >= last, 5_000);
  }
  return last;
}

const checkpointFiles = (dir: string) => readdirSync(join(dir, 'checkpoints')).filter((name) => name.endsWith('.bin')).length;

describe('feed retention and reclaim', () => {
  const scope = new Scope();
  afterEach(() => scope.dispose());
  const base = (dir: string): ExchangeOptions => ({ dir, instruments: MULTI, checkpointEveryCommands: 100, checkpointsKept: 1 });

  it.each(['backup', 'pause'] as const)('feedRetentionCommands keeps the window re-readable and reclaims behind it (checkpointMode %s)', async (checkpointMode) => {
    const dir = scope.dir();
    const ex = await scope.open({ ...base(dir), checkpointMode, feedRetentionCommands: 500 });
    const live = new Recorder(ex.events());
    const last = await run(ex, generate(61, MULTI, 2_000), 100);
    await eventually(() => ex.stats().feed.oldestSeq > 1, 5_000);
    const oldest = ex.stats().feed.oldestSeq;
    expect(oldest).toBeLessThanOrEqual(last - 500 + 1);
    expect(oldest).toBeGreaterThan(last - 500 - 250);
    expect(ex.stats().firstSeq).toBe(oldest);
    // Recovery's newest, the one the window starts from, and those spread inside the window.
    expect(checkpointFiles(dir)).toBeLessThanOrEqual(1 + 1 + FEED_WINDOW_CHECKPOINTS_MAX);
    await reached(live, last);
    const expected = live.events.filter((e) => e.seq >= oldest);
    const feed = ex.events({ fromSeq: oldest });
    expect(await take(feed, expected.length)).toEqual(expected);
  });

  it('no bound: the log is kept only back to recovery’s oldest checkpoint', async () => {
    const dir = scope.dir();
    const ex = await scope.open(base(dir));
    const last = await run(ex, generate(62, MULTI, 1_000), 100);
    await eventually(() => ex.stats().firstSeq > last - 150, 5_000);
    expect(ex.stats().feed.oldestSeq).toBeGreaterThan(last - 150);
    expect(checkpointFiles(dir)).toBe(1);
  });

  it('feedRetentionMs and feedRetentionBytes hold across a reopen (the ledger is rebuilt from the log)', async () => {
    const dir = scope.dir();
    const hour = { ...base(dir), feedRetentionMs: 3_600_000 };
    const first = await scope.open(hour);
    await run(first, generate(63, MULTI, 600), 100);
    await first.close();
    const again = await scope.open(hour);
    const last = await run(again, generate(64, MULTI, 600), 100);
    // Everything was stamped within the hour: all of it stays re-readable.
    expect(again.stats().feed.oldestSeq).toBe(1);
    await again.close();

    const bytes = await scope.open({ ...base(dir), feedRetentionBytes: 20_000 });
    await run(bytes, generate(65, MULTI, 300), 100);
    await eventually(() => bytes.stats().feed.oldestSeq > 1, 5_000);
    const oldest = bytes.stats().feed.oldestSeq;
    // ~50-130 bytes a record: 20,000 bytes are a few hundred records, kept from a checkpoint before them.
    expect(oldest).toBeGreaterThan(1);
    expect(oldest).toBeLessThan(last + 300 - 100);
  });

  it('a subscription catching up holds the log at the record it reads next', async () => {
    const dir = scope.dir();
    const ex = await scope.open({ ...base(dir), checkpointEveryCommands: 2_000 });
    await ex.submitMany(generate(66, MULTI, 3 * FEED_STEP_RECORDS_FOR_TESTS));
    const feed = ex.events({ fromSeq: 1 });
    await take(feed, 1);
    // One step read FEED_STEP_RECORDS records; checkpoints after it must not reclaim past them.
    const last = await run(ex, generate(67, MULTI, 4_000), 2_000);
    expect((ex.stats().checkpoints.lastSeq ?? 0) >= last).toBe(true);
    expect(ex.stats().firstSeq).toBeLessThanOrEqual(FEED_STEP_RECORDS_FOR_TESTS + 1);
    await feed.return!();
  });
});

// Why this file exists: with checkpoints and reclaim running, events({ fromSeq }) works from the
// oldest retained seq (stats().feed.oldestSeq) and from either side of a checkpoint boundary, and a
// seq older than retained is a typed error (FeedError FEED_SEQ_NOT_RETAINED) naming the oldest.

import { afterEach, describe, expect, it } from 'vitest';
import { FeedError, type Exchange } from '../../../index.js';
import { eventually, MULTI, Scope } from '../fixtures/common.js';
import { reached, Recorder, take } from '../fixtures/feed.js';
import { generate } from '../fixtures/load.js';

async function feedFrom(ex: Exchange, fromSeq: number, count: number) {
  const stream = ex.events({ fromSeq });
  const events = await take(stream, count);
  await stream.return!();
  return events;
}

describe('events({ fromSeq }) at the edges of what is retained', () => {
  const scope = new Scope();
  afterEach(() => scope.dispose());

  it('from the oldest retained seq and at a checkpoint boundary; older is FEED_SEQ_NOT_RETAINED', async () => {
    const ex = await scope.open({
      dir: scope.dir(),
      instruments: MULTI,
      checkpointEveryCommands: 100,
      checkpointsKept: 2,
      feedRetentionCommands: 250,
    });
    const live = new Recorder(ex.events());
    const commands = generate(41, MULTI, 1_200);
    let last = 0;
    for (let i = 0; i < commands.length; i += 100) {
      const results = await Promise.all(commands.slice(i, i + 100).map((c) => ex.submit(c)));
      last = results[results.length - 1].seq!;
      // Let the backup thread checkpoint (and the log be reclaimed) as it goes.
      await eventually(() => (ex.stats().checkpoints.lastSeq ?? 0) >= ex.lastSeq - 100, 5_000);
    }
    expect(await eventually(() => ex.stats().firstSeq > 1, 5_000)).toBe(true);
    await reached(live, last);
    const oldest = ex.stats().feed.oldestSeq;
    expect(oldest).toBe(ex.stats().firstSeq);
    const expected = (fromSeq: number) => live.events.filter((e) => e.seq >= fromSeq);

    expect(await feedFrom(ex, oldest, expected(oldest).length)).toEqual(expected(oldest));
    // oldest - 1 is a checkpoint: from it + 1 nothing is replayed silently; from it, the one before is used.
    const checkpoint = ex.stats().checkpoints.lastSeq!;
    for (const fromSeq of [checkpoint, checkpoint + 1]) expect(await feedFrom(ex, fromSeq, expected(fromSeq).length)).toEqual(expected(fromSeq));

    // Read again in the same turn as the call: a checkpoint the backup finished meanwhile may have
    // moved the oldest retained seq on (seen in CI: 801 read above, 901 at the call).
    const oldestNow = ex.stats().feed.oldestSeq;
    let thrown: unknown;
    try {
      ex.events({ fromSeq: oldestNow - 1 });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(FeedError);
    expect(thrown).toMatchObject({ code: 'FEED_SEQ_NOT_RETAINED', fromSeq: oldestNow - 1, oldestSeq: oldestNow });
    expect((thrown as Error).message).toBe(
      `events from seq ${oldestNow - 1} are no longer retained: the oldest retained seq is ${oldestNow} (raise feedRetentionCommands, feedRetentionBytes or feedRetentionMs to keep more)`,
    );
  });

  it('a fromSeq that is not an integer >= 1 is FEED_SEQ_INVALID', async () => {
    const ex = await scope.open({ dir: scope.dir(), instruments: MULTI });
    for (const fromSeq of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '3' as unknown as number]) {
      expect(() => ex.events({ fromSeq })).toThrow(expect.objectContaining({ name: 'FeedError', code: 'FEED_SEQ_INVALID' }));
    }
    expect(() => ex.events({ fromSeq: 0 })).toThrow('events: fromSeq must be an integer >= 1 (got 0)');
  });

  it('memory durability keeps no log: only the live point onwards is retained', async () => {
    const ex = await scope.open({ durability: 'memory', instruments: MULTI });
    const results = await Promise.all(generate(42, MULTI, 20).map((c) => ex.submit(c)));
    const last = results[results.length - 1].seq!;
    expect(ex.stats().feed.oldestSeq).toBe(last + 1);
    expect(() => ex.events({ fromSeq: last })).toThrow(expect.objectContaining({ code: 'FEED_SEQ_NOT_RETAINED', oldestSeq: last + 1 }));
  });
});

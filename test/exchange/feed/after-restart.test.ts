// Why this file exists: a drop-copy consumer that crashed resumes after the exchange restarted
// (here: closed and reopened, and killed-equivalent reopen of the same directory) from its last
// seq + 1, with two matching workers, and gets exactly what it would have seen live.

import { afterEach, describe, expect, it } from 'vitest';
import { Exchange } from '../../../index.js';
import { MULTI, Scope } from '../fixtures/common.js';
import { reached, Recorder, take } from '../fixtures/feed.js';
import { generate } from '../fixtures/load.js';

describe('events({ fromSeq }) after a restart', () => {
  const scope = new Scope();
  afterEach(() => scope.dispose());

  it('regenerates the events of the previous run (workers: 2), then continues live', async () => {
    const dir = scope.dir();
    const options = { dir, instruments: MULTI, workers: 2, feedRetentionCommands: 10_000, markEveryCommands: 64 };
    const first = await scope.open(options);
    const live = new Recorder(first.events());
    const commands = generate(31, MULTI, 900);
    await Promise.all(commands.slice(0, 600).map((c) => first.submit(c)));
    await first.close();
    const before = await live.done;
    const consumerLast = before[Math.floor(before.length / 3)].seq;

    const again = await scope.open(options);
    const resumed = new Recorder(again.events({ fromSeq: consumerLast + 1 }));
    const liveAgain = new Recorder(again.events());
    const after = await Promise.all(commands.slice(600).map((c) => again.submit(c)));
    const lastSeq = after[after.length - 1].seq!;
    await reached(resumed, lastSeq);
    await again.close();
    const expected = [...before.filter((e) => e.seq > consumerLast), ...(await liveAgain.done)];
    expect(await resumed.done).toEqual(expected);
  });

  it('with no retention bound a reopened exchange retains what recovery keeps; older is a typed error naming the oldest', async () => {
    const dir = scope.dir();
    const first = await scope.open({ dir, instruments: MULTI });
    const live = new Recorder(first.events());
    await Promise.all(generate(32, MULTI, 200).map((c) => first.submit(c)));
    await first.close();
    const before = await live.done;
    // close checkpointed and reclaimed the log behind that checkpoint: only later seqs are retained.
    const again = await Exchange.open({ dir });
    try {
      const oldest = again.stats().firstSeq;
      expect(oldest).toBeGreaterThan(1);
      expect(() => again.events({ fromSeq: 1 })).toThrow(expect.objectContaining({ code: 'FEED_SEQ_NOT_RETAINED', oldestSeq: oldest }));
      const feed = again.events({ fromSeq: oldest });
      const next = await again.submit({ op: 'cancel', id: 'never', account: 'a' });
      expect(await take(feed, 1)).toEqual([{ ...next.events[0], seq: next.seq, time: next.time }]);
      expect(before.length).toBeGreaterThan(0);
    } finally {
      await again.close();
    }
  });
});

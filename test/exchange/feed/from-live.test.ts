// Why this file exists: events({ fromSeq }) on a running exchange regenerates exactly the events a
// live subscriber got for every seq ≥ fromSeq (deep equal, seq and time included), then goes on live.

import { afterEach, describe, expect, it } from 'vitest';
import { MULTI, Scope } from '../fixtures/common.js';
import { reached, Recorder, take } from '../fixtures/feed.js';
import { generate } from '../fixtures/load.js';

describe('events({ fromSeq }) on a running exchange', () => {
  const scope = new Scope();
  afterEach(() => scope.dispose());

  it('regenerates what a live subscriber recorded from any seq, then continues live', async () => {
    const ex = await scope.open({ dir: scope.dir(), instruments: MULTI, markEveryCommands: 50 });
    const live = new Recorder(ex.events());
    const commands = generate(21, MULTI, 600);
    const results = await Promise.all(commands.slice(0, 400).map((c) => ex.submit(c)));
    await reached(live, results[results.length - 1].seq!);
    for (const fromSeq of [1, 2, 137, 399, 400]) {
      const expected = live.events.filter((e) => e.seq >= fromSeq);
      const feed = ex.events({ fromSeq });
      expect(await take(feed, expected.length)).toEqual(expected);
      await feed.return!();
    }
    // From the middle, then the live tail arrives on the same subscription.
    const resumed = new Recorder(ex.events({ fromSeq: 250 }));
    const tail = await Promise.all(commands.slice(400).map((c) => ex.submit(c)));
    const lastSeq = tail[tail.length - 1].seq!;
    // Wait until it caught up (a subscription still catching up at close ends where it got to).
    await reached(resumed, lastSeq);
    await ex.close();
    const all = await live.done;
    const got = await resumed.done;
    expect(got).toEqual(all.filter((e) => e.seq >= 250));
    expect(got[got.length - 1].seq).toBe(lastSeq);
  });

  it('a fromSeq past the live point waits for it and skips what comes before', async () => {
    const ex = await scope.open({ dir: scope.dir(), instruments: MULTI });
    const commands = generate(22, MULTI, 40);
    const first = await Promise.all(commands.slice(0, 20).map((c) => ex.submit(c)));
    const from = first[first.length - 1].seq! + 5;
    const feed = ex.events({ fromSeq: from });
    const live = new Recorder(ex.events());
    await Promise.all(commands.slice(20).map((c) => ex.submit(c)));
    await ex.close();
    expect(await take(feed, Number.MAX_SAFE_INTEGER)).toEqual((await live.done).filter((e) => e.seq >= from));
  });
});

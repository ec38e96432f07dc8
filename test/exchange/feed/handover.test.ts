// Why this file exists: the hand-over from regenerated to live events while commands keep being
// acknowledged. Subscriptions opened at many moments, from many seqs, under a steady stream of
// concurrent submits (two workers), each see exactly the live events from their fromSeq on: no gap,
// no duplicate, in order. Also: live events that pile up while a subscription catches up are
// bounded by eventsBacklogMax (EventsOverflowError), and a subscription can stop at any time.

import { afterEach, describe, expect, it } from 'vitest';
import { EventsOverflowError } from '../../../index.js';
import { MULTI, Scope } from '../fixtures/common.js';
import { reached, Recorder } from '../fixtures/feed.js';
import { generate } from '../fixtures/load.js';

describe('events({ fromSeq }) hand-over to live', () => {
  const scope = new Scope();
  afterEach(() => scope.dispose());

  it('no gap and no duplicate under concurrent submits', async () => {
    const ex = await scope.open({ dir: scope.dir(), instruments: MULTI, workers: 2, markEveryCommands: 97, feedRetentionCommands: 100_000 });
    const live = new Recorder(ex.events());
    const commands = generate(51, MULTI, 1_600);
    const feeds: Array<{ fromSeq: number; recorder: Recorder }> = [];
    let k = 0;
    let refused = 0;
    const subscribe = (): void => {
      const last = ex.lastSeq;
      if (last === 0) return;
      const fromSeq = 1 + ((++k * 7919) % last);
      try {
        feeds.push({ fromSeq, recorder: new Recorder(ex.events({ fromSeq })) });
      } catch (error) {
        // FEED_CATCH_UPS_MAX subscriptions catching up at once: the documented refusal.
        expect(error).toMatchObject({ code: 'FEED_CATCH_UPS_FULL' });
        refused++;
      }
    };
    const inFlight: Array<Promise<unknown>> = [];
    for (let round = 0; round * 50 < commands.length; round++) {
      const batch = ex.submitMany(commands.slice(round * 50, round * 50 + 50));
      inFlight.push(batch);
      // Right as a batch is acknowledged, or while others are in flight.
      if (round % 2 === 0) void batch.then(subscribe);
      else subscribe();
      if (round % 3 === 2) await inFlight[inFlight.length - 2];
    }
    await Promise.all(inFlight);
    const final = await ex.submit({ op: 'cancel', id: 'end', account: 'a' });
    const end = final.seq!;
    for (const { recorder } of feeds) await reached(recorder, end);
    await ex.close();
    const all = await live.done;
    expect(feeds.length).toBeGreaterThan(10);
    expect(refused).toBeLessThan(feeds.length);
    for (const { fromSeq, recorder } of feeds) expect(await recorder.done).toEqual(all.filter((e) => e.seq >= fromSeq));
  });

  it('live events piling up while catching up are bounded by eventsBacklogMax', async () => {
    const ex = await scope.open({ dir: scope.dir(), instruments: MULTI, eventsBacklogMax: 20 });
    const commands = generate(52, MULTI, 200);
    await Promise.all(commands.slice(0, 100).map((c) => ex.submit(c)));
    const feed = ex.events({ fromSeq: 1 });
    // Nobody reads: regeneration does not run, and live events wait in the bounded buffer.
    await Promise.all(commands.slice(100).map((c) => ex.submit(c)));
    await expect(feed.next()).rejects.toThrow(EventsOverflowError);
    await expect(feed.next()).rejects.toThrow('events subscriber fell 20 live events behind while catching up; subscription dropped');
    expect(ex.stats().feed.catchingUp).toBe(0);
  });

  it('a subscription that returns while catching up stops regenerating and releases its hold on the log', async () => {
    const ex = await scope.open({ dir: scope.dir(), instruments: MULTI });
    await Promise.all(generate(53, MULTI, 100).map((c) => ex.submit(c)));
    const feed = ex.events({ fromSeq: 1 });
    expect(ex.stats().feed.catchingUp).toBe(1);
    expect((await feed.next()).value).toMatchObject({ seq: 1 });
    await feed.return!();
    expect(ex.stats().feed.catchingUp).toBe(0);
    expect(await feed.next()).toEqual({ value: undefined, done: true });
  });
});

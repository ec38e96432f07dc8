// Why this file exists: the `rested` event (SEMANTICS.md "Rested") is for market-data builders that
// only see the exchange's feed. Through a real exchange with two matching workers (events crossing
// threads through the worker codec), a DepthFromEvents fed the live `events()` — and another fed
// the feed regenerated from seq 1 after a reopen — must hold exactly `ex.depth()` for every
// instrument; every `rested` carries the seq and time of its command.

import { afterEach, describe, expect, it } from 'vitest';
import { DepthFromEvents } from '../../../index.js';
import { MULTI, Scope } from '../fixtures/common.js';
import { Recorder, reached, take } from '../fixtures/feed.js';
import { generate } from '../fixtures/load.js';

const SYMBOLS = MULTI.map((spec) => spec.symbol);
const LEVELS = 100_000;

describe('depth kept from the exchange feed', () => {
  const scope = new Scope();
  afterEach(() => scope.dispose());

  it('equals ex.depth() live, and again from the regenerated feed after reopening', async () => {
    const dir = scope.dir();
    const ex = await scope.open({ dir, instruments: MULTI, workers: 2, feedRetentionCommands: 100_000 });
    const recorder = new Recorder(ex.events());
    const commands = generate(7, MULTI, 2_000);
    const results = await Promise.all(commands.map((command) => ex.submit(command)));
    const lastSeq = Math.max(...results.map((r) => r.seq ?? 0));
    await reached(recorder, lastSeq);
    const live = new DepthFromEvents(SYMBOLS);
    for (const event of recorder.events) live.apply(event);
    const rested = recorder.events.filter((e) => e.type === 'rested');
    expect(rested.length).toBeGreaterThan(100);
    for (const e of rested) expect(typeof e.seq === 'number' && typeof e.time === 'number').toBe(true);
    for (const symbol of SYMBOLS) expect(live.depth(symbol, LEVELS)).toEqual(ex.depth(symbol, LEVELS));
    const depths = SYMBOLS.map((symbol) => ex.depth(symbol, LEVELS));
    await ex.close();
    await recorder.done;

    const reopened = await scope.open({ dir, instruments: MULTI, workers: 2, feedRetentionCommands: 100_000 });
    const feed = reopened.events({ fromSeq: 1 });
    const regenerated = await take(feed, recorder.events.length);
    await feed.return!();
    expect(regenerated).toEqual(recorder.events);
    const again = new DepthFromEvents(SYMBOLS);
    for (const event of regenerated) again.apply(event);
    SYMBOLS.forEach((symbol, i) => expect(again.depth(symbol, LEVELS)).toEqual(depths[i]));
  }, 60_000);
});

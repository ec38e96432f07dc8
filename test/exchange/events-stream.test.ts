// Why this file exists: exchange.events(): every acknowledged event, in sequence order, each with the seq of the
// command that produced it — exactly the events the submitters got, nothing unlogged.

import { afterEach, describe, expect, it } from 'vitest';
import { EventsOverflowError, type ExchangeEvent } from '../../index.js';
import { MULTI, Scope, wire } from './fixtures/common.js';
import { generate } from './fixtures/load.js';

async function collect(stream: AsyncIterable<ExchangeEvent>): Promise<ExchangeEvent[]> {
  const events: ExchangeEvent[] = [];
  for await (const e of stream) events.push(e);
  return events;
}

describe('Exchange.events()', () => {
  const scope = new Scope();
  afterEach(() => scope.dispose());

  it('delivers every acknowledged event in seq order with .seq, and ends at close', async () => {
    const ex = await scope.open({ dir: scope.dir(), instruments: MULTI, markEvery: 100 });
    const streamed = collect(ex.events());
    const commands = generate(7, MULTI, 1_500);
    const results = await Promise.all([
      ...commands.slice(0, 700).map((c) => ex.submit(c)),
      ex.submit(wire({ op: 'bogus' })), // refused before the log: no event on the stream
      ...commands.slice(700).map((c) => ex.submit(c)),
    ]);
    await ex.close();
    const events = await streamed;
    const expected = results.filter((r) => r.seq !== null).flatMap((r) => r.events.map((e) => ({ ...e, seq: r.seq, time: r.time })));
    expect(events.length).toBe(expected.length);
    expect(events).toEqual(expected);
    for (let i = 1; i < events.length; i++) expect(events[i].seq).toBeGreaterThanOrEqual(events[i - 1].seq);
  });

  it('two subscribers see the same events; one that returns early detaches without harm', async () => {
    const ex = await scope.open({ dir: scope.dir(), instruments: MULTI });
    const a = collect(ex.events());
    const quitter = ex.events();
    const commands = generate(8, MULTI, 300);
    const first = await ex.submit(commands[0]);
    const one = await quitter.next();
    expect(one.value).toEqual({ ...first.events[0], seq: first.seq, time: first.time });
    await quitter.return!();
    await Promise.all(commands.slice(1).map((c) => ex.submit(c)));
    await ex.close();
    const all = await a;
    expect(all[0]).toEqual(one.value);
    expect(all.length).toBeGreaterThan(300);
    expect(await quitter.next()).toEqual({ value: undefined, done: true });
  });

  it('a subscription opened after close ends at once', async () => {
    const ex = await scope.open({ dir: scope.dir(), instruments: MULTI });
    await ex.close();
    expect(await collect(ex.events())).toEqual([]);
  });

  it('a subscriber that falls eventsBacklogMax behind fails with EventsOverflowError; the exchange carries on', async () => {
    const ex = await scope.open({ dir: scope.dir(), instruments: MULTI, eventsBacklogMax: 10 });
    const slow = ex.events();
    const results = await Promise.all(generate(9, MULTI, 50).map((c) => ex.submit(c)));
    // The subscription is dropped (what it missed is in the log); reading it throws.
    await expect(slow.next()).rejects.toThrow(EventsOverflowError);
    await expect(slow.next()).rejects.toThrow('events subscriber fell 10 events behind; subscription dropped');
    expect(results.every((r) => r.seq !== null)).toBe(true);
    const after = await ex.submit({ op: 'cancel', id: 'none', account: 'a' });
    expect(after.seq).toBe(results[results.length - 1].seq! + 1);
  });
});

// Why this file exists: submitMany's `events: false` option — accepted commands' results carry no
// events (a rejected command's still carries its `rejected` event), while the log, the state, the
// digest and subscribers see exactly what they see without it — and one test per message of the
// option's check (unknown key, wrong type, not an object).

import { afterEach, describe, expect, it } from 'vitest';
import type { ExchangeCommand, ExchangeEvent } from '../../index.js';
import { MULTI, Reference, Scope } from './fixtures/common.js';
import { generate } from './fixtures/load.js';

describe('submitMany { events: false }', () => {
  const scope = new Scope();
  afterEach(() => scope.dispose());

  it('resolves the same seqs and state; events only for rejected commands; subscribers see every event', async () => {
    const dir = scope.dir();
    const ex = await scope.open({ dir, instruments: MULTI, workers: 2 });
    const commands = generate(33, MULTI, 1200);
    const reference = new Reference(MULTI);
    const published: ExchangeEvent[] = [];
    const stream = ex.events();
    const reading = (async () => {
      for await (const event of stream) published.push(event);
    })();
    const results = [...(await ex.submitMany(commands.slice(0, 700), { events: false })), ...(await ex.submitMany(commands.slice(700), { events: false }))];
    expect(results.map((r) => r.seq)).toEqual(commands.map((_, i) => i + 1));
    let rejected = 0;
    const expected: unknown[] = [];
    results.forEach((r, i) => {
      const events = reference.apply(commands[i]);
      expected.push(...events.map((e) => ({ ...e, seq: r.seq, time: r.time })));
      const own = events.find((e) => e.type === 'rejected');
      if (own === undefined) {
        expect(r.events).toEqual([]);
      } else {
        rejected++;
        expect(r.events).toEqual(events);
      }
    });
    // The workload has rejections (unknown ids, bad modifies): the rule is exercised both ways.
    expect(rejected).toBeGreaterThan(0);
    expect(ex.stateHash()).toBe(reference.stateHash());
    await ex.close();
    await reading;
    expect(published).toEqual(expected);
    // The digest folded the same events: reopening verifies the closing mark against replay.
    const again = await scope.open({ dir });
    expect(again.stateHash()).toBe(reference.stateHash());
  });

  it('keeps a refusal before the log in place, with its event', async () => {
    const ex = await scope.open({ dir: scope.dir(), instruments: MULTI });
    const bad = { op: 'new', id: 1, account: 'a', symbol: 'NOPE', side: 'buy', type: 'limit', price: 1, qty: 1 } as ExchangeCommand;
    const [result] = await ex.submitMany([bad], { events: false });
    expect(result.seq).toBeNull();
    expect(result.events).toEqual([expect.objectContaining({ type: 'rejected', reason: 'UNKNOWN_SYMBOL' })]);
  });

  it('events: true (and no options) is the default: every event', async () => {
    const ex = await scope.open({ dir: scope.dir(), instruments: MULTI });
    const commands = generate(5, MULTI, 50);
    const reference = new Reference(MULTI);
    const results = await ex.submitMany(commands, { events: true });
    results.forEach((r, i) => expect(r.events).toEqual(reference.apply(commands[i])));
  });

  it('rejects an unknown option, naming it', async () => {
    const ex = await scope.open({ dir: scope.dir(), instruments: MULTI });
    await expect(ex.submitMany([], { event: false } as never)).rejects.toThrow(new TypeError('submitMany: unknown option "event" (known: events)'));
    expect(ex.stats().submitted).toBe(0);
  });

  it('rejects a non-boolean events, saying what it got', async () => {
    const ex = await scope.open({ dir: scope.dir(), instruments: MULTI });
    await expect(ex.submitMany([], { events: 'no' } as never)).rejects.toThrow(new TypeError('submitMany option events must be a boolean, got string "no"'));
  });

  it('rejects options that are not an object, saying what it got', async () => {
    const ex = await scope.open({ dir: scope.dir(), instruments: MULTI });
    await expect(ex.submitMany([], null as never)).rejects.toThrow(new TypeError('submitMany options must be an object, got null'));
    await expect(ex.submitMany([], [] as never)).rejects.toThrow(new TypeError('submitMany options must be an object, got an array'));
    await expect(ex.submitMany([], false as never)).rejects.toThrow(new TypeError('submitMany options must be an object, got boolean'));
  });
});

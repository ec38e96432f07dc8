// Why this file exists: `depth` and `top` are what a venue polls, and a query to the backup replica waits
// behind a checkpoint it is writing (seconds on a large book). So with a backup thread they are answered on
// the caller's thread by an L2 view kept from the acknowledged events (DepthFromEvents), seeded once from the
// replica's L3 book on the first depth/top query. After every submit of a seeded stream with every order type
// (icebergs, stops, OCO, GTT, modifies), both must equal a plain Engine fed the same commands, without one
// more request to the backup thread; after a reopen the view seeds from the recovered replica.

import { afterEach, describe, expect, it, vi } from 'vitest';
import { Engine, type Command } from '../../../index.js';
import { MULTI, Scope } from '../fixtures/common.js';
import { generate } from '../fixtures/load.js';

interface Parts {
  checkpointer: { query(method: string, args: unknown[]): unknown };
}

const ALL_LEVELS = 100_000;

describe('depth and top from the L2 view kept from events', () => {
  const scope = new Scope();
  afterEach(async () => {
    vi.restoreAllMocks();
    await scope.dispose();
  });

  it('equal an Engine after every submit, with no request to the backup after the first', async () => {
    const dir = scope.dir();
    const ex = await scope.open({ dir, instruments: MULTI, workers: 2 });
    expect(ex.stats().backup.running).toBe(true);
    const reference = new Engine({ instruments: MULTI });
    const commands = generate(4242, MULTI, 900);
    const asked: string[] = [];
    const checkpointer = (ex as unknown as Parts).checkpointer;
    const query = checkpointer.query.bind(checkpointer);
    vi.spyOn(checkpointer, 'query').mockImplementation((method: string, args: unknown[]) => {
      asked.push(method);
      return query(method, args);
    });
    for (let i = 0; i < commands.length; i++) {
      const result = await ex.submit(commands[i]);
      reference.apply({ ...commands[i], time: result.time! } as Command, result.seq!);
      // The first 300 commands build a book before anyone looks: the view is seeded from it.
      if (i < 300) continue;
      for (const spec of MULTI) {
        expect(ex.depth(spec.symbol, 5)).toEqual(reference.depth(spec.symbol, 5));
        expect(ex.depth(spec.symbol, ALL_LEVELS)).toEqual(reference.depth(spec.symbol, ALL_LEVELS));
        expect(ex.top(spec.symbol)).toEqual(reference.top(spec.symbol));
      }
    }
    // Seeding asked the replica for each instrument's L3 book once; nothing else went to the backup.
    expect(asked).toEqual(MULTI.map(() => 'l3'));
    const depths = MULTI.map((spec) => ex.depth(spec.symbol, ALL_LEVELS));
    await ex.close();
    // After close the kept view still answers, exactly.
    expect(MULTI.map((spec) => ex.depth(spec.symbol, ALL_LEVELS))).toEqual(depths);

    const again = await scope.open({ dir, instruments: MULTI, workers: 2 });
    expect(MULTI.map((spec) => again.depth(spec.symbol, ALL_LEVELS))).toEqual(depths);
    expect(again.top(MULTI[0].symbol)).toEqual(reference.top(MULTI[0].symbol));
  });

  it('throws the EngineError a plain Engine throws for an unknown symbol or bad levels, and goes on', async () => {
    const ex = await scope.open({ dir: scope.dir(), instruments: MULTI });
    const reference = new Engine({ instruments: MULTI });
    const error = (f: () => unknown): unknown => {
      try {
        f();
      } catch (e) {
        return { name: (e as Error).name, code: (e as { code?: string }).code, message: (e as Error).message };
      }
      return null;
    };
    expect(error(() => ex.depth('NOPE', 5))).toEqual(error(() => reference.depth('NOPE', 5)));
    expect(error(() => ex.top('NOPE'))).toEqual(error(() => reference.top('NOPE')));
    expect(error(() => ex.depth(MULTI[0].symbol, 0))).toEqual(error(() => reference.depth(MULTI[0].symbol, 0)));
    expect(ex.depth(MULTI[0].symbol, 5)).toEqual(reference.depth(MULTI[0].symbol, 5));
  });

  it('learns an instrument added by an admin command', async () => {
    const ex = await scope.open({ dir: scope.dir(), instruments: MULTI });
    ex.depth(MULTI[0].symbol, 5); // seeds the view before the instrument exists
    const added = await ex.addInstrument({ symbol: 'NEWCO', tickSize: 1, lotSize: 1, minPrice: 1, maxPrice: 100_000 });
    expect(added.events[0]).toMatchObject({ type: 'instrument_added', symbol: 'NEWCO' });
    await ex.submit({ op: 'new', id: 'n1', account: 'a', symbol: 'NEWCO', side: 'buy', type: 'limit', price: 100, qty: 3 });
    expect(ex.depth('NEWCO', 5)).toEqual({ bids: [[100, 3]], asks: [] });
    expect(ex.top('NEWCO')).toEqual({ bid: 100, bidQty: 3, ask: null, askQty: 0 });
  });
});

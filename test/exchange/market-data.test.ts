// Why this file exists: a venue publishes top of book and an L3 snapshot from the exchange, as of
// the last acknowledged command, and they match a plain engine fed the same commands.

import { afterEach, describe, expect, it } from 'vitest';
import { MULTI, Reference, Scope } from './fixtures/common.js';
import { generate } from './fixtures/load.js';

describe('exchange market data', () => {
  const scope = new Scope();
  afterEach(() => scope.dispose());

  it('top and l3 agree with a plain engine after a generated stream (two workers)', async () => {
    const ex = await scope.open({ dir: scope.dir(), instruments: MULTI, workers: 2 });
    const reference = new Reference(MULTI);
    const commands = generate(12, MULTI, 400);
    for (const c of commands) reference.apply(c);
    await Promise.all(commands.map((c) => ex.submit(c)));
    for (const { symbol } of MULTI) {
      expect(ex.top(symbol)).toEqual(reference.engine.top(symbol));
      expect(ex.l3(symbol, 50)).toEqual(reference.engine.l3(symbol, 50));
      expect(ex.l3(symbol, 50).bids.map((l) => [l.price, l.qty])).toEqual(ex.depth(symbol, 50).bids);
    }
  });
});

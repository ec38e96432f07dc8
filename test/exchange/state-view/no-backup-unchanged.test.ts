// Why this file exists: configurations without a backup thread keep the main-thread engine as their query view
// (it is then the only replica: what a paused checkpoint writes): 'memory' without a directory and checkpointMode
// 'pause'. Their queries equal a plain Engine after every submit, as before issue 9.

import { afterEach, describe, expect, it } from 'vitest';
import { Engine, type Command, type ExchangeOptions } from '../../../index.js';
import { MULTI, Scope } from '../fixtures/common.js';
import { generate } from '../fixtures/load.js';

describe('no backup thread: the main-thread engine answers', () => {
  const scope = new Scope();
  afterEach(() => scope.dispose());

  const configs: Array<[string, (scope: Scope) => ExchangeOptions]> = [
    ["'memory' without a directory", () => ({ durability: 'memory', instruments: MULTI, workers: 2 })],
    ["checkpointMode 'pause'", (s) => ({ dir: s.dir(), instruments: MULTI, checkpointMode: 'pause', checkpointEvery: 40 })],
  ];
  for (const [name, options] of configs) {
    it(`${name}: queries equal an Engine after every submit, also after close`, async () => {
      const ex = await scope.open(options(scope));
      expect(ex.stats().backup.running).toBe(false);
      const reference = new Engine({ instruments: MULTI });
      for (const command of generate(31, MULTI, 120)) {
        const result = await ex.submit(command);
        reference.apply({ ...command, time: result.time! } as Command, result.seq!);
        for (const spec of MULTI) expect(ex.depth(spec.symbol, 5)).toEqual(reference.depth(spec.symbol, 5));
        expect(ex.orderStatus(command.id)).toEqual(reference.orderStatus(command.id));
        expect(ex.stateHash()).toBe(reference.stateHash());
      }
      expect(ex.stats().liveOrders).toBe(reference.liveOrders);
      await ex.close();
      expect(ex.stateHash()).toBe(reference.stateHash());
    });
  }
});

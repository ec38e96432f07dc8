// Why this file exists: issue 12's first failure — order `client-42` traded, the venue restarted,
// the same `new` was accepted again and traded again. Ids are remembered across restarts and every
// recovery path (log replay from zero, checkpoint + replay, workers 1 or 2): the retry is rejected
// DUPLICATE_ID with the original seq, nothing trades twice, orderStatus tells the client what
// happened, and the state hash is the one before the restart.

import { afterEach, describe, expect, it } from 'vitest';
import type { ExchangeCommand } from '../../index.js';
import { MULTI, Scope, wire } from './fixtures/common.js';

const order = (id: string, account: string, side: 'buy' | 'sell', qty: number): ExchangeCommand =>
  wire({ op: 'new', id, account, symbol: 'BETA', side, type: 'limit', price: 500, qty });

describe('idempotent retry across restarts', () => {
  const scope = new Scope();
  afterEach(() => scope.dispose());

  for (const { name, options } of [
    { name: 'log replay, one worker', options: { workers: 1 } },
    { name: 'checkpoint + replay, two workers, a window by commands', options: { workers: 2, checkpointEveryCommands: 2, idRetentionCommands: 1000 } },
  ]) {
    it(`a retried new after a restart is DUPLICATE_ID and does not trade again (${name})`, async () => {
      const dir = scope.dir();
      const ex = await scope.open({ dir, instruments: MULTI, ...options });
      await ex.submit(order('maker', 'mo', 'sell', 100));
      const first = await ex.submit(order('client-42', 'cl', 'buy', 30));
      expect(first.events.map((e) => e.type)).toEqual(['accepted', 'trade']);
      for (let i = 0; i < 5; i++) await ex.submit(order(`filler-${i}`, 'f', 'buy', 10)); // checkpoints go by
      const hash = ex.stateHash();
      await ex.close();

      const again = await scope.open({ dir });
      expect(again.stateHash()).toBe(hash);
      const retry = await again.submit(order('client-42', 'cl', 'buy', 30));
      expect(retry.seq).not.toBeNull();
      expect(retry.events).toEqual([
        { type: 'rejected', op: 'new', id: 'client-42', reason: 'DUPLICATE_ID', detail: { symbol: 'BETA', originalSeq: first.seq } },
      ]);
      expect(again.order('maker')?.qty).toBe(100 - 30 - 50);
      expect(again.orderStatus('client-42')).toEqual({
        id: 'client-42',
        symbol: 'BETA',
        status: 'filled',
        filledQty: 30,
        remainingQty: 0,
        createdSeq: first.seq,
        lastSeq: first.seq,
      });
    });
  }
});

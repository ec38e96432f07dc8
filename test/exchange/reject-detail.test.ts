// Why this file exists: rejects a venue can act on — instrument-rule rejects say which rule and its
// values (tick, lot, range) whether refused before the log or sequenced through a worker, a late
// cancel of a dead order is distinct from an unknown id, and EXCHANGE_CLOSED names the command.

import { afterEach, describe, expect, it } from 'vitest';
import { MULTI, Reference, Scope } from './fixtures/common.js';

describe('reject detail and home', () => {
  const scope = new Scope();
  afterEach(() => scope.dispose());

  for (const workers of [1, 2]) {
    it(`instrument-rule rejects carry the rule's values, refused before the log or sequenced (workers: ${workers})`, async () => {
      const ex = await scope.open({ dir: scope.dir(), instruments: MULTI, workers });
      const reference = new Reference(MULTI);
      // BETA: tick 5, lot 10. A new order off tick is stateless: refused before the log.
      const offTick = await ex.submit({ op: 'new', id: 'a', account: 'alice', symbol: 'BETA', side: 'buy', type: 'limit', price: 102, qty: 10 });
      expect(offTick).toEqual({
        seq: null,
        time: null,
        events: [{ type: 'rejected', op: 'new', id: 'a', reason: 'PRICE_NOT_ON_TICK', detail: { symbol: 'BETA', tickSize: 5 } }],
      });
      // A modify is checked against its order's instrument, in the engine: sequenced, same detail.
      const placed = { op: 'new', id: 'b', account: 'alice', symbol: 'BETA', side: 'buy', type: 'limit', price: 100, qty: 10 } as const;
      await ex.submit(placed);
      reference.apply(placed);
      const modify = { op: 'modify', id: 'b', account: 'alice', qty: 15 } as const;
      const offLot = await ex.submit(modify);
      expect(offLot.seq).toBe(2);
      expect(offLot.events).toEqual([{ type: 'rejected', op: 'modify', id: 'b', reason: 'QTY_NOT_ON_LOT', detail: { symbol: 'BETA', lotSize: 10 } }]);
      expect(offLot.events).toEqual(reference.apply(modify));
      // Cancelling a dead order and an id never seen give different codes.
      await ex.submit({ op: 'cancel', id: 'b', account: 'alice' });
      expect((await ex.submit({ op: 'cancel', id: 'b', account: 'alice' })).events[0]).toMatchObject({ reason: 'TOO_LATE_TO_CANCEL' });
      expect((await ex.submit({ op: 'cancel', id: 'never', account: 'alice' })).events[0]).toMatchObject({ reason: 'UNKNOWN_ORDER' });
    });
  }

  it('EXCHANGE_CLOSED names the op and id of the refused command', async () => {
    const ex = await scope.open({ dir: scope.dir(), instruments: MULTI });
    const closing = ex.close();
    const late = await ex.submit({ op: 'cancel', id: 'late-1', account: 'alice' });
    await closing;
    expect(late).toEqual({ seq: null, time: null, events: [{ type: 'rejected', op: 'cancel', id: 'late-1', reason: 'EXCHANGE_CLOSED' }] });
  });
});

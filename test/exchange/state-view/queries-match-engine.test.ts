// Why this file exists: with a backup thread there is no main-thread replica any more (issue 9, one engine per
// role): depth, top, l3, order, orderStatus and stateHash are answered by the backup replica, which is sent a
// command only once it was released. After every acknowledged submit of a seeded stream, each query must equal
// a plain Engine fed the same commands with the same seq and time — exactly the acknowledged state, never
// behind it (a query waits for the replica) and never ahead of it. Both with one and with two matching workers.

import { afterEach, describe, expect, it } from 'vitest';
import { Engine, type Command, type OrderId } from '../../../index.js';
import { MULTI, Scope } from '../fixtures/common.js';
import { generate } from '../fixtures/load.js';

describe('queries answered by the backup replica', () => {
  const scope = new Scope();
  afterEach(() => scope.dispose());

  for (const workers of [1, 2]) {
    it(`equal an Engine fed the same commands after every submit (workers ${workers})`, async () => {
      const ex = await scope.open({ dir: scope.dir(), instruments: MULTI, workers, markEvery: 7 });
      expect(ex.stats().backup.running).toBe(true);
      const reference = new Engine({ instruments: MULTI });
      const commands = generate(900 + workers, MULTI, 160);
      const ids: OrderId[] = [];
      for (const command of commands) {
        const result = await ex.submit(command);
        expect(result.seq).not.toBeNull();
        const events = reference.apply({ ...command, time: result.time! } as Command, result.seq!);
        expect(result.events).toEqual(events);
        if ('id' in command) ids.push(command.id);
        for (const spec of MULTI) {
          expect(ex.depth(spec.symbol, 5)).toEqual(reference.depth(spec.symbol, 5));
          expect(ex.top(spec.symbol)).toEqual(reference.top(spec.symbol));
        }
        const symbol = MULTI[ids.length % MULTI.length].symbol;
        expect(ex.l3(symbol, 3)).toEqual(reference.l3(symbol, 3));
        // The command's own id and an older one (live, ended or never seen).
        for (const id of [ids[ids.length - 1], ids[(ids.length * 7) % ids.length], 'never-seen']) {
          expect(ex.order(id)).toEqual(reference.order(id));
          expect(ex.orderStatus(id)).toEqual(reference.orderStatus(id));
        }
        expect(ex.stateHash()).toBe(reference.stateHash());
      }
      expect(ex.stats().liveOrders).toBe(reference.liveOrders);
      expect(ex.instruments()).toEqual(reference.instruments.map((spec) => ({ ...spec, halted: false })));
    });
  }

  it('a query for an unknown symbol throws the EngineError a plain Engine throws, and the exchange goes on', async () => {
    const ex = await scope.open({ dir: scope.dir(), instruments: MULTI });
    const plain = new Engine({ instruments: MULTI });
    expect(() => plain.depth('NOPE')).toThrow();
    let thrown: unknown = null;
    try {
      ex.depth('NOPE');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ name: 'EngineError', code: 'UNKNOWN_SYMBOL' });
    expect(ex.stats().failed).toBeNull();
    const result = await ex.submit({ op: 'new', id: 1, account: 'alice', symbol: 'ACME', side: 'buy', type: 'limit', price: 10, qty: 1 });
    expect(result.events[0].type).toBe('accepted');
    expect(ex.depth('ACME').bids).toEqual([[10, 1]]);
  });
});

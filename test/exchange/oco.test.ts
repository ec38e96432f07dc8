// Why this file exists: OCO orders through the whole exchange path — validation before the log, the
// log record (stopLimitPrice), the worker command codec (stopLimitPrice rides in the slot modify
// uses for its field mask), routing by id (one id, two legs), the event codec (the triggered stop
// leg), and recovery by replay. Events and state must equal one plain engine's, with 1 and 2 workers.

import { afterEach, describe, expect, it } from 'vitest';
import { RejectCode } from '../../index.js';
import { MULTI, Reference, Scope, wire } from './fixtures/common.js';

const [ACME, BETA] = [MULTI[0], MULTI[1]];

function script(): object[] {
  const commands: object[] = [];
  for (const spec of [ACME, BETA]) {
    const s = spec.symbol;
    const px = (ticks: number): number => ticks * spec.tickSize;
    const q = (lots: number): number => lots * spec.lotSize;
    const oco = (id: string, side: string, price: number, stopPrice: number, stopLimitPrice: number, lots: number): object => ({
      op: 'new', id: `${id}-${s}`, account: 'olga', symbol: s, side, type: 'oco', price: px(price), stopPrice: px(stopPrice), stopLimitPrice: px(stopLimitPrice), qty: q(lots),
    });
    commands.push(
      // Rejected: no last trade price yet.
      oco('early', 'sell', 102, 98, 97, 1),
      // A trade at 100 sets the last price; then a bid at 95 and an ask at 105.
      { op: 'new', id: `m1-${s}`, account: 'mia', symbol: s, side: 'sell', type: 'limit', price: px(100), qty: q(1) },
      { op: 'new', id: `m2-${s}`, account: 'max', symbol: s, side: 'buy', type: 'limit', price: px(100), qty: q(1) },
      { op: 'new', id: `bid-${s}`, account: 'bo', symbol: s, side: 'buy', type: 'limit', price: px(95), qty: q(50) },
      { op: 'new', id: `ask-${s}`, account: 'al', symbol: s, side: 'sell', type: 'limit', price: px(105), qty: q(50) },
      oco('o1', 'sell', 102, 98, 97, 6),
      oco('o2', 'buy', 99, 103, 104, 4),
      oco('o3', 'sell', 103, 99, 98, 3),
      oco('o4', 'sell', 104, 97, 96, 5),
      { op: 'modify', id: `o1-${s}`, account: 'olga', qty: q(2) },
      // o1's limit leg trades (partly): its stop leg goes.
      { op: 'new', id: `t1-${s}`, account: 'tom', symbol: s, side: 'buy', type: 'limit', price: px(102), qty: q(2), tif: 'IOC' },
      // Both legs of o3 go with one cancel.
      { op: 'cancel', id: `o3-${s}`, account: 'olga' },
      // A sell sweep: o2's limit leg (bid 99) trades, then the bid at 95: last 95 triggers o4's stop
      // leg (o4's limit leg at 104 leaves the book; the stop-limit at 96 rests as an ask).
      { op: 'new', id: `t2-${s}`, account: 'tia', symbol: s, side: 'sell', type: 'limit', price: px(95), qty: q(8), tif: 'IOC' },
      { op: 'modify', id: `o4-${s}`, account: 'olga', qty: q(3) },
      { op: 'modify', id: `o1-${s}`, account: 'olga', qty: q(1) },
      { op: 'cancel', id: `o3-${s}`, account: 'olga' },
    );
  }
  return commands;
}

describe('OCO through the exchange', () => {
  const scope = new Scope();
  afterEach(() => scope.dispose());

  it.each([1, 2])('gives one plain engine’s events and state, and survives reopening (workers: %i)', async (workers) => {
    const dir = scope.dir();
    const ex = await scope.open({ dir, instruments: MULTI, workers });
    const reference = new Reference(MULTI);
    const commands = script();
    const results = await Promise.all(commands.map((c) => ex.submit(wire(c))));
    for (let i = 0; i < commands.length; i++) {
      expect(results[i].events, `command ${i}: ${JSON.stringify(commands[i])}`).toEqual(reference.apply(commands[i]));
    }
    const all = results.flatMap((r) => r.events);
    expect(all.filter((e) => e.type === 'rejected' && e.reason === RejectCode.OCO_PRICES_INVALID)).toHaveLength(2);
    expect(all.filter((e) => e.type === 'rejected' && e.reason === RejectCode.OCO_NOT_MODIFIABLE)).toHaveLength(2);
    expect(all.filter((e) => e.type === 'rejected' && e.reason === RejectCode.TOO_LATE_TO_CANCEL)).toHaveLength(2);
    expect(all.filter((e) => e.type === 'triggered').map((e) => e.id)).toEqual([`o4-${ACME.symbol}`, `o4-${BETA.symbol}`]);
    expect(ex.stateHash()).toBe(reference.stateHash());
    for (const spec of MULTI) expect(ex.depth(spec.symbol, 20)).toEqual(reference.engine.depth(spec.symbol, 20));

    // Recovery replays the log (stopLimitPrice included): same state, same order views.
    await ex.close();
    const reopened = await scope.open({ dir, instruments: MULTI, workers });
    expect(reopened.stateHash()).toBe(reference.stateHash());
    for (const id of ['o1', 'o2', 'o4']) {
      for (const spec of [ACME, BETA]) expect(reopened.order(`${id}-${spec.symbol}`)).toEqual(reference.engine.order(`${id}-${spec.symbol}`));
    }
    expect(reopened.order(`o4-${ACME.symbol}`)).toMatchObject({ price: 96 * ACME.tickSize, qty: 3 * ACME.lotSize });
    // A fresh OCO after reopening has both legs; its cancel answers for both.
    const placed = await reopened.submit({ op: 'new', id: 'o5', account: 'olga', symbol: ACME.symbol, side: 'buy', type: 'oco', price: 94 * ACME.tickSize, stopPrice: 106 * ACME.tickSize, stopLimitPrice: 107 * ACME.tickSize, qty: ACME.lotSize });
    expect(placed.events).toEqual([
      { type: 'accepted', id: 'o5', account: 'olga', symbol: ACME.symbol, side: 'buy', orderType: 'oco', price: 94 * ACME.tickSize, qty: ACME.lotSize },
      { type: 'rested', id: 'o5', account: 'olga', symbol: ACME.symbol, side: 'buy', price: 94 * ACME.tickSize, qty: ACME.lotSize, hidden: 0 },
    ]);
    expect(reopened.order('o5')).toMatchObject({ orderType: 'oco', stopPrice: 106 * ACME.tickSize, stopLimitPrice: 107 * ACME.tickSize });
    const gone = await reopened.submit({ op: 'cancel', id: 'o5', account: 'olga' });
    expect(gone.events).toEqual([{ type: 'cancelled', id: 'o5', account: 'olga', symbol: ACME.symbol, side: 'buy', reason: 'USER', qty: ACME.lotSize }]);
    expect(reopened.order('o5')).toBeUndefined();
  });
});

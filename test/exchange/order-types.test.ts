// Why this file exists: the new order types must survive the whole exchange path — validation
// before the log, the log record, the worker command codec, the worker event codec (a triggered
// stop is a taker that is not the command's own order), routing by id across workers (pending
// stops, dead ids), and recovery by replay. Events and state must equal one plain engine's.

import { afterEach, describe, expect, it } from 'vitest';
import { RejectCode } from '../../index.js';
import { MULTI, Reference, Scope, sleep, wire } from './fixtures/common.js';

const [ACME, BETA] = [MULTI[0], MULTI[1]];

function script(): object[] {
  const px = (spec: typeof ACME, ticks: number): number => ticks * spec.tickSize;
  const q = (spec: typeof ACME, lots: number): number => lots * spec.lotSize;
  const commands: object[] = [];
  for (const spec of [ACME, BETA]) {
    const s = spec.symbol;
    commands.push(
      { op: 'new', id: `stopM-${s}`, account: 'sam', symbol: s, side: 'buy', type: 'stop_market', stopPrice: px(spec, 101), qty: q(spec, 8) },
      { op: 'new', id: `stopL-${s}`, account: 'sue', symbol: s, side: 'buy', type: 'stop_limit', stopPrice: px(spec, 102), price: px(spec, 103), qty: q(spec, 5) },
      { op: 'new', id: `ice-${s}`, account: 'ivy', symbol: s, side: 'sell', type: 'limit', price: px(spec, 101), qty: q(spec, 6), displayQty: q(spec, 2) },
      { op: 'new', id: `ask-${s}`, account: 'ann', symbol: s, side: 'sell', type: 'limit', price: px(spec, 102), qty: q(spec, 3) },
      { op: 'modify', id: `stopL-${s}`, account: 'sue', qty: q(spec, 4) },
      // A trade at 101 triggers the stop-market; it empties the iceberg (two refills) and trades at
      // 102, which triggers the stop-limit (it rests at 103). Then the dead ids answer TOO_LATE.
      { op: 'new', id: `t-${s}`, account: 'tom', symbol: s, side: 'buy', type: 'limit', price: px(spec, 101), qty: q(spec, 1), tif: 'IOC' },
      { op: 'modify', id: `ice-${s}`, account: 'ivy', price: px(spec, 104) },
      { op: 'cancel', id: `t-${s}`, account: 'tom' },
      { op: 'cancel', id: `stopM-${s}`, account: 'sam' },
    );
  }
  return commands;
}

describe('order types through the exchange', () => {
  const scope = new Scope();
  afterEach(() => scope.dispose());

  it.each([1, 2])('stops, icebergs, amends and dead ids give one plain engine’s events and state (workers: %i)', async (workers) => {
    const dir = scope.dir();
    const ex = await scope.open({ dir, instruments: MULTI, workers });
    const reference = new Reference(MULTI);
    const commands = script();
    const results = await Promise.all(commands.map((c) => ex.submit(wire(c))));
    for (let i = 0; i < commands.length; i++) {
      expect(results[i].events, `command ${i}: ${JSON.stringify(commands[i])}`).toEqual(reference.apply(commands[i]));
    }
    const all = results.flatMap((r) => r.events);
    expect(all.filter((e) => e.type === 'triggered')).toHaveLength(4);
    expect(all.filter((e) => e.type === 'rejected' && e.reason === RejectCode.TOO_LATE_TO_CANCEL)).toHaveLength(6);
    expect(ex.stateHash()).toBe(reference.stateHash());
    for (const spec of MULTI) expect(ex.depth(spec.symbol, 20)).toEqual(reference.engine.depth(spec.symbol, 20));

    // Recovery replays the log: same state, the triggered stop rests, dead ids are still dead.
    await ex.close();
    const reopened = await scope.open({ dir, instruments: MULTI, workers });
    expect(reopened.stateHash()).toBe(reference.stateHash());
    expect(reopened.order(`stopL-${ACME.symbol}`)).toEqual(reference.engine.order(`stopL-${ACME.symbol}`));
    expect(reopened.order(`stopL-${ACME.symbol}`)).toMatchObject({ price: 103, qty: 4 });
    const late = await reopened.submit({ op: 'cancel', id: `stopM-${BETA.symbol}`, account: 'sam' });
    expect(late.events).toEqual([{ type: 'rejected', op: 'cancel', id: `stopM-${BETA.symbol}`, reason: RejectCode.TOO_LATE_TO_CANCEL }]);
  });

  it('a good-till-time order expires at the first command on its instrument stamped at or after its expireTime', async () => {
    const ex = await scope.open({ dir: scope.dir(), instruments: MULTI, workers: 2 });
    const expireTime = Date.now() + 40;
    const placed = await ex.submit({ op: 'new', id: 'g', account: 'gil', symbol: 'BETA', side: 'buy', type: 'limit', price: 100 * BETA.tickSize, qty: BETA.lotSize, tif: 'GTT', expireTime });
    expect(placed.events.map((e) => e.type)).toEqual(['accepted', 'rested']);
    expect(ex.order('g')?.expireTime).toBe(expireTime);
    await sleep(80);
    const next = await ex.submit({ op: 'new', id: 'n', account: 'nia', symbol: 'BETA', side: 'buy', type: 'limit', price: 90 * BETA.tickSize, qty: BETA.lotSize });
    expect(next.events[0]).toEqual({ type: 'cancelled', id: 'g', account: 'gil', symbol: 'BETA', side: 'buy', reason: 'EXPIRED', qty: BETA.lotSize });
    expect(next.events[1]).toMatchObject({ type: 'accepted', id: 'n' });
    expect(ex.order('g')).toBeUndefined();
  });
});

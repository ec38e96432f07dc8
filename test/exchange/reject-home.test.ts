// Why this file exists: SEMANTICS.md "Which rejects are logged" — one rule, independent of the
// `workers` setting. The same stream (duplicates of live and dead ids across instruments and
// workers, retries of filled orders, cancels and modifies of unknown, dead and rejected ids, stateful
// rejects) gives the same seq, events (rejects and their detail included), orderStatus and state
// hash with one worker and with two, and both equal a plain engine fed the logged commands at
// their seqs.

import { afterEach, describe, expect, it } from 'vitest';
import { Engine, type EngineEvent, type ExchangeCommand, type OrderId } from '../../index.js';
import { MULTI, Scope, wire } from './fixtures/common.js';

const limit = (id: OrderId, account: string, symbol: string, side: 'buy' | 'sell', price: number, qty: number, extra: object = {}): ExchangeCommand =>
  wire({ op: 'new', id, account, symbol, side, type: 'limit', price, qty, ...extra });
const tick = (symbol: string): number => MULTI.find((s) => s.symbol === symbol)!.tickSize;
const lot = (symbol: string): number => MULTI.find((s) => s.symbol === symbol)!.lotSize;
const px = (symbol: string, ticks: number): number => ticks * tick(symbol);
const q = (symbol: string, lots: number): number => lots * lot(symbol);

/** ACME, GAMA on worker 0; BETA, DELT on worker 1 (workers: 2). */
function stream(): ExchangeCommand[] {
  const c: ExchangeCommand[] = [];
  c.push(limit('a', 'alice', 'ACME', 'sell', px('ACME', 100), q('ACME', 10)));
  c.push(limit('b', 'bob', 'BETA', 'sell', px('BETA', 100), q('BETA', 10)));
  c.push(limit('a', 'eve', 'BETA', 'buy', px('BETA', 90), q('BETA', 1))); // live on worker 0: DUPLICATE_ORDER_ID
  c.push(limit('t1', 'carol', 'ACME', 'buy', px('ACME', 100), q('ACME', 10))); // fills 'a'
  c.push(limit('a', 'alice', 'DELT', 'sell', px('DELT', 100), q('DELT', 1))); // dead 'a' from worker 1's DELT: DUPLICATE_ID
  c.push(limit('t1', 'carol', 'ACME', 'buy', px('ACME', 100), q('ACME', 10))); // the retry: DUPLICATE_ID, no second trade
  c.push(wire({ op: 'cancel', id: 'a', account: 'alice' })); // TOO_LATE_TO_CANCEL
  c.push(wire({ op: 'modify', id: 'a', account: 'alice', qty: 1 })); // TOO_LATE_TO_CANCEL
  c.push(wire({ op: 'cancel', id: 'never', account: 'alice' })); // UNKNOWN_ORDER
  c.push(limit('p', 'dave', 'BETA', 'buy', px('BETA', 100), q('BETA', 1), { postOnly: true })); // POST_ONLY_WOULD_TAKE: 'p' used up
  c.push(wire({ op: 'cancel', id: 'p', account: 'dave' })); // UNKNOWN_ORDER: no order ever lived
  c.push(limit('p', 'dave', 'GAMA', 'buy', px('GAMA', 90), q('GAMA', 1))); // DUPLICATE_ID from the other worker
  c.push(limit('g', 'gil', 'GAMA', 'buy', px('GAMA', 90), q('GAMA', 2)));
  c.push(wire({ op: 'cancel', id: 'b', account: 'bob' }));
  c.push(limit('b', 'bob', 'ACME', 'buy', px('ACME', 90), q('ACME', 1))); // dead 'b' of worker 1, new on worker 0: DUPLICATE_ID
  c.push(wire({ op: 'cancel', id: 'g', account: 'mallory' })); // NOT_OWNER
  c.push(limit(7, 'x', 'DELT', 'buy', px('DELT', 90), q('DELT', 1)));
  c.push(limit('7', 'x', 'DELT', 'buy', px('DELT', 90), q('DELT', 1))); // a different id
  c.push(limit(7, 'x', 'ACME', 'buy', px('ACME', 90), q('ACME', 1))); // DUPLICATE_ORDER_ID
  return c;
}

/** A result without the wall-clock time (the two exchanges stamp their own). */
const shape = (r: { seq: number | null; events: EngineEvent[] }): unknown => ({ seq: r.seq, events: r.events });

describe('rejects have one home, whatever the number of workers', () => {
  const scope = new Scope();
  afterEach(() => scope.dispose());

  it('workers 1 and 2 give the same seqs, events, orderStatus and state hash as a plain engine', async () => {
    const commands = stream();
    const outcomes: Array<{ results: unknown[]; statuses: unknown[]; hash: string }> = [];
    for (const workers of [1, 2]) {
      const ex = await scope.open({ dir: scope.dir(), instruments: MULTI, workers });
      const reference = new Engine({ instruments: MULTI });
      const results: unknown[] = [];
      for (const command of commands) {
        const result = await ex.submit(command);
        expect(result.seq, JSON.stringify(command)).not.toBeNull();
        // The plain engine, fed the logged command (with the stamped time) at its seq.
        expect(result.events, JSON.stringify(command)).toEqual(reference.apply({ ...command, time: result.time } as never, result.seq!));
        results.push(shape(result));
      }
      const ids: OrderId[] = ['a', 'b', 't1', 'p', 'g', 7, '7', 'never'];
      const statuses = ids.map((id) => ex.orderStatus(id));
      expect(statuses).toEqual(ids.map((id) => reference.orderStatus(id)));
      outcomes.push({ results, statuses, hash: ex.stateHash() });
    }
    expect(outcomes[1]).toEqual(outcomes[0]);
    const results = outcomes[0].results as Array<{ events: EngineEvent[] }>;
    const reasons = results.map((r) => r.events.find((e) => e.type === 'rejected')).map((e) => (e?.type === 'rejected' ? e.reason : null));
    expect(reasons).toEqual([
      null, null, 'DUPLICATE_ORDER_ID', null, 'DUPLICATE_ID', 'DUPLICATE_ID', 'TOO_LATE_TO_CANCEL', 'TOO_LATE_TO_CANCEL', 'UNKNOWN_ORDER',
      'POST_ONLY_WOULD_TAKE', 'UNKNOWN_ORDER', 'DUPLICATE_ID', null, null, 'DUPLICATE_ID', 'NOT_OWNER', null, null, 'DUPLICATE_ORDER_ID',
    ]);
    expect(outcomes[0].statuses[2]).toMatchObject({ status: 'filled', filledQty: 10, createdSeq: 4 });
  });
});

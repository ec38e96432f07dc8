// Why this file exists: submitMany: one promise for a batch of commands, results in order (each as `submit` would
// give it), malformed or refused commands answered in place without failing the batch, and the
// same bounded queue as `submit` — the rest of a batch waits for room in order, or is refused.

import { afterEach, describe, expect, it } from 'vitest';
import type { ExchangeCommand } from '../../index.js';
import { MULTI, ACME, Reference, Scope, wire } from './fixtures/common.js';
import { generate } from './fixtures/load.js';

function order(i: number): ExchangeCommand {
  const side = i % 2 === 0 ? 'buy' : 'sell';
  return { op: 'new', id: i, account: `acct${i % 4}`, symbol: 'ACME', side, type: 'limit', price: side === 'buy' ? 99 : 101, qty: 3 };
}

describe('submitMany', () => {
  const scope = new Scope();
  afterEach(() => scope.dispose());

  it('resolves once with every result in order, equal to a plain engine, across two workers', async () => {
    const dir = scope.dir();
    const ex = await scope.open({ dir, instruments: MULTI, workers: 2 });
    const commands = generate(21, MULTI, 1500);
    const reference = new Reference(MULTI);
    const first = await ex.submitMany(commands.slice(0, 1000));
    const second = await ex.submitMany(commands.slice(1000));
    const results = [...first, ...second];
    expect(results.map((r) => r.seq)).toEqual(commands.map((_, i) => i + 1));
    results.forEach((r, i) => expect(r.events).toEqual(reference.apply(commands[i])));
    expect(ex.stateHash()).toBe(reference.stateHash());
    expect(await ex.submitMany([])).toEqual([]);
    await ex.close();
    const again = await scope.open({ dir });
    expect(again.stateHash()).toBe(reference.stateHash());
  });

  it('answers malformed commands in place (not logged) and logs the rest', async () => {
    const ex = await scope.open({ dir: scope.dir(), instruments: [ACME] });
    const results = await ex.submitMany([order(0), wire({ op: 'nope' }), order(1), wire({ ...order(2), qty: -1 }), order(3)]);
    expect(results.map((r) => r.seq)).toEqual([1, null, 2, null, 3]);
    expect(results[1].events).toEqual([{ type: 'rejected', op: null, id: null, reason: 'UNKNOWN_OP' }]);
    expect(results[3].events[0]).toMatchObject({ type: 'rejected', id: 2, reason: 'INVALID_QTY' });
    expect(ex.stats().rejectedBeforeLog).toBe(2);
    expect(ex.lastSeq).toBe(3);
  });

  it("onFull 'wait': a batch larger than maxPending completes in order behind earlier submits", async () => {
    const ex = await scope.open({ dir: scope.dir(), instruments: [ACME], maxPending: 4, onFull: 'wait', batchMax: 3 });
    const lone = ex.submit(order(0));
    const batch = ex.submitMany(Array.from({ length: 100 }, (_, i) => order(i + 1)));
    const after = ex.submit(order(101));
    expect(ex.stats().pending).toBe(4);
    expect(ex.stats().waiting).toBe(2);
    const [one, many, last] = await Promise.all([lone, batch, after]);
    expect(one.seq).toBe(1);
    expect(many.map((r) => r.seq)).toEqual(Array.from({ length: 100 }, (_, i) => i + 2));
    expect(last.seq).toBe(102);
    const reference = new Reference([ACME]);
    reference.apply(order(0));
    many.forEach((r, i) => expect(r.events).toEqual(reference.apply(order(i + 1))));
  });

  it("onFull 'reject': what does not fit is refused in place with QUEUE_FULL", async () => {
    const ex = await scope.open({ dir: scope.dir(), instruments: [ACME], maxPending: 5, onFull: 'reject' });
    const results = await ex.submitMany(Array.from({ length: 12 }, (_, i) => order(i)));
    expect(results.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, ...Array<null>(7).fill(null)]);
    for (let i = 5; i < 12; i++) expect(results[i].events).toEqual([{ type: 'rejected', op: 'new', id: i, reason: 'QUEUE_FULL' }]);
    expect(ex.stats().queueFullRejects).toBe(7);
  });

  it('after close, every command is refused with EXCHANGE_CLOSED naming its op and id; a non-array is a TypeError', async () => {
    const ex = await scope.open({ durability: 'memory', instruments: [ACME] });
    await expect(ex.submitMany('x' as unknown as ExchangeCommand[])).rejects.toBeInstanceOf(TypeError);
    await ex.close();
    const results = await ex.submitMany([order(0), order(1)]);
    expect(results.map((r) => r.events[0])).toEqual([
      { type: 'rejected', op: 'new', id: 0, reason: 'EXCHANGE_CLOSED' },
      { type: 'rejected', op: 'new', id: 1, reason: 'EXCHANGE_CLOSED' },
    ]);
  });
});

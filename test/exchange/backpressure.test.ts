// Why this file exists: the bounded queue in front of matching: with maxPending commands in flight, 'reject' refuses
// further submits with QUEUE_FULL (unlogged), 'wait' parks them and admits them in submit order,
// and past maxWaiting parked submits even 'wait' refuses with QUEUE_FULL.

import { afterEach, describe, expect, it } from 'vitest';
import type { ExchangeCommand, SubmitResult } from '../../index.js';
import { ACME, Reference, Scope, wire } from './fixtures/common.js';

function order(i: number): ExchangeCommand {
  const side = i % 2 === 0 ? 'buy' : 'sell';
  return { op: 'new', id: i, account: `acct${i % 4}`, symbol: 'ACME', side, type: 'limit', price: side === 'buy' ? 99 : 101, qty: 3 };
}

const queueFull = (i: number): SubmitResult => ({ seq: null, time: null, events: [{ type: 'rejected', op: 'new', id: i, reason: 'QUEUE_FULL' as never }] });

describe('backpressure', () => {
  const scope = new Scope();
  afterEach(() => scope.dispose());

  it("onFull 'reject': submits past maxPending get QUEUE_FULL and are not logged", async () => {
    const dir = scope.dir();
    const ex = await scope.open({ dir, instruments: [ACME], maxPending: 5, onFull: 'reject' });
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => ex.submit(order(i))));
    // Submitted in one synchronous burst: exactly the first five fit.
    expect(results.slice(0, 5).map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
    for (let i = 5; i < 40; i++) expect(results[i]).toEqual(queueFull(i));
    const stats = ex.stats();
    expect(stats.queueFullRejects).toBe(35);
    expect(stats.commands).toBe(5);
    expect(ex.lastSeq).toBe(5);
    // Room again once they are acknowledged.
    expect((await ex.submit(order(40))).seq).toBe(6);
    const reference = new Reference([ACME]);
    for (const i of [0, 1, 2, 3, 4, 40]) reference.apply(order(i));
    expect(ex.stateHash()).toBe(reference.stateHash());
    await ex.close();
    const again = await scope.open({ dir });
    expect(again.stats().commands).toBe(6);
    expect(again.stateHash()).toBe(reference.stateHash());
  });

  it("onFull 'wait': every submit completes, in submit order, with increasing seqs", async () => {
    const ex = await scope.open({ dir: scope.dir(), instruments: [ACME], maxPending: 3, onFull: 'wait', batchMax: 2 });
    const resolved: number[] = [];
    let maxWaiting = 0;
    const promises = Array.from({ length: 200 }, (_, i) => {
      const p = ex.submit(order(i));
      maxWaiting = Math.max(maxWaiting, ex.stats().waiting);
      void p.then(() => resolved.push(i));
      return p;
    });
    expect(maxWaiting).toBe(197);
    expect(ex.stats().pending).toBe(3);
    const results = await Promise.all(promises);
    expect(resolved).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(results.map((r) => r.seq)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    const reference = new Reference([ACME]);
    results.forEach((r, i) => expect(r.events).toEqual(reference.apply(order(i))));
    expect(ex.stats().queueFullRejects).toBe(0);
    expect(ex.stats().waiting).toBe(0);
  });

  it("onFull 'wait' past maxWaiting: the excess gets QUEUE_FULL, the rest completes in order", async () => {
    const ex = await scope.open({ dir: scope.dir(), instruments: [ACME], maxPending: 2, onFull: 'wait', maxWaiting: 3 });
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => ex.submit(order(i))));
    // 2 in flight, 3 waiting, 5 refused.
    expect(results.slice(0, 5).map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
    for (let i = 5; i < 10; i++) expect(results[i]).toEqual(queueFull(i));
    expect(ex.stats().queueFullRejects).toBe(5);
    expect(ex.stats().commands).toBe(5);
    expect(ex.lastSeq).toBe(5);
  });

  it("maxWaiting 0 with 'wait' refuses as soon as the queue is full", async () => {
    const ex = await scope.open({ dir: scope.dir(), instruments: [ACME], maxPending: 1, maxWaiting: 0 });
    const results = await Promise.all([ex.submit(order(0)), ex.submit(order(1))]);
    expect(results[0].seq).toBe(1);
    expect(results[1]).toEqual(queueFull(1));
  });

  it('a malformed command refused while waiting does not take a seq', async () => {
    const ex = await scope.open({ dir: scope.dir(), instruments: [ACME], maxPending: 1 });
    const results = await Promise.all([ex.submit(order(0)), ex.submit(wire({ op: 'new', id: 'bad' })), ex.submit(order(2))]);
    expect(results.map((r) => r.seq)).toEqual([1, null, 2]);
    expect(results[1].events).toEqual([{ type: 'rejected', op: 'new', id: 'bad', reason: 'INVALID_ACCOUNT' }]);
  });

  it('close waits for waiting submits to complete', async () => {
    const ex = await scope.open({ dir: scope.dir(), instruments: [ACME], maxPending: 2 });
    const promises = Array.from({ length: 30 }, (_, i) => ex.submit(order(i)));
    await ex.close();
    const results = await Promise.all(promises);
    expect(results.every((r) => r.seq !== null)).toBe(true);
    expect(ex.stats().commands).toBe(30);
  });
});

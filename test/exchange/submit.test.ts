// Why this file exists: submit and acknowledge: every well-formed command gets the next sequence number in submit
// order, resolves once durable, and its events, the books, the orders and the state hash are
// exactly those of a plain single-threaded Engine fed the same commands.

import { afterEach, describe, expect, it } from 'vitest';
import type { OrderId, SubmitResult } from '../../index.js';
import { ACME, MULTI, Reference, Scope } from './fixtures/common.js';
import { generate } from './fixtures/load.js';

describe('Exchange.submit', () => {
  const scope = new Scope();
  afterEach(() => scope.dispose());

  it('gives strictly increasing seqs in submit order and resolves in that order', async () => {
    const ex = await scope.open({ dir: scope.dir(), instruments: [ACME], durability: 'sync' });
    const resolvedOrder: number[] = [];
    const promises: Array<Promise<SubmitResult>> = [];
    for (let i = 0; i < 500; i++) {
      const side = i % 2 === 0 ? 'buy' : 'sell';
      const price = side === 'buy' ? 1_000 - (i % 5) : 1_002 + (i % 5);
      const p = ex.submit({ op: 'new', id: i, account: `a${i % 3}`, symbol: 'ACME', side, type: 'limit', price, qty: 10 });
      void p.then(() => resolvedOrder.push(i));
      promises.push(p);
    }
    const results = await Promise.all(promises);
    const seqs = results.map((r) => r.seq);
    expect(seqs[0]).toBe(1);
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]!).toBeGreaterThan(seqs[i - 1]!);
    expect(resolvedOrder).toEqual(results.map((_, i) => i));
    // Durable before resolved: lastSeq covers every seq handed out.
    expect(ex.lastSeq).toBeGreaterThanOrEqual(seqs[seqs.length - 1]!);
    expect(ex.stats().commands).toBe(500);
  });

  it('acknowledges the events a plain Engine produces, and agrees on depth, orders and state hash', async () => {
    const ex = await scope.open({ dir: scope.dir(), instruments: MULTI });
    const reference = new Reference(MULTI);
    const commands = generate(42, MULTI, 2_000);
    // Most submitted in one burst (many in flight), the rest one at a time.
    const burst = await Promise.all(commands.slice(0, 1_850).map((c) => ex.submit(c)));
    const oneByOne: SubmitResult[] = [];
    for (const c of commands.slice(1_850)) oneByOne.push(await ex.submit(c));
    const results = [...burst, ...oneByOne];
    for (let i = 0; i < commands.length; i++) {
      expect(results[i].seq, `command ${i}`).not.toBeNull();
      expect(results[i].events, `command ${i}: ${JSON.stringify(commands[i])}`).toEqual(reference.apply(commands[i]));
    }
    for (const spec of MULTI) {
      expect(ex.depth(spec.symbol, 50)).toEqual(reference.engine.depth(spec.symbol, 50));
      expect(ex.depth(spec.symbol)).toEqual(reference.engine.depth(spec.symbol));
    }
    const ids = new Set<OrderId>(commands.map((c) => c.id));
    let live = 0;
    for (const id of ids) {
      expect(ex.order(id), `order ${String(id)}`).toEqual(reference.engine.order(id));
      if (reference.engine.order(id) !== undefined) live++;
    }
    expect(live).toBeGreaterThan(0);
    expect(ex.stats().liveOrders).toBe(reference.engine.liveOrders);
    expect(ex.stateHash()).toBe(reference.stateHash());
  });

  it('logs commands the engine refuses (they are well-formed), with a seq', async () => {
    const ex = await scope.open({ dir: scope.dir(), instruments: [ACME] });
    const unknown = await ex.submit({ op: 'cancel', id: 'nope', account: 'alice' });
    expect(unknown).toEqual({ seq: 1, time: expect.any(Number), events: [{ type: 'rejected', op: 'cancel', id: 'nope', reason: 'UNKNOWN_ORDER' }] });
    await ex.submit({ op: 'new', id: 'x', account: 'alice', symbol: 'ACME', side: 'buy', type: 'limit', price: 10, qty: 1 });
    const duplicate = await ex.submit({ op: 'new', id: 'x', account: 'bob', symbol: 'ACME', side: 'sell', type: 'limit', price: 20, qty: 1 });
    expect(duplicate).toEqual({
      seq: 3,
      time: expect.any(Number),
      events: [{ type: 'rejected', op: 'new', id: 'x', reason: 'DUPLICATE_ORDER_ID', detail: { symbol: 'ACME', originalSeq: 2 } }],
    });
    expect(ex.stats().commands).toBe(3);
  });

  it('stats().commands counts logged commands, including those not yet acknowledged', async () => {
    const ex = await scope.open({ dir: scope.dir(), instruments: [ACME] });
    const promises = Array.from({ length: 100 }, (_, i) =>
      ex.submit({ op: 'new', id: i, account: 'a', symbol: 'ACME', side: 'buy', type: 'limit', price: 10 + i, qty: 1 }),
    );
    // All 100 are in the log (appended; durable soon): "commands logged since the log began".
    expect(ex.stats().appendedSeq).toBe(100);
    expect(ex.stats().commands).toBe(100);
    await Promise.all(promises);
    expect(ex.stats().commands).toBe(100);
  });

  it('stamps time itself: a caller-supplied time is ignored, never refused', async () => {
    const ex = await scope.open({ dir: scope.dir(), instruments: [ACME] });
    const result = await ex.submit({ op: 'new', id: 1, account: 'a', symbol: 'ACME', side: 'buy', type: 'limit', price: 5, qty: 1, time: -7 });
    expect(result.seq).toBe(1);
    expect(result.events[0].type).toBe('accepted');
  });

  it('refuses submits after close with EXCHANGE_CLOSED, unlogged, naming the op and id', async () => {
    const ex = await scope.open({ dir: scope.dir(), instruments: [ACME] });
    await ex.submit({ op: 'new', id: 1, account: 'a', symbol: 'ACME', side: 'buy', type: 'limit', price: 5, qty: 1 });
    const closing = ex.close();
    const late = await ex.submit({ op: 'new', id: 2, account: 'a', symbol: 'ACME', side: 'buy', type: 'limit', price: 5, qty: 1 });
    await closing;
    expect(late).toEqual({ seq: null, time: null, events: [{ type: 'rejected', op: 'new', id: 2, reason: 'EXCHANGE_CLOSED' }] });
  });
});

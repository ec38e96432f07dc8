// Why this file exists: accounts are interned with reference counts and released when their last
// live order dies (issue 11), so memory and snapshots stay bounded by accounts with live orders.
// Releasing and reusing entries must never change what anyone can observe: owners of orders,
// self-trade prevention, events, the state hash, and a restored engine's future behaviour.

import { describe, expect, it } from 'vitest';
import { Engine } from '../../engine/index.js';
import type { OrderCommand as Command, EngineEvent } from '../../engine/types.js';
import { acmeOptions, cancel, limit, market, modify } from './harness.js';
import { rewriteHeader } from './snapshot-header.js';

function applyAll(engine: Engine, commands: Command[]): EngineEvent[] {
  const events: EngineEvent[] = [];
  for (const command of commands) {
    events.push(...engine.apply(command));
    engine.checkInvariants();
  }
  return events;
}

describe('account reference counts', () => {
  it('an empty book after 20,000 one-shot accounts snapshots like a fresh engine', () => {
    // Dead-id memory off: remembered dead ids are bounded state of their own (dead-ids.test.ts).
    const engine = new Engine(acmeOptions({ deadIdsPerInstrumentMax: 0 }));
    const fresh = new Engine(acmeOptions({ deadIdsPerInstrumentMax: 0 })).snapshot().length;
    for (let i = 0; i < 20_000; i++) {
      engine.apply(limit(`o${i}`, `one-shot-${i}`, 'buy', 100, 1));
      if (i % 2 === 0) engine.apply(cancel(`o${i}`, `one-shot-${i}`));
      else engine.apply(market(`m${i}`, `taker-${i}`, 'sell', 1)); // fills the maker
    }
    engine.checkInvariants();
    expect(engine.liveOrders).toBe(0);
    expect(engine.accounts.size).toBe(0);
    expect(engine.accounts.highWater).toBe(1);
    // The only growth allowed: the order pool's and level pool's high-water (one slot each: 96 B,
    // and since snapshot format 6 the slot's id kind, id value, id entry, hash and kind, 40 B).
    expect(engine.snapshot().length).toBeLessThanOrEqual(fresh + 176);
  });

  it('keeps an account while any of its orders lives, and releases it with the last one', () => {
    const engine = new Engine(acmeOptions());
    applyAll(engine, [limit('a1', 'alice', 'buy', 100, 5), limit('a2', 'alice', 'buy', 99, 5), limit('b1', 'bob', 'sell', 105, 5)]);
    expect(engine.accounts.size).toBe(2);
    applyAll(engine, [cancel('a1', 'alice')]);
    expect(engine.accounts.size).toBe(2);
    expect(engine.order('a2')?.account).toBe('alice');
    applyAll(engine, [modify('a2', 'alice', 105, 5)]); // crosses bob's ask: both fill completely
    expect(engine.liveOrders).toBe(0);
    expect(engine.accounts.size).toBe(0);
  });

  it('a freed index reused by another account never makes self-trade prevention match the old one', () => {
    const engine = new Engine(acmeOptions());
    applyAll(engine, [limit('a1', 'alice', 'sell', 100, 5), cancel('a1', 'alice'), limit('b1', 'bob', 'sell', 100, 5)]);
    // alice's entry was freed and bob now holds its index; alice's taker must trade with bob.
    const events = applyAll(engine, [limit('a2', 'alice', 'buy', 100, 5, { stp: 'cancel_taker' })]);
    expect(events.map((e) => e.type)).toEqual(['accepted', 'trade']);
    // STP still sees bob's own orders as his.
    applyAll(engine, [limit('b2', 'bob', 'sell', 101, 5)]);
    const self = applyAll(engine, [limit('b3', 'bob', 'buy', 101, 5, { stp: 'cancel_taker' })]);
    expect(self.map((e) => e.type)).toEqual(['accepted', 'cancelled']);
  });

  it('self-trade prevention that removes an account’s last maker still rests the taker under its name', () => {
    const engine = new Engine(acmeOptions());
    applyAll(engine, [limit('a1', 'alice', 'sell', 100, 5)]);
    const events = applyAll(engine, [limit('a2', 'alice', 'buy', 100, 5, { stp: 'cancel_maker' })]);
    expect(events.map((e) => e.type)).toEqual(['accepted', 'cancelled', 'rested']);
    expect(engine.order('a2')?.account).toBe('alice');
    expect(engine.accounts.size).toBe(1);
  });

  it('the state hash does not depend on which index an account got', () => {
    // Dead-id memory off: 'x' died in one history only, and remembered dead ids are state.
    const a = new Engine(acmeOptions({ deadIdsPerInstrumentMax: 0 }));
    const b = new Engine(acmeOptions({ deadIdsPerInstrumentMax: 0 }));
    applyAll(a, [limit('x', 'xavier', 'buy', 90, 1), limit('p', 'pat', 'buy', 95, 2), cancel('x', 'xavier'), limit('q', 'quinn', 'sell', 120, 3)]);
    applyAll(b, [limit('q', 'quinn', 'sell', 120, 3), limit('p', 'pat', 'buy', 95, 2)]);
    expect(a.stateHash()).toBe(b.stateHash());
  });

  it('a restored engine reuses freed indexes exactly as the original (same snapshots afterwards)', () => {
    const original = new Engine(acmeOptions());
    const build: Command[] = [];
    for (let i = 0; i < 50; i++) build.push(limit(`o${i}`, `acct-${i % 7}-${i}`, i % 2 === 0 ? 'buy' : 'sell', i % 2 === 0 ? 90 + (i % 5) : 110 + (i % 5), 1 + (i % 3)));
    for (let i = 0; i < 50; i += 3) build.push(cancel(`o${i}`, `acct-${i % 7}-${i}`));
    applyAll(original, build);
    expect(original.accounts.highWater).toBeGreaterThan(original.accounts.size);
    const restored = Engine.restore(original.snapshot());
    restored.checkInvariants();
    expect(restored.stateHash()).toBe(original.stateHash());
    const more: Command[] = [];
    for (let i = 0; i < 30; i++) more.push(limit(`n${i}`, `new-${i}`, 'buy', 80 + (i % 4), 1));
    more.push(market('m', 'taker', 'buy', 40), cancel('o1', 'acct-1-1'));
    expect(applyAll(restored, more)).toEqual(applyAll(original, more));
    expect(restored.snapshot()).toEqual(original.snapshot());
    expect(restored.stateHash()).toBe(original.stateHash());
  });

  it('refuses a snapshot whose account table does not match its orders', () => {
    const engine = new Engine(acmeOptions());
    applyAll(engine, [limit('a', 'alice', 'buy', 100, 1), limit('b', 'bob', 'buy', 99, 1), cancel('a', 'alice')]);
    const bytes = engine.snapshot();
    const edits: Array<[string, (h: Record<string, unknown>) => void]> = [
      ['a name on a free index', (h) => ((h.accounts as unknown[])[0] = 'alice')],
      ['a live account dropped', (h) => ((h.accounts as unknown[])[1] = null)],
      ['a repeated name', (h) => ((h.accounts as unknown[])[0] = 'bob')],
      ['a free list naming a live index', (h) => (h.freeAccounts = [1])],
      ['no free list', (h) => delete h.freeAccounts],
    ];
    expect(() => Engine.restore(rewriteHeader(bytes, () => {}))).not.toThrow();
    for (const [what, edit] of edits) {
      expect(() => Engine.restore(rewriteHeader(bytes, edit)), what).toThrow(/CORRUPT_SNAPSHOT|corrupt snapshot/);
    }
  });
});


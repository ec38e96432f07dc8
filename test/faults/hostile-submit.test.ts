// Why this file exists: hostile commands must be rejects with a code, never a throw (issue 10 items 3, 5).
// Hostile commands (issue 10 items 3 and 5): getters that throw or change their answer, Proxies
// whose traps throw, lone UTF-16 surrogates, huge strings, BigInts, symbols. Before the fix a
// throwing getter made `Engine.apply` and `submit` throw, and queued behind a full queue it threw
// inside the release path (an unhandled rejection; with it trapped, every later submit and close()
// hung); lone surrogates became U+FFFD in the log and two distinct ids hashed equal. Now every
// such command is one `rejected` event with a code, the state hash is unchanged, and the engine
// agrees with the naive oracle on every command of a seeded mixed stream.

import { describe, expect, it } from 'vitest';
import { Engine, Exchange, RejectCode, type OrderCommand as Command, type EngineEvent, type ExchangeCommand } from '../../index.js';
import { NaiveBookEngine } from '../oracle/naive-book.js';
import { ACME } from '../exchange/fixtures/common.js';

const SEEDS = 20;
const COMMANDS_PER_SEED = 600;

function valid(r: () => number, n: number): Record<string, unknown> {
  const kind = r() % 4;
  const id = `o${r() % 40}`;
  if (kind === 0) return { op: 'cancel', id, account: 'a', time: n };
  if (kind === 1) return { op: 'modify', id, account: 'a', time: n, price: 90 + (r() % 20), qty: 1 + (r() % 5) };
  return { op: 'new', id, account: r() % 2 === 0 ? 'a' : 'b', time: n, symbol: 'ACME', side: r() % 2 === 0 ? 'buy' : 'sell', type: 'limit', price: 90 + (r() % 20), qty: 1 + (r() % 9) };
}

const HUGE = 'x'.repeat(1 << 20);

/** mulberry32: a seeded stream of non-negative 31-bit integers. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) & 0x7fffffff;
  };
}

/** A hostile variant of a valid command: which field, and how, chosen by the seed. */
function hostile(base: Record<string, unknown>, r: () => number): unknown {
  const fields = Object.keys(base);
  const field = fields[r() % fields.length];
  const c = { ...base };
  switch (r() % 12) {
    case 0:
      Object.defineProperty(c, field, { enumerable: true, get: () => { throw new Error('boom'); } });
      return c;
    case 1: {
      // Valid the first time it is read, something else afterwards.
      let reads = 0;
      const value = base[field];
      Object.defineProperty(c, field, { enumerable: true, get: () => (reads++ === 0 ? value : 'zzz') });
      return c;
    }
    case 2:
      return new Proxy(c, { get: () => { throw new Error('trap'); } });
    case 3:
      return new Proxy(c, {});
    case 4:
      return new Proxy(c, { getPrototypeOf: () => { throw new Error('proto trap'); } });
    case 5:
      return { ...c, id: `a\uD800${r() % 3}` };
    case 6:
      return { ...c, account: `\uDC00${r() % 3}` };
    case 7:
      return { ...c, [field]: HUGE };
    case 8:
      return { ...c, [field]: BigInt(r()) };
    case 9:
      return { ...c, [field]: Symbol('s') };
    case 10:
      return { ...c, [field]: { toString: () => { throw new Error('toString'); }, valueOf: () => { throw new Error('valueOf'); } } };
    default:
      return { ...c, id: `\uD83D${r() % 3}\uDE00` }; // halves swapped around a digit: both lone
  }
}

/** A seeded stream: two thirds valid commands, one third hostile variants of them. */
function stream(seed: number): unknown[] {
  const r = seeded(seed);
  const out: unknown[] = [];
  for (let n = 0; n < COMMANDS_PER_SEED; n++) {
    const base = valid(r, n);
    out.push(r() % 3 === 0 ? hostile(base, r) : base);
  }
  return out;
}

describe('hostile commands', () => {
  it(`engine and oracle agree on ${SEEDS} seeded streams; no reject changes the state hash`, () => {
    let rejects = 0;
    let hostileRejects = 0;
    for (let seed = 1; seed <= SEEDS; seed++) {
      const engine = new Engine({ instruments: [ACME], maxOrders: 64 });
      const oracle = new NaiveBookEngine({ instruments: [ACME], maxOrders: 64 });
      // Each side gets its own copy: a getter that changes its answer must not see two reads.
      const twin = stream(seed);
      for (const [i, cmd] of stream(seed).entries()) {
        const before = engine.stateHash();
        let events: EngineEvent[] = [];
        expect(() => (events = engine.apply(cmd as Command)), `seed ${seed}`).not.toThrow();
        expect(oracle.apply(twin[i]), `seed ${seed} command ${i}`).toEqual(events);
        if (events.length === 1 && events[0].type === 'rejected') {
          rejects++;
          if (events[0].reason === RejectCode.MALFORMED_COMMAND) hostileRejects++;
          expect(engine.stateHash()).toBe(before);
        }
      }
      expect(engine.stateHash()).toBe(oracle.stateHash());
    }
    expect(rejects).toBeGreaterThan(0);
    expect(hostileRejects).toBeGreaterThan(0);
  });

  it('lone surrogates are refused with INVALID_ID / INVALID_ACCOUNT; valid pairs are carried and hash apart', () => {
    const engine = new Engine({ instruments: [ACME], maxOrders: 64 });
    const order = (id: string, account = 'a'): Command => ({ op: 'new', id, account, time: 1, symbol: 'ACME', side: 'buy', type: 'limit', price: 5, qty: 1 });
    const empty = engine.stateHash();
    for (const id of ['\uD800', 'a\uDBFF', '\uDC00b', '\uDE00\uD83D']) {
      expect(engine.apply(order(id))).toEqual([{ type: 'rejected', op: 'new', id: null, reason: RejectCode.INVALID_ID }]);
    }
    expect(engine.apply(order('ok', '\uD800'))[0]).toMatchObject({ type: 'rejected', reason: RejectCode.INVALID_ACCOUNT });
    expect(engine.stateHash()).toBe(empty);
    // Two astral ids whose UTF-16 halves differ: accepted, and the books hash differently.
    const a = new Engine({ instruments: [ACME], maxOrders: 64 });
    const b = new Engine({ instruments: [ACME], maxOrders: 64 });
    expect(a.apply(order('\uD83D\uDE00'))[0].type).toBe('accepted');
    expect(b.apply(order('\uD83D\uDE01'))[0].type).toBe('accepted');
    expect(a.stateHash()).not.toBe(b.stateHash());
  });

  it('submit: hostile commands resolve as rejects (also queued behind a full queue); close() resolves', async () => {
    const ex = await Exchange.open({ instruments: [ACME], durability: 'memory', maxPending: 2, onFull: 'wait' });
    try {
      const r = seeded(7);
      const results: Array<Promise<unknown>> = [];
      let unhandled = 0;
      const onUnhandled = (): void => void unhandled++;
      process.on('unhandledRejection', onUnhandled);
      const hostiles: unknown[] = [];
      for (let n = 0; n < 200; n++) {
        const base = valid(r, n);
        delete base.time;
        const cmd = n % 2 === 0 ? hostile(base, r) : base;
        if (n % 2 === 0) hostiles.push(cmd);
        // Many at once: most wait behind maxPending and are parsed in the release path.
        results.push(ex.submit(cmd as ExchangeCommand));
      }
      const settled = await Promise.allSettled(results);
      expect(settled.filter((s) => s.status === 'rejected')).toEqual([]);
      // After the queue drained: each hostile command alone leaves the state hash as it was.
      for (const cmd of hostiles) {
        const before = ex.stateHash();
        const result = await ex.submit(cmd as ExchangeCommand);
        if (result.seq === null) expect(ex.stateHash()).toBe(before);
      }
      const next = await ex.submit({ op: 'new', id: 'after', account: 'a', symbol: 'ACME', side: 'buy', type: 'limit', price: 1, qty: 1 });
      expect(next.seq).not.toBeNull();
      process.off('unhandledRejection', onUnhandled);
      expect(unhandled).toBe(0);
    } finally {
      await ex.close();
    }
  });
});

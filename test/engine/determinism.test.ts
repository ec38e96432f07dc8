// Why this file exists: replay is only exact if the engine is a pure function of (state,
// command). The same stream applied twice must give the same events and hashes; commands that
// went through serialisation (structured clones, as after the WAL) must behave like the originals;
// and a snapshot taken at any point must restore to the same hash and then behave exactly like
// the original for the rest of the stream — which is what checkpoint + replay relies on.

import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../engine/index.js';
import type { OrderCommand as Command, EngineEvent, EngineOptions } from '../../engine/types.js';
import { NaiveBookEngine } from '../oracle/naive-book.js';
import { MODEL_INSTRUMENTS, TEST_TIMEOUT_MS, fcParams, optionsArb, resolveStream, show, showCommands, streamArb, type Plan } from './generators.js';

function applyAll(engine: Engine, cmds: unknown[]): EngineEvent[][] {
  return cmds.map((cmd) => engine.apply(cmd as Command));
}

function describeFailure(what: string, options: EngineOptions, cmds: unknown[], detail = ''): string {
  return `${what}\noptions: ${show(options)}\nstream:\n${showCommands(cmds)}\n${detail}`;
}

describe('determinism', () => {
  it('the same stream applied twice gives equal events and hashes at every step', () => {
    fc.assert(
      fc.property(streamArb(0, 300), optionsArb, (plans: Plan[], options) => {
        const cmds = resolveStream(plans, options);
        const a = new Engine(options);
        const b = new Engine(options);
        for (let i = 0; i < cmds.length; i++) {
          const ea = a.apply(cmds[i] as Command);
          const eb = b.apply(cmds[i] as Command);
          if (!isDeepStrictEqual(ea, eb)) throw new Error(describeFailure(`events differ at #${i}`, options, cmds.slice(0, i + 1)));
          if (i % 8 === 0 && a.stateHash() !== b.stateHash()) {
            throw new Error(describeFailure(`hash differs at #${i}`, options, cmds.slice(0, i + 1)));
          }
        }
        expect(a.stateHash()).toBe(b.stateHash());
      }),
      fcParams(60),
    );
  }, TEST_TIMEOUT_MS);

  it('structured clones of the commands (as after the WAL) behave like the originals', () => {
    fc.assert(
      fc.property(streamArb(0, 300), optionsArb, (plans: Plan[], options) => {
        const cmds = resolveStream(plans, options);
        const original = applyAll(new Engine(options), cmds);
        const cloned = applyAll(new Engine(options), cmds.map((cmd) => structuredClone(cmd)));
        expect(cloned).toEqual(original);
      }),
      fcParams(30),
    );
  }, TEST_TIMEOUT_MS);

  it('snapshot/restore at a random point: same hash, then identical events and hashes to the end', () => {
    fc.assert(
      fc.property(streamArb(1, 300), optionsArb, fc.double({ min: 0, max: 1, noNaN: true }), (plans, options, at) => {
        const cmds = resolveStream(plans, options);
        const cut = Math.min(cmds.length, Math.floor(at * (cmds.length + 1)));
        const original = new Engine(options);
        applyAll(original, cmds.slice(0, cut));
        const copy = Engine.restore(original.snapshot());
        copy.checkInvariants();
        const fail = (what: string, detail = ''): never => {
          throw new Error(describeFailure(`${what} (snapshot after #${cut - 1})`, options, cmds, detail));
        };
        if (copy.stateHash() !== original.stateHash()) fail('restored hash differs');
        if (copy.liveOrders !== original.liveOrders) fail('restored liveOrders differs');
        // Cross-check: the restored state is also the oracle's state at that point.
        const oracle = new NaiveBookEngine(options);
        for (const cmd of cmds.slice(0, cut)) oracle.apply(cmd);
        if (copy.stateHash() !== oracle.stateHash()) fail('restored hash differs from the oracle');
        for (const { symbol } of MODEL_INSTRUMENTS) {
          if (!isDeepStrictEqual(copy.depth(symbol, 1000), original.depth(symbol, 1000))) fail(`restored depth(${symbol}) differs`);
        }
        for (let i = cut; i < cmds.length; i++) {
          const eo = original.apply(cmds[i] as Command);
          const ec = copy.apply(cmds[i] as Command);
          if (!isDeepStrictEqual(eo, ec)) fail(`events differ at #${i}`, `original: ${show(eo)}\nrestored: ${show(ec)}`);
          copy.checkInvariants();
          if (copy.stateHash() !== original.stateHash()) fail(`hash differs after #${i}`);
        }
      }),
      fcParams(60),
    );
  }, TEST_TIMEOUT_MS);

  it('a chain of snapshots (restore of a restore, at several points) stays on the original path', () => {
    fc.assert(
      fc.property(streamArb(50, 400), optionsArb, fc.array(fc.nat(400), { minLength: 1, maxLength: 4 }), (plans, options, cuts) => {
        const cmds = resolveStream(plans, options);
        const reference = new Engine(options);
        let chained = new Engine(options);
        const points = new Set(cuts.map((c) => c % (cmds.length + 1)));
        for (let i = 0; i <= cmds.length; i++) {
          if (points.has(i)) {
            chained = Engine.restore(chained.snapshot());
            expect(chained.stateHash()).toBe(reference.stateHash());
          }
          if (i === cmds.length) break;
          expect(chained.apply(cmds[i] as Command)).toEqual(reference.apply(cmds[i] as Command));
        }
        chained.checkInvariants();
        expect(chained.stateHash()).toBe(reference.stateHash());
      }),
      fcParams(25),
    );
  }, TEST_TIMEOUT_MS);

  it('queries do not change state', () => {
    fc.assert(
      fc.property(streamArb(0, 200), optionsArb, (plans, options) => {
        const cmds = resolveStream(plans, options);
        const quiet = new Engine(options);
        const busy = new Engine(options);
        for (const cmd of cmds) {
          quiet.apply(cmd as Command);
          busy.apply(cmd as Command);
          for (const { symbol } of MODEL_INSTRUMENTS) busy.depth(symbol, 3);
          const id: unknown = typeof cmd === 'object' && cmd !== null ? (cmd as { id?: unknown }).id : undefined;
          if (typeof id === 'string' || typeof id === 'number') busy.order(id);
          busy.snapshot();
          busy.stateHash();
          busy.checkInvariants();
        }
        expect(busy.stateHash()).toBe(quiet.stateHash());
      }),
      fcParams(20),
    );
  }, TEST_TIMEOUT_MS);
});

describe('negative zero ids', () => {
  it('treats -0 as the id 0 in events, lookups and the hash', () => {
    const spec = { symbol: 'Z', tickSize: 1, lotSize: 1, minPrice: 1, maxPrice: 100 };
    const a = new Engine({ instruments: [spec] });
    const b = new Engine({ instruments: [spec] });
    const events = a.apply({ op: 'new', id: -0, account: 'x', symbol: 'Z', side: 'buy', type: 'limit', price: 5, qty: 1, time: 0 });
    b.apply({ op: 'new', id: 0, account: 'x', symbol: 'Z', side: 'buy', type: 'limit', price: 5, qty: 1, time: 0 });
    expect(Object.is((events[0] as { id: number }).id, 0)).toBe(true);
    expect(a.stateHash()).toBe(b.stateHash());
    expect(a.apply({ op: 'cancel', id: 0, account: 'x', time: 1 })[0].type).toBe('cancelled');
  });
});

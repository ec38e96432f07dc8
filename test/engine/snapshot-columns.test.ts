// Why this file exists: snapshot format 6 keeps the id memory and the ids as raw columns and links
// each resting order to its entry by row (no lookup), where format 5 rebuilt both from msgpack
// tables one id at a time; the two must restore the same engine. For random streams with every order type (stops,
// icebergs, GTT, OCO, string and integer ids, many accounts, halts and added instruments), at a
// random point: format 6 and format 5 snapshots restore to the same hash, pass the invariant
// checks, and continue identically — so old checkpoints load into the same future as new ones.

import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Engine, EngineError } from '../../engine/index.js';
import { encodeSnapshotV5 } from '../../engine/snapshot-legacy.js';
import type { OrderCommand as Command } from '../../engine/types.js';
import { TEST_TIMEOUT_MS, fcParams, optionsArb, resolveStream, show, streamWithAdminArb } from './generators.js';
import { acmeOptions, limit, stop } from './harness.js';
import { rewriteHeader } from './snapshot-header.js';

describe('snapshot format 6: id columns', () => {
  it('format 6 and format 5 restore to the same state and continue identically (every order type)', () => {
    fc.assert(
      fc.property(streamWithAdminArb(1, 300, 1), optionsArb, fc.double({ min: 0, max: 1, noNaN: true }), (plans, options, at) => {
        const cmds = resolveStream(plans, options);
        const cut = Math.min(cmds.length, Math.floor(at * (cmds.length + 1)));
        const original = new Engine(options);
        for (const cmd of cmds.slice(0, cut)) original.apply(cmd as Command);
        // verify (default): structure and book invariants.
        const raw = Engine.restore(original.snapshot());
        const legacy = Engine.restore(encodeSnapshotV5(original));
        const fail = (what: string): never => {
          throw new Error(`${what} (snapshot after #${cut - 1})\noptions: ${show(options)}`);
        };
        if (raw.stateHash() !== original.stateHash()) fail('format 6 hash differs');
        if (legacy.stateHash() !== original.stateHash()) fail('format 5 hash differs');
        // A snapshot of the raw-restored engine is a snapshot of the original.
        if (!isDeepStrictEqual(raw.snapshot(), original.snapshot())) fail('snapshot of a format 6 restore differs');
        for (let i = cut; i < cmds.length; i++) {
          const eo = original.apply(cmds[i] as Command);
          const er = raw.apply(cmds[i] as Command);
          const el = legacy.apply(cmds[i] as Command);
          if (!isDeepStrictEqual(eo, er)) fail(`format 6 events differ at #${i}`);
          if (!isDeepStrictEqual(eo, el)) fail(`format 5 events differ at #${i}`);
        }
        expect(raw.stateHash()).toBe(original.stateHash());
        expect(legacy.stateHash()).toBe(original.stateHash());
        Engine.restore(raw.snapshot()).checkInvariants();
      }),
      fcParams(40),
    );
  }, TEST_TIMEOUT_MS);

  it('string ids with units above Latin-1 go to a UTF-16 arena and come back exact', () => {
    const e = new Engine(acmeOptions());
    e.apply(limit('ünïcode-😀', 'alice', 'buy', 100, 10));
    e.apply(limit('plain', 'bob', 'buy', 99, 5));
    e.apply(limit(7, 'carol', 'sell', 200, 5));
    e.apply(stop('stop-€', 'dave', 'sell', 90, undefined, 3));
    const copy = Engine.restore(e.snapshot());
    expect(copy.stateHash()).toBe(e.stateHash());
    expect(copy.order('ünïcode-😀')).toEqual(e.order('ünïcode-😀'));
    expect(copy.order(7)).toEqual(e.order(7));
  });

  it('column sizes or order links that do not match are refused with CORRUPT_SNAPSHOT', () => {
    const e = new Engine(acmeOptions());
    for (let i = 0; i < 20; i++) e.apply(limit(i, 'alice', 'buy', 100, 1));
    for (const edit of [
      (header: Record<string, unknown>) => void ((header.entryCount as number) -= 1),
      (header: Record<string, unknown>) => void ((header.unremembered as number) += 1),
      (header: Record<string, unknown>) => void (header.books = []),
      (header: Record<string, unknown>) => void ((header.arena as { bytes: number }).bytes += 8),
    ]) {
      expect(() => Engine.restore(rewriteHeader(e.snapshot(), edit), { verify: false })).toThrow(EngineError);
    }
    // A resting order linked to a closed entry, or to another order's: refused. The orders'
    // entry-row column is the section right after the id memory's reason codes; find it by
    // its values (rows 0..19 in slot order) rather than by offset arithmetic.
    const bytes = e.snapshot();
    const rows = new Uint8Array(new Int32Array(Array.from({ length: 20 }, (_, i) => i)).buffer);
    let at = -1;
    for (let i = 0; i + rows.length <= bytes.length; i += 8) {
      if (rows.every((b, k) => bytes[i + k] === b)) at = i;
    }
    expect(at).toBeGreaterThan(0);
    const shared = bytes.slice();
    shared.set(new Uint8Array(new Int32Array([0]).buffer), at + 4); // slot 1 names row 0 too
    expect(() => Engine.restore(shared, { verify: false })).toThrow(/corrupt snapshot: order slot 1 names id entry 0/);
    const beyond = bytes.slice();
    beyond.set(new Uint8Array(new Int32Array([99]).buffer), at + 4);
    expect(() => Engine.restore(beyond, { verify: false })).toThrow(/corrupt snapshot: order slot 1 names id entry 99/);
  });
});


// Why this file exists: issue 11's speed and memory pass changed how the id memory is kept, not
// what it answers: a new order hashes its id once (IdIndex getHashed / setHashed, OrderIds
// findHashed / addHashed), the memory's index reads the entries' own ids array instead of a copy
// (IdIndex ownsKeys = false), reasons are small codes, overdue entries sit in a linked list, and
// the engine evicts without a liveness lookup (LiveCheck null: an open entry is a live order).
// These check each of those against the plain path it replaces; the model-based test checks the
// engine end to end (invariants.ts: an entry is open exactly while its order lives).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hashId, IdIndex } from '../../engine/id-index.js';
import { OrderIds, STATUS_CANCELLED, STATUS_FILLED } from '../../engine/order-ids.js';

const LIMITS = { perInstrumentMax: 3, retentionCommands: 0, retentionMs: 0, full: 'forget-oldest' as const };

describe('IdIndex hashed lookups', () => {
  it('getHashed / setHashed agree with get / set on string and integer ids', () => {
    const key = fc.oneof(fc.string({ minLength: 1, maxLength: 6 }), fc.integer({ min: -5, max: 5 }));
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), key), { maxLength: 400 }), (ops) => {
        const plain = new IdIndex();
        const hashed = new IdIndex();
        let slot = 0;
        for (const [add, id] of ops) {
          expect(hashed.getHashed(id, hashId(id))).toBe(plain.get(id));
          if (add && plain.get(id) === -1) {
            plain.set(id, slot);
            hashed.setHashed(id, slot, hashId(id));
            slot++;
          } else if (!add) {
            plain.delete(id);
            hashed.delete(id);
          }
        }
        expect(hashed.size).toBe(plain.size);
      }),
    );
  });

  it('with ownsKeys false reads the caller’s keys and never writes them', () => {
    const keys: Array<string | number | null> = ['a', 7, 'b'];
    const index = new IdIndex(keys, false);
    index.set('a', 0);
    index.set(7, 1);
    index.setHashed('b', 2, hashId('b'));
    expect([index.get('a'), index.get(7), index.get('b')]).toEqual([0, 1, 2]);
    index.deleteSlot(0);
    index.deleteSlot(1);
    index.delete('b');
    expect(keys).toEqual(['a', 7, 'b']);
    expect([index.get('a'), index.get(7), index.get('b'), index.size]).toEqual([-1, -1, -1, 0]);
  });
});

describe('OrderIds layout', () => {
  it('addHashed after an eviction that freed the looked-up entry answers like add', () => {
    const viaAdd = new OrderIds(1, LIMITS);
    const viaHashed = new OrderIds(1, LIMITS);
    for (const ids of [viaAdd, viaHashed]) {
      ids.add(0, 'x', 1, 0);
      ids.close(ids.find('x'), STATUS_FILLED, null, 1);
      ids.add(0, 'y', 2, 0);
      ids.add(0, 'z', 3, 0);
    }
    // 'x' is known, then the full ring evicts (and frees) it before the new 'x' is added.
    viaAdd.makeRoom(0, null);
    viaAdd.add(0, 'x', 4, 0);
    const known = viaHashed.findHashed('x', hashId('x'));
    expect(known).not.toBe(-1);
    viaHashed.makeRoom(0, null);
    viaHashed.addHashed(0, 'x', 4, 0, hashId('x'), known);
    const entries = (ids: OrderIds): unknown[] => {
      const out: unknown[] = [];
      ids.forEach(0, (slot, overdue) => out.push([ids.idAt(slot), ids.seqAt(slot), overdue, ids.isIndexed(slot)]));
      return out;
    };
    expect(entries(viaHashed)).toEqual(entries(viaAdd));
    expect(viaHashed.seqAt(viaHashed.find('x'))).toBe(4);
  });

  it('open entries leaving the ring go overdue in leaving order, and close frees them', () => {
    const ids = new OrderIds(1, { ...LIMITS, perInstrumentMax: 2 });
    for (const [n, id] of ['a', 'b', 'c', 'd'].entries()) {
      ids.makeRoom(0, null);
      ids.add(0, id, n + 1, 0);
    }
    const seen: Array<[unknown, boolean]> = [];
    ids.forEach(0, (slot, overdue) => seen.push([ids.idAt(slot), overdue]));
    expect(seen).toEqual([
      ['c', false],
      ['d', false],
      ['a', true],
      ['b', true],
    ]);
    ids.close(ids.find('a'), STATUS_CANCELLED, 'USER', 5);
    const after: unknown[] = [];
    ids.forEach(0, (slot) => after.push(ids.idAt(slot)));
    expect(after).toEqual(['c', 'd', 'b']);
    expect(ids.find('a')).toBe(-1);
  });

  it('with the \'never\' live check an open entry leaving its ring is dropped, as with a check answering false', () => {
    const never = new OrderIds(1, { ...LIMITS, perInstrumentMax: 2 });
    const falsy = new OrderIds(1, { ...LIMITS, perInstrumentMax: 2 });
    for (const [ids, check] of [
      [never, 'never'],
      [falsy, () => false],
    ] as const) {
      for (const [k, id] of ['a', 'b', 'c'].entries()) {
        ids.makeRoom(0, check);
        ids.add(0, id, k + 1, 0);
      }
    }
    const entries = (ids: OrderIds): unknown[] => {
      const out: unknown[] = [];
      ids.forEach(0, (slot, overdue) => out.push([ids.idAt(slot), overdue]));
      return out;
    };
    expect(entries(never)).toEqual([
      ['b', false],
      ['c', false],
    ]);
    expect(entries(never)).toEqual(entries(falsy));
    expect(never.find('a')).toBe(-1);
  });

  it('keeps each entry’s reason', () => {
    const ids = new OrderIds(1, LIMITS);
    ids.add(0, 1, 1, 0);
    ids.add(0, 2, 2, 0);
    ids.close(ids.find(1), STATUS_CANCELLED, 'SELF_TRADE', 3);
    ids.close(ids.find(2), STATUS_FILLED, null, 3);
    expect([ids.reason(ids.find(1)), ids.reason(ids.find(2))]).toEqual(['SELF_TRADE', null]);
  });
});

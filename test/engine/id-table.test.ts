// Why this file exists: issue 11's fourth pass keeps live and remembered ids in ONE table
// (engine/order-ids.ts): the entry answering for an id holds its resting order's pool slot
// (`liveSlot`), a fill or cancel flips it in place, and a resting order whose id nothing
// remembers (id memory off, or an old snapshot without entries) gets an entry only it keeps.
// None of that may be observable: these check the table's states and the answers around them;
// the model-based test compares the engine with the oracle end to end (memory on and off).

import { describe, expect, it } from 'vitest';
import { Engine } from '../../engine/index.js';
import { encodeSnapshotV5 } from '../../engine/snapshot-legacy.js';
import { acmeOptions, cancel, limit, market, RejectCode } from './harness.js';
import { rewriteHeader } from './snapshot-header.js';
import { O_ENTRY, O_INTS } from '../../engine/order-pool.js';


const reasonOf = (events: ReturnType<Engine['apply']>): string | undefined => {
  const last = events[events.length - 1];
  return last?.type === 'rejected' ? last.reason : undefined;
};

describe('one id table for live and remembered ids', () => {
  it('a resting order’s entry holds its pool slot; a fill flips it in place and the id stays remembered', () => {
    const e = new Engine(acmeOptions());
    e.apply(limit('a', 'alice', 'sell', 100, 5));
    const entry = e.orderIds.find('a');
    const slot = e.liveSlot('a');
    expect(entry).not.toBe(-1);
    expect(slot).not.toBe(-1);
    expect(e.orderIds.liveSlot(entry)).toBe(slot);
    expect(e.orders.i32[slot * O_INTS + O_ENTRY]).toBe(entry);
    expect(e.orderIds.liveCount).toBe(1);
    e.apply(market('m', 'bob', 'buy', 5));
    // The same entry answers, now dead: no remove + insert into a second structure.
    expect(e.orderIds.find('a')).toBe(entry);
    expect(e.liveSlot('a')).toBe(-1);
    expect(e.orderIds.liveCount).toBe(0);
    expect(e.orders.i32[slot * O_INTS + O_ENTRY]).toBe(-1);
    expect(reasonOf(e.apply(cancel('a', 'alice')))).toBe(RejectCode.TOO_LATE_TO_CANCEL);
    expect(reasonOf(e.apply(limit('a', 'alice', 'sell', 100, 1)))).toBe(RejectCode.DUPLICATE_ID);
    e.checkInvariants();
  });

  it('with the id memory off, a resting order has an entry only it keeps, which remembers nothing', () => {
    const e = new Engine(acmeOptions({ idsRememberedPerInstrumentMax: 0 }));
    e.apply(limit('a', 'alice', 'buy', 100, 5));
    expect(e.liveSlot('a')).not.toBe(-1);
    expect(e.orderIds.count(0)).toBe(0);
    const duplicate = e.apply(limit('a', 'alice', 'buy', 99, 1));
    expect(duplicate).toEqual([{ type: 'rejected', op: 'new', id: 'a', reason: RejectCode.DUPLICATE_ORDER_ID }]);
    const status = e.orderStatus('a');
    expect(status).toMatchObject({ status: 'resting', filledQty: 0, createdSeq: null, lastSeq: null });
    const copy = Engine.restore(e.snapshot());
    expect(copy.stateHash()).toBe(e.stateHash());
    expect(copy.liveSlot('a')).not.toBe(-1);
    e.apply(cancel('a', 'alice'));
    expect(e.orderIds.find('a')).toBe(-1);
    expect(e.orderIds.liveCount).toBe(0);
    expect(reasonOf(e.apply(cancel('a', 'alice')))).toBe(RejectCode.UNKNOWN_ORDER);
    expect(e.apply(limit('a', 'alice', 'buy', 100, 1))[0]?.type).toBe('accepted');
    e.checkInvariants();
  });

  it('restores a snapshot whose resting orders have no id entries (older formats) with entries only they keep', () => {
    const e = new Engine(acmeOptions());
    e.apply(limit('a', 'alice', 'buy', 100, 5));
    e.apply(limit('b', 'bob', 'sell', 101, 5));
    // Format 5 carries the id memory in its header (format 6 links every order by row).
    const bytes = rewriteHeader(encodeSnapshotV5(e), (header) => {
      for (const book of header.books as Array<Record<string, unknown>>) book.ids = [];
    });
    const copy = Engine.restore(bytes);
    copy.checkInvariants();
    expect(copy.orderIds.count(0)).toBe(0);
    expect(copy.order('a')?.qty).toBe(5);
    expect(copy.apply(cancel('a', 'alice'))[0]?.type).toBe('cancelled');
    // Nothing remembered the id: a later cancel does not know it.
    expect(reasonOf(copy.apply(cancel('a', 'alice')))).toBe(RejectCode.UNKNOWN_ORDER);
    copy.checkInvariants();
  });

  it('refuses a snapshot naming one id in two slots, or a resting order whose entry is closed', () => {
    const e = new Engine(acmeOptions());
    e.apply(limit('a', 'alice', 'buy', 100, 5));
    e.apply(limit('b', 'bob', 'buy', 99, 5));
    // Format 5's header tables (format 6's links: test/engine/snapshot-columns.test.ts).
    const bytes = encodeSnapshotV5(e);
    expect(() => Engine.restore(bytes)).not.toThrow();
    const twice = rewriteHeader(bytes, (header) => ((header.ids as unknown[])[1] = 'a'));
    expect(() => Engine.restore(twice)).toThrow(/corrupt snapshot/);
    const closed = rewriteHeader(bytes, (header) => {
      const entries = (header.books as Array<{ ids: unknown[][] }>)[0].ids;
      entries[0][5] = 1; // STATUS_FILLED
    });
    expect(() => Engine.restore(closed)).toThrow(/corrupt snapshot/);
  });
});

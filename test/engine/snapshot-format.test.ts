// Why this file exists: snapshot format 5 (venue-admin: halted flags, added instruments) must still
// load format 4 (venue-ids: the order-id memory, written by engines before instruments could be
// halted or added). A format 4 snapshot is rebuilt here from a format 5 one by the exact inverse of
// what 5 added: `halted` leaves each book and `instrumentsMax` leaves the options.

import { describe, expect, it } from 'vitest';
import { Engine } from '../../engine/index.js';
import { encodeSnapshotV5 } from '../../engine/snapshot-legacy.js';
import { acmeOptions, limit, cancel, RejectCode, rejected } from './harness.js';
import { rewriteHeader } from './snapshot-header.js';


describe('snapshot format 6 reads format 4', () => {
  it('a format 4 snapshot (order-id memory, no halted flags) restores to the same state and id memory', () => {
    const e = new Engine(acmeOptions());
    e.apply(limit('a', 'alice', 'buy', 100, 10));
    e.apply(limit('b', 'bob', 'sell', 100, 4));
    e.apply(cancel('a', 'alice'));
    const v5 = encodeSnapshotV5(e);
    const v4 = rewriteHeader(v5, (header) => {
      expect(header.version).toBe(5);
      header.version = 4;
      for (const book of header.books as Array<Record<string, unknown>>) delete book.halted;
      delete (header.options as Record<string, unknown>).instrumentsMax;
    });
    const copy = Engine.restore(v4);
    expect(copy.stateHash()).toBe(e.stateHash());
    expect(copy.isHalted('ACME')).toBe(false);
    expect(copy.orderStatus('a')?.status).toBe('cancelled');
    expect(copy.apply(limit('a', 'alice', 'buy', 100, 1))).toEqual([expect.objectContaining(rejected('new', 'a', RejectCode.DUPLICATE_ID))]);
  });
});

// Why this file exists: snapshot format 5 (venue-admin: halted flags, added instruments) must still
// load format 4 (venue-ids: the order-id memory, written by engines before instruments could be
// halted or added). A format 4 snapshot is rebuilt here from a format 5 one by the exact inverse of
// what 5 added: `halted` leaves each book and `instrumentsMax` leaves the options.

import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../engine/index.js';
import { encodeSnapshotV5 } from '../../engine/snapshot-legacy.js';
import { acmeOptions, limit, cancel, RejectCode, rejected } from './harness.js';

const packr = new Packr({ useRecords: false, moreTypes: false });
const align8 = (n: number): number => (n + 7) & ~7;

/** The same snapshot with its header changed by `edit` (the sections are copied unchanged). */
function rewriteHeader(bytes: Uint8Array, edit: (header: Record<string, unknown>) => void): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = view.getUint32(8, true);
  const header = packr.unpack(bytes.subarray(12, 12 + length)) as Record<string, unknown>;
  edit(header);
  const packed = packr.pack(header);
  const sections = bytes.subarray(align8(12 + length));
  const out = new Uint8Array(align8(12 + packed.length) + sections.length);
  out.set(bytes.subarray(0, 8));
  new DataView(out.buffer).setUint32(8, packed.length, true);
  out.set(packed, 12);
  out.set(sections, align8(12 + packed.length));
  return out;
}

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

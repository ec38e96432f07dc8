// Why this file exists: tests of damaged or edited snapshots change a snapshot's msgpack header and keep its
// raw sections as they are; the byte layout (8-byte magic, u32 header length, header, sections
// aligned to 8) is in engine/snapshot-format.ts. One copy of that here, not one per test file.

import { Packr } from 'msgpackr';

const packr = new Packr({ useRecords: false, moreTypes: false });
const align8 = (n: number): number => (n + 7) & ~7;

/** The same snapshot with its header changed by `edit` (the sections are copied unchanged). */
export function rewriteHeader(bytes: Uint8Array, edit: (header: Record<string, unknown>) => void): Uint8Array {
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

// Why this file exists: caller ids were the one part of a snapshot that was not a typed array.
// Format 5 wrote them (and the id memory's entries) into the msgpack header as a million-element
// array of strings and 8-tuples, and restoring a 300,000-order book spent ~1 s decoding those and
// re-inserting them one at a time into tables that kept doubling (profile of `Exchange.open`,
// docs/measurements.md, issue 9). Here an id column is two typed arrays — a kind per row and, per row, the
// number itself or the string's length — and every string of the snapshot lies in one arena:
// Latin-1 bytes when every unit fits (the usual ids), else UTF-16 code units (exact: ids never
// hold lone surrogates, validate.ts). Restoring decodes the arena once (one native call) and
// slices it per id.

import { type OrderId } from './types.js';
import { isValidId } from './validate.js';

export const ID_NONE = 0;
export const ID_NUMBER = 1;
export const ID_STRING = 2;

/** Units of the longest id (validate.ts ID_LENGTH_MAX): a longer length is a damaged column. */
const ID_UNITS_MAX = 64;

export interface IdColumn {
  kinds: Uint8Array;
  /** The id itself (ID_NUMBER), or its length in UTF-16 units (ID_STRING). */
  values: Float64Array;
}

/** What the header says of the arena. */
export interface IdArenaInfo {
  /** Bytes of the arena section. */
  bytes: number;
  /** true: UTF-16 code units, little endian; false: one Latin-1 byte per unit. */
  wide: boolean;
}

/** Collects the id columns of one snapshot and the arena their strings share, in order. */
export class IdArenaWriter {
  private readonly strings: string[] = [];

  /** Column of `count` rows; row i is `id(i)` (null: none). Columns share the arena in creation order. */
  column(count: number, id: (row: number) => OrderId | null): IdColumn {
    const kinds = new Uint8Array(count);
    const values = new Float64Array(count);
    const strings = this.strings;
    for (let i = 0; i < count; i++) {
      const value = id(i);
      if (value === null) continue;
      if (typeof value === 'number') {
        kinds[i] = ID_NUMBER;
        values[i] = value;
      } else {
        kinds[i] = ID_STRING;
        values[i] = value.length;
        strings.push(value);
      }
    }
    return { kinds, values };
  }

  /** The arena of every string written so far (in order) and what the header says of it. */
  finish(): { info: IdArenaInfo; bytes: Uint8Array } {
    const text = this.strings.join('');
    // One native scan: any unit above 0xff makes the arena UTF-16.
    const wide = /[^\x00-\xff]/.test(text);
    const buffer = Buffer.from(text, wide ? 'ucs2' : 'latin1');
    const bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    return { info: { bytes: bytes.length, wide }, bytes };
  }
}

/** Reads the strings of an arena back in the order they were written. */
export class IdArenaReader {
  private readonly text: string;
  private readonly wide: boolean;
  private position = 0;

  constructor(bytes: Uint8Array, info: IdArenaInfo, private readonly corrupt: (why: string) => never) {
    if (info.wide && bytes.length % 2 !== 0) corrupt('odd UTF-16 id arena');
    this.text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString(info.wide ? 'ucs2' : 'latin1');
    this.wide = info.wide;
  }

  /** The id of row `i` of a column, or null. */
  read(column: IdColumn, i: number): OrderId | null {
    const kind = column.kinds[i];
    const value = column.values[i];
    if (kind === ID_NUMBER) {
      if (!Number.isSafeInteger(value)) this.corrupt(`id row ${i} is not a safe integer`);
      return value;
    }
    if (kind === ID_NONE) return null;
    if (kind !== ID_STRING || !(value >= 1 && value <= ID_UNITS_MAX) || this.position + value > this.text.length) {
      this.corrupt(`id row ${i} has kind ${kind} and length ${value}`);
    }
    const id = this.text.slice(this.position, (this.position += value));
    // Latin-1 units are always valid id units; UTF-16 ones may pair wrongly in a damaged arena.
    if (this.wide && !isValidId(id)) this.corrupt(`id row ${i} is not a valid id`);
    return id;
  }

  /** Every string was read: an arena with more is damaged. */
  get exhausted(): boolean {
    return this.position === this.text.length;
  }
}

// Why this file exists: the byte layout every snapshot version shares, apart from what each
// version's encoder and decoder do with ids: "MLSNAP01", the msgpack header's length (u32 LE),
// the header, then sections of raw typed arrays, each starting on an 8-byte boundary:
//
//   order pool  qty f64, next i32, prev i32, level i32, account i32, flags u8   (highWater rows)
//   level pool  price f64, head i32, tail i32, total f64, count i32, book i32   (highWater rows)
//   book sides  per book, bids then asks: keys f64, levels i32                   (size rows)
//   version 6 only, then (snapshot.ts): the id memory's columns, each order slot's entry row,
//   the unremembered orders' ids, the extras, the id arena.

import { Packr } from 'msgpackr';
import type { ResolvedEngineOptions } from './config.js';
import type { Engine } from './engine.js';
import { EngineError } from './errors.js';
import type { StopOrder } from './stop-book.js';
import type { OrderId } from './types.js';
import { NO_EXPIRY } from './validate.js';

export const MAGIC = 'MLSNAP01';
export const packr = new Packr({ useRecords: false, moreTypes: false });

/** [id, seq, time, lastSeq, filledQty, status, reason, flags: 1 overdue (else in the ring), 2 answers for its id] (version 4–5). */
export type IdEntry = [OrderId, number, number, number, number, number, string | null, number];

export interface BookState {
  lastPrice: number;
  /** Pending stops, buy queue then sell queue, each in queue order. */
  stops: StopOrder[];
  /** Version 3: remembered dead ids, oldest first, and the time each died. */
  deadIds?: OrderId[];
  deadTimes?: number[];
  /** Version 4–5: the id ring oldest first, then the overdue entries. */
  ids?: IdEntry[];
  /** Version 6: this book's rows of the id memory's columns: [in the ring, overdue]. */
  entries?: [number, number];
  /** Version 5: the instrument is halted (absent before: none was). */
  halted?: boolean;
}

export interface SnapshotHeader {
  version: number;
  options: ResolvedEngineOptions;
  orders: { highWater: number; freeHead: number; live: number };
  levels: { highWater: number; freeHead: number; live: number };
  /** Level count of each book side: [book0 bids, book0 asks, book1 bids, ...]. */
  sides: number[];
  /** Index → account name, null for a free index. */
  accounts: Array<string | null>;
  /** Free account indexes in reuse order (absent in version 1, whose accounts were never freed). */
  freeAccounts?: number[];
  /** Versions 1–5: caller id of each order slot below highWater; null for free slots. */
  ids?: Array<OrderId | null>;
  /** Versions 3–5: icebergs' and GTT orders' extras: [slot, display, hidden, expireTime]. */
  extras?: Array<[number, number, number, number]>;
  /** Per instrument, in configuration order (version 3). */
  books?: BookState[];
  /** Seq and time of the last command applied (version 4). */
  lastSeq?: number;
  lastTime?: number;
  /** Version 6: rows of the id memory's columns, of the unremembered orders' id column, of the extras. */
  entryCount?: number;
  unremembered?: number;
  extraCount?: number;
  /** Version 6: the id memory's reasons; the reason column indexes this (0: none). */
  reasons?: Array<string | null>;
  /** Version 6: the id arena section. */
  arena?: { bytes: number; wide: boolean };
}

export type Section = Float64Array | Int32Array | Uint16Array | Uint8Array;

export function align8(n: number): number {
  return (n + 7) & ~7;
}

export function corrupt(message: string): never {
  throw new EngineError('CORRUPT_SNAPSHOT', `corrupt snapshot: ${message}`);
}

/** The pool and book sections every version starts with. */
export function poolSections(engine: Engine): Section[] {
  const orders = engine.orders;
  const levels = engine.levels;
  const oh = orders.highWater;
  const lh = levels.highWater;
  const sections: Section[] = [
    orders.column('qty', oh),
    orders.column('next', oh),
    orders.column('prev', oh),
    orders.column('level', oh),
    orders.column('account', oh),
    orders.column('flags', oh),
    levels.column('price', lh),
    levels.column('head', lh),
    levels.column('tail', lh),
    levels.column('total', lh),
    levels.column('count', lh),
    levels.column('book', lh),
  ];
  for (const book of engine.books) {
    for (const side of book.sides) sections.push(side.keys.subarray(0, side.size), side.levels.subarray(0, side.size));
  }
  return sections;
}

/**
 * MAGIC, header, sections: the whole snapshot in one allocation; `shared`: in a SharedArrayBuffer,
 * so that handing it to other threads (the matching workers and the backup at open) copies nothing.
 */
export function assemble(header: SnapshotHeader, sections: Section[], shared = false): Uint8Array {
  const headerBytes = packr.pack(header);
  let size = align8(8 + 4 + headerBytes.length);
  for (const section of sections) size += align8(section.byteLength);
  const out = shared ? new Uint8Array(new SharedArrayBuffer(size)) : new Uint8Array(size);
  const view = new DataView(out.buffer);
  for (let i = 0; i < 8; i++) out[i] = MAGIC.charCodeAt(i);
  view.setUint32(8, headerBytes.length, true);
  out.set(headerBytes, 12);
  let offset = align8(12 + headerBytes.length);
  for (const section of sections) {
    out.set(new Uint8Array(section.buffer, section.byteOffset, section.byteLength), offset);
    offset += align8(section.byteLength);
  }
  return out;
}

/** Reads the sections back in the order the encoder wrote them (copies: the engine owns its arrays). */
export class SectionReader {
  constructor(
    private readonly bytes: Uint8Array,
    private offset: number,
  ) {}

  f64(length: number, capacity = length): Float64Array {
    return this.take(length, 8, (buffer) => new Float64Array(buffer), capacity);
  }

  i32(length: number, capacity = length): Int32Array {
    return this.take(length, 4, (buffer) => new Int32Array(buffer), capacity);
  }

  u16(length: number, capacity = length): Uint16Array {
    return this.take(length, 2, (buffer) => new Uint16Array(buffer), capacity);
  }

  u8(length: number, capacity = length): Uint8Array {
    return this.take(length, 1, (buffer) => new Uint8Array(buffer), capacity);
  }

  /** `length` bytes as a view into the snapshot (no copy; for data read once). */
  view(length: number): Uint8Array {
    if (!(length >= 0) || this.offset + length > this.bytes.length) corrupt('truncated');
    const view = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += align8(length);
    return view;
  }

  get end(): number {
    return this.offset;
  }

  private take<T extends Section>(length: number, width: number, make: (b: ArrayBuffer) => T, capacity: number): T {
    const byteLength = length * width;
    if (!(length >= 0) || this.offset + byteLength > this.bytes.length) corrupt('truncated');
    const target = make(new ArrayBuffer(Math.max(capacity, length) * width));
    new Uint8Array(target.buffer).set(this.bytes.subarray(this.offset, this.offset + byteLength));
    this.offset += align8(byteLength);
    return target;
  }
}

/**
 * Book `b`'s scalar state and pending stops from a snapshot header (every format): last trade
 * price, halt flag, and each stop into its side's queue, the stop index and the expiry queue.
 * Snapshots before OCO had no `oco` field: every stop of theirs is a plain one.
 */
export function restoreBookState(engine: Engine, state: BookState, b: number): void {
  const book = engine.books[b];
  book.lastPrice = state.lastPrice;
  book.halted = state.halted === true;
  if (!Array.isArray(state.stops)) corrupt(`stops of book ${b}`);
  for (const stop of state.stops) {
    if (stop.instrument !== b || (stop.side !== 0 && stop.side !== 1)) corrupt(`stop ${String(stop.id)} in the wrong book`);
    stop.oco = stop.oco === true;
    book.stops[stop.side].stops.push(stop);
    engine.stopsById.set(stop.id, stop);
    if (stop.expireTime !== NO_EXPIRY) book.expiries.add(stop.expireTime, stop.id);
  }
}

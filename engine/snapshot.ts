// Why this file exists: checkpoints must be cheap to take and fast to load, so a snapshot is the
// engine's typed arrays copied raw (no per-order objects), plus a small msgpack header for the
// configuration, counters, account names and caller ids. Restoring verifies structure and
// invariants so a damaged snapshot is refused, never half-loaded.

import { Packr } from 'msgpackr';
import { BookSide } from './book-side.js';
import type { ResolvedEngineOptions } from './config.js';
import { Engine } from './engine.js';
import { EngineError } from './errors.js';
import { checkInvariants } from './invariants.js';
import { LevelPool } from './level-pool.js';
import { OrderPool } from './order-pool.js';
import type { StopOrder } from './stop-book.js';
import type { OrderId } from './types.js';
import { isValidId, NO_EXPIRY } from './validate.js';
import { STATUS_CANCELLED, STATUS_REJECTED } from './order-ids.js';

const MAGIC = 'MLSNAP01';
/**
 * 2: accounts are reference-counted; `accounts` holds null for free indexes, `freeAccounts` their
 * reuse order. 3: icebergs and GTT extras, pending stops, last trade prices and dead ids (`extras`,
 * `books`; absent in older versions, which had none of them). 4: the order-id memory replaces
 * the dead ids (`books[].ids`, SEMANTICS.md "Order ids") and the engine's `lastSeq`; a version 3
 * dead id loads as an entry that was cancelled at seq 0. 5: instruments added at run time are in
 * `options.instruments` (with `instrumentsMax`), and each book says whether it is `halted`.
 */
const FORMAT_VERSION = 5;
const packr = new Packr({ useRecords: false, moreTypes: false });

interface SnapshotHeader {
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
  /** Caller id of each order slot below highWater; null for free slots. */
  ids: Array<OrderId | null>;
  /** Icebergs' and GTT orders' extras: [slot, display, hidden, expireTime] (version 3). */
  extras?: Array<[number, number, number, number]>;
  /** Per instrument, in configuration order (version 3). */
  books?: BookState[];
  /** Seq and time of the last command applied (version 4). */
  lastSeq?: number;
  lastTime?: number;
}

/** [id, seq, time, lastSeq, filledQty, status, reason, flags: 1 overdue (else in the ring), 2 answers for its id] */
type IdEntry = [OrderId, number, number, number, number, number, string | null, number];

interface BookState {
  lastPrice: number;
  /** Pending stops, buy queue then sell queue, each in queue order. */
  stops: StopOrder[];
  /** Version 3: remembered dead ids, oldest first, and the time each died. */
  deadIds?: OrderId[];
  deadTimes?: number[];
  /** Version 4: the id ring oldest first, then the overdue entries. */
  ids?: IdEntry[];
  /** Version 5: the instrument is halted (absent before: none was). */
  halted?: boolean;
}

type Section = Float64Array | Int32Array | Uint8Array;

function align8(n: number): number {
  return (n + 7) & ~7;
}

export function encodeSnapshot(engine: Engine): Uint8Array {
  const orders = engine.orders;
  const levels = engine.levels;
  const oh = orders.highWater;
  const lh = levels.highWater;
  const header: SnapshotHeader = {
    version: FORMAT_VERSION,
    options: engine.options,
    orders: { highWater: oh, freeHead: orders.freeHead, live: orders.live },
    levels: { highWater: lh, freeHead: levels.freeHead, live: levels.live },
    sides: engine.books.flatMap((book) => [book.sides[0].size, book.sides[1].size]),
    accounts: engine.accounts.names,
    freeAccounts: engine.accounts.freeList(),
    ids: engine.restingIds(oh),
    extras: [...engine.extras].map(([slot, e]) => [slot, e.display, e.hidden, e.expireTime]),
    books: engine.books.map((book) => {
      const m = engine.orderIds;
      const ids: IdEntry[] = [];
      m.forEach(book.index, (slot, overdue) => {
        ids.push([m.idAt(slot), m.seqs[slot], m.timeAt(slot), m.lastSeqs[slot], m.filled[slot], m.statuses[slot], m.reason(slot), (overdue ? 1 : 0) | (m.isIndexed(slot) ? 2 : 0)]);
      });
      return { lastPrice: book.lastPrice, stops: [...book.stops[0].stops, ...book.stops[1].stops], ids, halted: book.halted };
    }),
    lastSeq: engine.lastSeq,
    lastTime: engine.lastTime,
  };
  const sections: Section[] = [
    orders.qty.subarray(0, oh),
    orders.next.subarray(0, oh),
    orders.prev.subarray(0, oh),
    orders.level.subarray(0, oh),
    orders.account.subarray(0, oh),
    orders.flags.subarray(0, oh),
    levels.price.subarray(0, lh),
    levels.head.subarray(0, lh),
    levels.tail.subarray(0, lh),
    levels.total.subarray(0, lh),
    levels.count.subarray(0, lh),
    levels.book.subarray(0, lh),
  ];
  for (const book of engine.books) {
    for (const side of book.sides) sections.push(side.keys.subarray(0, side.size), side.levels.subarray(0, side.size));
  }
  const headerBytes = packr.pack(header);
  let size = align8(8 + 4 + headerBytes.length);
  for (const section of sections) size += align8(section.byteLength);
  const out = new Uint8Array(size);
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

/** Rebuilds the account table; reference counts are counted from the live orders' slots. */
function loadAccounts(engine: Engine, header: SnapshotHeader, orders: OrderPool): void {
  if (!Array.isArray(header.accounts)) corrupt('account table');
  const names = header.accounts.slice();
  const refs = new Int32Array(names.length);
  for (let slot = 0; slot < orders.highWater; slot++) {
    if (header.ids[slot] === null) continue;
    const account = orders.account[slot];
    if (!(account >= 0 && account < names.length)) corrupt(`order slot ${slot} has no account`);
    refs[account]++;
  }
  let free = header.freeAccounts;
  if (header.version === 1) {
    // Version 1 never freed accounts: those without live orders become free, in index order.
    free = [];
    for (let i = names.length - 1; i >= 0; i--) {
      if (refs[i] === 0) {
        names[i] = null;
        free.push(i);
      }
    }
    free.reverse();
  }
  if (!Array.isArray(free)) corrupt('free account list');
  const problem = engine.accounts.load(names, free, refs);
  if (problem !== null) corrupt(problem);
}

function corrupt(message: string): never {
  throw new EngineError('CORRUPT_SNAPSHOT', `corrupt snapshot: ${message}`);
}

/** Reads the sections back in the order encodeSnapshot wrote them. */
class SectionReader {
  constructor(
    private readonly bytes: Uint8Array,
    private offset: number,
  ) {}

  f64(length: number, capacity: number): Float64Array {
    return this.take(length, 8, (buffer) => new Float64Array(buffer), capacity);
  }

  i32(length: number, capacity: number): Int32Array {
    return this.take(length, 4, (buffer) => new Int32Array(buffer), capacity);
  }

  u8(length: number, capacity: number): Uint8Array {
    return this.take(length, 1, (buffer) => new Uint8Array(buffer), capacity);
  }

  get end(): number {
    return this.offset;
  }

  private take<T extends Section>(length: number, width: number, make: (b: ArrayBuffer) => T, capacity: number): T {
    const byteLength = length * width;
    if (this.offset + byteLength > this.bytes.length) corrupt('truncated');
    const target = make(new ArrayBuffer(Math.max(capacity, length) * width));
    new Uint8Array(target.buffer).set(this.bytes.subarray(this.offset, this.offset + byteLength));
    this.offset += align8(byteLength);
    return target;
  }
}

export function decodeSnapshot(bytes: Uint8Array, verify: boolean): Engine {
  if (!(bytes instanceof Uint8Array) || bytes.length < 12) corrupt('too short');
  for (let i = 0; i < 8; i++) if (bytes[i] !== MAGIC.charCodeAt(i)) corrupt('bad magic');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(8, true);
  if (12 + headerLength > bytes.length) corrupt('truncated header');
  let header: SnapshotHeader;
  try {
    header = packr.unpack(bytes.subarray(12, 12 + headerLength)) as SnapshotHeader;
  } catch (error) {
    corrupt(`unreadable header (${(error as Error).message})`);
  }
  if (header?.version !== FORMAT_VERSION && header?.version !== 4 && header?.version !== 3 && header?.version !== 2 && header?.version !== 1) {
    corrupt(`unsupported version ${String(header?.version)}`);
  }
  let engine: Engine;
  try {
    engine = new Engine(header.options);
  } catch (error) {
    corrupt(`bad options (${(error as Error).message})`);
  }
  const oh = header.orders.highWater;
  const lh = header.levels.highWater;
  if (!Array.isArray(header.ids) || header.ids.length !== oh) corrupt('id table length');
  if (!Array.isArray(header.sides) || header.sides.length !== engine.books.length * 2) corrupt('side table length');
  if (oh > engine.options.maxOrders) corrupt('more order slots than maxOrders');

  const reader = new SectionReader(bytes, align8(12 + headerLength));
  const capacity = Math.max(engine.options.initialOrders, oh);
  const orders = new OrderPool(Math.min(capacity, engine.options.maxOrders), engine.options.maxOrders);
  orders.qty = reader.f64(oh, orders.capacity);
  orders.next = reader.i32(oh, orders.capacity);
  orders.prev = reader.i32(oh, orders.capacity);
  orders.level = reader.i32(oh, orders.capacity);
  orders.account = reader.i32(oh, orders.capacity);
  orders.flags = reader.u8(oh, orders.capacity);
  orders.highWater = oh;
  orders.freeHead = header.orders.freeHead;
  orders.live = header.orders.live;

  const levels = new LevelPool(Math.max(64, lh));
  levels.price = reader.f64(lh, levels.capacity);
  levels.head = reader.i32(lh, levels.capacity);
  levels.tail = reader.i32(lh, levels.capacity);
  levels.total = reader.f64(lh, levels.capacity);
  levels.count = reader.i32(lh, levels.capacity);
  levels.book = reader.i32(lh, levels.capacity);
  levels.highWater = lh;
  levels.freeHead = header.levels.freeHead;
  levels.live = header.levels.live;

  engine.books.forEach((book, b) => {
    book.sides.forEach((side: BookSide, s) => {
      const size = header.sides[b * 2 + s];
      const room = Math.max(64, size);
      side.keys = reader.f64(size, room);
      side.levels = reader.i32(size, room);
      side.size = size;
    });
  });
  if (reader.end !== bytes.length) corrupt('trailing bytes');

  engine.orders = orders;
  engine.levels = levels;
  loadAccounts(engine, header, orders);
  for (let slot = 0; slot < oh; slot++) {
    const id = header.ids[slot];
    if (id !== null && !isValidId(id)) corrupt(`bad id in slot ${slot}`);
  }
  restoreOrderTypes(engine, header);
  // Each resting order joins the id table after the id memory's entries are loaded: its entry
  // is the open one answering for its id, or one only it keeps (engine.restoreResting).
  for (let slot = 0; slot < oh; slot++) {
    const id = header.ids[slot];
    if (id === null) continue;
    const problem = engine.restoreResting(id, slot);
    if (problem !== null) corrupt(`${problem} (slot ${slot})`);
  }
  if (verify) {
    try {
      checkInvariants(engine);
    } catch (error) {
      corrupt((error as Error).message);
    }
  }
  // The price → level index is derived state, rebuilt from the (verified) sorted level lists.
  for (const book of engine.books) for (const side of book.sides) side.rebuildIndex();
  return engine;
}

/** Rebuilds the order-type state (extras, expiry queues, stops, last prices, dead ids). */
function restoreOrderTypes(engine: Engine, header: SnapshotHeader): void {
  if (header.version < 3) return;
  if (!Array.isArray(header.extras) || !Array.isArray(header.books) || header.books.length !== engine.books.length) {
    corrupt('order-type tables');
  }
  for (const [slot, display, hidden, expireTime] of header.extras) {
    const id = header.ids[slot];
    if (id === null || id === undefined) corrupt(`extra for free slot ${slot}`);
    const book = engine.books[engine.levels.book[engine.orders.level[slot]]];
    if (book === undefined) corrupt(`extra for slot ${slot} without a book`);
    engine.extras.set(slot, { display, hidden, expireTime });
    if (display !== 0) book.icebergs++;
    if (expireTime !== NO_EXPIRY) book.expiries.add(expireTime, id);
  }
  header.books.forEach((state, b) => {
    const book = engine.books[b];
    book.lastPrice = state.lastPrice;
    book.halted = state.halted === true;
    for (const stop of state.stops) {
      if (stop.instrument !== b || (stop.side !== 0 && stop.side !== 1)) corrupt(`stop ${String(stop.id)} in the wrong book`);
      // Snapshots before OCO had no `oco` field: every stop was a plain one.
      stop.oco = stop.oco === true;
      book.stops[stop.side].stops.push(stop);
      engine.stopsById.set(stop.id, stop);
      if (stop.expireTime !== NO_EXPIRY) book.expiries.add(stop.expireTime, stop.id);
    }
    const ids = engine.orderIds;
    if (header.version === 3) {
      const dead = state.deadIds;
      if (!Array.isArray(dead) || dead.length > ids.limits.perInstrumentMax) corrupt('dead id table');
      for (const id of dead) ids.load(b, id, 0, 0, 0, 0, STATUS_CANCELLED, null, false, ids.find(id) === -1);
      return;
    }
    if (!Array.isArray(state.ids)) corrupt('id table');
    let inRing = 0;
    for (const entry of state.ids) {
      if (!Array.isArray(entry) || entry.length !== 8 || !isValidId(entry[0])) corrupt(`id entry of ${state.ids.length} in book ${b}`);
      const [id, seq, time, lastSeq, filled, status, reason, flags] = entry;
      const overdue = (flags & 1) !== 0;
      if (!overdue) inRing++;
      if (inRing > Math.max(ids.limits.perInstrumentMax, 0) || !(status >= 0 && status <= STATUS_REJECTED)) corrupt(`id table of book ${b}`);
      if ((flags & 2) !== 0 && ids.find(id) !== -1) corrupt(`id ${String(id)} answered by two entries`);
      ids.load(b, id, seq, time, lastSeq, filled, status, reason, overdue, (flags & 2) !== 0);
    }
  });
  engine.lastSeq = typeof header.lastSeq === 'number' ? header.lastSeq : 0;
  engine.lastTime = typeof header.lastTime === 'number' ? header.lastTime : 0;
}

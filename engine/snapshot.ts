// Why this file exists: checkpoints must be cheap to take and fast to load, so a snapshot is the
// engine's typed arrays copied raw (no per-order objects), plus a small msgpack header for the
// configuration, counters, account names and pending stops (snapshot-format.ts has the layout).
// Since format 6 the caller ids, the id memory and the order-type extras are raw columns too
// (snapshot-ids.ts): restoring a 300,000-order book spent ~1 s in format 5's msgpack id tables
// and one-at-a-time re-inserts into tables that kept doubling, most of Exchange.open's checkpoint
// load (README issue 9). Restoring checks structure always and the book invariants on request
// (`verify`), so a damaged snapshot is refused, never half-loaded.

import type { BookSide } from './book-side.js';
import { Engine } from './engine.js';
import { checkInvariants } from './invariants.js';
import { LevelPool } from './level-pool.js';
import { OrderPool } from './order-pool.js';
import type { OrderIdsTables } from './order-ids.js';
import { IdArenaReader, IdArenaWriter, type IdColumn } from './snapshot-ids.js';
import {
  align8,
  assemble,
  corrupt,
  MAGIC,
  packr,
  poolSections,
  SectionReader,
  type Section,
  type SnapshotHeader,
  type TableShape,
} from './snapshot-format.js';
import { restoreLegacyIds, restoreLegacyOrderTypes } from './snapshot-legacy.js';
import type { IdIndexTables } from './id-index.js';
import { NO_EXPIRY } from './validate.js';

/**
 * 2: accounts are reference-counted; `accounts` holds null for free indexes, `freeAccounts` their
 * reuse order. 3: icebergs and GTT extras, pending stops, last trade prices and dead ids (`extras`,
 * `books`; absent in older versions, which had none of them). 4: the order-id memory replaces
 * the dead ids (`books[].ids`, SEMANTICS.md "Order ids") and the engine's `lastSeq`; a version 3
 * dead id loads as an entry that was cancelled at seq 0. 5: instruments added at run time are in
 * `options.instruments` (with `instrumentsMax`), and each book says whether it is `halted`.
 * 6: caller ids, the id memory, the extras and each order's id entry are raw sections, strings in
 * one arena (`ids`, `extras` and `books[].ids` leave the header).
 */
const FORMAT_VERSION = 6;

export function encodeSnapshot(engine: Engine): Uint8Array {
  const orders = engine.orders;
  const levels = engine.levels;
  const oh = orders.highWater;
  const arena = new IdArenaWriter();
  const orderIds = arena.column(orders.ids, oh);
  const live = engine.idToSlot.exportTables(oh);
  const memory = engine.orderIds.exportTables();
  const memoryIds = arena.column(engine.orderIds.ids, memory.slotCount);

  const extraCount = engine.extras.size;
  const extraSlots = new Int32Array(extraCount);
  const display = new Float64Array(extraCount);
  const hidden = new Float64Array(extraCount);
  const expiry = new Float64Array(extraCount);
  let e = 0;
  for (const [slot, extra] of engine.extras) {
    extraSlots[e] = slot;
    display[e] = extra.display;
    hidden[e] = extra.hidden;
    expiry[e++] = extra.expireTime;
  }

  const strings = arena.finish();
  const header: SnapshotHeader = {
    version: FORMAT_VERSION,
    options: engine.options,
    orders: { highWater: oh, freeHead: orders.freeHead, live: orders.live },
    levels: { highWater: levels.highWater, freeHead: levels.freeHead, live: levels.live },
    sides: engine.books.flatMap((book) => [book.sides[0].size, book.sides[1].size]),
    accounts: engine.accounts.names,
    freeAccounts: engine.accounts.freeList(),
    books: engine.books.map((book) => {
      const ring = memory.rings[book.index];
      return {
        lastPrice: book.lastPrice,
        stops: [...book.stops[0].stops, ...book.stops[1].stops],
        halted: book.halted,
        ring: { size: ring.slots.length, overdueHead: ring.overdueHead, overdueTail: ring.overdueTail },
      };
    }),
    lastSeq: engine.lastSeq,
    lastTime: engine.lastTime,
    liveIndex: tableShape(live),
    memory: { slots: memory.slotCount, free: memory.freeSlots.length, reasons: memory.reasonNames, index: tableShape(memory.index) },
    extraCount,
    arena: strings.info,
  };
  const sections: Section[] = [
    ...poolSections(engine),
    orderIds.kinds,
    orderIds.values,
    orders.entry.subarray(0, oh),
    ...tableSections(live),
    memoryIds.kinds,
    memoryIds.values,
    memory.seqs,
    memory.times,
    memory.lastSeqs,
    memory.filled,
    memory.statuses,
    memory.reasonCodes,
    memory.instruments,
    memory.flags,
    memory.overdueNext,
    memory.overduePrev,
    memory.freeSlots,
    ...memory.rings.map((ring) => ring.slots),
    ...tableSections(memory.index),
    extraSlots,
    display,
    hidden,
    expiry,
    strings.bytes,
  ];
  return assemble(header, sections);
}

function tableShape(t: IdIndexTables): TableShape {
  return { cells: t.cells.length, numbers: t.numbers, stringCells: t.stringCells.length, strings: t.strings, slots: t.slotHashes.length };
}

function tableSections(t: IdIndexTables): Section[] {
  return [t.cells, t.stringCells, t.slotHashes, t.slotIsString];
}

function readTables(reader: SectionReader, shape: TableShape | undefined): IdIndexTables {
  if (shape === undefined) corrupt('id index shape');
  const { cells, numbers, stringCells, strings, slots } = shape;
  return { cells: reader.f64(cells), numbers, stringCells: reader.i32(stringCells), strings, slotHashes: reader.i32(slots), slotIsString: reader.u8(slots) };
}

/** Rebuilds the account table; reference counts are counted from the live orders' slots. */
function loadAccounts(engine: Engine, header: SnapshotHeader, orders: OrderPool): void {
  if (!Array.isArray(header.accounts)) corrupt('account table');
  const names = header.accounts.slice();
  const refs = new Int32Array(names.length);
  for (let slot = 0; slot < orders.highWater; slot++) {
    if (orders.ids[slot] === null) continue;
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

function readHeader(bytes: Uint8Array): { header: SnapshotHeader; end: number } {
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
  const version = header?.version;
  if (!(Number.isInteger(version) && version >= 1 && version <= FORMAT_VERSION)) corrupt(`unsupported version ${String(version)}`);
  return { header, end: align8(12 + headerLength) };
}

export function decodeSnapshot(bytes: Uint8Array, verify: boolean): Engine {
  const { header, end } = readHeader(bytes);
  let engine: Engine;
  try {
    engine = new Engine(header.options);
  } catch (error) {
    corrupt(`bad options (${(error as Error).message})`);
  }
  const oh = header.orders?.highWater;
  const lh = header.levels?.highWater;
  if (!Number.isSafeInteger(oh) || oh < 0 || !Number.isSafeInteger(lh) || lh < 0) corrupt('pool sizes');
  if (!Array.isArray(header.sides) || header.sides.length !== engine.books.length * 2) corrupt('side table length');
  if (oh > engine.options.maxOrders) corrupt('more order slots than maxOrders');

  const reader = new SectionReader(bytes, end);
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
  // The pool's slot → id array is the id index's (filled below, null for free slots).
  orders.ids = engine.idToSlot.keys;

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
  engine.orders = orders;
  engine.levels = levels;
  if (header.version >= 6) {
    restoreColumns(engine, header, reader);
    loadAccounts(engine, header, orders);
  } else {
    restoreLegacyIds(engine, header);
    loadAccounts(engine, header, orders);
    restoreLegacyOrderTypes(engine, header);
  }
  if (reader.end !== bytes.length) corrupt('trailing bytes');
  if (verify) {
    try {
      checkInvariants(engine, true);
    } catch (error) {
      corrupt((error as Error).message);
    }
  }
  // The price → level index is derived state, rebuilt from the (verified) sorted level lists.
  for (const book of engine.books) for (const side of book.sides) side.rebuildIndex();
  return engine;
}

/** Format 6: ids, both id indexes, the id memory, extras and stops from the raw sections. */
function restoreColumns(engine: Engine, header: SnapshotHeader, reader: SectionReader): void {
  const orders = engine.orders;
  const oh = orders.highWater;
  const extraCount = header.extraCount;
  const memory = header.memory;
  if (!Number.isSafeInteger(extraCount) || extraCount! < 0 || memory === undefined || header.arena === undefined) corrupt('extras, id memory or id arena');
  if (!Array.isArray(header.books) || header.books.length !== engine.books.length) corrupt('book table');
  const orderIds: IdColumn = { kinds: reader.u8(oh), values: reader.f64(oh) };
  orders.entry = reader.i32(oh, orders.capacity);
  const live = readTables(reader, header.liveIndex);
  const n = memory.slots;
  if (!(Number.isSafeInteger(n) && n >= 0 && Number.isSafeInteger(memory.free) && memory.free >= 0 && memory.free <= n)) corrupt('id memory size');
  const memoryIds: IdColumn = { kinds: reader.u8(n), values: reader.f64(n) };
  const tables: OrderIdsTables = {
    slotCount: n,
    seqs: reader.f64(n),
    times: reader.f64(n),
    lastSeqs: reader.f64(n),
    filled: reader.f64(n),
    statuses: reader.u8(n),
    reasonCodes: reader.u16(n),
    reasonNames: memory.reasons,
    instruments: reader.i32(n),
    flags: reader.u8(n),
    overdueNext: reader.i32(n),
    overduePrev: reader.i32(n),
    freeSlots: reader.i32(memory.free),
    rings: header.books.map((state, b) => {
      const ring = state.ring ?? corrupt(`book ${b} has no id ring`);
      if (!(Number.isSafeInteger(ring.size) && ring.size >= 0 && ring.size <= n)) corrupt(`id ring of book ${b}`);
      return { slots: reader.i32(ring.size), overdueHead: ring.overdueHead, overdueTail: ring.overdueTail };
    }),
    index: readTables(reader, memory.index),
  };
  const extraSlots = reader.i32(extraCount!);
  const display = reader.f64(extraCount!);
  const hidden = reader.f64(extraCount!);
  const expiry = reader.f64(extraCount!);
  const arena = new IdArenaReader(reader.view(header.arena.bytes), header.arena, corrupt);

  // Ids into the arrays the indexes read; the indexes' own tables are taken as they were.
  const keys = orders.ids;
  let named = 0;
  for (let slot = 0; slot < oh; slot++) {
    const id = arena.read(orderIds, slot);
    keys[slot] = id;
    if (id !== null) named++;
  }
  if (named !== orders.live) corrupt(`${named} order ids for ${orders.live} live orders`);
  const problem = engine.idToSlot.importTables(live, oh);
  if (problem !== null) corrupt(problem);
  if (engine.idToSlot.size !== named) corrupt('live id index size');
  const ids = engine.orderIds;
  for (let slot = 0; slot < n; slot++) ids.ids[slot] = arena.read(memoryIds, slot);
  if (!arena.exhausted) corrupt('id arena left over');
  const memoryProblem = ids.importTables(tables);
  if (memoryProblem !== null) corrupt(memoryProblem);
  for (let slot = 0; slot < oh; slot++) {
    const entry = orders.entry[slot];
    if (!(entry >= -1 && entry < n)) corrupt(`order slot ${slot} has id entry ${entry}`);
  }

  // Extras before stops, as every version restored them (the expiry queues keep insertion order).
  for (let e = 0; e < extraCount!; e++) {
    const slot = extraSlots[e];
    const id = slot >= 0 && slot < oh ? keys[slot] : null;
    if (id === null || id === undefined) corrupt(`extra for free slot ${slot}`);
    const book = engine.books[engine.levels.book[orders.level[slot]]];
    if (book === undefined) corrupt(`extra for slot ${slot} without a book`);
    engine.extras.set(slot, { display: display[e], hidden: hidden[e], expireTime: expiry[e] });
    if (display[e] !== 0) book.icebergs++;
    if (expiry[e] !== NO_EXPIRY) book.expiries.add(expiry[e], id);
  }
  header.books.forEach((state, b) => {
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
  });
  engine.lastSeq = typeof header.lastSeq === 'number' ? header.lastSeq : 0;
  engine.lastTime = typeof header.lastTime === 'number' ? header.lastTime : 0;
}

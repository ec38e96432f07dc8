// Why this file exists: checkpoints must be cheap to take and fast to load, so a snapshot is the
// engine's typed arrays copied raw (no per-order objects), plus a small msgpack header for the
// configuration, counters, account names and pending stops (snapshot-format.ts has the layout).
// Since format 6 the id memory, the caller ids and the order-type extras are raw columns too
// (snapshot-ids.ts: one string arena): restoring a 300,000-order book spent ~1 s in format 5's
// msgpack id tables (a 8-tuple per entry) and a lookup per resting order, most of Exchange.open's
// checkpoint load (docs/measurements.md, issue 9). Each resting order names its id-memory entry by row, so it is
// linked without hashing its id; only orders without an entry (the memory off) are looked up.
// Restoring checks structure always and the book invariants on request (`verify`), so a damaged
// snapshot is refused, never half-loaded.

import type { BookSide } from './book-side.js';
import { Engine } from './engine.js';
import { checkInvariants } from './invariants.js';
import { LevelPool } from './level-pool.js';
import { OrderPool } from './order-pool.js';
import { STATUS_OPEN, STATUS_REJECTED } from './order-ids.js';
import { NIL, type OrderPool as Pool } from './order-pool.js';
import { IdArenaReader, IdArenaWriter, type IdColumn } from './snapshot-ids.js';
import {
  align8,
  assemble,
  corrupt,
  MAGIC,
  packr,
  poolSections,
  restoreBookState,
  SectionReader,
  type Section,
  type SnapshotHeader,
} from './snapshot-format.js';
import { checkLegacyIds, restoreLegacyOrderTypes } from './snapshot-legacy.js';
import { NO_EXPIRY } from './validate.js';
import { O_ACCOUNT, O_ENTRY, O_INTS, O_LEVEL } from './order-pool.js';
import { L_BOOK, L_INTS } from './level-pool.js';

/**
 * 2: accounts are reference-counted; `accounts` holds null for free indexes, `freeAccounts` their
 * reuse order. 3: icebergs and GTT extras, pending stops, last trade prices and dead ids (`extras`,
 * `books`; absent in older versions, which had none of them). 4: the order-id memory replaces
 * the dead ids (`books[].ids`, SEMANTICS.md "Order ids") and the engine's `lastSeq`; a version 3
 * dead id loads as an entry that was cancelled at seq 0. 5: instruments added at run time are in
 * `options.instruments` (with `instrumentsMax`), and each book says whether it is `halted`.
 * 6: the id memory, the extras and each order's id-memory row are raw sections, ids as columns
 * with one string arena (`ids`, `extras` and `books[].ids` leave the header).
 */
const FORMAT_VERSION = 6;
const ENTRY_OVERDUE = 1;
const ENTRY_INDEXED = 2;
/** An order slot's row in the orders' entry column: free, or resting without an id-memory entry. */
const ORDER_FREE = -2;
const ORDER_UNREMEMBERED = -1;

export function encodeSnapshot(engine: Engine, shared = false): Uint8Array {
  const orders = engine.orders;
  const levels = engine.levels;
  const oh = orders.highWater;
  const m = engine.orderIds;
  const arena = new IdArenaWriter();

  // The id memory's entries in snapshot order (per book: the ring oldest first, then overdue):
  // `order` lists their slots, `position` maps a slot to its row (its slot again after restore).
  const order = new Int32Array(m.instruments.length);
  const position = new Int32Array(m.instruments.length).fill(-1);
  const flags = new Uint8Array(m.instruments.length);
  let count = 0;
  const books = engine.books.map((book) => {
    let inRing = 0;
    let overdue = 0;
    m.forEach(book.index, (slot, late) => {
      position[slot] = count;
      flags[count] = late ? ENTRY_OVERDUE : 0;
      order[count++] = slot;
      if (late) overdue++;
      else inRing++;
    });
    return { lastPrice: book.lastPrice, stops: [...book.stops[0].stops, ...book.stops[1].stops], entries: [inRing, overdue] as [number, number], halted: book.halted };
  });
  const entryIds = arena.column(count, (row) => m.idAt(order[row]));
  const seqs = new Float64Array(count);
  const times = new Float64Array(count);
  const lastSeqs = new Float64Array(count);
  const filled = new Float64Array(count);
  const statuses = new Uint8Array(count);
  const reasonCodes = new Uint16Array(count);
  const reasons: Array<string | null> = [null];
  const reasonIndex = new Map<string, number>();
  for (let row = 0; row < count; row++) {
    const slot = order[row];
    seqs[row] = m.seqAt(slot);
    times[row] = m.timeAt(slot);
    lastSeqs[row] = m.lastSeqAt(slot);
    filled[row] = m.filledAt(slot);
    statuses[row] = m.statusAt(slot);
    if (m.isIndexed(slot)) flags[row] |= ENTRY_INDEXED;
    const reason = m.reason(slot);
    if (reason === null) continue;
    let code = reasonIndex.get(reason);
    if (code === undefined) {
      code = reasons.length;
      reasons.push(reason);
      reasonIndex.set(reason, code);
    }
    reasonCodes[row] = code;
  }

  // Each order slot: free, its entry's row, or (no entry remembers it) its id in a column of its own.
  const entries = new Int32Array(oh);
  const unremembered: number[] = [];
  for (let slot = 0; slot < oh; slot++) {
    const entry = orders.i32[slot * O_INTS + O_ENTRY];
    const row = entry === NIL ? ORDER_FREE : position[entry];
    entries[slot] = row === -1 ? ORDER_UNREMEMBERED : row;
    if (row === -1) unremembered.push(entry);
  }
  const unrememberedIds = arena.column(unremembered.length, (k) => m.idAt(unremembered[k]));

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
    books,
    lastSeq: engine.lastSeq,
    lastTime: engine.lastTime,
    entryCount: count,
    unremembered: unremembered.length,
    reasons,
    extraCount,
    arena: strings.info,
  };
  const sections: Section[] = [
    ...poolSections(engine),
    entryIds.kinds,
    entryIds.values,
    seqs,
    times,
    lastSeqs,
    filled,
    statuses,
    flags.subarray(0, count),
    reasonCodes,
    entries,
    unrememberedIds.kinds,
    unrememberedIds.values,
    extraSlots,
    display,
    hidden,
    expiry,
    strings.bytes,
  ];
  return assemble(header, sections, shared);
}

/** Rebuilds the account table; reference counts are counted from the occupied order slots. */
function loadAccounts(engine: Engine, header: SnapshotHeader, orders: Pool, occupied: (slot: number) => boolean): void {
  if (!Array.isArray(header.accounts)) corrupt('account table');
  const names = header.accounts.slice();
  const refs = new Int32Array(names.length);
  for (let slot = 0; slot < orders.highWater; slot++) {
    if (!occupied(slot)) continue;
    const account = orders.i32[slot * O_INTS + O_ACCOUNT];
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
    // msgpackr refuses a view of shared memory (Engine.snapshot({ shared: true })): the small
    // header is copied out of it; the sections are copied by SectionReader anyway.
    // (Not `slice`: on a Buffer that is a view too.)
    let headerBytes = bytes.subarray(12, 12 + headerLength);
    if (bytes.buffer instanceof SharedArrayBuffer) headerBytes = new Uint8Array(headerBytes);
    header = packr.unpack(headerBytes) as SnapshotHeader;
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
  orders.loadColumns({
    qty: reader.f64(oh),
    next: reader.i32(oh),
    prev: reader.i32(oh),
    level: reader.i32(oh),
    account: reader.i32(oh),
    flags: reader.u8(oh),
  });
  orders.highWater = oh;
  orders.freeHead = header.orders.freeHead;
  orders.live = header.orders.live;

  const levels = new LevelPool(Math.max(64, lh));
  levels.loadColumns({
    price: reader.f64(lh),
    head: reader.i32(lh),
    tail: reader.i32(lh),
    total: reader.f64(lh),
    count: reader.i32(lh),
    book: reader.i32(lh),
  });
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
  } else {
    checkLegacyIds(engine, header);
    const ids = header.ids!;
    loadAccounts(engine, header, orders, (slot) => ids[slot] !== null);
    restoreLegacyOrderTypes(engine, header);
  }
  if (reader.end !== bytes.length) corrupt('trailing bytes');
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

/** Format 6: the id memory, resting orders' links, extras and stops from the raw sections. */
function restoreColumns(engine: Engine, header: SnapshotHeader, reader: SectionReader): void {
  const orders = engine.orders;
  const oh = orders.highWater;
  const count = header.entryCount!;
  const unrememberedCount = header.unremembered!;
  const extraCount = header.extraCount!;
  const reasons = header.reasons;
  for (const n of [count, unrememberedCount, extraCount]) if (!(Number.isSafeInteger(n) && n >= 0)) corrupt('column sizes');
  if (!Array.isArray(reasons) || reasons[0] !== null || header.arena === undefined) corrupt('reason table or id arena');
  if (!Array.isArray(header.books) || header.books.length !== engine.books.length) corrupt('book table');
  const entryIds: IdColumn = { kinds: reader.u8(count), values: reader.f64(count) };
  const seqs = reader.f64(count);
  const times = reader.f64(count);
  const lastSeqs = reader.f64(count);
  const filled = reader.f64(count);
  const statuses = reader.u8(count);
  const flags = reader.u8(count);
  const reasonCodes = reader.u16(count);
  const entries = reader.i32(oh);
  const unremembered: IdColumn = { kinds: reader.u8(unrememberedCount), values: reader.f64(unrememberedCount) };
  const extraSlots = reader.i32(extraCount);
  const display = reader.f64(extraCount);
  const hidden = reader.f64(extraCount);
  const expiry = reader.f64(extraCount);
  const arena = new IdArenaReader(reader.view(header.arena.bytes), header.arena, corrupt);

  // The id memory: a fresh OrderIds hands out slots 0, 1, ... in load order, so an entry's slot
  // is its row, which is what each resting order names.
  const ids = engine.orderIds;
  // Bounded by the bytes read above (reader.u8(count) refused a count the snapshot cannot hold).
  ids.reserve(count);
  let row = 0;
  header.books.forEach((state, b) => {
    const [inRing, overdue] = state.entries ?? corrupt(`book ${b} has no id memory counts`);
    if (!(inRing >= 0 && overdue >= 0 && row + inRing + overdue <= count) || inRing > Math.max(ids.limits.perInstrumentMax, 0)) {
      corrupt(`id memory of book ${b}`);
    }
    for (let k = 0; k < inRing + overdue; k++, row++) {
      const id = arena.read(entryIds, row);
      const status = statuses[row];
      const reason = reasons[reasonCodes[row]];
      const late = (flags[row] & ENTRY_OVERDUE) !== 0;
      const indexed = (flags[row] & ENTRY_INDEXED) !== 0;
      if (id === null || late !== k >= inRing || status > STATUS_REJECTED || reason === undefined) corrupt(`id entry ${row} of book ${b}`);
      if (indexed && ids.find(id) !== NIL) corrupt(`id ${String(id)} answered by two entries`);
      ids.load(b, id, seqs[row], times[row], lastSeqs[row], filled[row], status, reason, late, indexed);
    }
  });
  if (row !== count) corrupt('id memory rows left over');

  // Resting orders: linked to their entry by row (no lookup), or given one of their own.
  let k = 0;
  for (let slot = 0; slot < oh; slot++) {
    const entry = entries[slot];
    if (entry === ORDER_FREE) continue;
    if (entry === ORDER_UNREMEMBERED) {
      const id = arena.read(unremembered, k++) ?? corrupt(`order slot ${slot} has no id`);
      const problem = engine.restoreResting(id, slot);
      if (problem !== null) corrupt(`${problem} (slot ${slot})`);
      continue;
    }
    if (!(entry >= 0 && entry < count) || ids.liveSlot(entry) !== NIL || ids.statusAt(entry) !== STATUS_OPEN || !ids.isIndexed(entry)) {
      corrupt(`order slot ${slot} names id entry ${entry}`);
    }
    ids.setLive(entry, slot);
    orders.i32[slot * O_INTS + O_ENTRY] = entry;
  }
  if (k !== unrememberedCount || !arena.exhausted) corrupt('ids left over');
  loadAccounts(engine, header, orders, (slot) => entries[slot] !== ORDER_FREE);

  // Extras before stops, as every version restored them (the expiry queues keep insertion order).
  for (let e = 0; e < extraCount; e++) {
    const slot = extraSlots[e];
    const entry = slot >= 0 && slot < oh ? orders.i32[slot * O_INTS + O_ENTRY] : NIL;
    if (entry === NIL) corrupt(`extra for free slot ${slot}`);
    const book = engine.books[engine.levels.i32[(orders.i32[slot * O_INTS + O_LEVEL]) * L_INTS + L_BOOK]];
    if (book === undefined) corrupt(`extra for slot ${slot} without a book`);
    engine.extras.set(slot, { display: display[e], hidden: hidden[e], expireTime: expiry[e] });
    if (display[e] !== 0) book.icebergs++;
    if (expiry[e] !== NO_EXPIRY) book.expiries.add(expiry[e], ids.idAt(entry));
  }
  header.books.forEach((state, b) => restoreBookState(engine, state, b));
  engine.lastSeq = typeof header.lastSeq === 'number' ? header.lastSeq : 0;
  engine.lastTime = typeof header.lastTime === 'number' ? header.lastTime : 0;
}

// Why this file exists: checkpoints written before format 6 must still restore (a venue upgrades
// with its checkpoints in place). Versions 1–5 carried the caller ids, the id memory and the
// order-type extras in the msgpack header; this restores those, and keeps the format 5 encoder so
// tests can write a real old snapshot (test/engine/snapshot-format.test.ts).

import type { Engine } from './engine.js';
import { STATUS_CANCELLED, STATUS_REJECTED } from './order-ids.js';
import { assemble, corrupt, type IdEntry, poolSections, restoreBookState, type SnapshotHeader } from './snapshot-format.js';
import { isValidId, NO_EXPIRY } from './validate.js';
import { O_INTS, O_LEVEL } from './order-pool.js';
import { L_BOOK, L_INTS } from './level-pool.js';

/** Format 5, exactly as engines before format 6 wrote it (for tests of the old-format restore). */
export function encodeSnapshotV5(engine: Engine): Uint8Array {
  const orders = engine.orders;
  const levels = engine.levels;
  const oh = orders.highWater;
  const header: SnapshotHeader = {
    version: 5,
    options: engine.options,
    orders: { highWater: oh, freeHead: orders.freeHead, live: orders.live },
    levels: { highWater: levels.highWater, freeHead: levels.freeHead, live: levels.live },
    sides: engine.books.flatMap((book) => [book.sides[0].size, book.sides[1].size]),
    accounts: engine.accounts.names,
    freeAccounts: engine.accounts.freeList(),
    ids: engine.restingIds(oh),
    extras: [...engine.extras].map(([slot, e]) => [slot, e.display, e.hidden, e.expireTime]),
    books: engine.books.map((book) => {
      const m = engine.orderIds;
      const ids: IdEntry[] = [];
      m.forEach(book.index, (slot, overdue) => {
        ids.push([m.idAt(slot), m.seqAt(slot), m.timeAt(slot), m.lastSeqAt(slot), m.filledAt(slot), m.statusAt(slot), m.reason(slot), (overdue ? 1 : 0) | (m.isIndexed(slot) ? 2 : 0)]);
      });
      return { lastPrice: book.lastPrice, stops: [...book.stops[0].stops, ...book.stops[1].stops], ids, halted: book.halted };
    }),
    lastSeq: engine.lastSeq,
    lastTime: engine.lastTime,
  };
  return assemble(header, poolSections(engine));
}

/** Versions 1–5: the header's slot → id table is well formed (the ids join the id table later). */
export function checkLegacyIds(engine: Engine, header: SnapshotHeader): void {
  const ids = header.ids;
  if (!Array.isArray(ids) || ids.length !== engine.orders.highWater) corrupt('id table length');
  for (let slot = 0; slot < ids.length; slot++) {
    const id = ids[slot];
    if (id !== null && !isValidId(id)) corrupt(`bad id in slot ${slot}`);
  }
}

/**
 * Versions 1–5: extras, expiry queues, stops, last prices and the id memory; then each resting
 * order joins the id table: its entry is the open one answering for its id, or one only it keeps
 * (engine.restoreResting).
 */
export function restoreLegacyOrderTypes(engine: Engine, header: SnapshotHeader): void {
  restoreOrderTypes(engine, header);
  const ids = header.ids!;
  for (let slot = 0; slot < ids.length; slot++) {
    const id = ids[slot];
    if (id === null) continue;
    const problem = engine.restoreResting(id, slot);
    if (problem !== null) corrupt(`${problem} (slot ${slot})`);
  }
}

function restoreOrderTypes(engine: Engine, header: SnapshotHeader): void {
  if (header.version < 3) return;
  if (!Array.isArray(header.extras) || !Array.isArray(header.books) || header.books.length !== engine.books.length) {
    corrupt('order-type tables');
  }
  for (const [slot, display, hidden, expireTime] of header.extras) {
    const id = header.ids![slot];
    if (id === null || id === undefined) corrupt(`extra for free slot ${slot}`);
    const book = engine.books[engine.levels.i32[(engine.orders.i32[slot * O_INTS + O_LEVEL]) * L_INTS + L_BOOK]];
    if (book === undefined) corrupt(`extra for slot ${slot} without a book`);
    engine.extras.set(slot, { display, hidden, expireTime });
    if (display !== 0) book.icebergs++;
    if (expireTime !== NO_EXPIRY) book.expiries.add(expireTime, id);
  }
  header.books.forEach((state, b) => {
    restoreBookState(engine, state, b);
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

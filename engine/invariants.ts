// Why this file exists: the book's structural invariants, checked in full. Tests run it after every
// command and restore runs it on every snapshot, so a corrupt book is caught where it was made,
// not thousands of commands later as a wrong trade.

import { AssertionError } from './assert.js';
import type { Engine } from './engine.js';
import { FLAG_OCO, FLAG_SELL, NIL } from './order-pool.js';
import { STATUS_OPEN } from './order-ids.js';
import type { OrderId } from './types.js';
import { O_ACCOUNT, O_ENTRY, O_F64S, O_FLAGS, O_INTS, O_LEVEL, O_NEXT, O_PREV, O_QTY } from './order-pool.js';
import { L_BOOK, L_COUNT, L_F64S, L_HEAD, L_INTS, L_PRICE, L_TAIL, L_TOTAL } from './level-pool.js';

function fail(message: string): never {
  throw new AssertionError(`matchlog invariant violated: ${message}`);
}

/**
 * Throws an AssertionError naming the first violated invariant. O(live orders + levels).
 * Messages are built only on failure: building them eagerly made a 1M-order check take ~0.5 s.
 */
export function checkInvariants(engine: Engine): void {
  const orders = engine.orders;
  const levels = engine.levels;
  let ordersSeen = 0;
  let levelsSeen = 0;
  for (const book of engine.books) {
    const symbol = book.spec.symbol;
    for (let s = 0; s < 2; s++) {
      const side = book.sides[s];
      for (let i = 0; i < side.size; i++) {
        const level = side.levels[i];
        const price = levels.f64[level * L_F64S + L_PRICE];
        levelsSeen++;
        if (!(side.keys[i] === price * side.sign)) fail(`${symbol}: level key does not match its price ${price}`);
        if (i > 0 && !(side.keys[i - 1] < side.keys[i])) fail(`${symbol}: levels out of order at ${price}`);
        if (!(levels.i32[level * L_INTS + L_BOOK] === book.index)) fail(`${symbol}: level ${price} belongs to another book`);
        if (!(levels.i32[level * L_INTS + L_COUNT] > 0)) fail(`${symbol}: empty level ${price} left in the book`);
        if (!(price % book.spec.tickSize === 0)) fail(`${symbol}: level ${price} off tick`);
        let total = 0;
        let count = 0;
        let prev = NIL;
        // Bounded walk: a level cannot hold more orders than are live.
        for (let o = levels.i32[level * L_INTS + L_HEAD]; o !== NIL; o = orders.i32[o * O_INTS + O_NEXT]) {
          if (!(count < orders.live)) fail(`${symbol}: cycle in the FIFO of level ${price}`);
          if (!(orders.i32[o * O_INTS + O_PREV] === prev)) fail(`${symbol}: broken prev link at level ${price}`);
          if (!(orders.i32[o * O_INTS + O_LEVEL] === level)) fail(`${symbol}: order on level ${price} points at another level`);
          if (!((orders.i32[o * O_INTS + O_FLAGS] & FLAG_SELL) === s)) fail(`${symbol}: order on the wrong side at ${price}`);
          const qty = orders.f64[o * O_F64S + O_QTY];
          if (!(qty > 0 && qty % book.spec.lotSize === 0)) fail(`${symbol}: order qty ${qty} not a positive lot multiple`);
          const entry = orders.i32[o * O_INTS + O_ENTRY];
          const id = entry === NIL ? null : engine.orderIds.idAt(entry);
          if (!(id !== null && id !== undefined && engine.orderIds.find(id) === entry && engine.orderIds.liveSlot(entry) === o)) {
            fail(`${symbol}: live order ${String(id)} not in the id map`);
          }
          const leg = engine.stopsById.size === 0 ? undefined : engine.stopsById.get(id);
          if ((orders.i32[o * O_INTS + O_FLAGS] & FLAG_OCO) !== 0) {
            if (!(leg !== undefined && leg.oco && leg.instrument === book.index && leg.side === s && leg.qty === qty)) {
              fail(`${symbol}: OCO ${String(id)} has no matching stop leg`);
            }
          } else if (leg !== undefined) {
            fail(`${symbol}: resting order ${String(id)} shares its id with a pending stop`);
          }
          total += qty;
          count++;
          prev = o;
        }
        if (!(levels.i32[level * L_INTS + L_TAIL] === prev)) fail(`${symbol}: level ${price} tail is not its last order`);
        if (!(count === levels.i32[level * L_INTS + L_COUNT])) fail(`${symbol}: level ${price} count ${levels.i32[level * L_INTS + L_COUNT]} ≠ ${count} orders`);
        if (!(total === levels.f64[level * L_F64S + L_TOTAL])) fail(`${symbol}: level ${price} total ${levels.f64[level * L_F64S + L_TOTAL]} ≠ sum ${total}`);
        ordersSeen += count;
      }
    }
    const bid = book.sides[0].best();
    const ask = book.sides[1].best();
    if (bid !== NIL && ask !== NIL) {
      if (!(levels.f64[bid * L_F64S + L_PRICE] < levels.f64[ask * L_F64S + L_PRICE])) fail(`${symbol}: book crossed (${levels.f64[bid * L_F64S + L_PRICE]} ≥ ${levels.f64[ask * L_F64S + L_PRICE]})`);
    }
  }
  for (const book of engine.books) {
    for (const queue of book.stops) {
      for (const stop of queue.stops) {
        if (!(engine.stopsById.get(stop.id) === stop)) fail(`stop ${String(stop.id)} not in the stop map`);
        if (!stop.oco) continue;
        const slot = engine.liveSlot(stop.id);
        if (!(slot !== NIL && (orders.i32[slot * O_INTS + O_FLAGS] & FLAG_OCO) !== 0)) fail(`OCO stop leg ${String(stop.id)} without its limit leg`);
      }
    }
  }
  if (!(ordersSeen === orders.live)) fail(`${ordersSeen} orders reachable from levels but ${orders.live} live`);
  if (!(engine.orderIds.liveCount === orders.live)) fail(`id map holds ${engine.orderIds.liveCount} ids for ${orders.live} live orders`);
  if (!(levelsSeen === levels.live)) fail(`${levelsSeen} levels in books but ${levels.live} allocated`);
  let free = 0;
  for (let slot = orders.freeHead; slot !== NIL; slot = orders.i32[slot * O_INTS + O_NEXT]) {
    if (!(free < orders.highWater)) fail('cycle in the order free list');
    if (!(orders.i32[slot * O_INTS + O_ENTRY] === NIL)) fail(`free slot ${slot} still holds an id`);
    free++;
  }
  if (!(free + orders.live === orders.highWater)) fail(`free list (${free}) + live (${orders.live}) ≠ high water`);
  checkAccounts(engine);
  checkIdMemory(engine);
}

/**
 * The id memory's entries say open exactly while their order lives: the engine evicts entries
 * without asking the live index (it trusts an open entry to be live), so this must hold.
 */
function checkIdMemory(engine: Engine): void {
  const ids = engine.orderIds;
  for (const book of engine.books) {
    ids.forEach(book.index, (slot) => {
      if (ids.statusAt(slot) === STATUS_OPEN && !engine.isLive(ids.idAt(slot))) {
        fail(`id memory entry of ${String(ids.idAt(slot))} is open but the order is not live`);
      }
    });
  }
  // From the live side (fewer than the entries, most of which are dead): the entry answering for
  // a live id, if any, is open.
  engine.forEachLiveOrder((id) => {
    const slot = ids.find(id);
    if (slot !== -1 && ids.statusAt(slot) !== STATUS_OPEN) fail(`live order ${String(id)} has a closed id memory entry`);
  });
}

/** Every live order's account is interned, and each entry's reference count is its live orders. */
function checkAccounts(engine: Engine): void {
  const orders = engine.orders;
  const accounts = engine.accounts;
  const counted = new Int32Array(accounts.highWater);
  for (let slot = 0; slot < orders.highWater; slot++) {
    if (orders.i32[slot * O_INTS + O_ENTRY] === NIL) continue;
    const account = orders.i32[slot * O_INTS + O_ACCOUNT];
    if (!(account >= 0 && account < accounts.highWater && accounts.names[account] !== null)) {
      fail(`live order in slot ${slot} holds a free account index ${account}`);
    }
    counted[account]++;
  }
  let live = 0;
  for (let i = 0; i < accounts.highWater; i++) {
    if (!(counted[i] === (accounts.names[i] === null ? 0 : accounts.refs[i]))) {
      fail(`account ${i} has ${accounts.refs[i]} references for ${counted[i]} live orders`);
    }
    if (accounts.names[i] !== null) {
      live++;
      if (!(accounts.find(accounts.names[i] as string) === i)) fail(`account ${i} not found by its name`);
    }
  }
  if (!(live === accounts.size)) fail(`${live} accounts with live orders, table says ${accounts.size}`);
  if (!(accounts.freeList().length === accounts.highWater - live)) fail('account free list does not cover the free indexes');
}

// Why this file exists: the book's structural invariants, checked in full. Tests run it after every
// command and restore runs it on every snapshot, so a corrupt book is caught where it was made,
// not thousands of commands later as a wrong trade.

import { assert } from './assert.js';
import type { Engine } from './engine.js';
import { FLAG_SELL, NIL } from './order-pool.js';

/** Throws an AssertionError naming the first violated invariant. O(live orders + levels). */
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
        const price = levels.price[level];
        levelsSeen++;
        assert(side.keys[i] === price * side.sign, `${symbol}: level key does not match its price ${price}`);
        if (i > 0) assert(side.keys[i - 1] < side.keys[i], `${symbol}: levels out of order at ${price}`);
        assert(levels.book[level] === book.index, `${symbol}: level ${price} belongs to another book`);
        assert(levels.count[level] > 0, `${symbol}: empty level ${price} left in the book`);
        assert(price % book.spec.tickSize === 0, `${symbol}: level ${price} off tick`);
        let total = 0;
        let count = 0;
        let prev = NIL;
        // Bounded walk: a level cannot hold more orders than are live.
        for (let o = levels.head[level]; o !== NIL; o = orders.next[o]) {
          assert(count < orders.live, `${symbol}: cycle in the FIFO of level ${price}`);
          assert(orders.prev[o] === prev, `${symbol}: broken prev link at level ${price}`);
          assert(orders.level[o] === level, `${symbol}: order on level ${price} points at another level`);
          assert((orders.flags[o] & FLAG_SELL) === s, `${symbol}: order on the wrong side at ${price}`);
          const qty = orders.qty[o];
          assert(qty > 0 && qty % book.spec.lotSize === 0, `${symbol}: order qty ${qty} not a positive lot multiple`);
          const id = orders.ids[o];
          assert(id !== null && engine.idToSlot.get(id) === o, `${symbol}: live order ${String(id)} not in the id map`);
          total += qty;
          count++;
          prev = o;
        }
        assert(levels.tail[level] === prev, `${symbol}: level ${price} tail is not its last order`);
        assert(count === levels.count[level], `${symbol}: level ${price} count ${levels.count[level]} ≠ ${count} orders`);
        assert(total === levels.total[level], `${symbol}: level ${price} total ${levels.total[level]} ≠ sum ${total}`);
        ordersSeen += count;
      }
    }
    const bid = book.sides[0].best();
    const ask = book.sides[1].best();
    if (bid !== NIL && ask !== NIL) {
      assert(levels.price[bid] < levels.price[ask], `${symbol}: book crossed (${levels.price[bid]} ≥ ${levels.price[ask]})`);
    }
  }
  assert(ordersSeen === orders.live, `${ordersSeen} orders reachable from levels but ${orders.live} live`);
  assert(engine.idToSlot.size === orders.live, `id map holds ${engine.idToSlot.size} ids for ${orders.live} live orders`);
  assert(levelsSeen === levels.live, `${levelsSeen} levels in books but ${levels.live} allocated`);
  let free = 0;
  for (let slot = orders.freeHead; slot !== NIL; slot = orders.next[slot]) {
    assert(free < orders.highWater, 'cycle in the order free list');
    assert(orders.ids[slot] === null, `free slot ${slot} still holds an id`);
    free++;
  }
  assert(free + orders.live === orders.highWater, `free list (${free}) + live (${orders.live}) ≠ high water`);
}

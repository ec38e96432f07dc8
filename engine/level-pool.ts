// Why this file exists: price levels, like orders, are a struct of typed arrays with a free list.
// A level holds the FIFO (head/tail slots into the order pool) and its running totals, so depth
// and FOK checks read one number per level instead of walking its orders.

import { assert } from './assert.js';
import { growF64, growI32, NIL } from './order-pool.js';

export class LevelPool {
  price: Float64Array;
  head: Int32Array;
  tail: Int32Array;
  /** Sum of the open qty of the level's orders (exact: see config EXACT_SUM_MAX). */
  total: Float64Array;
  count: Int32Array;
  /** Index of the book (instrument) the level belongs to. */
  book: Int32Array;

  capacity: number;
  highWater = 0;
  /** Free levels are chained through `head`. */
  freeHead = NIL;
  live = 0;

  constructor(initialCapacity: number) {
    assert(initialCapacity > 0, 'level pool capacity');
    this.capacity = initialCapacity;
    this.price = new Float64Array(initialCapacity);
    this.head = new Int32Array(initialCapacity);
    this.tail = new Int32Array(initialCapacity);
    this.total = new Float64Array(initialCapacity);
    this.count = new Int32Array(initialCapacity);
    this.book = new Int32Array(initialCapacity);
  }

  alloc(price: number, book: number): number {
    let level = this.freeHead;
    if (level !== NIL) {
      this.freeHead = this.head[level];
    } else {
      if (this.highWater === this.capacity) this.grow(this.capacity * 2);
      level = this.highWater++;
    }
    this.price[level] = price;
    this.book[level] = book;
    this.head[level] = NIL;
    this.tail[level] = NIL;
    this.total[level] = 0;
    this.count[level] = 0;
    this.live++;
    return level;
  }

  free(level: number): void {
    this.count[level] = 0;
    this.head[level] = this.freeHead;
    this.freeHead = level;
    this.live--;
  }

  grow(capacity: number): void {
    if (capacity <= this.capacity) return;
    this.price = growF64(this.price, capacity);
    this.head = growI32(this.head, capacity);
    this.tail = growI32(this.tail, capacity);
    this.total = growF64(this.total, capacity);
    this.count = growI32(this.count, capacity);
    this.book = growI32(this.book, capacity);
    this.capacity = capacity;
  }

  memoryBytes(): number {
    return this.capacity * (8 + 4 + 4 + 8 + 4 + 4);
  }
}

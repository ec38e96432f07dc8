// Why this file exists: the matching engine proper — a pure, deterministic state machine from
// (state, command) to (state, events). It validates commands in the exact order of
// engine/SEMANTICS.md, matches with price-time priority over typed-array books and never reads a
// clock or a random source, so replaying the same commands always yields the same state hash.

import { AccountTable } from './account-table.js';
import { assert } from './assert.js';
import { BookSide } from './book-side.js';
import { CancelReason, RejectCode } from './codes.js';
import { resolveEngineOptions, type ResolvedEngineOptions, type ResolvedInstrument } from './config.js';
import { EngineError } from './errors.js';
import { IdIndex } from './id-index.js';
import { ArraySink, type EventSink } from './event-sink.js';
import { checkInvariants } from './invariants.js';
import { LevelPool } from './level-pool.js';
import { FLAG_POST_ONLY, FLAG_SELL, NIL, OrderPool, STP_MASK, STP_SHIFT } from './order-pool.js';
import { decodeSnapshot, encodeSnapshot } from './snapshot.js';
import { StateHasher } from './state-hash.js';
import {
  checkPrice,
  checkQty,
  isSafeInteger,
  ParsedCommand,
  parseCommand,
  STP_CANCEL_BOTH,
  STP_CANCEL_MAKER,
  STP_CANCEL_TAKER,
  STP_NAMES,
  STP_NONE,
  TIF_FOK,
  TIF_GTC,
  TIF_IOC,
} from './validate.js';
import type {
  Depth,
  EngineEvent,
  EngineOptions,
  OrderId,
  OrderView,
  Side,
} from './types.js';

const BUY = 0;
const SELL = 1;
const SIDE_NAMES: readonly Side[] = ['buy', 'sell'];


/** Accounts never seen resting cannot own a maker: this index matches no slot's account. */
const ACCOUNT_NONE = -2;

/** @internal One instrument's book. */
export interface Book {
  readonly index: number;
  readonly spec: ResolvedInstrument;
  /** [bids, asks] */
  readonly sides: readonly [BookSide, BookSide];
}

export class Engine {
  /** @internal */ readonly options: ResolvedEngineOptions;
  /** @internal */ readonly books: Book[];
  /** @internal */ readonly bookBySymbol = new Map<string, Book>();
  /** @internal Symbol → index in configuration order. */
  readonly instrumentIndex = new Map<string, number>();
  /** @internal */ orders: OrderPool;
  /** @internal */ levels: LevelPool;
  /** @internal Shares its slot → id array with the order pool (`orders.ids`). */
  readonly idToSlot: IdIndex;
  /** @internal Interned accounts of live orders, reference-counted (account-table.ts). */
  readonly accounts = new AccountTable();
  /**
   * @internal Index → account name (the table's array). Free indexes hold null, but only indexes
   * of live orders are ever read here, and those always hold a name.
   */
  readonly accountNames = this.accounts.names as readonly string[];

  /** Where the events of the command being executed go. */
  private sink: EventSink;
  private readonly arraySink = new ArraySink();
  private readonly parsed = new ParsedCommand();
  /** Set by the taker loop when self-trade prevention cancelled the taker. */
  private takerCancelled = false;

  constructor(options: EngineOptions) {
    this.options = resolveEngineOptions(options);
    this.books = this.options.instruments.map((spec, index) => ({
      index,
      spec,
      sides: [new BookSide(1, spec.tickSize), new BookSide(-1, spec.tickSize)] as const,
    }));
    for (const book of this.books) {
      this.bookBySymbol.set(book.spec.symbol, book);
      this.instrumentIndex.set(book.spec.symbol, book.index);
    }
    this.orders = new OrderPool(this.options.initialOrders, this.options.maxOrders);
    this.idToSlot = new IdIndex(this.orders.ids);
    this.levels = new LevelPool(Math.max(64, this.options.initialOrders >>> 4));
    this.sink = this.arraySink;
  }

  /** Instruments in configuration order, defaults filled. */
  get instruments(): ResolvedInstrument[] {
    return this.options.instruments.map((spec) => ({ ...spec }));
  }

  /** Number of live (resting) orders. */
  get liveOrders(): number {
    return this.orders.live;
  }

  /** Applies one command; returns its events in order. Never throws for bad input. */
  apply(command: unknown): EngineEvent[] {
    const sink = this.arraySink;
    const events: EngineEvent[] = [];
    sink.events = events;
    this.execute(command, sink);
    return events;
  }

  /**
   * The allocation-free path: applies one command and reports its events to `sink` as typed
   * calls, in the same order `apply` would return them. Never throws for bad input.
   */
  execute(command: unknown, sink: EventSink): void {
    const p = this.parsed;
    const reason = parseCommand(command, this.instrumentIndex, this.options.instruments, p, true);
    if (reason !== null) return void sink.rejected(p.op, p.id, reason);
    this.executeParsed(p, sink);
  }

  /**
   * @internal Executes a command that already passed `parseCommand` (the matching workers get
   * commands the exchange validated, as numbers, and skip parsing objects again).
   */
  executeParsed(p: ParsedCommand, sink: EventSink): void {
    this.sink = sink;
    const id = p.id as OrderId;
    if (p.op === 'new') this.newOrder(p, id);
    else if (p.op === 'cancel') this.cancel(id, p.account);
    else this.modify(id, p.account, p.price, p.qty);
  }

  private newOrder(p: ParsedCommand, id: OrderId): void {
    const sink = this.sink;
    if (this.idToSlot.has(id)) return void sink.rejected('new', id, RejectCode.DUPLICATE_ORDER_ID);
    const isMarket = p.orderType === 'market';
    const tif = p.tif;
    if (!isMarket && tif === TIF_GTC && this.orders.full) {
      return void sink.rejected('new', id, RejectCode.ORDER_CAPACITY);
    }
    const book = this.books[p.instrument];
    const side = p.side;
    const price = p.price;
    if (p.postOnly && this.crossesOpposite(book, side, price)) {
      return void sink.rejected('new', id, RejectCode.POST_ONLY_WOULD_TAKE);
    }
    const account = p.account;
    const symbol = p.symbol;
    const qty = p.qty;
    const stp = p.stp;
    const postOnly = p.postOnly;
    sink.accepted(id, account, symbol, SIDE_NAMES[side], p.orderType, isMarket ? null : price, qty);
    const limit = isMarket ? (side === BUY ? Infinity : -Infinity) : price;
    // Only self-trade prevention needs the taker's account index before it rests.
    const accountIdx = stp === STP_NONE ? ACCOUNT_NONE : this.takerAccount(account);
    if (tif === TIF_FOK && !this.fillable(book, side, limit, qty, accountIdx, stp)) {
      this.cancelledEvent(id, account, symbol, side, CancelReason.FOK_UNFILLABLE, qty);
      return;
    }
    const remaining = this.match(book, side, limit, qty, id, account, accountIdx, stp);
    if (remaining === 0 || this.takerCancelled) return;
    if (isMarket) {
      this.cancelledEvent(id, account, symbol, side, CancelReason.MARKET_REMAINDER, remaining);
    } else if (tif === TIF_IOC) {
      this.cancelledEvent(id, account, symbol, side, CancelReason.IOC_REMAINDER, remaining);
    } else {
      assert(tif === TIF_GTC, 'only GTC limit orders rest');
      const slot = this.orders.alloc();
      const orders = this.orders;
      this.idToSlot.set(id, slot); // also orders.ids[slot] = id (shared array)
      // By name, not accountIdx: self-trade prevention may have just released the account's entry.
      orders.account[slot] = this.accounts.acquire(account);
      orders.flags[slot] = side | (postOnly ? FLAG_POST_ONLY : 0) | (stp << STP_SHIFT);
      this.rest(book, side, price, remaining, slot);
    }
  }

  private cancel(id: OrderId, account: string): void {
    const slot = this.idToSlot.get(id);
    if (slot === NIL) return void this.sink.rejected('cancel', id, RejectCode.UNKNOWN_ORDER);
    const orders = this.orders;
    if (this.accountNames[orders.account[slot]] !== account) {
      return void this.sink.rejected('cancel', id, RejectCode.NOT_OWNER);
    }
    const book = this.books[this.levels.book[orders.level[slot]]];
    this.cancelledEvent(id, account, book.spec.symbol, orders.flags[slot] & FLAG_SELL, CancelReason.USER, orders.qty[slot]);
    this.unlink(slot);
    this.release(slot);
  }

  private modify(id: OrderId, account: string, price: number, qty: number): void {
    const sink = this.sink;
    const slot = this.idToSlot.get(id);
    if (slot === NIL) return void sink.rejected('modify', id, RejectCode.UNKNOWN_ORDER);
    const orders = this.orders;
    const levels = this.levels;
    const accountIdx = orders.account[slot];
    if (this.accountNames[accountIdx] !== account) return void sink.rejected('modify', id, RejectCode.NOT_OWNER);
    const level = orders.level[slot];
    const book = this.books[levels.book[level]];
    const spec = book.spec;
    const reason = checkPrice(spec, price) ?? checkQty(spec, qty);
    if (reason !== null) return void sink.rejected('modify', id, reason);
    const flags = orders.flags[slot];
    const side = flags & FLAG_SELL;
    if ((flags & FLAG_POST_ONLY) !== 0 && this.crossesOpposite(book, side, price)) {
      return void sink.rejected('modify', id, RejectCode.POST_ONLY_WOULD_TAKE);
    }

    const oldPrice = levels.price[level];
    const oldQty = orders.qty[slot];
    const priorityKept = price === oldPrice && qty <= oldQty;
    sink.modified(id, account, spec.symbol, SIDE_NAMES[side], price, qty, oldPrice, oldQty, priorityKept);
    if (priorityKept) {
      orders.qty[slot] = qty;
      levels.total[level] -= oldQty - qty;
      return;
    }
    this.unlink(slot);
    const stp = (flags & STP_MASK) >>> STP_SHIFT;
    const remaining = this.match(book, side, price, qty, id, account, accountIdx, stp);
    if (remaining === 0 || this.takerCancelled) this.release(slot);
    else this.rest(book, side, price, remaining, slot);
  }

  /** Would a taker at `price` on `side` trade with the opposite best level? */
  private crossesOpposite(book: Book, side: number, price: number): boolean {
    const best = book.sides[side ^ 1].best();
    if (best === NIL) return false;
    const bestPrice = this.levels.price[best];
    return side === BUY ? price >= bestPrice : price <= bestPrice;
  }

  /**
   * FOK pre-check: could `qty` fill completely, honouring the taker's STP mode? Reads only.
   * Bounded by the number of crossing levels (and their orders when STP must look at accounts).
   */
  private fillable(book: Book, side: number, limit: number, qty: number, accountIdx: number, stp: number): boolean {
    const opposite = book.sides[side ^ 1];
    const levels = this.levels;
    const orders = this.orders;
    const perOrder = stp !== STP_NONE && accountIdx !== ACCOUNT_NONE;
    let needed = qty;
    for (let i = opposite.size - 1; i >= 0; i--) {
      const level = opposite.levels[i];
      const levelPrice = levels.price[level];
      if (side === BUY ? levelPrice > limit : levelPrice < limit) return false;
      if (!perOrder) {
        needed -= levels.total[level];
        if (needed <= 0) return true;
        continue;
      }
      for (let o = levels.head[level]; o !== NIL; o = orders.next[o]) {
        if (orders.account[o] === accountIdx) {
          if (stp === STP_CANCEL_MAKER) continue;
          return false;
        }
        needed -= orders.qty[o];
        if (needed <= 0) return true;
      }
    }
    return false;
  }

  /**
   * The taker loop of SEMANTICS.md step 3. Returns the taker's open quantity afterwards and sets
   * `takerCancelled` when self-trade prevention removed the taker.
   */
  private match(
    book: Book,
    side: number,
    limit: number,
    qty: number,
    takerId: OrderId,
    takerAccount: string,
    takerAccountIdx: number,
    stp: number,
  ): number {
    this.takerCancelled = false;
    const opposite = book.sides[side ^ 1];
    const levels = this.levels;
    const orders = this.orders;
    const symbol = book.spec.symbol;
    const takerSide = SIDE_NAMES[side];
    let remaining = qty;
    while (remaining > 0 && opposite.size > 0) {
      const level = opposite.levels[opposite.size - 1];
      const levelPrice = levels.price[level];
      if (side === BUY ? levelPrice > limit : levelPrice < limit) break;
      let maker = levels.head[level];
      // Each pass removes or fills a maker, or ends the taker: bounded by the level's count.
      while (maker !== NIL && remaining > 0) {
        const next = orders.next[maker];
        const makerQty = orders.qty[maker];
        if (stp !== STP_NONE && orders.account[maker] === takerAccountIdx) {
          if (stp === STP_CANCEL_TAKER) {
            this.cancelledEvent(takerId, takerAccount, symbol, side, CancelReason.SELF_TRADE, remaining);
            this.takerCancelled = true;
            return remaining;
          }
          this.cancelledEvent(
            orders.ids[maker] as OrderId,
            this.accountNames[orders.account[maker]],
            symbol,
            side ^ 1,
            CancelReason.SELF_TRADE,
            makerQty,
          );
          this.unlink(maker);
          this.release(maker);
          if (stp === STP_CANCEL_BOTH) {
            this.cancelledEvent(takerId, takerAccount, symbol, side, CancelReason.SELF_TRADE, remaining);
            this.takerCancelled = true;
            return remaining;
          }
          maker = next;
          continue;
        }
        const tradeQty = remaining < makerQty ? remaining : makerQty;
        remaining -= tradeQty;
        const makerRemaining = makerQty - tradeQty;
        const makerId = orders.ids[maker] as OrderId;
        this.sink.trade(
          symbol,
          levelPrice,
          tradeQty,
          makerId,
          takerId,
          this.accountNames[orders.account[maker]],
          takerAccount,
          takerSide,
          makerRemaining,
          remaining,
        );
        if (makerRemaining === 0) {
          this.unlink(maker);
          this.release(maker);
        } else {
          orders.qty[maker] = makerRemaining;
          levels.total[level] -= tradeQty;
        }
        maker = next;
      }
    }
    return remaining;
  }

  /** Appends `slot` (ids, account, flags already set) to the FIFO of its price level. */
  private rest(book: Book, side: number, price: number, qty: number, slot: number): void {
    const levels = this.levels;
    const orders = this.orders;
    const bookSide = book.sides[side];
    let level = bookSide.find(price);
    if (level === NIL) {
      level = levels.alloc(price, book.index);
      bookSide.insert(price, level);
    }
    const tail = levels.tail[level];
    orders.prev[slot] = tail;
    orders.next[slot] = NIL;
    if (tail === NIL) levels.head[level] = slot;
    else orders.next[tail] = slot;
    levels.tail[level] = slot;
    levels.total[level] += qty;
    levels.count[level]++;
    orders.level[slot] = level;
    orders.qty[slot] = qty;
  }

  /** Takes `slot` out of its level (removing the level when it empties); the slot stays allocated. */
  private unlink(slot: number): void {
    const orders = this.orders;
    const levels = this.levels;
    const level = orders.level[slot];
    const prev = orders.prev[slot];
    const next = orders.next[slot];
    if (prev === NIL) levels.head[level] = next;
    else orders.next[prev] = next;
    if (next === NIL) levels.tail[level] = prev;
    else orders.prev[next] = prev;
    levels.total[level] -= orders.qty[slot];
    if (--levels.count[level] === 0) {
      const book = this.books[levels.book[level]];
      book.sides[orders.flags[slot] & FLAG_SELL].remove(levels.price[level]);
      levels.free(level);
    }
  }

  /** Forgets a dead order: its id becomes reusable, its slot free and its account one order lighter. */
  private release(slot: number): void {
    const orders = this.orders;
    this.idToSlot.deleteSlot(slot);
    this.accounts.release(orders.account[slot]);
    orders.free(slot);
  }

  /** Index of a taker's account for self-trade checks; ACCOUNT_NONE when it has no live order. */
  private takerAccount(account: string): number {
    const index = this.accounts.find(account);
    return index === NIL ? ACCOUNT_NONE : index;
  }

  private cancelledEvent(
    id: OrderId,
    account: string,
    symbol: string,
    side: number,
    reason: CancelReason,
    qty: number,
  ): void {
    this.sink.cancelled(id, account, symbol, SIDE_NAMES[side], reason, qty);
  }

  // --- queries -------------------------------------------------------------------------------

  private bookOf(symbol: unknown): Book {
    const book = typeof symbol === 'string' ? this.bookBySymbol.get(symbol) : undefined;
    if (book === undefined) throw new EngineError('UNKNOWN_SYMBOL', `unknown symbol: ${String(symbol)}`);
    return book;
  }

  /** Aggregated levels, best first, at most `levels` per side. */
  depth(symbol: string, levels = 10): Depth {
    const book = this.bookOf(symbol);
    if (!isSafeInteger(levels) || levels <= 0) {
      throw new EngineError('INVALID_ARGUMENT', 'depth levels must be a positive safe integer');
    }
    return { bids: this.sideDepth(book.sides[BUY], levels), asks: this.sideDepth(book.sides[SELL], levels) };
  }

  private sideDepth(side: BookSide, count: number): Array<[number, number]> {
    const result: Array<[number, number]> = [];
    for (let i = side.size - 1; i >= 0 && result.length < count; i--) {
      const level = side.levels[i];
      result.push([this.levels.price[level], this.levels.total[level]]);
    }
    return result;
  }

  /** Best bid and ask prices of an instrument (null when a side is empty). */
  top(symbol: string): { bid: number | null; ask: number | null } {
    const book = this.bookOf(symbol);
    const bid = book.sides[BUY].best();
    const ask = book.sides[SELL].best();
    return {
      bid: bid === NIL ? null : this.levels.price[bid],
      ask: ask === NIL ? null : this.levels.price[ask],
    };
  }

  /**
   * Calls `visit` for every live order with its id and the index of its instrument, in slot order
   * (not a canonical order: for rebuilding indexes, never for state).
   */
  forEachLiveOrder(visit: (id: OrderId, instrument: number) => void): void {
    const orders = this.orders;
    for (let slot = 0; slot < orders.highWater; slot++) {
      const id = orders.ids[slot];
      if (id !== null && id !== undefined) visit(id, this.levels.book[orders.level[slot]]);
    }
  }

  /**
   * @internal Empties the books of every instrument not in `owned` (a matching worker that
   * restored the whole engine keeps only its shard). Not a command: no events, no log.
   */
  retainInstruments(owned: ReadonlySet<number>): void {
    for (const book of this.books) {
      if (owned.has(book.index)) continue;
      for (const side of book.sides) {
        // Bounded by the live orders of this side: each pass removes one order.
        while (side.size > 0) {
          const level = side.levels[side.size - 1];
          const slot = this.levels.head[level];
          this.unlink(slot);
          this.release(slot);
        }
      }
    }
  }

  /** Is `id` a live (resting) order? Allocation-free. */
  isLive(id: OrderId): boolean {
    return this.idToSlot.get(id) !== NIL;
  }

  /** A live order, or undefined. */
  order(id: OrderId): OrderView | undefined {
    const slot = this.idToSlot.get(id);
    if (slot === NIL) return undefined;
    const orders = this.orders;
    const flags = orders.flags[slot];
    const level = orders.level[slot];
    return {
      id,
      account: this.accountNames[orders.account[slot]],
      symbol: this.books[this.levels.book[level]].spec.symbol,
      side: SIDE_NAMES[flags & FLAG_SELL],
      price: this.levels.price[level],
      qty: orders.qty[slot],
      postOnly: (flags & FLAG_POST_ONLY) !== 0,
      stp: STP_NAMES[(flags & STP_MASK) >>> STP_SHIFT],
    };
  }

  /** Canonical SHA-256 of the books (engine/SEMANTICS.md), independent of slot allocation. */
  stateHash(): string {
    return this.feedHasher().digest();
  }

  /** Per-instrument 32-byte digests in configuration order (see combineInstrumentDigests). */
  instrumentDigests(): Uint8Array[] {
    return this.feedHasher().instrumentDigests();
  }

  private feedHasher(): StateHasher {
    const hasher = new StateHasher();
    const orders = this.orders;
    const levels = this.levels;
    for (const book of this.books) {
      hasher.instrument(book.spec);
      for (let s = 0; s < 2; s++) {
        const side = book.sides[s];
        hasher.side(SIDE_NAMES[s], side.size);
        for (let i = side.size - 1; i >= 0; i--) {
          const level = side.levels[i];
          hasher.level(levels.price[level], levels.count[level]);
          for (let o = levels.head[level]; o !== NIL; o = orders.next[o]) {
            const flags = orders.flags[o];
            hasher.order(
              orders.ids[o] as OrderId,
              this.accountNames[orders.account[o]],
              orders.qty[o],
              (flags & FLAG_POST_ONLY) !== 0,
              STP_NAMES[(flags & STP_MASK) >>> STP_SHIFT],
            );
          }
        }
      }
    }
    return hasher;
  }

  /** The whole state as bytes: raw typed arrays plus a small header (see snapshot.ts). */
  snapshot(): Uint8Array {
    return encodeSnapshot(this);
  }

  /**
   * Rebuilds an engine from `snapshot()` bytes. With `verify` (default) the structure and every
   * book invariant are checked; a damaged snapshot throws EngineError CORRUPT_SNAPSHOT.
   */
  static restore(bytes: Uint8Array, options: { verify?: boolean } = {}): Engine {
    return decodeSnapshot(bytes, options.verify ?? true);
  }

  /** Throws an AssertionError naming the first violated book invariant (for tests and tools). */
  checkInvariants(): void {
    checkInvariants(this);
  }

  /** Bytes held by the engine's typed arrays (orders, levels, book sides, the id index, accounts). */
  memoryBytes(): number {
    let bytes = this.orders.memoryBytes() + this.levels.memoryBytes() + this.idToSlot.memoryBytes() + this.accounts.memoryBytes();
    for (const book of this.books) bytes += book.sides[0].memoryBytes() + book.sides[1].memoryBytes();
    return bytes;
  }
}

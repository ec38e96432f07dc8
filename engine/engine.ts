// Why this file exists: the matching engine proper — a pure, deterministic state machine from
// (state, command) to (state, events). It validates commands in the exact order of
// engine/SEMANTICS.md, matches with price-time priority over typed-array books and never reads a
// clock or a random source, so replaying the same commands always yields the same state hash.

import { AccountTable } from './account-table.js';
import { assert } from './assert.js';
import { BookSide } from './book-side.js';
import { OrderIds, STATUS_CANCELLED, STATUS_EXPIRED, STATUS_FILLED, STATUS_NAMES, STATUS_OPEN, STATUS_REJECTED } from './order-ids.js';
import { ExpiryQueue } from './expiry-queue.js';
import { StopQueue, type StopOrder } from './stop-book.js';
import { CancelReason, RejectCode } from './codes.js';
import { checkExactSums, resolveEngineOptions, type ResolvedEngineOptions, type ResolvedInstrument } from './config.js';
import { EngineError } from './errors.js';
import { hashId } from './id-index.js';
import { ArraySink, type EventSink } from './event-sink.js';
import { checkInvariants } from './invariants.js';
import { L_BOOK, L_COUNT, L_F64S, L_HEAD, L_INTS, L_PRICE, L_TAIL, L_TOTAL, LevelPool } from './level-pool.js';
import {
  FLAG_EXTRA,
  FLAG_OCO,
  FLAG_POST_ONLY,
  FLAG_SELL,
  NIL,
  O_ACCOUNT,
  O_ENTRY,
  O_F64S,
  O_FLAGS,
  O_INTS,
  O_LEVEL,
  O_NEXT,
  O_PREV,
  O_QTY,
  OrderPool,
  STP_MASK,
  STP_SHIFT,
} from './order-pool.js';
import { checkOcoPrices, dropStopLeg } from './oco.js';
import { decodeSnapshot, encodeSnapshot } from './snapshot.js';
import { StateHasher } from './state-hash.js';
import {
  checkPrice,
  checkQty,
  rejectDetail,
  ICEBERG_SLICES_MAX,
  isSafeInteger,
  NO_EXPIRY,
  ParsedCommand,
  parseCommand,
  parsedSpec,
  STP_CANCEL_BOTH,
  STP_CANCEL_MAKER,
  STP_CANCEL_TAKER,
  STP_NAMES,
  STP_NONE,
  TIF_FOK,
  TIF_GTC,
  TIF_GTT,
  TIF_IOC,
  TIF_NAMES,
} from './validate.js';
import type {
  Command,
  L3Book,
  L3Level,
  L3Order,
  Top,
  RejectedEvent,
  RejectDetail,
  Depth,
  EngineEvent,
  EngineOptions,
  OrderId,
  OrderStatusView,
  OrderView,
  Side,
  SnapshotOptions,
} from './types.js';

const BUY = 0;
const SELL = 1;
const SIDE_NAMES: readonly Side[] = ['buy', 'sell'];


/** Accounts never seen resting cannot own a maker: this index matches no slot's account. */
const ACCOUNT_NONE = -2;

/** No trade yet (prices are positive). */
const NO_PRICE = -1;

/** @internal One instrument's book. */
export interface Book {
  readonly index: number;
  readonly spec: ResolvedInstrument;
  /** [bids, asks] */
  readonly sides: readonly [BookSide, BookSide];
  /** Pending stops: [buy, sell], in trigger order. */
  readonly stops: readonly [StopQueue, StopQueue];
  /** GTT orders (resting and pending stops) by expiry. */
  readonly expiries: ExpiryQueue;
  /** Price of the last trade, or NO_PRICE. */
  lastPrice: number;
  /** Resting icebergs (the FOK pre-check then counts hidden reserves order by order). */
  icebergs: number;
  /** Halted (SEMANTICS.md "Instruments"): new orders and modifies are rejected INSTRUMENT_HALTED. */
  halted: boolean;
}

function newBook(index: number, spec: ResolvedInstrument): Book {
  return {
    index,
    spec,
    sides: [new BookSide(1, spec.tickSize), new BookSide(-1, spec.tickSize)] as const,
    stops: [new StopQueue(0), new StopQueue(1)] as const,
    expiries: new ExpiryQueue(),
    lastPrice: NO_PRICE,
    icebergs: 0,
    halted: false,
  };
}

/**
 * @internal What a resting order has beyond the typed-array columns, only for icebergs and GTT
 * orders (flag FLAG_EXTRA), so plain orders pay one bit test.
 */
export interface SlotExtra {
  /** Iceberg display size, 0 if not an iceberg. */
  display: number;
  /** Iceberg hidden reserve. */
  hidden: number;
  /** NO_EXPIRY or the GTT expiry. */
  expireTime: number;
}

export class Engine {
  /** @internal */ readonly options: ResolvedEngineOptions;
  /** @internal */ readonly books: Book[];
  /** @internal */ readonly bookBySymbol = new Map<string, Book>();
  /** @internal Symbol → index in configuration order. */
  readonly instrumentIndex = new Map<string, number>();
  /**
   * @internal Index → symbol, grown by add_instrument: the log decoder reads it live, so records
   * after an add can name the new instrument.
   */
  readonly symbols: string[] = [];
  /** @internal */ orders: OrderPool;
  /** @internal */ levels: LevelPool;
  /** @internal Interned accounts of live orders, reference-counted (account-table.ts). */
  readonly accounts = new AccountTable();
  /**
   * @internal Index → account name (the table's array). Free indexes hold null, but only indexes
   * of live orders are ever read here, and those always hold a name.
   */
  readonly accountNames = this.accounts.names as readonly string[];
  /** @internal Icebergs' and GTT orders' extra fields, by slot. */
  readonly extras = new Map<number, SlotExtra>();
  /** @internal Pending stops by id (few next to resting orders). */
  readonly stopsById = new Map<OrderId, StopOrder>();
  /** @internal Remembered order ids (SEMANTICS.md "Order ids"): duplicates, TOO_LATE_TO_CANCEL, orderStatus. */
  orderIds: OrderIds;
  /** Seq of the last command applied (the log's, or the engine's own count). */
  lastSeq = 0;
  /** `time` of the last command applied (orderStatus judges the window at lastSeq and lastTime). */
  lastTime = 0;

  /** Where the events of the command being executed go. */
  private sink: EventSink;
  private readonly arraySink = new ArraySink();
  private readonly parsed = new ParsedCommand();
  /** Set by the taker loop when self-trade prevention cancelled the taker. */
  private takerCancelled = false;
  /** Set by the taker loop when the current command traded (stop triggering then runs). */
  private traded = false;
  /** `time` of the command being executed ("now"; the engine has no clock). */
  private now = 0;
  /** Seq of the command being executed. */
  private seq = 0;
  /** Seq that created the id of the last DUPLICATE_* reject (its detail), or -1. */
  private duplicateOf = -1;

  constructor(options: EngineOptions) {
    this.options = resolveEngineOptions(options);
    this.books = this.options.instruments.map((spec, index) => newBook(index, spec));
    this.orderIds = new OrderIds(this.books.length, {
      perInstrumentMax: this.options.deadIdsPerInstrumentMax,
      retentionCommands: this.options.idRetentionCommands,
      retentionMs: this.options.idRetentionMs,
      full: this.options.idsRememberedFull,
    });
    for (const book of this.books) {
      this.bookBySymbol.set(book.spec.symbol, book);
      this.instrumentIndex.set(book.spec.symbol, book.index);
      this.symbols.push(book.spec.symbol);
    }
    this.orders = new OrderPool(this.options.initialOrders, this.options.maxOrders);
    this.levels = new LevelPool(Math.max(64, this.options.initialOrders >>> 4));
    this.sink = this.arraySink;
  }

  /** Instruments in configuration order, defaults filled. */
  get instruments(): ResolvedInstrument[] {
    return this.options.instruments.map((spec) => ({ ...spec }));
  }

  /** Is the instrument halted? Throws EngineError UNKNOWN_SYMBOL for a symbol not configured. */
  isHalted(symbol: string): boolean {
    return this.bookOf(symbol).halted;
  }

  /** Number of live orders: resting plus pending stops. */
  get liveOrders(): number {
    return this.orders.live + this.stopsById.size;
  }

  /**
   * Applies one command; returns its events in order. Typed as `Command` so a misspelled field is
   * a compile error; at run time anything is accepted and validated (a command decoded from the
   * wire is rejected with a reason code, never throws). `seq` numbers the command (a log's
   * sequence number, above `lastSeq`); without it the command is `lastSeq + 1`.
   */
  apply(command: Command, seq?: number): EngineEvent[] {
    return this.collectEvents(false, command, this.parsed, seq);
  }

  /**
   * @internal `apply` for a command that already passed `parseCommand` (a replicated member
   * applies the binary records it reads from the stream): the same events, without rebuilding
   * and re-validating a command object. `p` is only read, except that `seq` (the stream's) is
   * written into `p.seq` when given.
   */
  applyParsed(p: ParsedCommand, seq?: number): EngineEvent[] {
    if (seq !== undefined) {
      if (!isSafeInteger(seq) || seq <= this.lastSeq) {
        throw new EngineError('INVALID_ARGUMENT', `seq must be a safe integer above the last seq ${this.lastSeq} (got ${String(seq)})`);
      }
      p.seq = seq;
    }
    return this.collectEvents(true, null, p, seq);
  }

  /** Runs `p` itself when `parsed`, else `command` (parsing it into `p`); returns its events. */
  private collectEvents(parsed: boolean, command: unknown, p: ParsedCommand, seq: number | undefined): EngineEvent[] {
    const sink = this.arraySink;
    const events: EngineEvent[] = [];
    sink.events = events;
    if (parsed) this.executeParsed(p, sink);
    else this.execute(command as Command, sink, seq);
    // A reject is the command's last event (GTT expiries it swept may come first).
    const last = events[events.length - 1];
    if (last !== undefined && last.type === 'rejected') this.addRejectDetail(last, p);
    return events;
  }

  /**
   * Instrument-rule rejects get their detail here, off the hot path: it is a pure function of the
   * reason and the instrument (of the new order, or of the live order a modify names), so the
   * sink and the worker codec carry only the code and the exchange rebuilds the same detail.
   */
  private addRejectDetail(event: RejectedEvent, p: ParsedCommand): void {
    const detail = this.rejectDetailOf(event.reason, event.id, p);
    if (detail !== undefined) event.detail = detail;
  }

  /**
   * @internal The detail of the reject the command in `p` just got (call right after executing
   * it): a matching worker computes it where the state is, and sends it with the reject's code.
   */
  rejectDetailOf(reason: RejectCode, id: OrderId | null, p: ParsedCommand): RejectDetail | undefined {
    if (reason === RejectCode.INVALID_INSTRUMENT) return { symbol: p.symbol, problem: p.problem };
    if (reason === RejectCode.DUPLICATE_ID || reason === RejectCode.DUPLICATE_ORDER_ID) {
      return this.duplicateOf >= 0 ? { symbol: this.duplicateSymbol, originalSeq: this.duplicateOf } : undefined;
    }
    const symbol = p.op === 'new' ? (p.instrument >= 0 ? this.options.instruments[p.instrument].symbol : undefined) : id === null ? undefined : this.order(id)?.symbol;
    const spec = symbol === undefined ? undefined : this.options.instruments[this.instrumentIndex.get(symbol)!];
    return rejectDetail(reason, spec);
  }

  /**
   * The allocation-free path: applies one command and reports its events to `sink` as typed
   * calls, in the same order `apply` would return them. Never throws for bad input.
   */
  execute(command: Command, sink: EventSink, seq?: number): void {
    const p = this.parsed;
    if (seq !== undefined && (!isSafeInteger(seq) || seq <= this.lastSeq)) {
      throw new EngineError('INVALID_ARGUMENT', `seq must be a safe integer above the last seq ${this.lastSeq} (got ${String(seq)})`);
    }
    const reason = parseCommand(command, this.instrumentIndex, this.options.instruments, p, true, true);
    p.seq = seq ?? 0;
    if (reason !== null) {
      // Refused before any state is read: it does not use up a seq (as the exchange does not log it).
      return void sink.rejected(p.op, p.id, reason);
    }
    this.executeParsed(p, sink);
  }

  /**
   * @internal Executes a command that already passed `parseCommand` (the matching workers get
   * commands the exchange validated, as numbers, and skip parsing objects again).
   */
  executeParsed(p: ParsedCommand, sink: EventSink): void {
    this.sink = sink;
    this.now = p.time;
    const seq = p.seq > 0 ? p.seq : this.lastSeq + 1;
    this.seq = seq;
    this.lastSeq = seq;
    this.lastTime = p.time;
    this.traded = false;
    const id = p.id as OrderId;
    const op = p.op;
    if (op === 'new') this.newOrder(p, id);
    else if (op === 'cancel') this.cancel(id, p.account);
    else if (op === 'modify') this.modify(p, id);
    else if (op === 'add_instrument') this.addInstrument(p);
    else this.haltOrResume(p, op === 'halt');
  }

  /**
   * SEMANTICS.md "Instruments": appends the instrument at the next index, empty and running. Its
   * spec passed parseCommand's rules (or came from a record that did); the checks here read state.
   */
  private addInstrument(p: ParsedCommand): void {
    const sink = this.sink;
    if (this.bookBySymbol.has(p.symbol)) return void sink.rejected('add_instrument', null, RejectCode.INSTRUMENT_EXISTS);
    if (this.books.length >= this.options.instrumentsMax) return void sink.rejected('add_instrument', null, RejectCode.INSTRUMENT_CAPACITY);
    const spec = parsedSpec(p);
    try {
      checkExactSums(spec, this.options.maxOrders, 'spec');
    } catch (error) {
      p.problem = (error as Error).message;
      return void sink.rejected('add_instrument', null, RejectCode.INVALID_INSTRUMENT);
    }
    const index = this.books.length;
    const book = newBook(index, spec);
    this.books.push(book);
    this.options.instruments.push(spec);
    this.bookBySymbol.set(spec.symbol, book);
    this.instrumentIndex.set(spec.symbol, index);
    this.symbols.push(spec.symbol);
    this.orderIds.addInstrument();
    sink.instrumentAdded(index, spec);
  }

  /** SEMANTICS.md "Instruments": halt or resume; neither sweeps, trades nor triggers anything. */
  private haltOrResume(p: ParsedCommand, halt: boolean): void {
    const book = this.books[p.instrument];
    if (book.halted === halt) return void this.sink.rejected(p.op, null, halt ? RejectCode.ALREADY_HALTED : RejectCode.NOT_HALTED);
    book.halted = halt;
    if (halt) this.sink.halted(book.spec.symbol);
    else this.sink.resumed(book.spec.symbol);
  }

  private newOrder(p: ParsedCommand, id: OrderId): void {
    const sink = this.sink;
    const book = this.books[p.instrument];
    // SEMANTICS.md "Instruments": a halted instrument refuses a `new` before the id step, so the
    // refused `new` does not use up its id (its retry after resume is not DUPLICATE_ID) and no
    // expiry sweep runs on the halted book.
    if (book.halted) return void sink.rejected('new', id, RejectCode.INSTRUMENT_HALTED);
    // SEMANTICS.md "Order ids": duplicates are decided before the sweep, from the id memory (a
    // function of the log) and liveness, so the worker that remembers the id can answer for
    // another instrument's order without touching that instrument's book.
    // The id is hashed once, and ONE probe of the id table answers both "live?" (a resting
    // order's entry holds its pool slot) and "remembered?"; adding the new entry reuses the hash.
    const ids = this.orderIds;
    const hash = hashId(id);
    const known = ids.findHashed(id, hash);
    this.duplicateOf = -1;
    if ((known !== NIL && ids.liveSlot(known) !== NIL) || (this.stopsById.size > 0 && this.stopsById.has(id))) {
      // An entry only the resting order keeps (id memory off) was never remembered: no detail.
      return this.rejectDuplicate(id, known !== NIL && ids.isLiveOnly(known) ? NIL : known, RejectCode.DUPLICATE_ORDER_ID);
    }
    if (known !== -1 && ids.remembered(known, this.seq, this.now)) return this.rejectDuplicate(id, known, RejectCode.DUPLICATE_ID);
    // No liveness lookup for the entries leaving the ring: every death closes its entry (kill,
    // ended), so an entry still open belongs to a live order (checked in invariants.ts). Measured:
    // on `wide` the lookup (a cache miss in a table of ~200,000 live ids) was ~4% of all time.
    ids.evict(book.index, this.seq, this.now, null);
    if (!ids.makeRoom(book.index, null)) return void sink.rejected('new', id, RejectCode.ID_MEMORY_FULL);
    const entry = ids.addHashed(book.index, id, this.seq, this.now, hash, known);
    if (book.expiries.next <= this.now) this.sweep(book);
    const type = p.orderType;
    const isStop = type === 'stop_limit' || type === 'stop_market';
    const isMarket = type === 'market' || type === 'stop_market';
    const tif = p.tif;
    if (tif === TIF_GTT && p.expireTime <= this.now) return this.rejectNew(id, entry, RejectCode.ALREADY_EXPIRED);
    const isOco = type === 'oco';
    if ((isStop || (!isMarket && (tif === TIF_GTC || tif === TIF_GTT))) && this.liveOrders + (isOco ? 1 : 0) >= this.options.maxOrders) {
      return this.rejectNew(id, entry, RejectCode.ORDER_CAPACITY);
    }
    const side = p.side;
    const price = p.price;
    if (p.postOnly && this.crossesOpposite(book, side, price)) {
      return this.rejectNew(id, entry, RejectCode.POST_ONLY_WOULD_TAKE);
    }
    if (isStop && book.lastPrice !== NO_PRICE && book.stops[side].triggers(p.stopPrice, book.lastPrice)) {
      return this.rejectNew(id, entry, RejectCode.STOP_WOULD_TRIGGER);
    }
    if (isOco) {
      const reason = checkOcoPrices(side, price, p.stopPrice, book.lastPrice, NO_PRICE);
      if (reason !== null) return this.rejectNew(id, entry, reason);
    }
    const account = p.account;
    const qty = p.qty;
    sink.accepted(id, account, p.symbol, SIDE_NAMES[side], type, isMarket ? null : price, qty);
    if (isStop) {
      const stop: StopOrder = {
        id,
        account,
        instrument: book.index,
        side,
        type,
        stopPrice: p.stopPrice,
        price: isMarket ? 0 : price,
        qty,
        tif,
        stp: p.stp,
        expireTime: p.expireTime,
        oco: false,
      };
      book.stops[side].insert(stop);
      this.stopsById.set(id, stop);
      if (stop.expireTime !== NO_EXPIRY) book.expiries.add(stop.expireTime, id);
      return;
    }
    this.take(book, id, account, side, isMarket, price, qty, tif, p.stp, p.postOnly, p.displayQty, p.expireTime, entry, hash);
    if (isOco && !this.traded) this.placeStopLeg(book, id, p);
    if (this.traded && (book.stops[0].size > 0 || book.stops[1].size > 0)) this.runStops(book);
  }

  /** Symbol of the order a DUPLICATE_* reject names. */
  private duplicateSymbol = '';

  private rejectDuplicate(id: OrderId, known: number, reason: RejectCode): void {
    if (known !== -1) {
      this.duplicateOf = this.orderIds.seqAt(known);
      this.duplicateSymbol = this.books[this.orderIds.instruments[known]].spec.symbol;
    }
    this.sink.rejected('new', id, reason);
  }

  /** A stateful reject of a `new` that consumed its id: the entry says why. */
  private rejectNew(id: OrderId, entry: number, reason: RejectCode): void {
    this.orderIds.close(entry, STATUS_REJECTED, reason, this.seq);
    this.sink.rejected('new', id, reason);
  }

  /** The order `id` ended now (its id stays remembered with why). */
  private ended(id: OrderId, status: number, reason: string | null): void {
    const ids = this.orderIds;
    ids.close(ids.find(id), status, reason, this.seq);
  }

  /**
   * New-order steps 3-5 of SEMANTICS.md for a taker that holds no slot yet (a new order or a
   * triggered stop): FOK pre-check, the taker loop, then rest or cancel the remainder.
   */
  private take(
    book: Book,
    id: OrderId,
    account: string,
    side: number,
    isMarket: boolean,
    price: number,
    qty: number,
    tif: number,
    stp: number,
    postOnly: boolean,
    display: number,
    expireTime: number,
    /** The id's entry in the id memory (`orderIds.find(id)`) and its `hashId`. */
    takerEntry: number,
    hash: number,
  ): void {
    const symbol = book.spec.symbol;
    const limit = isMarket ? (side === BUY ? Infinity : -Infinity) : price;
    // Only self-trade prevention needs the taker's account index before it rests.
    const accountIdx = stp === STP_NONE ? ACCOUNT_NONE : this.takerAccount(account);
    // The taker's entry answers for its id throughout (no eviction runs inside a command's take).
    const ids = this.orderIds;
    if (tif === TIF_FOK && !this.fillable(book, side, limit, qty, accountIdx, stp)) {
      this.cancelledEvent(id, account, symbol, side, CancelReason.FOK_UNFILLABLE, qty);
      ids.close(takerEntry, STATUS_CANCELLED, CancelReason.FOK_UNFILLABLE, this.seq);
      return;
    }
    const remaining = this.match(book, side, limit, qty, id, account, accountIdx, stp, takerEntry);
    if (remaining === 0 || this.takerCancelled) {
      if (this.takerCancelled) ids.close(takerEntry, STATUS_CANCELLED, CancelReason.SELF_TRADE, this.seq);
      else ids.close(takerEntry, STATUS_FILLED, null, this.seq);
      return;
    }
    if (isMarket) {
      this.cancelledEvent(id, account, symbol, side, CancelReason.MARKET_REMAINDER, remaining);
      ids.close(takerEntry, STATUS_CANCELLED, CancelReason.MARKET_REMAINDER, this.seq);
    } else if (tif === TIF_IOC) {
      this.cancelledEvent(id, account, symbol, side, CancelReason.IOC_REMAINDER, remaining);
      ids.close(takerEntry, STATUS_CANCELLED, CancelReason.IOC_REMAINDER, this.seq);
    } else {
      assert(tif === TIF_GTC || tif === TIF_GTT, 'only GTC and GTT limit orders rest');
      const orders = this.orders;
      const slot = orders.alloc();
      // A resting order always has an entry in the id table (one only it keeps when nothing remembers the id).
      const entry = takerEntry !== NIL ? takerEntry : ids.addLive(book.index, id, hash);
      ids.setLive(entry, slot);
      orders.i32[slot * O_INTS + O_ENTRY] = entry;
      // By name, not accountIdx: self-trade prevention may have just released the account's entry.
      orders.i32[slot * O_INTS + O_ACCOUNT] = this.accounts.acquire(account);
      orders.i32[slot * O_INTS + O_FLAGS] = side | (postOnly ? FLAG_POST_ONLY : 0) | (stp << STP_SHIFT);
      if (display === 0 && expireTime === NO_EXPIRY) {
        this.rest(book, side, price, remaining, slot);
        this.sink.rested(id, account, symbol, SIDE_NAMES[side], price, remaining, 0);
      } else {
        this.restWithExtra(book, side, price, remaining, slot, display, expireTime);
        const shown = orders.f64[slot * O_F64S + O_QTY];
        this.sink.rested(id, account, symbol, SIDE_NAMES[side], price, shown, remaining - shown);
      }
    }
  }

  /**
   * SEMANTICS.md "OCO": the limit leg of `id` went through the taker loop without trading; if it
   * rests (STP may have cancelled it), its stop leg becomes a pending stop and the two are linked.
   */
  private placeStopLeg(book: Book, id: OrderId, p: ParsedCommand): void {
    const slot = this.liveSlot(id);
    if (slot === NIL) return;
    this.orders.i32[slot * O_INTS + O_FLAGS] |= FLAG_OCO;
    const leg: StopOrder = {
      id,
      account: p.account,
      instrument: book.index,
      side: p.side,
      type: 'stop_limit',
      stopPrice: p.stopPrice,
      price: p.stopLimitPrice,
      qty: p.qty,
      tif: TIF_GTC,
      stp: p.stp,
      expireTime: NO_EXPIRY,
      oco: true,
    };
    book.stops[p.side].insert(leg);
    this.stopsById.set(id, leg);
  }

  /** An OCO's limit leg traded or died: its stop leg goes, without an event. */
  private dropOcoStop(slot: number, book: Book): void {
    this.orders.i32[slot * O_INTS + O_FLAGS] &= ~FLAG_OCO;
    dropStopLeg(this, book.stops, this.idOf(slot));
  }

  /** Rests an iceberg or GTT order: its displayed slice in the book, the rest in its extra. */
  private restWithExtra(book: Book, side: number, price: number, open: number, slot: number, display: number, expireTime: number): void {
    const shown = display === 0 || display >= open ? open : display;
    this.orders.i32[slot * O_INTS + O_FLAGS] |= FLAG_EXTRA;
    this.extras.set(slot, { display, hidden: open - shown, expireTime });
    if (display !== 0) book.icebergs++;
    if (expireTime !== NO_EXPIRY) book.expiries.add(expireTime, this.idOf(slot));
    this.rest(book, side, price, shown, slot);
  }

  /** SEMANTICS.md "Stops": trigger rounds until the last price triggers no pending stop. */
  private runStops(book: Book): void {
    const round: StopOrder[] = [];
    // Bounded: every round takes at least one stop out of the queues, and none is added.
    for (;;) {
      const last = book.lastPrice;
      if (last === NO_PRICE) return;
      round.length = 0;
      book.stops[0].takeTriggered(last, round);
      book.stops[1].takeTriggered(last, round);
      if (round.length === 0) return;
      for (let i = 0; i < round.length; i++) {
        const s = round[i];
        // An OCO leg whose limit leg traded earlier in this round is gone (SEMANTICS.md "OCO").
        if (s.oco && this.stopsById.get(s.id) !== s) continue;
        this.stopsById.delete(s.id);
        if (s.oco) this.removeLimitLeg(s.id);
        if (s.expireTime !== NO_EXPIRY) this.expiryDied(book);
        const isMarket = s.type === 'stop_market';
        this.sink.triggered(s.id, s.account, book.spec.symbol, SIDE_NAMES[s.side], s.type, s.stopPrice, isMarket ? null : s.price, s.qty);
        const hash = hashId(s.id);
        const entry = this.orderIds.findHashed(s.id, hash);
        this.orderIds.touch(entry, this.seq);
        this.take(book, s.id, s.account, s.side, isMarket, s.price, s.qty, s.tif, s.stp, false, 0, s.expireTime, entry, hash);
      }
    }
  }

  /** An OCO's stop leg triggered: its limit leg leaves the book (no event; the id stays live). */
  private removeLimitLeg(id: OrderId): void {
    const slot = this.liveSlot(id);
    assert(slot !== NIL && (this.orders.i32[slot * O_INTS + O_FLAGS] & FLAG_OCO) !== 0, 'a pending OCO stop leg has its limit leg');
    this.orders.i32[slot * O_INTS + O_FLAGS] &= ~FLAG_OCO;
    const book = this.books[this.levels.i32[(this.orders.i32[slot * O_INTS + O_LEVEL]) * L_INTS + L_BOOK]];
    this.unlink(slot);
    this.release(slot, book);
  }

  /**
   * The expiry sweep of SEMANTICS.md: cancels (EXPIRED) every GTT order of `book` whose expiry the
   * command's time has reached, in (expireTime, id) order.
   */
  private sweep(book: Book): void {
    const ids: OrderId[] = [];
    const times: number[] = [];
    book.expiries.takeDue(this.now, ids, times);
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      const slot = this.liveSlot(id);
      if (slot !== NIL) {
        const extra = (this.orders.i32[slot * O_INTS + O_FLAGS] & FLAG_EXTRA) !== 0 ? this.extras.get(slot) : undefined;
        if (extra === undefined || extra.expireTime !== times[i] || this.levels.i32[(this.orders.i32[slot * O_INTS + O_LEVEL]) * L_INTS + L_BOOK] !== book.index) continue;
        const orders = this.orders;
        this.cancelledEvent(id, this.accountNames[orders.i32[slot * O_INTS + O_ACCOUNT]], book.spec.symbol, orders.i32[slot * O_INTS + O_FLAGS] & FLAG_SELL, CancelReason.EXPIRED, orders.f64[slot * O_F64S + O_QTY] + extra.hidden);
        this.unlink(slot);
        this.kill(slot, book, STATUS_EXPIRED, null);
        continue;
      }
      const stop = this.stopsById.get(id);
      if (stop === undefined || stop.instrument !== book.index || stop.expireTime !== times[i]) continue;
      this.cancelledEvent(id, stop.account, book.spec.symbol, stop.side, CancelReason.EXPIRED, stop.qty);
      this.removeStop(stop, book, STATUS_EXPIRED, null);
    }
  }

  /** A GTT order of `book` died: keeps the expiry queue's live count (and compaction) right. */
  private expiryDied(book: Book): void {
    book.expiries.died((id, expireTime) => {
      const slot = this.liveSlot(id);
      if (slot !== NIL) return this.extras.get(slot)?.expireTime === expireTime;
      return this.stopsById.get(id)?.expireTime === expireTime;
    });
  }

  /** Takes a pending stop out (cancel, expiry); its id is remembered dead. */
  private removeStop(stop: StopOrder, book: Book, status: number, reason: string | null): void {
    book.stops[stop.side].remove(stop);
    this.stopsById.delete(stop.id);
    if (stop.expireTime !== NO_EXPIRY) this.expiryDied(book);
    this.ended(stop.id, status, reason);
  }

  /**
   * Slot of live resting order `id`, or NIL — after running the expiry sweep on the instrument of
   * live `id` (resting or a pending stop) if one of its GTT orders is due. One id lookup when
   * nothing is due, as before GTT existed.
   */
  private sweepAndFind(id: OrderId): number {
    const slot = this.liveSlot(id);
    if (slot !== NIL) {
      const book = this.books[this.levels.i32[(this.orders.i32[slot * O_INTS + O_LEVEL]) * L_INTS + L_BOOK]];
      if (book.expiries.next > this.now) return slot;
      this.sweep(book);
      return this.liveSlot(id);
    }
    if (this.stopsById.size === 0) return NIL;
    const stop = this.stopsById.get(id);
    if (stop !== undefined) {
      const book = this.books[stop.instrument];
      if (book.expiries.next <= this.now) this.sweep(book);
    }
    return NIL;
  }

  /**
   * The reject for a cancel or modify of an id that is not live: TOO_LATE_TO_CANCEL for a
   * remembered order that ended (filled, cancelled, expired), UNKNOWN_ORDER for anything else (an
   * id never seen, forgotten, or of a `new` that was rejected: no order ever lived).
   */
  private notLive(id: OrderId): RejectCode {
    const ids = this.orderIds;
    const slot = ids.find(id);
    if (slot === -1 || !ids.remembered(slot, this.seq, this.now)) return RejectCode.UNKNOWN_ORDER;
    const status = ids.statusAt(slot);
    return status === STATUS_FILLED || status === STATUS_CANCELLED || status === STATUS_EXPIRED ? RejectCode.TOO_LATE_TO_CANCEL : RejectCode.UNKNOWN_ORDER;
  }

  private cancel(id: OrderId, account: string): void {
    const slot = this.sweepAndFind(id);
    if (slot === NIL) return this.cancelStop(id, account);
    const orders = this.orders;
    if (this.accountNames[orders.i32[slot * O_INTS + O_ACCOUNT]] !== account) {
      return void this.sink.rejected('cancel', id, RejectCode.NOT_OWNER);
    }
    const book = this.books[this.levels.i32[(orders.i32[slot * O_INTS + O_LEVEL]) * L_INTS + L_BOOK]];
    this.cancelledEvent(id, account, book.spec.symbol, orders.i32[slot * O_INTS + O_FLAGS] & FLAG_SELL, CancelReason.USER, this.openQty(slot));
    this.unlink(slot);
    this.kill(slot, book, STATUS_CANCELLED, CancelReason.USER);
  }

  private cancelStop(id: OrderId, account: string): void {
    const stop = this.stopsById.size === 0 ? undefined : this.stopsById.get(id);
    if (stop === undefined) return void this.sink.rejected('cancel', id, this.notLive(id));
    if (stop.account !== account) return void this.sink.rejected('cancel', id, RejectCode.NOT_OWNER);
    const book = this.books[stop.instrument];
    this.cancelledEvent(id, account, book.spec.symbol, stop.side, CancelReason.USER, stop.qty);
    this.removeStop(stop, book, STATUS_CANCELLED, CancelReason.USER);
  }

  /** Open quantity of a resting order: displayed plus an iceberg's hidden reserve. */
  private openQty(slot: number): number {
    const qty = this.orders.f64[slot * O_F64S + O_QTY];
    if ((this.orders.i32[slot * O_INTS + O_FLAGS] & FLAG_EXTRA) === 0) return qty;
    return qty + this.extras.get(slot)!.hidden;
  }

  private modify(p: ParsedCommand, id: OrderId): void {
    const sink = this.sink;
    const slot = this.sweepAndFind(id);
    if (slot === NIL) return this.modifyStop(p, id);
    const account = p.account;
    const orders = this.orders;
    const levels = this.levels;
    const accountIdx = orders.i32[slot * O_INTS + O_ACCOUNT];
    if (this.accountNames[accountIdx] !== account) return void sink.rejected('modify', id, RejectCode.NOT_OWNER);
    const level = orders.i32[slot * O_INTS + O_LEVEL];
    const book = this.books[levels.i32[level * L_INTS + L_BOOK]];
    if (book.halted) return void sink.rejected('modify', id, RejectCode.INSTRUMENT_HALTED);
    if ((orders.i32[slot * O_INTS + O_FLAGS] & FLAG_OCO) !== 0) return void sink.rejected('modify', id, RejectCode.OCO_NOT_MODIFIABLE);
    if (p.hasStopPrice) return void sink.rejected('modify', id, RejectCode.INVALID_STOP_PRICE);
    const spec = book.spec;
    const oldPrice = levels.f64[level * L_F64S + L_PRICE];
    const oldQty = this.openQty(slot);
    const price = p.hasPrice ? p.price : oldPrice;
    const qty = p.hasQty ? p.qty : oldQty;
    const reason = checkPrice(spec, price) ?? checkQty(spec, qty);
    if (reason !== null) return void sink.rejected('modify', id, reason);
    const flags = orders.i32[slot * O_INTS + O_FLAGS];
    const extra = (flags & FLAG_EXTRA) !== 0 ? this.extras.get(slot)! : undefined;
    if (extra !== undefined && extra.display !== 0 && qty > extra.display * ICEBERG_SLICES_MAX) {
      return void sink.rejected('modify', id, RejectCode.QTY_OUT_OF_RANGE);
    }
    const side = flags & FLAG_SELL;
    if ((flags & FLAG_POST_ONLY) !== 0 && this.crossesOpposite(book, side, price)) {
      return void sink.rejected('modify', id, RejectCode.POST_ONLY_WOULD_TAKE);
    }

    const priorityKept = price === oldPrice && qty <= oldQty;
    sink.modified(id, account, spec.symbol, SIDE_NAMES[side], price, qty, oldPrice, oldQty, priorityKept, -1, -1);
    this.orderIds.touch(orders.i32[slot * O_INTS + O_ENTRY], this.seq);
    if (priorityKept) {
      const shown = orders.f64[slot * O_F64S + O_QTY];
      const newShown = shown < qty ? shown : qty;
      orders.f64[slot * O_F64S + O_QTY] = newShown;
      levels.f64[level * L_F64S + L_TOTAL] -= shown - newShown;
      if (extra !== undefined) extra.hidden = qty - newShown;
      return;
    }
    this.unlink(slot);
    const stp = (flags & STP_MASK) >>> STP_SHIFT;
    const remaining = this.match(book, side, price, qty, id, account, accountIdx, stp, orders.i32[slot * O_INTS + O_ENTRY]);
    if (remaining === 0 || this.takerCancelled) {
      if (this.takerCancelled) this.kill(slot, book, STATUS_CANCELLED, CancelReason.SELF_TRADE);
      else this.kill(slot, book, STATUS_FILLED, null);
    } else if (extra === undefined) {
      this.rest(book, side, price, remaining, slot);
      sink.rested(id, account, spec.symbol, SIDE_NAMES[side], price, remaining, 0);
    } else {
      const shown = extra.display === 0 || extra.display >= remaining ? remaining : extra.display;
      extra.hidden = remaining - shown;
      this.rest(book, side, price, shown, slot);
      sink.rested(id, account, spec.symbol, SIDE_NAMES[side], price, shown, extra.hidden);
    }
    if (this.traded && (book.stops[0].size > 0 || book.stops[1].size > 0)) this.runStops(book);
  }

  private modifyStop(p: ParsedCommand, id: OrderId): void {
    const sink = this.sink;
    const stop = this.stopsById.size === 0 ? undefined : this.stopsById.get(id);
    if (stop === undefined) return void sink.rejected('modify', id, this.notLive(id));
    if (stop.account !== p.account) return void sink.rejected('modify', id, RejectCode.NOT_OWNER);
    const book = this.books[stop.instrument];
    if (book.halted) return void sink.rejected('modify', id, RejectCode.INSTRUMENT_HALTED);
    const isMarket = stop.type === 'stop_market';
    if (isMarket && p.hasPrice) return void sink.rejected('modify', id, RejectCode.INVALID_PRICE);
    const spec = book.spec;
    const stopPrice = p.hasStopPrice ? p.stopPrice : stop.stopPrice;
    const price = p.hasPrice ? p.price : stop.price;
    const qty = p.hasQty ? p.qty : stop.qty;
    const reason = (isMarket ? null : checkPrice(spec, price)) ?? checkPrice(spec, stopPrice) ?? checkQty(spec, qty);
    if (reason !== null) return void sink.rejected('modify', id, reason);
    const queue = book.stops[stop.side];
    if (book.lastPrice !== NO_PRICE && queue.triggers(stopPrice, book.lastPrice)) {
      return void sink.rejected('modify', id, RejectCode.STOP_WOULD_TRIGGER);
    }
    const priorityKept = stopPrice === stop.stopPrice && price === stop.price && qty <= stop.qty;
    sink.modified(
      id,
      stop.account,
      spec.symbol,
      SIDE_NAMES[stop.side],
      isMarket ? stopPrice : price,
      qty,
      isMarket ? stop.stopPrice : stop.price,
      stop.qty,
      priorityKept,
      stopPrice,
      stop.stopPrice,
    );
    this.orderIds.touch(this.orderIds.find(id), this.seq);
    if (!priorityKept) queue.remove(stop);
    stop.stopPrice = stopPrice;
    stop.price = price;
    stop.qty = qty;
    if (!priorityKept) queue.insert(stop);
  }

  /** Would a taker at `price` on `side` trade with the opposite best level? */
  private crossesOpposite(book: Book, side: number, price: number): boolean {
    const best = book.sides[side ^ 1].best();
    if (best === NIL) return false;
    const bestPrice = this.levels.f64[best * L_F64S + L_PRICE];
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
    // Icebergs hide quantity from level totals: then count order by order, reserves included.
    const perOrder = (stp !== STP_NONE && accountIdx !== ACCOUNT_NONE) || book.icebergs > 0;
    let needed = qty;
    for (let i = opposite.size - 1; i >= 0; i--) {
      const level = opposite.levels[i];
      const levelPrice = levels.f64[level * L_F64S + L_PRICE];
      if (side === BUY ? levelPrice > limit : levelPrice < limit) return false;
      if (!perOrder) {
        needed -= levels.f64[level * L_F64S + L_TOTAL];
        if (needed <= 0) return true;
        continue;
      }
      for (let o = levels.i32[level * L_INTS + L_HEAD]; o !== NIL; o = orders.i32[o * O_INTS + O_NEXT]) {
        if (stp !== STP_NONE && orders.i32[o * O_INTS + O_ACCOUNT] === accountIdx) {
          if (stp === STP_CANCEL_MAKER) continue;
          return false;
        }
        needed -= this.openQty(o);
        if (needed <= 0) return true;
      }
    }
    return false;
  }

  /**
   * The taker loop of SEMANTICS.md step 4. Returns the taker's open quantity afterwards and sets
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
    takerEntry: number,
  ): number {
    this.takerCancelled = false;
    const ids = this.orderIds;
    const opposite = book.sides[side ^ 1];
    const levels = this.levels;
    const orders = this.orders;
    const symbol = book.spec.symbol;
    const takerSide = SIDE_NAMES[side];
    let remaining = qty;
    while (remaining > 0 && opposite.size > 0) {
      const level = opposite.levels[opposite.size - 1];
      const levelPrice = levels.f64[level * L_F64S + L_PRICE];
      if (side === BUY ? levelPrice > limit : levelPrice < limit) break;
      let maker = levels.i32[level * L_INTS + L_HEAD];
      // Each pass removes or fills a maker, or ends the taker: bounded by the level's count.
      while (maker !== NIL && remaining > 0) {
        const next = orders.i32[maker * O_INTS + O_NEXT];
        const makerQty = orders.f64[maker * O_F64S + O_QTY];
        if (stp !== STP_NONE && orders.i32[maker * O_INTS + O_ACCOUNT] === takerAccountIdx) {
          if (stp === STP_CANCEL_TAKER) {
            this.cancelledEvent(takerId, takerAccount, symbol, side, CancelReason.SELF_TRADE, remaining);
            this.takerCancelled = true;
            return remaining;
          }
          this.cancelledEvent(
            ids.idAt(orders.i32[maker * O_INTS + O_ENTRY]),
            this.accountNames[orders.i32[maker * O_INTS + O_ACCOUNT]],
            symbol,
            side ^ 1,
            CancelReason.SELF_TRADE,
            this.openQty(maker),
          );
          this.unlink(maker);
          this.kill(maker, book, STATUS_CANCELLED, CancelReason.SELF_TRADE);
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
        const extra = (orders.i32[maker * O_INTS + O_FLAGS] & FLAG_EXTRA) !== 0 ? this.extras.get(maker)! : undefined;
        const hidden = extra === undefined ? 0 : extra.hidden;
        const makerRemaining = makerQty - tradeQty;
        const makerId = ids.idAt(orders.i32[maker * O_INTS + O_ENTRY]);
        this.traded = true;
        book.lastPrice = levelPrice;
        this.sink.trade(
          symbol,
          levelPrice,
          tradeQty,
          makerId,
          takerId,
          this.accountNames[orders.i32[maker * O_INTS + O_ACCOUNT]],
          takerAccount,
          takerSide,
          makerRemaining + hidden,
          remaining,
        );
        ids.fill(orders.i32[maker * O_INTS + O_ENTRY], tradeQty, this.seq);
        ids.fill(takerEntry, tradeQty, this.seq);
        if ((orders.i32[maker * O_INTS + O_FLAGS] & FLAG_OCO) !== 0) this.dropOcoStop(maker, book);
        if (makerRemaining !== 0) {
          orders.f64[maker * O_F64S + O_QTY] = makerRemaining;
          levels.f64[level * L_F64S + L_TOTAL] -= tradeQty;
        } else if (hidden === 0) {
          this.unlink(maker);
          this.kill(maker, book, STATUS_FILLED, null);
        } else {
          // Iceberg refill: a new displayed slice from the reserve, at the back of the level.
          const slice = extra!.display < hidden ? extra!.display : hidden;
          extra!.hidden = hidden - slice;
          orders.f64[maker * O_F64S + O_QTY] = slice;
          levels.f64[level * L_F64S + L_TOTAL] += slice - tradeQty;
          this.moveToBack(maker, level);
          this.sink.rested(makerId, this.accountNames[orders.i32[maker * O_INTS + O_ACCOUNT]], symbol, SIDE_NAMES[side ^ 1], levelPrice, slice, hidden - slice);
        }
        maker = next;
      }
    }
    return remaining;
  }

  /** Moves `slot` to the back of its level's FIFO (an iceberg refill). */
  private moveToBack(slot: number, level: number): void {
    const orders = this.orders;
    const levels = this.levels;
    const tail = levels.i32[level * L_INTS + L_TAIL];
    if (tail === slot) return;
    const prev = orders.i32[slot * O_INTS + O_PREV];
    const next = orders.i32[slot * O_INTS + O_NEXT];
    if (prev === NIL) levels.i32[level * L_INTS + L_HEAD] = next;
    else orders.i32[prev * O_INTS + O_NEXT] = next;
    orders.i32[next * O_INTS + O_PREV] = prev;
    orders.i32[slot * O_INTS + O_PREV] = tail;
    orders.i32[slot * O_INTS + O_NEXT] = NIL;
    orders.i32[tail * O_INTS + O_NEXT] = slot;
    levels.i32[level * L_INTS + L_TAIL] = slot;
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
    const tail = levels.i32[level * L_INTS + L_TAIL];
    orders.i32[slot * O_INTS + O_PREV] = tail;
    orders.i32[slot * O_INTS + O_NEXT] = NIL;
    if (tail === NIL) levels.i32[level * L_INTS + L_HEAD] = slot;
    else orders.i32[tail * O_INTS + O_NEXT] = slot;
    levels.i32[level * L_INTS + L_TAIL] = slot;
    levels.f64[level * L_F64S + L_TOTAL] += qty;
    levels.i32[level * L_INTS + L_COUNT]++;
    orders.i32[slot * O_INTS + O_LEVEL] = level;
    orders.f64[slot * O_F64S + O_QTY] = qty;
  }

  /** Takes `slot` out of its level (removing the level when it empties); the slot stays allocated. */
  private unlink(slot: number): void {
    const orders = this.orders;
    const levels = this.levels;
    const level = orders.i32[slot * O_INTS + O_LEVEL];
    const prev = orders.i32[slot * O_INTS + O_PREV];
    const next = orders.i32[slot * O_INTS + O_NEXT];
    if (prev === NIL) levels.i32[level * L_INTS + L_HEAD] = next;
    else orders.i32[prev * O_INTS + O_NEXT] = next;
    if (next === NIL) levels.i32[level * L_INTS + L_TAIL] = prev;
    else orders.i32[next * O_INTS + O_PREV] = prev;
    levels.f64[level * L_F64S + L_TOTAL] -= orders.f64[slot * O_F64S + O_QTY];
    if (--levels.i32[level * L_INTS + L_COUNT] === 0) {
      const book = this.books[levels.i32[level * L_INTS + L_BOOK]];
      book.sides[orders.i32[slot * O_INTS + O_FLAGS] & FLAG_SELL].remove(levels.f64[level * L_F64S + L_PRICE]);
      levels.free(level);
    }
  }

  /**
   * Forgets an order: its id becomes reusable, its slot free and its account one order lighter
   * (not remembered as dead: see kill).
   */
  private release(slot: number, book: Book): void {
    const orders = this.orders;
    if ((orders.i32[slot * O_INTS + O_FLAGS] & FLAG_EXTRA) !== 0) this.releaseExtra(slot, book);
    this.orderIds.unlinkLive(orders.i32[slot * O_INTS + O_ENTRY]);
    this.accounts.release(orders.i32[slot * O_INTS + O_ACCOUNT]);
    orders.free(slot);
  }

  /** An order died (already unlinked): its id's entry says how, then its slot is released. */
  private kill(slot: number, book: Book, status: number, reason: string | null): void {
    if ((this.orders.i32[slot * O_INTS + O_FLAGS] & FLAG_OCO) !== 0) this.dropOcoStop(slot, book);
    this.orderIds.close(this.orders.i32[slot * O_INTS + O_ENTRY], status, reason, this.seq);
    this.release(slot, book);
  }

  private releaseExtra(slot: number, book: Book): void {
    const extra = this.extras.get(slot)!;
    this.extras.delete(slot);
    this.orders.i32[slot * O_INTS + O_FLAGS] &= ~FLAG_EXTRA;
    if (extra.display !== 0) book.icebergs--;
    if (extra.expireTime !== NO_EXPIRY) this.expiryDied(book);
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
      result.push([this.levels.f64[level * L_F64S + L_PRICE], this.levels.f64[level * L_F64S + L_TOTAL]]);
    }
    return result;
  }

  /** Best bid and offer of an instrument: price and displayed quantity (null / 0 when a side is empty). */
  top(symbol: string): Top {
    const book = this.bookOf(symbol);
    const bid = book.sides[BUY].best();
    const ask = book.sides[SELL].best();
    const levels = this.levels;
    return {
      bid: bid === NIL ? null : levels.f64[bid * L_F64S + L_PRICE],
      bidQty: bid === NIL ? 0 : levels.f64[bid * L_F64S + L_TOTAL],
      ask: ask === NIL ? null : levels.f64[ask * L_F64S + L_PRICE],
      askQty: ask === NIL ? 0 : levels.f64[ask * L_F64S + L_TOTAL],
    };
  }

  /**
   * L3 book: every resting order of the best `levels` levels per side, in priority order, with its
   * displayed quantity (the same quantities depth() sums). For a market-data snapshot; allocates.
   */
  l3(symbol: string, levels = 10): L3Book {
    const book = this.bookOf(symbol);
    if (!isSafeInteger(levels) || levels <= 0) {
      throw new EngineError('INVALID_ARGUMENT', 'l3 levels must be a positive safe integer');
    }
    return { bids: this.sideL3(book.sides[BUY], levels), asks: this.sideL3(book.sides[SELL], levels) };
  }

  private sideL3(side: BookSide, count: number): L3Level[] {
    const result: L3Level[] = [];
    const levels = this.levels;
    const orders = this.orders;
    // Bounded by `count` levels and the orders resting on them.
    for (let i = side.size - 1; i >= 0 && result.length < count; i--) {
      const level = side.levels[i];
      const list: L3Order[] = [];
      for (let o = levels.i32[level * L_INTS + L_HEAD]; o !== NIL; o = orders.i32[o * O_INTS + O_NEXT]) list.push({ id: this.idOf(o), qty: orders.f64[o * O_F64S + O_QTY] });
      result.push({ price: levels.f64[level * L_F64S + L_PRICE], qty: levels.f64[level * L_F64S + L_TOTAL], orders: list });
    }
    return result;
  }

  /**
   * Calls `visit` for every live order with its id and the index of its instrument, in slot order
   * (not a canonical order: for rebuilding indexes, never for state).
   */
  forEachLiveOrder(visit: (id: OrderId, instrument: number) => void): void {
    const orders = this.orders;
    for (let slot = 0; slot < orders.highWater; slot++) {
      if (orders.i32[slot * O_INTS + O_ENTRY] !== NIL) visit(this.idOf(slot), this.levels.i32[(orders.i32[slot * O_INTS + O_LEVEL]) * L_INTS + L_BOOK]);
    }
    for (const book of this.books) {
      // An OCO's stop leg shares its id with the limit leg visited above.
      for (const queue of book.stops) for (const stop of queue.stops) if (!stop.oco) visit(stop.id, book.index);
    }
  }

  /**
   * Calls `visit` for every id entry held in an instrument's ring (not the overdue ones), oldest
   * first per instrument, with its instrument, seq and time (the router rebuilds the same rings).
   */
  forEachRememberedId(visit: (id: OrderId, instrument: number, seq: number, time: number, indexed: boolean) => void): void {
    const ids = this.orderIds;
    for (const book of this.books) {
      ids.forEach(book.index, (slot, overdue) => {
        if (!overdue) visit(ids.idAt(slot), book.index, ids.seqAt(slot), ids.timeAt(slot), ids.isIndexed(slot));
      });
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
          const slot = this.levels.i32[level * L_INTS + L_HEAD];
          this.unlink(slot);
          this.release(slot, book);
        }
      }
      for (const queue of book.stops) {
        for (const stop of queue.stops) this.stopsById.delete(stop.id);
        queue.stops.length = 0;
      }
      book.expiries.clear();
      book.lastPrice = NO_PRICE;
      this.orderIds.clear(book.index);
    }
  }

  /** Is `id` a live order (resting or a pending stop)? Allocation-free. */
  isLive(id: OrderId): boolean {
    return this.liveSlot(id) !== NIL || (this.stopsById.size > 0 && this.stopsById.has(id));
  }

  /** @internal Pool slot of resting order `id`, or NIL (one probe of the id table). */
  liveSlot(id: OrderId): number {
    const ids = this.orderIds;
    const entry = ids.find(id);
    return entry === NIL ? NIL : ids.liveSlot(entry);
  }

  /** @internal Id of the resting order in pool slot `slot` (which must be live). */
  idOf(slot: number): OrderId {
    return this.orderIds.idAt(this.orders.i32[slot * O_INTS + O_ENTRY]);
  }

  /**
   * @internal Slot → id of every pool slot below `highWater` (null for free slots): what a
   * snapshot records. Allocates; not for hot paths.
   */
  restingIds(highWater: number): Array<OrderId | null> {
    const orders = this.orders;
    const result: Array<OrderId | null> = [];
    for (let slot = 0; slot < highWater; slot++) result.push(orders.i32[slot * O_INTS + O_ENTRY] === NIL ? null : this.idOf(slot));
    return result;
  }

  /**
   * @internal Snapshot restore, after the id memory's entries are loaded: the order resting in
   * pool slot `slot` has id `id`. Links it to the entry answering for the id (an open one), or to
   * a new entry only it keeps when none does. Returns a problem for a corrupt snapshot, else null.
   */
  restoreResting(id: OrderId, slot: number): string | null {
    const ids = this.orderIds;
    let entry = ids.find(id);
    if (entry !== NIL && ids.liveSlot(entry) !== NIL) return `id ${String(id)} rests in two slots`;
    // A live order's id is answered by its own entry, open while the order lives.
    if (entry !== NIL && ids.statusAt(entry) !== STATUS_OPEN) return `live order ${String(id)} has a closed id entry`;
    if (entry === NIL) entry = ids.addLive(this.levels.i32[(this.orders.i32[slot * O_INTS + O_LEVEL]) * L_INTS + L_BOOK], id, hashId(id));
    ids.setLive(entry, slot);
    this.orders.i32[slot * O_INTS + O_ENTRY] = entry;
    return null;
  }

  /** A live order (resting or a pending stop), or undefined. */
  order(id: OrderId): OrderView | undefined {
    const slot = this.liveSlot(id);
    if (slot === NIL) return this.stopView(id);
    const orders = this.orders;
    const flags = orders.i32[slot * O_INTS + O_FLAGS];
    const level = orders.i32[slot * O_INTS + O_LEVEL];
    const view: OrderView = {
      id,
      account: this.accountNames[orders.i32[slot * O_INTS + O_ACCOUNT]],
      symbol: this.books[this.levels.i32[level * L_INTS + L_BOOK]].spec.symbol,
      side: SIDE_NAMES[flags & FLAG_SELL],
      price: this.levels.f64[level * L_F64S + L_PRICE],
      qty: this.openQty(slot),
      postOnly: (flags & FLAG_POST_ONLY) !== 0,
      stp: STP_NAMES[(flags & STP_MASK) >>> STP_SHIFT],
    };
    if ((flags & FLAG_EXTRA) !== 0) {
      const extra = this.extras.get(slot)!;
      if (extra.display !== 0) view.displayQty = extra.display;
      if (extra.expireTime !== NO_EXPIRY) view.expireTime = extra.expireTime;
    }
    if ((flags & FLAG_OCO) !== 0) {
      const leg = this.stopsById.get(id)!;
      view.orderType = 'oco';
      view.stopPrice = leg.stopPrice;
      view.stopLimitPrice = leg.price;
    }
    return view;
  }

  /**
   * Where order `id` stands: a live order, or one that ended (or was rejected) while its id is
   * still remembered (SEMANTICS.md "Order ids"); undefined for an id never seen or forgotten. A
   * client that lost an acknowledgement asks this before retrying.
   */
  orderStatus(id: OrderId): OrderStatusView | undefined {
    const ids = this.orderIds;
    const found = ids.find(id);
    // An entry only a resting order keeps (id memory off) remembers nothing: as if there were none.
    const slot = found !== -1 && ids.isLiveOnly(found) ? -1 : found;
    const live = this.order(id);
    if (live !== undefined) {
      const filledQty = slot === -1 ? 0 : ids.filledAt(slot);
      const pending = found === -1 || ids.liveSlot(found) === NIL;
      return {
        id,
        symbol: live.symbol,
        status: pending ? 'pending' : filledQty > 0 ? 'partially_filled' : 'resting',
        filledQty,
        remainingQty: live.qty,
        createdSeq: slot === -1 ? null : ids.seqAt(slot),
        lastSeq: slot === -1 ? null : ids.lastSeqAt(slot),
      };
    }
    if (slot === -1) return undefined;
    const code = ids.statusAt(slot);
    // An open entry of an order no longer live cannot exist (every death closes it): defensive.
    if (code === STATUS_OPEN || !ids.remembered(slot, this.lastSeq, this.lastTime)) return undefined;
    const view: OrderStatusView = {
      id,
      symbol: this.books[ids.instruments[slot]].spec.symbol,
      status: STATUS_NAMES[code] as OrderStatusView['status'],
      filledQty: ids.filledAt(slot),
      remainingQty: 0,
      createdSeq: ids.seqAt(slot),
      lastSeq: ids.lastSeqAt(slot),
    };
    const reason = ids.reason(slot);
    if (reason !== null) view.reason = reason;
    return view;
  }

  private stopView(id: OrderId): OrderView | undefined {
    const stop = this.stopsById.size === 0 ? undefined : this.stopsById.get(id);
    if (stop === undefined) return undefined;
    const view: OrderView = {
      id,
      account: stop.account,
      symbol: this.books[stop.instrument].spec.symbol,
      side: SIDE_NAMES[stop.side],
      price: stop.type === 'stop_market' ? stop.stopPrice : stop.price,
      qty: stop.qty,
      postOnly: false,
      stp: STP_NAMES[stop.stp],
    };
    if (stop.expireTime !== NO_EXPIRY) view.expireTime = stop.expireTime;
    view.orderType = stop.type;
    view.stopPrice = stop.stopPrice;
    return view;
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
          hasher.level(levels.f64[level * L_F64S + L_PRICE], levels.i32[level * L_INTS + L_COUNT]);
          for (let o = levels.i32[level * L_INTS + L_HEAD]; o !== NIL; o = orders.i32[o * O_INTS + O_NEXT]) {
            const flags = orders.i32[o * O_INTS + O_FLAGS];
            hasher.order(
              this.idOf(o),
              this.accountNames[orders.i32[o * O_INTS + O_ACCOUNT]],
              orders.f64[o * O_F64S + O_QTY],
              (flags & FLAG_POST_ONLY) !== 0,
              STP_NAMES[(flags & STP_MASK) >>> STP_SHIFT],
            );
            if ((flags & FLAG_EXTRA) !== 0) {
              const extra = this.extras.get(o)!;
              hasher.orderExtra(extra.display === 0 ? -1 : extra.display, extra.hidden, extra.expireTime);
            }
          }
        }
      }
      hasher.lastPrice(book.lastPrice);
      for (let s = 0; s < 2; s++) {
        const queue = book.stops[s];
        hasher.stops(SIDE_NAMES[s], queue.size);
        for (const stop of queue.stops) {
          hasher.stop(
            stop.id,
            stop.account,
            stop.type,
            stop.stopPrice,
            stop.type === 'stop_market' ? -1 : stop.price,
            stop.qty,
            TIF_NAMES[stop.tif],
            STP_NAMES[stop.stp],
            stop.expireTime,
          );
          if (stop.oco) hasher.stopOco();
        }
      }
      const ids = this.orderIds;
      const byCommands = this.options.idRetentionCommands > 0;
      const byTime = this.options.idRetentionMs > 0;
      hasher.orderIds(ids.count(book.index));
      ids.forEach(book.index, (slot, overdue) => {
        hasher.orderIdEntry(
          ids.idAt(slot),
          overdue,
          ids.isIndexed(slot),
          STATUS_NAMES[ids.statusAt(slot)],
          ids.filledAt(slot),
          byCommands ? ids.seqAt(slot) : -1,
          byTime ? ids.timeAt(slot) : -1,
        );
      });
      if (book.halted) hasher.halted();
    }
    return hasher;
  }

  /** The whole state as bytes: raw typed arrays plus a small header (see snapshot.ts). */
  snapshot(options: SnapshotOptions = {}): Uint8Array {
    return encodeSnapshot(this, options.shared === true);
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
    let bytes =
      this.orders.memoryBytes() +
      this.levels.memoryBytes() +
      this.accounts.memoryBytes() +
      this.orderIds.memoryBytes();
    for (const book of this.books) bytes += book.sides[0].memoryBytes() + book.sides[1].memoryBytes();
    return bytes;
  }
}

// Why this file exists: a second, deliberately naive implementation of engine/SEMANTICS.md, used
// as the test oracle for the fast engine. It is written straight from the contract (not from the
// engine) with plain arrays, linear scans and no caching, so that it is obviously correct by
// reading; the property tests compare the two implementations command by command. Speed does not
// matter here, clarity does: every rule of SEMANTICS.md appears once, in the order the document
// states it.

import { types } from 'node:util';
import { CancelReason, RejectCode } from '../../engine/codes.js';
import { ConfigError, EngineError } from '../../engine/errors.js';
import { StateHasher } from '../../engine/state-hash.js';
import type {
  CommandOp,
  Depth,
  EngineEvent,
  EngineOptions,
  InstrumentSpec,
  OrderId,
  OrderType,
  OrderView,
  Side,
  StpMode,
  TimeInForce,
} from '../../engine/types.js';

const DEFAULT_MAX_QTY = 1_000_000_000;
const DEFAULT_MAX_ORDERS = 4_194_304;
const MAX_QTY_LIMIT = 2 ** 32 - 1;
const MAX_PRICE_LIMIT = 2 ** 48;
const MAX_SYMBOL_LENGTH = 32;
const MAX_ID_LENGTH = 64;
const MAX_INSTRUMENTS = 4096;
const MAX_ORDERS_LIMIT = 2 ** 30;

const OPS: readonly string[] = ['new', 'cancel', 'modify'];
const SIDES: readonly string[] = ['buy', 'sell'];
const ORDER_TYPES: readonly string[] = ['limit', 'market'];
const TIFS: readonly string[] = ['GTC', 'IOC', 'FOK'];
const STP_MODES: readonly string[] = ['none', 'cancel_taker', 'cancel_maker', 'cancel_both'];

interface NaiveOrder {
  id: OrderId;
  account: string;
  symbol: string;
  side: Side;
  price: number;
  /** Open (remaining) quantity. */
  qty: number;
  postOnly: boolean;
  stp: StpMode;
}

interface NaiveLevel {
  price: number;
  /** FIFO: index 0 is the oldest order. */
  orders: NaiveOrder[];
}

interface NaiveBook {
  spec: Required<InstrumentSpec>;
  /** Sorted by price, highest first. */
  bids: NaiveLevel[];
  /** Sorted by price, lowest first. */
  asks: NaiveLevel[];
}

/** The state of an order while it is the taker (a new order, or a modified one). */
interface Taker {
  id: OrderId;
  account: string;
  symbol: string;
  side: Side;
  /** null = market order: every opposite level crosses. */
  price: number | null;
  open: number;
  stp: StpMode;
}

/** Result of validating a command: either the reject reason, or the parsed command. */
type Checked<T> = { ok: false; reason: RejectCode } | { ok: true; value: T };

interface ParsedNew {
  id: OrderId;
  account: string;
  book: NaiveBook;
  side: Side;
  type: OrderType;
  tif: TimeInForce;
  postOnly: boolean;
  stp: StpMode;
  price: number | null;
  qty: number;
}

interface ParsedCancel {
  order: NaiveOrder;
}

interface ParsedModify {
  order: NaiveOrder;
  price: number;
  qty: number;
}

/** The JSON shape of `NaiveBookEngine.snapshot()`. */
interface NaiveSnapshot {
  format: 'naive-book-v1';
  instruments: Array<Required<InstrumentSpec>>;
  maxOrders: number;
  orders: Array<{ symbol: string; side: Side; price: number; fifo: NaiveOrder[] }>;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || types.isProxy(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function isShortString(value: unknown, max: number): value is string {
  if (typeof value !== 'string' || value.length < 1 || value.length > max) return false;
  // No lone surrogate (SEMANTICS.md steps 3-4): written out by hand, independent of the engine's regex.
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i);
    if (unit >= 0xdc00 && unit <= 0xdfff) return false;
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = value.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
      i++;
    }
  }
  return true;
}

function isValidId(value: unknown): value is OrderId {
  return isShortString(value, MAX_ID_LENGTH) || Number.isSafeInteger(value);
}

function isPositiveSafeInteger(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) > 0;
}

function oneOf<T extends string>(value: unknown, allowed: readonly string[]): value is T {
  return typeof value === 'string' && allowed.includes(value);
}

function sumQty(level: NaiveLevel): number {
  let total = 0;
  for (const order of level.orders) total += order.qty;
  return total;
}

function validateOptions(options: unknown): { instruments: Array<Required<InstrumentSpec>>; maxOrders: number } {
  if (!isPlainObject(options)) throw new ConfigError('options must be an object');
  const list = options.instruments;
  if (!Array.isArray(list) || list.length === 0) {
    throw new ConfigError('instruments must be a non-empty array');
  }
  const instruments: Array<Required<InstrumentSpec>> = [];
  for (const raw of list as unknown[]) {
    if (!isPlainObject(raw)) throw new ConfigError('instruments: each instrument must be an object');
    const { symbol, tickSize, lotSize, minPrice, maxPrice } = raw;
    const maxQty = raw.maxQty === undefined ? DEFAULT_MAX_QTY : raw.maxQty;
    if (!isShortString(symbol, MAX_SYMBOL_LENGTH)) {
      throw new ConfigError('symbol must be a non-empty string of at most 32 characters');
    }
    if (instruments.some((spec) => spec.symbol === symbol)) throw new ConfigError(`symbol ${symbol} is duplicated`);
    if (!isPositiveSafeInteger(tickSize)) throw new ConfigError(`${symbol}: tickSize must be a positive safe integer`);
    if (!isPositiveSafeInteger(lotSize)) throw new ConfigError(`${symbol}: lotSize must be a positive safe integer`);
    if (!isPositiveSafeInteger(minPrice) || minPrice > MAX_PRICE_LIMIT) {
      throw new ConfigError(`${symbol}: minPrice must be a positive safe integer at most 2^48`);
    }
    if (!isPositiveSafeInteger(maxPrice) || maxPrice > MAX_PRICE_LIMIT) {
      throw new ConfigError(`${symbol}: maxPrice must be a positive safe integer at most 2^48`);
    }
    if (minPrice > maxPrice) throw new ConfigError(`${symbol}: minPrice must not exceed maxPrice`);
    if (minPrice % tickSize !== 0) throw new ConfigError(`${symbol}: minPrice must be a multiple of tickSize`);
    if (maxPrice % tickSize !== 0) throw new ConfigError(`${symbol}: maxPrice must be a multiple of tickSize`);
    if (!isPositiveSafeInteger(maxQty) || maxQty > MAX_QTY_LIMIT) {
      throw new ConfigError(`${symbol}: maxQty must be a positive integer at most 2^32 - 1`);
    }
    // Not in SEMANTICS.md but in the engine's config contract (engine/config.ts): an order of
    // maxQty must be placeable.
    if (maxQty < lotSize) throw new ConfigError(`${symbol}: maxQty must be at least lotSize`);
    instruments.push({ symbol, tickSize, lotSize, minPrice, maxPrice, maxQty });
  }
  if (list.length > MAX_INSTRUMENTS) throw new ConfigError(`instruments must hold at most ${MAX_INSTRUMENTS} entries`);
  const maxOrders = options.maxOrders === undefined ? DEFAULT_MAX_ORDERS : options.maxOrders;
  if (!isPositiveSafeInteger(maxOrders) || maxOrders > MAX_ORDERS_LIMIT) {
    throw new ConfigError('maxOrders must be a positive integer of at most 2^30');
  }
  // initialOrders only sizes the engine's pool; the oracle validates it and then ignores it.
  const initialOrders = options.initialOrders;
  if (initialOrders !== undefined && (!isPositiveSafeInteger(initialOrders) || initialOrders > maxOrders)) {
    throw new ConfigError('initialOrders must be a positive integer not above maxOrders');
  }
  // Level totals must stay exact float64 sums (engine/config.ts).
  for (const spec of instruments) {
    if (spec.maxQty * maxOrders > 2 ** 53) throw new ConfigError(`${spec.symbol}: maxQty × maxOrders must not exceed 2^53`);
  }
  return { instruments, maxOrders };
}

/** The reference implementation of engine/SEMANTICS.md. Same public surface as `Engine`. */
export class NaiveBookEngine {
  private readonly books: NaiveBook[];
  private readonly maxOrders: number;

  constructor(options: EngineOptions) {
    const checked = validateOptions(options);
    this.books = checked.instruments.map((spec) => ({ spec, bids: [], asks: [] }));
    this.maxOrders = checked.maxOrders;
  }

  // ---------------------------------------------------------------------------------------------
  // Queries

  get liveOrders(): number {
    return this.allOrders().length;
  }

  order(id: OrderId): OrderView | undefined {
    const found = this.findOrder(id);
    if (found === undefined) return undefined;
    const { account, symbol, side, price, qty, postOnly, stp } = found;
    return { id: found.id, account, symbol, side, price, qty, postOnly, stp };
  }

  depth(symbol: string, levels: number = 10): Depth {
    const book = this.findBook(symbol);
    if (book === undefined) throw new EngineError('UNKNOWN_SYMBOL', `unknown symbol ${String(symbol)}`);
    if (!isPositiveSafeInteger(levels)) {
      throw new EngineError('INVALID_ARGUMENT', 'levels must be a positive safe integer');
    }
    const aggregate = (side: NaiveLevel[]): Array<[number, number]> =>
      side.slice(0, levels).map((level): [number, number] => [level.price, sumQty(level)]);
    return { bids: aggregate(book.bids), asks: aggregate(book.asks) };
  }

  stateHash(): string {
    const hasher = new StateHasher();
    for (const book of this.books) {
      hasher.instrument(book.spec);
      for (const [side, levels] of [
        ['buy', book.bids],
        ['sell', book.asks],
      ] as const) {
        hasher.side(side, levels.length);
        for (const level of levels) {
          hasher.level(level.price, level.orders.length);
          for (const o of level.orders) hasher.order(o.id, o.account, o.qty, o.postOnly, o.stp);
        }
      }
    }
    return hasher.digest();
  }

  /** The oracle's invariants are true by construction; checking them still guards the oracle. */
  checkInvariants(): void {
    for (const book of this.books) {
      const sorted = (levels: NaiveLevel[], better: (a: number, b: number) => boolean): void => {
        for (let i = 0; i < levels.length; i++) {
          if (levels[i].orders.length === 0) throw new Error(`${book.spec.symbol}: empty level ${levels[i].price}`);
          if (i > 0 && !better(levels[i - 1].price, levels[i].price)) {
            throw new Error(`${book.spec.symbol}: levels out of order at ${levels[i].price}`);
          }
          for (const o of levels[i].orders) {
            if (o.price !== levels[i].price || o.qty <= 0) throw new Error(`order ${String(o.id)} inconsistent`);
          }
        }
      };
      sorted(book.bids, (a, b) => a > b);
      sorted(book.asks, (a, b) => a < b);
      if (book.bids.length > 0 && book.asks.length > 0 && book.bids[0].price >= book.asks[0].price) {
        throw new Error(`${book.spec.symbol}: book crossed`);
      }
    }
    const ids = this.allOrders().map((o) => o.id);
    if (new Set(ids).size !== ids.length) throw new Error('duplicate live id');
    if (ids.length > this.maxOrders) throw new Error('more live orders than maxOrders');
  }

  /** Oracle-only helper for generators: live ids in canonical (hash) order. */
  liveIds(): OrderId[] {
    return this.allOrders().map((o) => o.id);
  }

  // ---------------------------------------------------------------------------------------------
  // Snapshot: a plain JSON encoding, so the snapshot tests can run against both implementations.

  snapshot(): Uint8Array {
    const snap: NaiveSnapshot = {
      format: 'naive-book-v1',
      instruments: this.books.map((b) => b.spec),
      maxOrders: this.maxOrders,
      orders: [],
    };
    for (const book of this.books) {
      for (const level of [...book.bids, ...book.asks]) {
        snap.orders.push({
          symbol: book.spec.symbol,
          side: level.orders[0].side,
          price: level.price,
          fifo: level.orders.map((o) => ({ ...o })),
        });
      }
    }
    return new TextEncoder().encode(JSON.stringify(snap));
  }

  static restore(bytes: Uint8Array): NaiveBookEngine {
    let snap: NaiveSnapshot;
    try {
      snap = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as NaiveSnapshot;
    } catch {
      throw new EngineError('CORRUPT_SNAPSHOT', 'snapshot is not valid naive-book JSON');
    }
    if (!isPlainObject(snap) || snap.format !== 'naive-book-v1') {
      throw new EngineError('CORRUPT_SNAPSHOT', 'snapshot has the wrong format tag');
    }
    const engine = new NaiveBookEngine({ instruments: snap.instruments, maxOrders: snap.maxOrders });
    for (const entry of snap.orders) {
      const book = engine.findBook(entry.symbol);
      if (book === undefined) throw new EngineError('CORRUPT_SNAPSHOT', 'snapshot names an unknown symbol');
      const levels = entry.side === 'buy' ? book.bids : book.asks;
      levels.push({ price: entry.price, orders: entry.fifo.map((o) => ({ ...o })) });
    }
    return engine;
  }

  // ---------------------------------------------------------------------------------------------
  // Commands

  apply(command: unknown): EngineEvent[] {
    // Common steps 1-5. `op` and `id` are echoed in the reject only once their step has passed.
    if (!isPlainObject(command)) return [this.reject(null, null, RejectCode.MALFORMED_COMMAND)];
    // Every field is read once (a copy); a getter that throws makes the command malformed.
    let cmd: Record<string, unknown>;
    try {
      cmd = { ...command };
    } catch {
      return [this.reject(null, null, RejectCode.MALFORMED_COMMAND)];
    }
    if (!oneOf<CommandOp>(cmd.op, OPS)) return [this.reject(null, null, RejectCode.UNKNOWN_OP)];
    const op = cmd.op;
    if (!isValidId(cmd.id)) return [this.reject(op, null, RejectCode.INVALID_ID)];
    // -0 is the id 0 (SEMANTICS.md step 3), so hashes and the log never see a negative zero.
    const id = cmd.id === 0 ? 0 : cmd.id;
    if (!isShortString(cmd.account, MAX_ID_LENGTH)) return [this.reject(op, id, RejectCode.INVALID_ACCOUNT)];
    if (!Number.isSafeInteger(cmd.time) || (cmd.time as number) < 0) {
      return [this.reject(op, id, RejectCode.INVALID_TIME)];
    }
    const account = cmd.account;

    if (op === 'new') {
      const checked = this.checkNew(cmd, id, account);
      if (!checked.ok) return [this.reject(op, id, checked.reason)];
      return this.executeNew(checked.value);
    }
    if (op === 'cancel') {
      const checked = this.checkCancel(id, account);
      if (!checked.ok) return [this.reject(op, id, checked.reason)];
      return this.executeCancel(checked.value);
    }
    const checked = this.checkModify(cmd, id, account);
    if (!checked.ok) return [this.reject(op, id, checked.reason)];
    return this.executeModify(checked.value);
  }

  private reject(op: CommandOp | null, id: OrderId | null, reason: RejectCode): EngineEvent {
    return { type: 'rejected', op, id, reason };
  }

  // `new` steps 6-16, in document order.
  private checkNew(cmd: Record<string, unknown>, id: OrderId, account: string): Checked<ParsedNew> {
    const fail = (reason: RejectCode): Checked<ParsedNew> => ({ ok: false, reason });
    if (typeof cmd.symbol !== 'string') return fail(RejectCode.INVALID_SYMBOL);
    const book = this.findBook(cmd.symbol);
    if (book === undefined) return fail(RejectCode.UNKNOWN_SYMBOL);
    if (!oneOf<Side>(cmd.side, SIDES)) return fail(RejectCode.INVALID_SIDE);
    const side = cmd.side;
    if (!oneOf<OrderType>(cmd.type, ORDER_TYPES)) return fail(RejectCode.INVALID_ORDER_TYPE);
    const type = cmd.type;

    let tif: TimeInForce;
    if (cmd.tif === undefined) tif = type === 'limit' ? 'GTC' : 'IOC';
    else if (!oneOf<TimeInForce>(cmd.tif, TIFS)) return fail(RejectCode.INVALID_TIF);
    else tif = cmd.tif;
    if (type === 'market' && tif === 'GTC') return fail(RejectCode.INVALID_TIF);

    let postOnly: boolean;
    if (cmd.postOnly === undefined) postOnly = false;
    else if (typeof cmd.postOnly !== 'boolean') return fail(RejectCode.INVALID_POST_ONLY);
    else postOnly = cmd.postOnly;
    if (postOnly && (type === 'market' || tif !== 'GTC')) return fail(RejectCode.INVALID_POST_ONLY);

    let stp: StpMode;
    if (cmd.stp === undefined) stp = 'none';
    else if (!oneOf<StpMode>(cmd.stp, STP_MODES)) return fail(RejectCode.INVALID_STP);
    else stp = cmd.stp;

    let price: number | null;
    if (type === 'limit') {
      const p = cmd.price;
      if (!Number.isSafeInteger(p)) return fail(RejectCode.INVALID_PRICE);
      const reason = this.priceReason(book, p as number);
      if (reason !== undefined) return fail(reason);
      price = p as number;
    } else {
      if (cmd.price !== undefined) return fail(RejectCode.INVALID_PRICE);
      price = null;
    }

    const q = cmd.qty;
    if (!Number.isSafeInteger(q) || (q as number) <= 0) return fail(RejectCode.INVALID_QTY);
    const qty = q as number;
    const qtyReason = this.qtyReason(book, qty);
    if (qtyReason !== undefined) return fail(qtyReason);

    if (this.findOrder(id) !== undefined) return fail(RejectCode.DUPLICATE_ORDER_ID);
    if (type === 'limit' && tif === 'GTC' && this.liveOrders === this.maxOrders) {
      return fail(RejectCode.ORDER_CAPACITY);
    }
    if (postOnly && price !== null && this.crossesOpposite(book, side, price)) {
      return fail(RejectCode.POST_ONLY_WOULD_TAKE);
    }
    return { ok: true, value: { id, account, book, side, type, tif, postOnly, stp, price, qty } };
  }

  private checkCancel(id: OrderId, account: string): Checked<ParsedCancel> {
    const order = this.findOrder(id);
    if (order === undefined) return { ok: false, reason: RejectCode.UNKNOWN_ORDER };
    if (order.account !== account) return { ok: false, reason: RejectCode.NOT_OWNER };
    return { ok: true, value: { order } };
  }

  // `modify` steps 6-11: shape of price and qty first, then the order, then the instrument rules.
  private checkModify(cmd: Record<string, unknown>, id: OrderId, account: string): Checked<ParsedModify> {
    const fail = (reason: RejectCode): Checked<ParsedModify> => ({ ok: false, reason });
    if (!Number.isSafeInteger(cmd.price)) return fail(RejectCode.INVALID_PRICE);
    const price = cmd.price as number;
    if (!Number.isSafeInteger(cmd.qty) || (cmd.qty as number) <= 0) return fail(RejectCode.INVALID_QTY);
    const qty = cmd.qty as number;
    const order = this.findOrder(id);
    if (order === undefined) return fail(RejectCode.UNKNOWN_ORDER);
    if (order.account !== account) return fail(RejectCode.NOT_OWNER);
    const book = this.bookOf(order);
    const reason = this.priceReason(book, price) ?? this.qtyReason(book, qty);
    if (reason !== undefined) return fail(reason);
    if (order.postOnly && this.crossesOpposite(book, order.side, price)) return fail(RejectCode.POST_ONLY_WOULD_TAKE);
    return { ok: true, value: { order, price, qty } };
  }

  private priceReason(book: NaiveBook, price: number): RejectCode | undefined {
    if (price < book.spec.minPrice || price > book.spec.maxPrice) return RejectCode.PRICE_OUT_OF_RANGE;
    if (price % book.spec.tickSize !== 0) return RejectCode.PRICE_NOT_ON_TICK;
    return undefined;
  }

  private qtyReason(book: NaiveBook, qty: number): RejectCode | undefined {
    if (qty > book.spec.maxQty) return RejectCode.QTY_OUT_OF_RANGE;
    if (qty % book.spec.lotSize !== 0) return RejectCode.QTY_NOT_ON_LOT;
    return undefined;
  }

  private crossesOpposite(book: NaiveBook, side: Side, price: number): boolean {
    if (side === 'buy') return book.asks.length > 0 && price >= book.asks[0].price;
    return book.bids.length > 0 && price <= book.bids[0].price;
  }

  // ---------------------------------------------------------------------------------------------
  // Execution

  private executeNew(cmd: ParsedNew): EngineEvent[] {
    const symbol = cmd.book.spec.symbol;
    const events: EngineEvent[] = [
      {
        type: 'accepted',
        id: cmd.id,
        account: cmd.account,
        symbol,
        side: cmd.side,
        orderType: cmd.type,
        price: cmd.price,
        qty: cmd.qty,
      },
    ];
    if (cmd.tif === 'FOK' && this.fillableQty(cmd.book, cmd.side, cmd.price, cmd.account, cmd.stp) < cmd.qty) {
      events.push({
        type: 'cancelled',
        id: cmd.id,
        account: cmd.account,
        symbol,
        side: cmd.side,
        reason: CancelReason.FOK_UNFILLABLE,
        qty: cmd.qty,
      });
      return events;
    }
    const taker: Taker = {
      id: cmd.id,
      account: cmd.account,
      symbol,
      side: cmd.side,
      price: cmd.price,
      open: cmd.qty,
      stp: cmd.stp,
    };
    const stpCancelled = this.takerLoop(cmd.book, taker, events);
    if (taker.open > 0 && !stpCancelled) {
      if (cmd.type === 'market') {
        events.push(this.cancelledEvent(taker, CancelReason.MARKET_REMAINDER, taker.open));
      } else if (cmd.tif === 'IOC') {
        events.push(this.cancelledEvent(taker, CancelReason.IOC_REMAINDER, taker.open));
      } else if (cmd.tif === 'GTC') {
        this.rest(cmd.book, {
          id: cmd.id,
          account: cmd.account,
          symbol,
          side: cmd.side,
          price: cmd.price as number,
          qty: taker.open,
          postOnly: cmd.postOnly,
          stp: cmd.stp,
        });
      } else {
        throw new Error('oracle bug: FOK left open quantity after passing its pre-check');
      }
    }
    return events;
  }

  private executeCancel({ order }: ParsedCancel): EngineEvent[] {
    this.remove(order);
    return [
      {
        type: 'cancelled',
        id: order.id,
        account: order.account,
        symbol: order.symbol,
        side: order.side,
        reason: CancelReason.USER,
        qty: order.qty,
      },
    ];
  }

  private executeModify({ order, price, qty }: ParsedModify): EngineEvent[] {
    const base = {
      type: 'modified' as const,
      id: order.id,
      account: order.account,
      symbol: order.symbol,
      side: order.side,
      price,
      qty,
      oldPrice: order.price,
      oldQty: order.qty,
    };
    if (price === order.price && qty <= order.qty) {
      order.qty = qty;
      return [{ ...base, priorityKept: true }];
    }
    const book = this.bookOf(order);
    this.remove(order);
    const events: EngineEvent[] = [{ ...base, priorityKept: false }];
    const taker: Taker = {
      id: order.id,
      account: order.account,
      symbol: order.symbol,
      side: order.side,
      price,
      open: qty,
      stp: order.stp,
    };
    const stpCancelled = this.takerLoop(book, taker, events);
    if (taker.open > 0 && !stpCancelled) {
      this.rest(book, { ...order, price, qty: taker.open });
    }
    return events;
  }

  /** FOK pre-check: how much would fill, honouring the taker's STP mode, without changing anything. */
  private fillableQty(book: NaiveBook, side: Side, price: number | null, account: string, stp: StpMode): number {
    const opposite = side === 'buy' ? book.asks : book.bids;
    let fillable = 0;
    for (const level of opposite) {
      if (!this.levelCrosses(side, price, level.price)) break;
      for (const maker of level.orders) {
        if (stp !== 'none' && maker.account === account) {
          if (stp === 'cancel_maker') continue;
          return fillable; // cancel_taker / cancel_both: matching would stop here
        }
        fillable += maker.qty;
      }
    }
    return fillable;
  }

  private levelCrosses(side: Side, price: number | null, levelPrice: number): boolean {
    if (price === null) return true;
    return side === 'buy' ? levelPrice <= price : levelPrice >= price;
  }

  /** The taker loop of SEMANTICS.md. Mutates `taker.open`; returns true if STP cancelled the taker. */
  private takerLoop(book: NaiveBook, taker: Taker, events: EngineEvent[]): boolean {
    const opposite = taker.side === 'buy' ? book.asks : book.bids;
    while (taker.open > 0 && opposite.length > 0 && this.levelCrosses(taker.side, taker.price, opposite[0].price)) {
      const maker = opposite[0].orders[0];
      if (maker.account === taker.account && taker.stp !== 'none') {
        if (taker.stp === 'cancel_taker') {
          events.push(this.cancelledEvent(taker, CancelReason.SELF_TRADE, taker.open));
          return true;
        }
        this.remove(maker);
        events.push({
          type: 'cancelled',
          id: maker.id,
          account: maker.account,
          symbol: maker.symbol,
          side: maker.side,
          reason: CancelReason.SELF_TRADE,
          qty: maker.qty,
        });
        if (taker.stp === 'cancel_both') {
          events.push(this.cancelledEvent(taker, CancelReason.SELF_TRADE, taker.open));
          return true;
        }
        continue;
      }
      const q = Math.min(taker.open, maker.qty);
      maker.qty -= q;
      taker.open -= q;
      events.push({
        type: 'trade',
        symbol: book.spec.symbol,
        price: maker.price,
        qty: q,
        makerId: maker.id,
        takerId: taker.id,
        makerAccount: maker.account,
        takerAccount: taker.account,
        takerSide: taker.side,
        makerRemaining: maker.qty,
        takerRemaining: taker.open,
      });
      if (maker.qty === 0) this.remove(maker);
    }
    return false;
  }

  private cancelledEvent(taker: Taker, reason: CancelReason, qty: number): EngineEvent {
    return { type: 'cancelled', id: taker.id, account: taker.account, symbol: taker.symbol, side: taker.side, reason, qty };
  }

  // ---------------------------------------------------------------------------------------------
  // Book primitives (linear scans)

  /** Append to the back of the FIFO at its price, creating the level in sorted position if needed. */
  private rest(book: NaiveBook, order: NaiveOrder): void {
    const levels = order.side === 'buy' ? book.bids : book.asks;
    const before = (a: number, b: number): boolean => (order.side === 'buy' ? a > b : a < b);
    let i = 0;
    while (i < levels.length && before(levels[i].price, order.price)) i++;
    if (i < levels.length && levels[i].price === order.price) levels[i].orders.push(order);
    else levels.splice(i, 0, { price: order.price, orders: [order] });
  }

  /** Take a live order out of its level; drop the level if it becomes empty. */
  private remove(order: NaiveOrder): void {
    const book = this.bookOf(order);
    const levels = order.side === 'buy' ? book.bids : book.asks;
    const li = levels.findIndex((level) => level.price === order.price);
    const oi = li < 0 ? -1 : levels[li].orders.indexOf(order);
    if (oi < 0) throw new Error(`oracle bug: order ${String(order.id)} not in its level`);
    levels[li].orders.splice(oi, 1);
    if (levels[li].orders.length === 0) levels.splice(li, 1);
  }

  private findBook(symbol: string): NaiveBook | undefined {
    return this.books.find((book) => book.spec.symbol === symbol);
  }

  private bookOf(order: NaiveOrder): NaiveBook {
    const book = this.findBook(order.symbol);
    if (book === undefined) throw new Error(`oracle bug: no book ${order.symbol}`);
    return book;
  }

  /** Every live order, in canonical order (instrument, bids best first, asks best first, FIFO). */
  private allOrders(): NaiveOrder[] {
    const out: NaiveOrder[] = [];
    for (const book of this.books) {
      for (const level of book.bids) out.push(...level.orders);
      for (const level of book.asks) out.push(...level.orders);
    }
    return out;
  }

  private findOrder(id: unknown): NaiveOrder | undefined {
    return this.allOrders().find((order) => order.id === id);
  }
}

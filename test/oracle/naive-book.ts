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
// The instrument configuration rules (and their messages) are engine/config.ts's in both
// implementations: the oracle checks matching and administration, not config parsing.
import { checkExactSums, resolveInstrument } from '../../engine/config.js';
import type {
  CommandOp,
  Depth,
  EngineEvent,
  EngineOptions,
  InstrumentSpec,
  L3Book,
  L3Level,
  Top,
  OrderId,
  OrderType,
  OrderStatusView,
  OrderView,
  Side,
  StopOrderType,
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

const DEFAULT_DEAD_IDS = 16_384;
/** SEMANTICS.md: an iceberg holds at most this many display slices. */
const ICEBERG_SLICES = 1000;
const DEAD_IDS_LIMIT = 1 << 22;

const OPS: readonly string[] = ['new', 'cancel', 'modify'];
const ADMIN_OPS: readonly string[] = ['add_instrument', 'halt', 'resume'];
const SIDES: readonly string[] = ['buy', 'sell'];
const ORDER_TYPES: readonly string[] = ['limit', 'market', 'stop_limit', 'stop_market', 'oco'];
const TIFS: readonly string[] = ['GTC', 'IOC', 'FOK', 'GTT'];
const STP_MODES: readonly string[] = ['none', 'cancel_taker', 'cancel_maker', 'cancel_both'];

interface NaiveOrder {
  id: OrderId;
  account: string;
  symbol: string;
  side: Side;
  price: number;
  /** Open displayed quantity (the whole open quantity unless an iceberg). */
  qty: number;
  postOnly: boolean;
  stp: StpMode;
  /** Iceberg display size, or null. */
  display: number | null;
  /** Iceberg hidden reserve (0 if not an iceberg). */
  hidden: number;
  /** GTT expiry, or null. */
  expireTime: number | null;
  /** The limit leg of an OCO whose stop leg (same id) is still pending. */
  oco?: boolean;
}

interface NaiveStop {
  id: OrderId;
  account: string;
  symbol: string;
  side: Side;
  type: StopOrderType;
  stopPrice: number;
  /** Limit price of a stop-limit, null for a stop-market. */
  price: number | null;
  qty: number;
  tif: TimeInForce;
  stp: StpMode;
  expireTime: number | null;
  /** The stop leg of an OCO (its limit leg rests under the same id). */
  oco?: boolean;
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
  /** Pending buy stops, queue order (stopPrice ascending, then arrival). */
  buyStops: NaiveStop[];
  /** Pending sell stops, queue order (stopPrice descending, then arrival). */
  sellStops: NaiveStop[];
  /** Price of the last trade, or null before the first. */
  lastPrice: number | null;
  /** SEMANTICS.md "Instruments": new orders and modifies are rejected INSTRUMENT_HALTED. */
  halted: boolean;
  /** The id ring (SEMANTICS.md "Order ids"), oldest first. */
  ids: NaiveIdEntry[];
  /** Entries of live orders that left the ring, in the order they left. */
  overdue: NaiveIdEntry[];
}

/** One remembered order id (SEMANTICS.md "Order ids"). */
interface NaiveIdEntry {
  id: OrderId;
  seq: number;
  time: number;
  lastSeq: number;
  filled: number;
  status: 'open' | 'filled' | 'cancelled' | 'expired' | 'rejected';
  reason: string | null;
  /** The entry that answers for its id (the newest one still held). */
  indexed: boolean;
}

/** An order while it is the taker (a new order, a modified one, or a triggered stop). */
interface Taker {
  id: OrderId;
  account: string;
  symbol: string;
  side: Side;
  /** null = market order: every opposite level crosses. */
  price: number | null;
  open: number;
  stp: StpMode;
  tif: TimeInForce;
  postOnly: boolean;
  display: number | null;
  expireTime: number | null;
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
  expireTime: number | null;
  postOnly: boolean;
  stp: StpMode;
  price: number | null;
  stopPrice: number | null;
  /** OCO: the stop leg's limit price. */
  stopLimitPrice: number | null;
  qty: number;
  display: number | null;
}

interface ParsedModifyShape {
  price: number | undefined;
  qty: number | undefined;
  stopPrice: number | undefined;
}

type Live = { kind: 'order'; order: NaiveOrder } | { kind: 'stop'; stop: NaiveStop };

/** The JSON shape of `NaiveBookEngine.snapshot()`. */
interface NaiveSnapshot {
  format: 'naive-book-v2';
  instruments: Array<Required<InstrumentSpec>>;
  maxOrders: number;
  deadIdsPerInstrumentMax: number;
  instrumentsMax: number;
  idRetentionCommands: number;
  idRetentionMs: number;
  idsRememberedFull: 'forget-oldest' | 'reject';
  lastSeq: number;
  lastTime: number;
  books: Array<Omit<NaiveBook, 'spec'>>;
}

/** SEMANTICS.md expiry tie-break: numbers before strings, numbers ascending, strings by code units. */
function compareIds(a: OrderId, b: OrderId): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  return a < b ? -1 : a > b ? 1 : 0;
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

function validateOptions(options: unknown): {
  instruments: Array<Required<InstrumentSpec>>;
  maxOrders: number;
  deadIdsPerInstrumentMax: number;
  instrumentsMax: number;
  idRetentionCommands: number;
  idRetentionMs: number;
  idsRememberedFull: 'forget-oldest' | 'reject';
} {
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
  const instrumentsMax = options.instrumentsMax === undefined ? MAX_INSTRUMENTS : options.instrumentsMax;
  if (!isPositiveSafeInteger(instrumentsMax) || instrumentsMax > MAX_INSTRUMENTS) throw new ConfigError('instrumentsMax must be 1 to 4096');
  if (list.length > instrumentsMax) throw new ConfigError(`instruments must hold at most ${instrumentsMax} entries`);
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
  if (options.deadIdsPerInstrumentMax !== undefined && options.idsRememberedPerInstrumentMax !== undefined && options.deadIdsPerInstrumentMax !== options.idsRememberedPerInstrumentMax) {
    throw new ConfigError('give one of deadIdsPerInstrumentMax and idsRememberedPerInstrumentMax');
  }
  const deadIds = options.idsRememberedPerInstrumentMax ?? options.deadIdsPerInstrumentMax ?? DEFAULT_DEAD_IDS;
  if (!Number.isSafeInteger(deadIds) || (deadIds as number) < 0 || (deadIds as number) > DEAD_IDS_LIMIT) {
    throw new ConfigError(`deadIdsPerInstrumentMax must be an integer from 0 to ${DEAD_IDS_LIMIT}, got ${String(deadIds)}`);
  }
  const windowOf = (value: unknown, name: string): number => {
    if (value === undefined) return 0;
    if (!Number.isSafeInteger(value) || (value as number) < 0) throw new ConfigError(`${name} must be a safe integer >= 0`);
    return value as number;
  };
  const idRetentionCommands = windowOf(options.idRetentionCommands, 'idRetentionCommands');
  const idRetentionMs = windowOf(options.idRetentionMs, 'idRetentionMs');
  const full = options.idsRememberedFull ?? 'forget-oldest';
  if (full !== 'forget-oldest' && full !== 'reject') throw new ConfigError('idsRememberedFull must be forget-oldest or reject');
  if (full === 'reject' && idRetentionCommands === 0 && idRetentionMs === 0) throw new ConfigError('idsRememberedFull reject needs a retention window');
  return {
    instruments,
    maxOrders,
    deadIdsPerInstrumentMax: deadIds as number,
    instrumentsMax,
    idRetentionCommands, idRetentionMs,
    idsRememberedFull: full,
  };
}

/** The reference implementation of engine/SEMANTICS.md. Same public surface as `Engine`. */
export class NaiveBookEngine {
  private readonly books: NaiveBook[];
  private readonly maxOrders: number;
  private readonly deadIdsMax: number;
  private readonly instrumentsMax: number;
  private readonly retentionCommands: number;
  private readonly retentionMs: number;
  private readonly idsFull: 'forget-oldest' | 'reject';
  /** `time` of the command being applied ("now"). */
  private now = 0;
  /** Seq of the command being applied; the last one's once applied. */
  private seq = 0;
  lastSeq = 0;
  lastTime = 0;
  /** The entry the current `new` created (its reject then closes it), or null. */
  private consumed: NaiveIdEntry | null = null;
  /** Leading events of the command already followed (the sweep's: later checks read them). */
  private followed = 0;
  /** The seq given to apply(), if any. */
  private givenSeq: number | undefined = undefined;

  constructor(options: EngineOptions) {
    const checked = validateOptions(options);
    this.books = checked.instruments.map((spec) => ({
      spec,
      bids: [],
      asks: [],
      buyStops: [],
      sellStops: [],
      lastPrice: null,
      ids: [],
      overdue: [],
      halted: false,
    }));
    this.maxOrders = checked.maxOrders;
    this.deadIdsMax = checked.deadIdsPerInstrumentMax;
    this.instrumentsMax = checked.instrumentsMax;
    this.retentionCommands = checked.idRetentionCommands;
    this.retentionMs = checked.idRetentionMs;
    this.idsFull = checked.idsRememberedFull;
  }

  // ---------------------------------------------------------------------------------------------
  // Queries

  get liveOrders(): number {
    return this.allLive().length;
  }

  order(id: OrderId): OrderView | undefined {
    const live = this.findLive(id);
    if (live === undefined) return undefined;
    if (live.kind === 'order') {
      const o = live.order;
      const view: OrderView = {
        id: o.id,
        account: o.account,
        symbol: o.symbol,
        side: o.side,
        price: o.price,
        qty: o.qty + o.hidden,
        postOnly: o.postOnly,
        stp: o.stp,
      };
      if (o.display !== null) view.displayQty = o.display;
      if (o.expireTime !== null) view.expireTime = o.expireTime;
      if (o.oco === true) {
        const leg = this.ocoLeg(o.id)!;
        view.orderType = 'oco';
        view.stopPrice = leg.stopPrice;
        view.stopLimitPrice = leg.price as number;
      }
      return view;
    }
    const s = live.stop;
    const view: OrderView = {
      id: s.id,
      account: s.account,
      symbol: s.symbol,
      side: s.side,
      price: s.price ?? s.stopPrice,
      qty: s.qty,
      postOnly: false,
      stp: s.stp,
    };
    if (s.expireTime !== null) view.expireTime = s.expireTime;
    view.orderType = s.type;
    view.stopPrice = s.stopPrice;
    return view;
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

  /** SEMANTICS.md "Queries": best level price and displayed total per side. */
  top(symbol: string): Top {
    const book = this.findBook(symbol);
    if (book === undefined) throw new EngineError('UNKNOWN_SYMBOL', `unknown symbol ${String(symbol)}`);
    const bid = book.bids[0];
    const ask = book.asks[0];
    return { bid: bid?.price ?? null, bidQty: bid === undefined ? 0 : sumQty(bid), ask: ask?.price ?? null, askQty: ask === undefined ? 0 : sumQty(ask) };
  }

  /** SEMANTICS.md "Queries": every resting order per level, oldest first, displayed quantity. */
  l3(symbol: string, levels: number = 10): L3Book {
    const book = this.findBook(symbol);
    if (book === undefined) throw new EngineError('UNKNOWN_SYMBOL', `unknown symbol ${String(symbol)}`);
    if (!isPositiveSafeInteger(levels)) throw new EngineError('INVALID_ARGUMENT', 'levels must be a positive safe integer');
    const side = (list: NaiveLevel[]): L3Level[] =>
      list.slice(0, levels).map((level) => ({ price: level.price, qty: sumQty(level), orders: level.orders.map((o) => ({ id: o.id, qty: o.qty })) }));
    return { bids: side(book.bids), asks: side(book.asks) };
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
          for (const o of level.orders) {
            hasher.order(o.id, o.account, o.qty, o.postOnly, o.stp);
            if (o.display !== null || o.expireTime !== null) hasher.orderExtra(o.display ?? -1, o.hidden, o.expireTime ?? -1);
          }
        }
      }
      hasher.lastPrice(book.lastPrice ?? -1);
      for (const [side, stops] of [
        ['buy', book.buyStops],
        ['sell', book.sellStops],
      ] as const) {
        hasher.stops(side, stops.length);
        for (const s of stops) {
          hasher.stop(s.id, s.account, s.type, s.stopPrice, s.price ?? -1, s.qty, s.tif, s.stp, s.expireTime ?? -1);
          if (s.oco === true) hasher.stopOco();
        }
      }
      hasher.orderIds(book.ids.length);
      for (const [entries, overdue] of [
        [book.ids, false],
        [book.overdue, true],
      ] as const) {
        for (const e of entries) {
          hasher.orderIdEntry(
            e.id,
            overdue,
            e.indexed,
            e.status,
            e.filled,
            this.retentionCommands > 0 ? e.seq : -1,
            this.retentionMs > 0 ? e.time : -1,
          );
        }
      }
      if (book.halted) hasher.halted();
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
      if (book.ids.length > this.deadIdsMax) throw new Error(`${book.spec.symbol}: too many remembered ids`);
    }
    const ids = this.liveIds();
    if (new Set(ids).size !== ids.length) throw new Error('duplicate live id');
    if (this.liveOrders > this.maxOrders) throw new Error('more live orders than maxOrders');
    for (const l of this.allLive()) {
      // A limit leg marked OCO ⇔ a pending stop leg of the same id marked OCO.
      const linked =
        l.kind === 'order'
          ? (l.order.oco === true) === (this.ocoLeg(l.order.id) !== undefined)
          : l.stop.oco !== true || (this.findLive(l.stop.id) as { kind: string; order?: NaiveOrder }).order?.oco === true;
      if (!linked) throw new Error(`OCO ${String(l.kind === 'order' ? l.order.id : l.stop.id)} lost a leg`);
    }
  }

  /** Oracle-only helper for generators: live ids (resting orders in canonical order, then stops; an OCO once). */
  liveIds(): OrderId[] {
    return this.allLive()
      .filter((l) => l.kind === 'order' || l.stop.oco !== true)
      .map((l) => (l.kind === 'order' ? l.order.id : l.stop.id));
  }

  /** Oracle-only helper for generators: last trade price of an instrument, or null. */
  lastPrice(symbol: string): number | null {
    return this.findBook(symbol)?.lastPrice ?? null;
  }

  // ---------------------------------------------------------------------------------------------
  // Snapshot: a plain JSON encoding, so the snapshot tests can run against both implementations.

  snapshot(): Uint8Array {
    const snap: NaiveSnapshot = {
      format: 'naive-book-v2',
      instruments: this.books.map((b) => b.spec),
      maxOrders: this.maxOrders,
      deadIdsPerInstrumentMax: this.deadIdsMax,
      instrumentsMax: this.instrumentsMax,
      idRetentionCommands: this.retentionCommands,
      idRetentionMs: this.retentionMs,
      idsRememberedFull: this.idsFull,
      lastSeq: this.lastSeq,
      lastTime: this.lastTime,
      books: this.books.map(({ spec: _spec, ...rest }) => rest),
    };
    return new TextEncoder().encode(JSON.stringify(snap));
  }

  static restore(bytes: Uint8Array): NaiveBookEngine {
    let snap: NaiveSnapshot;
    try {
      snap = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as NaiveSnapshot;
    } catch {
      throw new EngineError('CORRUPT_SNAPSHOT', 'snapshot is not valid naive-book JSON');
    }
    if (!isPlainObject(snap) || snap.format !== 'naive-book-v2') {
      throw new EngineError('CORRUPT_SNAPSHOT', 'snapshot has the wrong format tag');
    }
    const engine = new NaiveBookEngine({
      instruments: snap.instruments,
      maxOrders: snap.maxOrders,
      deadIdsPerInstrumentMax: snap.deadIdsPerInstrumentMax,
      instrumentsMax: snap.instrumentsMax,
      idRetentionCommands: snap.idRetentionCommands,
      idRetentionMs: snap.idRetentionMs,
      idsRememberedFull: snap.idsRememberedFull,
    });
    engine.lastSeq = snap.lastSeq;
    engine.lastTime = snap.lastTime;
    if (!Array.isArray(snap.books) || snap.books.length !== engine.books.length) {
      throw new EngineError('CORRUPT_SNAPSHOT', 'snapshot book count differs from its instruments');
    }
    snap.books.forEach((b, i) => Object.assign(engine.books[i], b));
    return engine;
  }

  // ---------------------------------------------------------------------------------------------
  // Commands

  /** Applies one command (numbered `seq`, else lastSeq + 1 once it passes its shape checks). */
  apply(command: unknown, seq?: number): EngineEvent[] {
    this.seq = 0;
    this.consumed = null;
    this.givenSeq = seq;
    this.followed = 0;
    const events = this.applyCommand(command);
    if (this.seq > 0) this.followIds(events.slice(this.followed));
    return events;
  }

  /** The command passed its shape checks: it has a seq from now on. */
  private begin(): void {
    this.seq = this.givenSeq ?? this.lastSeq + 1;
    this.lastSeq = this.seq;
    this.lastTime = this.now;
  }

  private applyCommand(command: unknown): EngineEvent[] {
    // Common steps 1-5. `op` and `id` are echoed in the reject only once their step has passed.
    if (!isPlainObject(command)) return [this.reject(null, null, RejectCode.MALFORMED_COMMAND)];
    // Every field is read once (a copy); a getter that throws makes the command malformed.
    let cmd: Record<string, unknown>;
    try {
      cmd = { ...command };
    } catch {
      return [this.reject(null, null, RejectCode.MALFORMED_COMMAND)];
    }
    if (oneOf<CommandOp>(cmd.op, ADMIN_OPS)) return [this.applyAdmin(cmd)];
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
    this.now = cmd.time as number;

    if (op === 'new') {
      const shape = this.checkNewShape(cmd, id, account);
      if (!shape.ok) return [this.withDetail(this.reject(op, id, shape.reason), cmd.symbol)];
      this.begin();
      // SEMANTICS.md "Instruments": before the id step and the sweep (no id used up, nothing swept).
      if (shape.value.book.halted) return [this.reject(op, id, RejectCode.INSTRUMENT_HALTED)];
      const idReject = this.consumeId(shape.value.book, id);
      if (idReject !== undefined) return [idReject];
      const events = this.sweep(shape.value.book);
      const reason = this.checkNewState(shape.value);
      if (reason !== undefined) return [...events, this.withDetail(this.reject(op, id, reason), shape.value.book.spec.symbol)];
      return [...events, ...this.executeNew(shape.value)];
    }
    if (op === 'cancel') {
      this.begin();
      const events = this.sweepFor(id);
      const found = this.findLiveOrReason(id);
      if (!('kind' in found)) return [...events, this.reject(op, id, found.reason)];
      if (this.accountOf(found) !== account) return [...events, this.reject(op, id, RejectCode.NOT_OWNER)];
      return [...events, this.executeCancel(found)];
    }
    const shape = this.checkModifyShape(cmd);
    if (!shape.ok) return [this.reject(op, id, shape.reason)];
    this.begin();
    const events = this.sweepFor(id);
    const found = this.findLiveOrReason(id);
    if (!('kind' in found)) return [...events, this.reject(op, id, found.reason)];
    if (this.accountOf(found) !== account) return [...events, this.reject(op, id, RejectCode.NOT_OWNER)];
    if (this.bookOf(found.kind === 'order' ? found.order.symbol : found.stop.symbol).halted) {
      return [...events, this.reject(op, id, RejectCode.INSTRUMENT_HALTED)];
    }
    const reason = this.checkModifyState(found, shape.value);
    if (reason !== undefined) return [...events, this.withDetail(this.reject(op, id, reason), found.kind === 'order' ? found.order.symbol : found.stop.symbol)];
    if (found.kind === 'order') return [...events, ...this.executeModifyOrder(found.order, shape.value)];
    return [...events, this.executeModifyStop(found.stop, shape.value)];
  }

  /**
   * SEMANTICS.md "Instruments": time; halt/resume name a configured symbol and change its state;
   * add_instrument's spec obeys the configuration rules, is new, fits instrumentsMax and keeps
   * level totals exact, then becomes the next instrument, empty and running. No sweep.
   */
  private applyAdmin(cmd: Record<string, unknown>): EngineEvent {
    const op = cmd.op as 'add_instrument' | 'halt' | 'resume';
    if (!Number.isSafeInteger(cmd.time) || (cmd.time as number) < 0) return this.reject(op, null, RejectCode.INVALID_TIME);
    if (op === 'halt' || op === 'resume') {
      if (typeof cmd.symbol !== 'string') return this.reject(op, null, RejectCode.INVALID_SYMBOL);
      const book = this.findBook(cmd.symbol);
      if (book === undefined) return this.reject(op, null, RejectCode.UNKNOWN_SYMBOL);
      this.begin(); // past the stateless checks: the command uses up a seq
      if (book.halted === (op === 'halt')) return this.reject(op, null, op === 'halt' ? RejectCode.ALREADY_HALTED : RejectCode.NOT_HALTED);
      book.halted = op === 'halt';
      return { type: op === 'halt' ? 'halted' : 'resumed', symbol: book.spec.symbol };
    }
    const given = cmd.spec;
    const invalid = (problem: string): EngineEvent => {
      const symbol = isPlainObject(given) && typeof given.symbol === 'string' ? given.symbol : '';
      return { type: 'rejected', op, id: null, reason: RejectCode.INVALID_INSTRUMENT, detail: { symbol, problem } };
    };
    let spec: Required<InstrumentSpec>;
    try {
      if (typeof given === 'object' && given !== null && !Array.isArray(given) && !isPlainObject(given)) throw new ConfigError('spec must be a plain object');
      spec = resolveInstrument(given, 'spec');
    } catch (error) {
      return invalid((error as Error).message);
    }
    if (this.findBook(spec.symbol) !== undefined) return this.reject(op, null, RejectCode.INSTRUMENT_EXISTS);
    this.begin(); // past the checks made before any state changes: the command uses up a seq
    if (this.books.length >= this.instrumentsMax) return this.reject(op, null, RejectCode.INSTRUMENT_CAPACITY);
    try {
      checkExactSums(spec, this.maxOrders, 'spec');
    } catch (error) {
      return invalid((error as Error).message);
    }
    this.books.push({ spec, bids: [], asks: [], buyStops: [], sellStops: [], lastPrice: null, ids: [], overdue: [], halted: false });
    return { type: 'instrument_added', symbol: spec.symbol, index: this.books.length - 1, spec: { ...spec } };
  }

  /** Instruments in configuration order (for tests that follow additions). */
  get instruments(): Array<Required<InstrumentSpec>> {
    return this.books.map((book) => ({ ...book.spec }));
  }

  private reject(op: CommandOp | null, id: OrderId | null, reason: RejectCode): EngineEvent {
    return { type: 'rejected', op, id, reason };
  }

  /** SEMANTICS.md "Reject detail": instrument-rule rejects name the instrument and the rule's values. */
  private withDetail(event: EngineEvent, symbol: unknown): EngineEvent {
    if (event.type !== 'rejected') return event;
    const book = this.books.find((b) => b.spec.symbol === symbol);
    if (book === undefined) return event;
    const s = book.spec;
    if (event.reason === RejectCode.PRICE_NOT_ON_TICK) event.detail = { symbol: s.symbol, tickSize: s.tickSize };
    else if (event.reason === RejectCode.PRICE_OUT_OF_RANGE) event.detail = { symbol: s.symbol, minPrice: s.minPrice, maxPrice: s.maxPrice };
    else if (event.reason === RejectCode.QTY_NOT_ON_LOT) event.detail = { symbol: s.symbol, lotSize: s.lotSize };
    else if (event.reason === RejectCode.QTY_OUT_OF_RANGE) event.detail = { symbol: s.symbol, lotSize: s.lotSize, maxQty: s.maxQty };
    return event;
  }

  // `new` steps 6-16 (stateless), in document order.
  private checkNewShape(cmd: Record<string, unknown>, id: OrderId, account: string): Checked<ParsedNew> {
    const fail = (reason: RejectCode): Checked<ParsedNew> => ({ ok: false, reason });
    if (typeof cmd.symbol !== 'string') return fail(RejectCode.INVALID_SYMBOL);
    const book = this.findBook(cmd.symbol);
    if (book === undefined) return fail(RejectCode.UNKNOWN_SYMBOL);
    if (!oneOf<Side>(cmd.side, SIDES)) return fail(RejectCode.INVALID_SIDE);
    const side = cmd.side;
    if (!oneOf<OrderType>(cmd.type, ORDER_TYPES)) return fail(RejectCode.INVALID_ORDER_TYPE);
    const type = cmd.type;
    const marketLike = type === 'market' || type === 'stop_market';
    const isOco = type === 'oco';
    const stop = type === 'stop_limit' || type === 'stop_market' || isOco;

    let tif: TimeInForce;
    if (cmd.tif === undefined) tif = marketLike ? 'IOC' : 'GTC';
    else if (!oneOf<TimeInForce>(cmd.tif, TIFS)) return fail(RejectCode.INVALID_TIF);
    else tif = cmd.tif;
    if (marketLike && (tif === 'GTC' || tif === 'GTT')) return fail(RejectCode.INVALID_TIF);
    if (isOco && tif !== 'GTC') return fail(RejectCode.INVALID_TIF);

    let expireTime: number | null = null;
    if (tif === 'GTT') {
      if (!Number.isSafeInteger(cmd.expireTime) || (cmd.expireTime as number) < 0) return fail(RejectCode.INVALID_EXPIRE_TIME);
      expireTime = cmd.expireTime as number;
    } else if (cmd.expireTime !== undefined) {
      return fail(RejectCode.INVALID_EXPIRE_TIME);
    }
    const rests = type === 'limit' && (tif === 'GTC' || tif === 'GTT');

    let postOnly: boolean;
    if (cmd.postOnly === undefined) postOnly = false;
    else if (typeof cmd.postOnly !== 'boolean') return fail(RejectCode.INVALID_POST_ONLY);
    else postOnly = cmd.postOnly;
    if (postOnly && !rests) return fail(RejectCode.INVALID_POST_ONLY);

    let stp: StpMode;
    if (cmd.stp === undefined) stp = 'none';
    else if (!oneOf<StpMode>(cmd.stp, STP_MODES)) return fail(RejectCode.INVALID_STP);
    else stp = cmd.stp;

    let price: number | null;
    if (!marketLike) {
      const p = cmd.price;
      if (!Number.isSafeInteger(p)) return fail(RejectCode.INVALID_PRICE);
      const reason = this.priceReason(book, p as number);
      if (reason !== undefined) return fail(reason);
      price = p as number;
    } else {
      if (cmd.price !== undefined) return fail(RejectCode.INVALID_PRICE);
      price = null;
    }

    let stopPrice: number | null = null;
    if (stop) {
      const sp = cmd.stopPrice;
      if (!Number.isSafeInteger(sp)) return fail(RejectCode.INVALID_STOP_PRICE);
      const reason = this.priceReason(book, sp as number);
      if (reason !== undefined) return fail(reason);
      stopPrice = sp as number;
    } else if (cmd.stopPrice !== undefined) {
      return fail(RejectCode.INVALID_STOP_PRICE);
    }
    let stopLimitPrice: number | null = null;
    if (isOco) {
      const slp = cmd.stopLimitPrice;
      if (!Number.isSafeInteger(slp)) return fail(RejectCode.INVALID_PRICE);
      const reason = this.priceReason(book, slp as number);
      if (reason !== undefined) return fail(reason);
      stopLimitPrice = slp as number;
    } else if (cmd.stopLimitPrice !== undefined) {
      return fail(RejectCode.INVALID_PRICE);
    }

    const q = cmd.qty;
    if (!Number.isSafeInteger(q) || (q as number) <= 0) return fail(RejectCode.INVALID_QTY);
    const qty = q as number;
    const qtyReason = this.qtyReason(book, qty);
    if (qtyReason !== undefined) return fail(qtyReason);

    let display: number | null = null;
    if (cmd.displayQty !== undefined) {
      const d = cmd.displayQty;
      if (
        !rests ||
        !Number.isSafeInteger(d) ||
        (d as number) <= 0 ||
        (d as number) > qty ||
        (d as number) % book.spec.lotSize !== 0 ||
        qty > (d as number) * ICEBERG_SLICES
      ) {
        return fail(RejectCode.INVALID_DISPLAY_QTY);
      }
      display = d as number;
    }
    return {
      ok: true,
      value: { id, account, book, side, type, tif, expireTime, postOnly, stp, price, stopPrice, stopLimitPrice, qty, display },
    };
  }

  // `new` steps 17-21 (read the state; run after the expiry sweep).
  private checkNewState(cmd: ParsedNew): RejectCode | undefined {
    if (cmd.expireTime !== null && cmd.expireTime <= this.now) return RejectCode.ALREADY_EXPIRED;
    const stop = cmd.type === 'stop_limit' || cmd.type === 'stop_market';
    const isOco = cmd.type === 'oco';
    const canStay = stop || isOco || (cmd.type === 'limit' && (cmd.tif === 'GTC' || cmd.tif === 'GTT'));
    if (canStay && this.liveOrders + (isOco ? 2 : 1) > this.maxOrders) return RejectCode.ORDER_CAPACITY;
    if (cmd.postOnly && cmd.price !== null && this.crossesOpposite(cmd.book, cmd.side, cmd.price)) {
      return RejectCode.POST_ONLY_WOULD_TAKE;
    }
    if (stop && this.stopTriggered(cmd.book, cmd.side, cmd.stopPrice as number)) return RejectCode.STOP_WOULD_TRIGGER;
    if (isOco) {
      const last = cmd.book.lastPrice;
      const price = cmd.price as number;
      const stopPrice = cmd.stopPrice as number;
      if (last === null) return RejectCode.OCO_PRICES_INVALID;
      if (cmd.side === 'buy' ? !(price < last && last < stopPrice) : !(price > last && last > stopPrice)) return RejectCode.OCO_PRICES_INVALID;
    }
    return undefined;
  }

  // `modify` steps 6-9 (stateless).
  private checkModifyShape(cmd: Record<string, unknown>): Checked<ParsedModifyShape> {
    const fail = (reason: RejectCode): Checked<ParsedModifyShape> => ({ ok: false, reason });
    if (cmd.price !== undefined && !Number.isSafeInteger(cmd.price)) return fail(RejectCode.INVALID_PRICE);
    if (cmd.qty !== undefined && (!Number.isSafeInteger(cmd.qty) || (cmd.qty as number) <= 0)) return fail(RejectCode.INVALID_QTY);
    if (cmd.stopPrice !== undefined && !Number.isSafeInteger(cmd.stopPrice)) return fail(RejectCode.INVALID_STOP_PRICE);
    if (cmd.price === undefined && cmd.qty === undefined && cmd.stopPrice === undefined) return fail(RejectCode.INVALID_QTY);
    return {
      ok: true,
      value: { price: cmd.price as number | undefined, qty: cmd.qty as number | undefined, stopPrice: cmd.stopPrice as number | undefined },
    };
  }

  // `modify` steps 12-15.
  private checkModifyState(found: Live, m: ParsedModifyShape): RejectCode | undefined {
    if (found.kind === 'order') {
      const order = found.order;
      if (order.oco === true) return RejectCode.OCO_NOT_MODIFIABLE;
      if (m.stopPrice !== undefined) return RejectCode.INVALID_STOP_PRICE;
      const book = this.bookOf(order.symbol);
      const price = m.price ?? order.price;
      const qty = m.qty ?? order.qty + order.hidden;
      const reason = this.priceReason(book, price) ?? this.qtyReason(book, qty);
      if (reason !== undefined) return reason;
      if (order.display !== null && qty > order.display * ICEBERG_SLICES) return RejectCode.QTY_OUT_OF_RANGE;
      if (order.postOnly && this.crossesOpposite(book, order.side, price)) return RejectCode.POST_ONLY_WOULD_TAKE;
      return undefined;
    }
    const stop = found.stop;
    if (stop.type === 'stop_market' && m.price !== undefined) return RejectCode.INVALID_PRICE;
    const book = this.bookOf(stop.symbol);
    const stopPrice = m.stopPrice ?? stop.stopPrice;
    const qty = m.qty ?? stop.qty;
    const price = m.price ?? stop.price;
    const reason =
      (price === null ? undefined : this.priceReason(book, price)) ?? this.priceReason(book, stopPrice) ?? this.qtyReason(book, qty);
    if (reason !== undefined) return reason;
    if (this.stopTriggered(book, stop.side, stopPrice)) return RejectCode.STOP_WOULD_TRIGGER;
    return undefined;
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

  private stopTriggered(book: NaiveBook, side: Side, stopPrice: number): boolean {
    if (book.lastPrice === null) return false;
    return side === 'buy' ? book.lastPrice >= stopPrice : book.lastPrice <= stopPrice;
  }

  // ---------------------------------------------------------------------------------------------
  // Expiry sweep and dead ids

  /** Expiry sweep on the instrument of live `id` (none when `id` is not live). */
  private sweepFor(id: OrderId): EngineEvent[] {
    const live = this.findLive(id);
    if (live === undefined) return [];
    return this.sweep(this.bookOf(live.kind === 'order' ? live.order.symbol : live.stop.symbol));
  }

  private sweep(book: NaiveBook): EngineEvent[] {
    const expired: Array<{ id: OrderId; expireTime: number }> = [];
    for (const level of [...book.bids, ...book.asks]) {
      for (const o of level.orders) if (o.expireTime !== null && o.expireTime <= this.now) expired.push({ id: o.id, expireTime: o.expireTime });
    }
    for (const s of [...book.buyStops, ...book.sellStops]) {
      if (s.expireTime !== null && s.expireTime <= this.now) expired.push({ id: s.id, expireTime: s.expireTime });
    }
    expired.sort((a, b) => a.expireTime - b.expireTime || compareIds(a.id, b.id));
    const events = expired.map(({ id }) => {
      const live = this.findLive(id)!;
      const event = this.removeLive(live, CancelReason.EXPIRED);
      return event;
    });
    // The command's own checks (TOO_LATE_TO_CANCEL) already see these orders as expired.
    this.followIds(events);
    this.followed = events.length;
    return events;
  }

  /** Removes a live order or stop and returns its `cancelled` event; the id is remembered dead. */
  private removeLive(live: Live, reason: CancelReason): EngineEvent {
    if (live.kind === 'order') {
      const o = live.order;
      this.remove(o);
      this.dropOcoLeg(o);
      return { type: 'cancelled', id: o.id, account: o.account, symbol: o.symbol, side: o.side, reason, qty: o.qty + o.hidden };
    }
    const s = live.stop;
    const book = this.bookOf(s.symbol);
    const stops = s.side === 'buy' ? book.buyStops : book.sellStops;
    stops.splice(stops.indexOf(s), 1);
    return { type: 'cancelled', id: s.id, account: s.account, symbol: s.symbol, side: s.side, reason, qty: s.qty };
  }

  // ---------------------------------------------------------------------------------------------
  // Order ids (SEMANTICS.md "Order ids"), kept naively: arrays searched in full, and the status
  // of each entry derived from the command's events afterwards (followIds).

  private allEntries(): NaiveIdEntry[] {
    return this.books.flatMap((book) => [...book.ids, ...book.overdue]);
  }

  /** The entry that answers for `id`, if any. */
  private entryOf(id: OrderId): NaiveIdEntry | undefined {
    return this.allEntries().find((e) => e.indexed && e.id === id);
  }

  private inRing(e: NaiveIdEntry): boolean {
    return this.books.some((book) => book.ids.includes(e));
  }

  private outOfWindow(e: NaiveIdEntry, seq: number, time: number): boolean {
    return (this.retentionCommands > 0 && seq - e.seq >= this.retentionCommands) || (this.retentionMs > 0 && time - e.time >= this.retentionMs);
  }

  private remembered(e: NaiveIdEntry, seq: number, time: number): boolean {
    return this.inRing(e) && !this.outOfWindow(e, seq, time);
  }

  /** The oldest entry leaves the ring: kept aside while its order is live, else forgotten. */
  private leaveRing(book: NaiveBook): void {
    const e = book.ids.shift()!;
    if (e.status === 'open' && this.findLive(e.id) !== undefined) book.overdue.push(e);
    else e.indexed = false;
  }

  /** `new` steps 17-17b: duplicates, the memory cap, then the id is consumed. A reject, or undefined. */
  private consumeId(book: NaiveBook, id: OrderId): EngineEvent | undefined {
    const known = this.entryOf(id);
    const duplicate = (reason: RejectCode): EngineEvent => {
      const event = this.reject('new', id, reason);
      if (known !== undefined && event.type === 'rejected') {
        const symbol = this.books.find((b) => b.ids.includes(known) || b.overdue.includes(known))!.spec.symbol;
        event.detail = { symbol, originalSeq: known.seq };
      }
      return event;
    };
    if (this.findLive(id) !== undefined) return duplicate(RejectCode.DUPLICATE_ORDER_ID);
    if (known !== undefined && this.remembered(known, this.seq, this.now)) return duplicate(RejectCode.DUPLICATE_ID);
    while (book.ids.length > 0 && this.outOfWindow(book.ids[0], this.seq, this.now)) this.leaveRing(book);
    if (this.deadIdsMax === 0) return undefined;
    if (book.ids.length >= this.deadIdsMax) {
      if (this.idsFull === 'reject') return this.reject('new', id, RejectCode.ID_MEMORY_FULL);
      this.leaveRing(book);
    }
    if (known !== undefined) known.indexed = false;
    const entry: NaiveIdEntry = { id, seq: this.seq, time: this.now, lastSeq: this.seq, filled: 0, status: 'open', reason: null, indexed: true };
    book.ids.push(entry);
    this.consumed = entry;
    return undefined;
  }

  /** Derives the entries' fills and endings from the command's events. */
  private followIds(events: EngineEvent[]): void {
    const seq = this.seq;
    const close = (e: NaiveIdEntry | undefined, status: NaiveIdEntry['status'], reason: string | null): void => {
      if (e === undefined) return;
      e.status = status;
      e.reason = reason;
      e.lastSeq = seq;
      for (const book of this.books) {
        const i = book.overdue.indexOf(e);
        if (i >= 0) {
          book.overdue.splice(i, 1);
          e.indexed = false;
        }
      }
    };
    const fill = (e: NaiveIdEntry | undefined, qty: number): void => {
      if (e === undefined) return;
      e.filled += qty;
      e.lastSeq = seq;
    };
    for (const event of events) {
      switch (event.type) {
        case 'trade': {
          const maker = this.entryOf(event.makerId);
          const taker = this.entryOf(event.takerId);
          fill(maker, event.qty);
          fill(taker, event.qty);
          if (event.makerRemaining === 0) close(maker, 'filled', null);
          if (event.takerRemaining === 0) close(taker, 'filled', null);
          break;
        }
        case 'cancelled':
          if (event.reason === CancelReason.EXPIRED) close(this.entryOf(event.id), 'expired', null);
          else close(this.entryOf(event.id), 'cancelled', event.reason);
          break;
        case 'modified':
        case 'triggered': {
          const e = this.entryOf(event.id);
          if (e !== undefined) e.lastSeq = seq;
          break;
        }
        case 'rejected':
          if (this.consumed !== null) close(this.consumed, 'rejected', event.reason);
          break;
        default:
          break;
      }
    }
  }

  /** SEMANTICS.md "Order ids": `orderStatus(id)`. */
  orderStatus(id: OrderId): OrderStatusView | undefined {
    const e = this.entryOf(id);
    const live = this.findLive(id);
    if (live !== undefined) {
      const view = this.order(id)!;
      const filledQty = e?.filled ?? 0;
      return {
        id,
        symbol: view.symbol,
        status: live.kind === 'stop' ? 'pending' : filledQty > 0 ? 'partially_filled' : 'resting',
        filledQty,
        remainingQty: view.qty,
        createdSeq: e?.seq ?? null,
        lastSeq: e?.lastSeq ?? null,
      };
    }
    if (e === undefined || e.status === 'open' || !this.remembered(e, this.lastSeq, this.lastTime)) return undefined;
    const symbol = this.books.find((b) => b.ids.includes(e))!.spec.symbol;
    const view: OrderStatusView = { id, symbol, status: e.status, filledQty: e.filled, remainingQty: 0, createdSeq: e.seq, lastSeq: e.lastSeq };
    if (e.reason !== null) view.reason = e.reason;
    return view;
  }

  private findLiveOrReason(id: OrderId): Live | { reason: RejectCode } {
    const live = this.findLive(id);
    if (live !== undefined) return live;
    const e = this.entryOf(id);
    const ended = e !== undefined && this.remembered(e, this.seq, this.now) && (e.status === 'filled' || e.status === 'cancelled' || e.status === 'expired');
    return { reason: ended ? RejectCode.TOO_LATE_TO_CANCEL : RejectCode.UNKNOWN_ORDER };
  }

  private accountOf(live: Live): string {
    return live.kind === 'order' ? live.order.account : live.stop.account;
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
    if (cmd.type === 'stop_limit' || cmd.type === 'stop_market') {
      this.addStop(cmd.book, {
        id: cmd.id,
        account: cmd.account,
        symbol,
        side: cmd.side,
        type: cmd.type,
        stopPrice: cmd.stopPrice as number,
        price: cmd.price,
        qty: cmd.qty,
        tif: cmd.tif,
        stp: cmd.stp,
        expireTime: cmd.expireTime,
      });
      return events;
    }
    this.runTaker(
      cmd.book,
      {
        id: cmd.id,
        account: cmd.account,
        symbol,
        side: cmd.side,
        price: cmd.price,
        open: cmd.qty,
        stp: cmd.stp,
        tif: cmd.tif,
        postOnly: cmd.postOnly,
        display: cmd.display,
        expireTime: cmd.expireTime,
      },
      events,
    );
    if (cmd.type === 'oco') this.placeOcoLeg(cmd, events);
    this.runStops(cmd.book, events);
    return events;
  }

  /** SEMANTICS.md "OCO": the stop leg is placed only if the limit leg rests without having traded. */
  private placeOcoLeg(cmd: ParsedNew, events: EngineEvent[]): void {
    if (events.some((e) => e.type === 'trade')) return;
    const live = this.findLive(cmd.id);
    if (live === undefined || live.kind !== 'order') return;
    live.order.oco = true;
    this.addStop(cmd.book, {
      id: cmd.id,
      account: cmd.account,
      symbol: cmd.book.spec.symbol,
      side: cmd.side,
      type: 'stop_limit',
      stopPrice: cmd.stopPrice as number,
      price: cmd.stopLimitPrice,
      qty: cmd.qty,
      tif: 'GTC',
      stp: cmd.stp,
      expireTime: null,
      oco: true,
    });
  }

  /** The pending OCO stop leg of `id`, if any. */
  private ocoLeg(id: OrderId): NaiveStop | undefined {
    for (const book of this.books) {
      const leg = [...book.buyStops, ...book.sellStops].find((s) => s.id === id && s.oco === true);
      if (leg !== undefined) return leg;
    }
    return undefined;
  }

  /** The limit leg `order` traded or died: its OCO stop leg goes, without an event. */
  private dropOcoLeg(order: NaiveOrder): void {
    if (order.oco !== true) return;
    order.oco = false;
    const book = this.bookOf(order.symbol);
    book.buyStops = book.buyStops.filter((s) => !(s.id === order.id && s.oco === true));
    book.sellStops = book.sellStops.filter((s) => !(s.id === order.id && s.oco === true));
  }

  /** New-order steps 3-5 for a taker (a new order or a triggered stop). */
  private runTaker(book: NaiveBook, taker: Taker, events: EngineEvent[]): void {
    if (taker.tif === 'FOK' && this.fillableQty(book, taker.side, taker.price, taker.account, taker.stp) < taker.open) {
      events.push(this.cancelledEvent(taker, CancelReason.FOK_UNFILLABLE, taker.open));
      return;
    }
    const stpCancelled = this.takerLoop(book, taker, events);
    if (taker.open === 0 || stpCancelled) return;
    if (taker.price === null) {
      events.push(this.cancelledEvent(taker, CancelReason.MARKET_REMAINDER, taker.open));
    } else if (taker.tif === 'IOC') {
      events.push(this.cancelledEvent(taker, CancelReason.IOC_REMAINDER, taker.open));
    } else if (taker.tif === 'GTC' || taker.tif === 'GTT') {
      events.push(this.rest(book, this.restingOrder(taker, taker.price, taker.open)));
    } else {
      throw new Error('oracle bug: FOK left open quantity after passing its pre-check');
    }
  }

  private restingOrder(taker: Taker, price: number, open: number): NaiveOrder {
    const shown = taker.display === null ? open : Math.min(taker.display, open);
    return {
      id: taker.id,
      account: taker.account,
      symbol: taker.symbol,
      side: taker.side,
      price,
      qty: shown,
      postOnly: taker.postOnly,
      stp: taker.stp,
      display: taker.display,
      hidden: open - shown,
      expireTime: taker.expireTime,
    };
  }

  /** SEMANTICS.md "Stops": trigger rounds until the last price triggers nothing more. */
  private runStops(book: NaiveBook, events: EngineEvent[]): void {
    for (;;) {
      const last = book.lastPrice;
      if (last === null) return;
      const round = [
        ...book.buyStops.filter((s) => last >= s.stopPrice),
        ...book.sellStops.filter((s) => last <= s.stopPrice),
      ];
      if (round.length === 0) return;
      book.buyStops = book.buyStops.filter((s) => !round.includes(s));
      book.sellStops = book.sellStops.filter((s) => !round.includes(s));
      for (const s of round) {
        if (s.oco === true) {
          // Activate only while the limit leg is still linked (it may have traded earlier in this round).
          const leg = this.findLive(s.id);
          if (leg === undefined || leg.kind !== 'order' || leg.order.oco !== true) continue;
          leg.order.oco = false;
          this.remove(leg.order);
        }
        events.push({
          type: 'triggered',
          id: s.id,
          account: s.account,
          symbol: s.symbol,
          side: s.side,
          orderType: s.type,
          stopPrice: s.stopPrice,
          price: s.price,
          qty: s.qty,
        });
        this.runTaker(
          book,
          {
            id: s.id,
            account: s.account,
            symbol: s.symbol,
            side: s.side,
            price: s.price,
            open: s.qty,
            stp: s.stp,
            tif: s.tif,
            postOnly: false,
            display: null,
            expireTime: s.expireTime,
          },
          events,
        );
      }
    }
  }

  /** Back of the queue among equal stop prices. */
  private addStop(book: NaiveBook, stop: NaiveStop): void {
    const stops = stop.side === 'buy' ? book.buyStops : book.sellStops;
    const after = (other: NaiveStop): boolean =>
      stop.side === 'buy' ? other.stopPrice <= stop.stopPrice : other.stopPrice >= stop.stopPrice;
    let i = 0;
    while (i < stops.length && after(stops[i])) i++;
    stops.splice(i, 0, stop);
  }

  private executeCancel(live: Live): EngineEvent {
    return this.removeLive(live, CancelReason.USER);
  }

  private executeModifyOrder(order: NaiveOrder, m: ParsedModifyShape): EngineEvent[] {
    const price = m.price ?? order.price;
    const open = order.qty + order.hidden;
    const qty = m.qty ?? open;
    const base = {
      type: 'modified' as const,
      id: order.id,
      account: order.account,
      symbol: order.symbol,
      side: order.side,
      price,
      qty,
      oldPrice: order.price,
      oldQty: open,
    };
    if (price === order.price && qty <= open) {
      const shown = Math.min(order.qty, qty);
      order.qty = shown;
      order.hidden = qty - shown;
      return [{ ...base, priorityKept: true }];
    }
    const book = this.bookOf(order.symbol);
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
      tif: 'GTC',
      postOnly: order.postOnly,
      display: order.display,
      expireTime: order.expireTime,
    };
    const stpCancelled = this.takerLoop(book, taker, events);
    if (taker.open > 0 && !stpCancelled) events.push(this.rest(book, this.restingOrder(taker, price, taker.open)));
    this.runStops(book, events);
    return events;
  }

  private executeModifyStop(stop: NaiveStop, m: ParsedModifyShape): EngineEvent {
    const stopPrice = m.stopPrice ?? stop.stopPrice;
    const price = m.price ?? stop.price;
    const qty = m.qty ?? stop.qty;
    const priorityKept = stopPrice === stop.stopPrice && price === stop.price && qty <= stop.qty;
    const event: EngineEvent = {
      type: 'modified',
      id: stop.id,
      account: stop.account,
      symbol: stop.symbol,
      side: stop.side,
      price: price ?? stopPrice,
      qty,
      oldPrice: stop.price ?? stop.stopPrice,
      oldQty: stop.qty,
      priorityKept,
      stopPrice,
      oldStopPrice: stop.stopPrice,
    };
    const book = this.bookOf(stop.symbol);
    if (!priorityKept) {
      const stops = stop.side === 'buy' ? book.buyStops : book.sellStops;
      stops.splice(stops.indexOf(stop), 1);
      this.addStop(book, { ...stop, stopPrice, price, qty });
    } else {
      stop.qty = qty;
    }
    return event;
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
        fillable += maker.qty + maker.hidden;
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
      const level = opposite[0];
      const maker = level.orders[0];
      if (maker.account === taker.account && taker.stp !== 'none') {
        if (taker.stp === 'cancel_taker') {
          events.push(this.cancelledEvent(taker, CancelReason.SELF_TRADE, taker.open));
          return true;
        }
        events.push(this.removeLive({ kind: 'order', order: maker }, CancelReason.SELF_TRADE));
        if (taker.stp === 'cancel_both') {
          events.push(this.cancelledEvent(taker, CancelReason.SELF_TRADE, taker.open));
          return true;
        }
        continue;
      }
      const q = Math.min(taker.open, maker.qty);
      this.dropOcoLeg(maker);
      maker.qty -= q;
      taker.open -= q;
      book.lastPrice = maker.price;
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
        makerRemaining: maker.qty + maker.hidden,
        takerRemaining: taker.open,
      });
      if (maker.qty === 0 && maker.hidden > 0) {
        // Iceberg refill: a new displayed slice from the reserve, at the back of the level.
        const slice = Math.min(maker.display as number, maker.hidden);
        maker.qty = slice;
        maker.hidden -= slice;
        level.orders.shift();
        level.orders.push(maker);
        events.push(this.restedEvent(maker));
      } else if (maker.qty === 0) {
        this.remove(maker);
      }

    }
    return false;
  }

  private cancelledEvent(taker: Taker, reason: CancelReason, qty: number): EngineEvent {
    return { type: 'cancelled', id: taker.id, account: taker.account, symbol: taker.symbol, side: taker.side, reason, qty };
  }

  // ---------------------------------------------------------------------------------------------
  // Book primitives (linear scans)

  /** SEMANTICS.md "Rested": the order's displayed qty just joined the back of its level. */
  private restedEvent(order: NaiveOrder): EngineEvent {
    return {
      type: 'rested',
      id: order.id,
      account: order.account,
      symbol: order.symbol,
      side: order.side,
      price: order.price,
      qty: order.qty,
      hidden: order.hidden,
    };
  }

  /**
   * Append to the back of the FIFO at its price, creating the level in sorted position if needed;
   * returns its `rested` event (every path that rests an order emits one).
   */
  private rest(book: NaiveBook, order: NaiveOrder): EngineEvent {
    const levels = order.side === 'buy' ? book.bids : book.asks;
    const before = (a: number, b: number): boolean => (order.side === 'buy' ? a > b : a < b);
    let i = 0;
    while (i < levels.length && before(levels[i].price, order.price)) i++;
    if (i < levels.length && levels[i].price === order.price) levels[i].orders.push(order);
    else levels.splice(i, 0, { price: order.price, orders: [order] });
    return this.restedEvent(order);
  }

  /** Take a live order out of its level; drop the level if it becomes empty. */
  private remove(order: NaiveOrder): void {
    const book = this.bookOf(order.symbol);
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

  private bookOf(symbol: string): NaiveBook {
    const book = this.findBook(symbol);
    if (book === undefined) throw new Error(`oracle bug: no book ${symbol}`);
    return book;
  }

  /** Every live order: per instrument, bids best first, asks best first (FIFO), then buy and sell stops. */
  private allLive(): Live[] {
    const out: Live[] = [];
    for (const book of this.books) {
      for (const level of [...book.bids, ...book.asks]) for (const order of level.orders) out.push({ kind: 'order', order });
      for (const stop of [...book.buyStops, ...book.sellStops]) out.push({ kind: 'stop', stop });
    }
    return out;
  }

  private findLive(id: unknown): Live | undefined {
    return this.allLive().find((l) => (l.kind === 'order' ? l.order.id : l.stop.id) === id);
  }
}

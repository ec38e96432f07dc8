// Why this file exists: the public vocabulary of the matching engine — commands in, events out,
// instrument and engine configuration. Both the fast engine and the naive test oracle are written
// against these types and against engine/SEMANTICS.md; nothing here depends on how the book is
// stored.

import type { CancelReason, RejectCode } from './codes.js';

/** Caller-chosen order id: a non-empty string of at most 64 UTF-16 units, or a safe integer. */
export type OrderId = string | number;
export type Side = 'buy' | 'sell';
/** `oco`: a limit leg and a stop-limit leg sharing one id and quantity (SEMANTICS.md "OCO"). */
export type OrderType = 'limit' | 'market' | 'stop_limit' | 'stop_market' | 'oco';
/** Order types that wait for the last trade price before entering the book. */
export type StopOrderType = 'stop_limit' | 'stop_market';
/** `GTT` (good till time) needs `expireTime`; it rests like `GTC` until a command's time reaches it. */
export type TimeInForce = 'GTC' | 'IOC' | 'FOK' | 'GTT';
/**
 * Self-trade prevention, keyed on account, decided by the taker's mode:
 * - `none`: orders of one account may trade with each other;
 * - `cancel_taker`: cancel the incoming order's remainder (cancel newest);
 * - `cancel_maker`: cancel the resting order and keep matching (cancel oldest);
 * - `cancel_both`: cancel both.
 */
export type StpMode = 'none' | 'cancel_taker' | 'cancel_maker' | 'cancel_both';

/** Fields every new order has, whatever its type. */
interface NewOrderFields {
  op: 'new';
  id: OrderId;
  account: string;
  symbol: string;
  side: Side;
  /** Integer, a positive multiple of the instrument's lot size. */
  qty: number;
  /** Default `none`. */
  stp?: StpMode;
  /** Caller-supplied time (integer, e.g. ns or µs since epoch); the engine never reads a clock. */
  time: number;
}

/** Fields of the order types that carry a limit price and may rest (limit, stop-limit). */
interface PricedOrderFields extends NewOrderFields {
  /** Integer ticks, a multiple of the instrument's tick size within its price band. */
  price: number;
  /** Default `GTC`. `GTT` (good till time) needs `expireTime`. */
  tif?: TimeInForce;
  /** With tif `GTT` (required there, absent otherwise): same unit as `time`; expires once a command's time reaches it. */
  expireTime?: number;
}

/** Fields of the order types that never rest (market, stop-market). */
interface UnpricedOrderFields extends NewOrderFields {
  /** Default `IOC`; only `IOC` or `FOK` are accepted (checked at run time: the logged form is generic). */
  tif?: TimeInForce;
  /** Always false when present (the logged form spells it out). */
  postOnly?: boolean;
}

/**
 * Why the optional fields below are not `never` where a type forbids them: test generators and
 * replay tools build commands field by field and rely on the run-time reject (INVALID_PRICE,
 * INVALID_DISPLAY_QTY...) with its reason code; the compile-time union pins what is most often
 * misspelled (op, type, side, tif, stp) and what each type requires (price, stopPrice).
 */
export interface LimitOrderCommand extends PricedOrderFields {
  type: 'limit';
  /** OCO only (INVALID_PRICE here). */
  stopLimitPrice?: number;
  stopPrice?: number;
  /** Iceberg: the quantity shown in depth; the rest is a hidden reserve. GTC/GTT only. */
  displayQty?: number;
  /** Rejected with POST_ONLY_WOULD_TAKE if it would trade on arrival. GTC/GTT only. */
  postOnly?: boolean;
}

export interface MarketOrderCommand extends UnpricedOrderFields {
  type: 'market';
  /** OCO only (INVALID_PRICE here). */
  stopLimitPrice?: number;
  /** Must be absent (INVALID_PRICE): a market order takes whatever the book offers. */
  price?: number;
  stopPrice?: number;
  expireTime?: number;
  displayQty?: number;
}

/** Waits for the last trade price to reach `stopPrice` (buy: at or above; sell: at or below), then enters as a limit. */
export interface StopLimitOrderCommand extends PricedOrderFields {
  type: 'stop_limit';
  /** OCO only (INVALID_PRICE here). */
  stopLimitPrice?: number;
  stopPrice: number;
  displayQty?: number;
  postOnly?: boolean;
}

/** Waits for the last trade price to reach `stopPrice`, then enters as a market order. */
export interface StopMarketOrderCommand extends UnpricedOrderFields {
  type: 'stop_market';
  /** OCO only (INVALID_PRICE here). */
  stopLimitPrice?: number;
  stopPrice: number;
  price?: number;
  expireTime?: number;
  displayQty?: number;
}

/**
 * One-cancels-the-other (SEMANTICS.md "OCO"): a GTC limit leg at `price` and a stop-limit leg that
 * waits for `stopPrice` and then enters at `stopLimitPrice`, sharing one id and one quantity.
 */
export interface OcoOrderCommand extends NewOrderFields {
  type: 'oco';
  /** The limit leg's price (buy: below the last trade; sell: above it). */
  price: number;
  /** The stop leg's trigger (buy: above the last trade; sell: below it). */
  stopPrice: number;
  /** The stop leg's limit price once triggered. */
  stopLimitPrice: number;
  /** Only `GTC` is accepted (checked at run time). */
  tif?: TimeInForce;
  expireTime?: number;
  displayQty?: number;
  postOnly?: boolean;
}

/**
 * A new order: a union discriminated on `type`, so a misspelled side, type or time in force, a
 * price on a market order or a missing stop price is a compile error. Run-time validation stays
 * (commands decoded from the wire are checked field by field and rejected with a reason code).
 */
export type NewOrderCommand =
  | LimitOrderCommand
  | MarketOrderCommand
  | StopLimitOrderCommand
  | StopMarketOrderCommand
  | OcoOrderCommand;

export interface CancelCommand {
  op: 'cancel';
  id: OrderId;
  account: string;
  time: number;
}

/**
 * Replace price and/or open quantity of a live order. `qty` is the new *open* (remaining) quantity;
 * an absent `qty` keeps it (price-only amend), an absent `price` keeps the price (size-only amend).
 * Same price and qty not above the current open quantity keeps time priority; anything else
 * loses it, and an order that now crosses trades at once as a taker. `stopPrice` applies to
 * pending stops only.
 */
export interface ModifyCommand {
  op: 'modify';
  id: OrderId;
  account: string;
  price?: number;
  qty?: number;
  stopPrice?: number;
  time: number;
}

/** The commands of a trader: new, cancel, modify. */
export type OrderCommand = NewOrderCommand | CancelCommand | ModifyCommand;

/**
 * Lists a new instrument (SEMANTICS.md "Instruments"): it takes the next index in configuration
 * order, starts empty and running. Rejected INVALID_INSTRUMENT (a bad spec), INSTRUMENT_EXISTS or
 * INSTRUMENT_CAPACITY (the engine's `instrumentsMax`).
 */
export interface AddInstrumentCommand {
  op: 'add_instrument';
  spec: InstrumentSpec;
  time: number;
}

/** Halts an instrument: new orders and modifies on it are rejected INSTRUMENT_HALTED; cancels still work. */
export interface HaltCommand {
  op: 'halt';
  symbol: string;
  time: number;
}

/** Resumes a halted instrument (nothing trades or triggers by the resume itself). */
export interface ResumeCommand {
  op: 'resume';
  symbol: string;
  time: number;
}

/** The venue operator's commands: logged and replayed like orders, but not for `Exchange.submit`. */
export type AdminCommand = AddInstrumentCommand | HaltCommand | ResumeCommand;

/** What `Engine.apply` / `execute` take: a union discriminated on `op` (and on `type` for new orders). */
export type Command = OrderCommand | AdminCommand;
export type CommandOp = Command['op'];
export type AdminOp = AdminCommand['op'];

/** `C` with `time` optional: the exchange stamps time itself (a caller's `time` is ignored). */
export type WithOptionalTime<C> = C extends unknown ? Omit<C, 'time'> & { time?: number } : never;
/**
 * What `Exchange.submit` takes: an order command whose `time` may be left out (the exchange
 * stamps it). Admin commands go through `addInstrument`, `halt` and `resume` instead.
 */
export type ExchangeCommand = WithOptionalTime<OrderCommand>;

export interface AcceptedEvent {
  type: 'accepted';
  id: OrderId;
  account: string;
  symbol: string;
  side: Side;
  orderType: OrderType;
  /** Limit price, or null for a market order. */
  price: number | null;
  qty: number;
}

export interface RejectedEvent {
  type: 'rejected';
  /** The command's op if it was a known op, else null. */
  op: CommandOp | null;
  /** The command's id if it was a valid id, else null. */
  id: OrderId | null;
  reason: RejectCode;
  /** The rule that was broken, where a number helps the sender fix the command (see RejectDetail). */
  detail?: RejectDetail;
}

/**
 * Machine-readable detail of an instrument-rule reject: the instrument and the rule's values.
 * - PRICE_NOT_ON_TICK: `tickSize`;
 * - PRICE_OUT_OF_RANGE: `minPrice`, `maxPrice`;
 * - QTY_NOT_ON_LOT: `lotSize`;
 * - QTY_OUT_OF_RANGE: `lotSize`, `maxQty`;
 * - INVALID_INSTRUMENT (add_instrument): `problem` (the symbol is '' when it was not a string).
 * - DUPLICATE_ID, DUPLICATE_ORDER_ID: `originalSeq`, the seq of the `new` that created the id
 *   (and `symbol` is that order's instrument).
 * Owner mismatches (NOT_OWNER) carry none on purpose: naming the owner would tell one account
 * another's orders.
 */
export interface RejectDetail {
  symbol: string;
  /** INVALID_INSTRUMENT: the configuration rule the add_instrument spec broke, as a sentence. */
  problem?: string;
  tickSize?: number;
  lotSize?: number;
  minPrice?: number;
  maxPrice?: number;
  maxQty?: number;
  originalSeq?: number;
}

export interface TradeEvent {
  type: 'trade';
  symbol: string;
  /** The maker's (resting) price. */
  price: number;
  qty: number;
  makerId: OrderId;
  takerId: OrderId;
  makerAccount: string;
  takerAccount: string;
  takerSide: Side;
  /** Open quantity of the maker after this trade (0 = filled and removed). */
  makerRemaining: number;
  /** Open quantity of the taker after this trade. */
  takerRemaining: number;
}

export interface CancelledEvent {
  type: 'cancelled';
  id: OrderId;
  account: string;
  symbol: string;
  side: Side;
  reason: CancelReason;
  /** Quantity removed by this cancellation. */
  qty: number;
}

export interface ModifiedEvent {
  type: 'modified';
  id: OrderId;
  account: string;
  symbol: string;
  side: Side;
  price: number;
  qty: number;
  oldPrice: number;
  oldQty: number;
  /** True when the order kept its place in the queue (same price, quantity not increased). */
  priorityKept: boolean;
  /** Pending stops only: the stop price after and before the modify. */
  stopPrice?: number;
  oldStopPrice?: number;
}

/** A pending stop was triggered by the last trade price; its taker events follow. */
export interface TriggeredEvent {
  type: 'triggered';
  id: OrderId;
  account: string;
  symbol: string;
  side: Side;
  orderType: StopOrderType;
  stopPrice: number;
  /** Limit price of a stop-limit, null for a stop-market. */
  price: number | null;
  qty: number;
}

/**
 * Displayed quantity joined the book (SEMANTICS.md "Rested"): `qty` now rests at `price`, at the
 * back of its level's FIFO — a limit's remainder after its taker loop (new, triggered stop-limit,
 * a modify that lost priority) or an iceberg's refilled slice. With the other events it makes
 * depth a function of the event stream (engine/depth-from-events.ts).
 */
export interface RestedEvent {
  type: 'rested';
  id: OrderId;
  account: string;
  symbol: string;
  side: Side;
  price: number;
  /** Displayed quantity that joined the book (an iceberg's slice). */
  qty: number;
  /** Hidden reserve behind it (0 unless an iceberg). */
  hidden: number;
}

/** An `add_instrument` command took effect: the instrument (defaults filled) and its index in configuration order. */
export interface InstrumentAddedEvent {
  type: 'instrument_added';
  symbol: string;
  index: number;
  spec: Required<InstrumentSpec>;
}

/** A `halt` command took effect. */
export interface HaltedEvent {
  type: 'halted';
  symbol: string;
}

/** A `resume` command took effect. */
export interface ResumedEvent {
  type: 'resumed';
  symbol: string;
}

export type EngineEvent =
  | AcceptedEvent
  | RejectedEvent
  | TradeEvent
  | CancelledEvent
  | ModifiedEvent
  | TriggeredEvent
  | RestedEvent
  | InstrumentAddedEvent
  | HaltedEvent
  | ResumedEvent;

export interface InstrumentSpec {
  /** Non-empty, at most 32 characters, unique within an engine. */
  symbol: string;
  /** Prices must be multiples of this (positive safe integer). */
  tickSize: number;
  /** Quantities must be positive multiples of this (positive safe integer). */
  lotSize: number;
  /** Inclusive price band; both multiples of tickSize, 0 < minPrice <= maxPrice <= 2^48. */
  minPrice: number;
  maxPrice: number;
  /**
   * Largest quantity of one order (default 1,000,000,000; at most 2^32 - 1, and maxQty × the
   * engine's maxOrders must not exceed 2^53 so level totals stay exact).
   */
  maxQty?: number;
}

/** Options of Engine.snapshot. */
export interface SnapshotOptions {
  /**
   * Put the bytes in a SharedArrayBuffer: handed to other threads (postMessage, a piscina task)
   * they are shared, not copied (~60 ms a recipient for a 74 MB snapshot of 1,000,000 orders).
   * Default false.
   */
  shared?: boolean;
}

export interface EngineOptions {
  instruments: InstrumentSpec[];
  /** Hard limit on live (resting) orders across all instruments (default 4,194,304). */
  ordersMax?: number;
  /** @deprecated Alias of `ordersMax`. */
  maxOrders?: number;
  /** Order slots allocated up front; the pool doubles up to ordersMax (default 65,536). */
  ordersInitial?: number;
  /** @deprecated Alias of `ordersInitial`. */
  initialOrders?: number;
  /**
   * Dead ids each instrument remembers (oldest forgotten first) so that a late cancel or modify
   * answers TOO_LATE_TO_CANCEL instead of UNKNOWN_ORDER (default 16,384; 0 remembers none).
   */
  deadIdsPerInstrumentMax?: number;
  /**
   * Most instruments the engine may hold, the configured ones plus those added by
   * `add_instrument` (default 4,096, at most 4,096); past it an add is rejected INSTRUMENT_CAPACITY.
   */
  instrumentsMax?: number;
  /**
   * Order ids each instrument remembers (SEMANTICS.md "Order ids"): a `new` reusing one is
   * rejected DUPLICATE_ID / DUPLICATE_ORDER_ID. Default 16,384; 0 remembers none. The current name
   * of `deadIdsPerInstrumentMax` (give one of the two).
   */
  idsRememberedPerInstrumentMax?: number;
  /** An id is remembered for this many commands (seqs) after the one that created it; 0 (default): no bound by commands. */
  idRetentionCommands?: number;
  /** An id is remembered while a command's `time` is less than this many ms after its creation; 0 (default): no bound by time. */
  idRetentionMs?: number;
  /**
   * An instrument's memory is full and a new id arrives: 'forget-oldest' (default: the oldest
   * entry is forgotten, the guarantee shrinks to the cap) or 'reject' (the new order is rejected
   * ID_MEMORY_FULL until the window frees room; needs idRetentionCommands or idRetentionMs).
   */
  idsRememberedFull?: 'forget-oldest' | 'reject';
}

/**
 * Where an order stands (`orderStatus`): live (`resting`, `partially_filled`, `pending` for a stop
 * not yet triggered) or ended (`filled`, `cancelled`, `expired`, `rejected`).
 */
export type OrderStatus = 'resting' | 'partially_filled' | 'pending' | 'filled' | 'cancelled' | 'expired' | 'rejected';

/** What the engine remembers of an order id: a live order, or a dead one inside the retention window. */
export interface OrderStatusView {
  id: OrderId;
  symbol: string;
  status: OrderStatus;
  /** Quantity traded so far. */
  filledQty: number;
  /** Open quantity (hidden reserve included); 0 once the order ended. */
  remainingQty: number;
  /** Seq of the `new` that created the order (null for a live order restored from a snapshot older than this field). */
  createdSeq: number | null;
  /** Seq of the last command that changed it: created, traded, modified, triggered, ended. */
  lastSeq: number | null;
  /** `cancelled`: the CancelReason; `rejected`: the RejectCode. */
  reason?: string;
}

/** Aggregated book levels, best first: [price, total open qty]. */
export interface Depth {
  bids: Array<[number, number]>;
  asks: Array<[number, number]>;
}

/** Best bid and offer of an instrument: price and displayed quantity at the best level (null / 0 when a side is empty). */
export interface Top {
  bid: number | null;
  bidQty: number;
  ask: number | null;
  askQty: number;
}

/** One resting order in an L3 book: its id and displayed quantity (an iceberg's reserve is not shown). */
export interface L3Order {
  id: OrderId;
  qty: number;
}

/** One price level of an L3 book: its displayed total and every resting order in time priority. */
export interface L3Level {
  price: number;
  qty: number;
  orders: L3Order[];
}

/** Every resting order of an instrument, levels best first, orders in priority order (pending stops are not in the book). */
export interface L3Book {
  bids: L3Level[];
  asks: L3Level[];
}

/** One live order, as reported by `Engine.order(id)`. */
export interface OrderView {
  id: OrderId;
  account: string;
  symbol: string;
  side: Side;
  price: number;
  qty: number;
  postOnly: boolean;
  stp: StpMode;
  /** Icebergs: the displayed slice size (qty is the whole open quantity, hidden reserve included). */
  displayQty?: number;
  /** GTT orders. */
  expireTime?: number;
  /** Pending stops, and OCOs with both legs live (a stop-market's `price` is its stop price). */
  orderType?: StopOrderType | 'oco';
  stopPrice?: number;
  /** OCOs with both legs live: the stop leg's limit price. */
  stopLimitPrice?: number;
}

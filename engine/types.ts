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

export interface NewOrderCommand {
  op: 'new';
  id: OrderId;
  account: string;
  symbol: string;
  side: Side;
  type: OrderType;
  /** Required for limit and stop-limit orders (integer ticks); must be absent for market and stop-market. */
  price?: number;
  /** Required for stop orders and OCO: the last trade price that triggers them (buy: at or above; sell: at or below). */
  stopPrice?: number;
  /** OCO only (required there): the limit price of the stop leg. */
  stopLimitPrice?: number;
  /** Integer, a positive multiple of the instrument's lot size. */
  qty: number;
  /**
   * Default `GTC` for limit and stop-limit, `IOC` for market and stop-market; market and
   * stop-market accept `IOC` or `FOK` only.
   */
  tif?: TimeInForce;
  /** With tif `GTT` (required there, absent otherwise): same unit as `time`; expires once a command's time reaches it. */
  expireTime?: number;
  /** Iceberg: the quantity shown in depth; the rest is a hidden reserve. Limit GTC/GTT only. */
  displayQty?: number;
  /** Rejected with POST_ONLY_WOULD_TAKE if it would trade on arrival. Limit GTC/GTT only. */
  postOnly?: boolean;
  /** Default `none`. */
  stp?: StpMode;
  /** Caller-supplied time (integer, e.g. ns or µs since epoch); the engine never reads a clock. */
  time: number;
}

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

export type Command = NewOrderCommand | CancelCommand | ModifyCommand;
export type CommandOp = Command['op'];

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

export type EngineEvent = AcceptedEvent | RejectedEvent | TradeEvent | CancelledEvent | ModifiedEvent | TriggeredEvent;

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
}

/** Aggregated book levels, best first: [price, total open qty]. */
export interface Depth {
  bids: Array<[number, number]>;
  asks: Array<[number, number]>;
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

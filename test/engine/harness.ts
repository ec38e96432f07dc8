// Why this file exists: every unit scenario runs against both the fast engine and the naive
// oracle, so one test checks two independent implementations of engine/SEMANTICS.md (and a
// mistake in the oracle shows up as a failing oracle test, not as a silent false alarm in the
// property tests). This module holds the common surface, the two factories, and small builders
// for commands and the exact events the contract promises.

import { CancelReason, RejectCode } from '../../engine/codes.js';
import { Engine } from '../../engine/index.js';
import type {
  CancelCommand, OrderCommand as Command,
  CommandOp,
  Depth,
  EngineEvent,
  EngineOptions,
  InstrumentSpec,
  ModifyCommand,
  NewOrderCommand,
  OrderId,
  OrderStatusView,
  OrderView,
  L3Book,
  RejectDetail,
  Top,
  Side,
} from '../../engine/types.js';
import { NaiveBookEngine } from '../oracle/naive-book.js';

/** What both implementations expose; the tests use nothing else. */
export interface EngineLike {
  apply(cmd: Command, seq?: number): EngineEvent[];
  orderStatus(id: OrderId): OrderStatusView | undefined;
  readonly lastSeq: number;
  depth(symbol: string, levels?: number): Depth;
  top(symbol: string): Top;
  l3(symbol: string, levels?: number): L3Book;
  order(id: OrderId): OrderView | undefined;
  readonly liveOrders: number;
  stateHash(): string;
  checkInvariants(): void;
  snapshot(): Uint8Array;
}

export interface Impl {
  name: string;
  create(options: EngineOptions): EngineLike;
  restore(bytes: Uint8Array): EngineLike;
}

export const oracleImpl: Impl = {
  name: 'oracle',
  create: (options) => new NaiveBookEngine(options),
  restore: (bytes) => NaiveBookEngine.restore(bytes),
};

export const engineImpl: Impl = {
  name: 'engine',
  create: (options) => new Engine(options),
  restore: (bytes) => Engine.restore(bytes),
};

/** Both implementations; `describe.each(IMPLS)('$name', ...)` runs a scenario against each. */
export const IMPLS: Impl[] = [engineImpl, oracleImpl];

/** Feed a deliberately ill-typed command (bad-input tests); the engine must reject, not throw. */
export function applyRaw(engine: EngineLike, raw: unknown): EngineEvent[] {
  return engine.apply(raw as Command);
}

/** Apply a sequence, checking invariants after each command; returns the events per command. */
export function run(engine: EngineLike, cmds: readonly Command[]): EngineEvent[][] {
  return cmds.map((cmd) => {
    const events = engine.apply(cmd);
    engine.checkInvariants();
    return events;
  });
}

// -------------------------------------------------------------------------------------------------
// Instruments

export const ACME: InstrumentSpec = { symbol: 'ACME', tickSize: 1, lotSize: 1, minPrice: 1, maxPrice: 1_000_000 };
/** Coarse tick and lot, a narrow band and a small maxQty, for the instrument-rule checks. */
export const WIDE: InstrumentSpec = {
  symbol: 'WIDE',
  tickSize: 5,
  lotSize: 10,
  minPrice: 100,
  maxPrice: 1000,
  maxQty: 10_000,
};

export function acmeOptions(extra: Partial<EngineOptions> = {}): EngineOptions {
  return { instruments: [ACME, WIDE], ...extra };
}

// -------------------------------------------------------------------------------------------------
// Command builders. `time` only has to be valid; a counter keeps it increasing like a sequencer.

let clock = 0;
function tick(): number {
  clock += 1;
  return clock;
}

type NewExtra = Partial<Pick<NewOrderCommand, 'tif' | 'postOnly' | 'stp' | 'symbol' | 'displayQty' | 'expireTime' | 'time'>>;

export function limit(
  id: OrderId,
  account: string,
  side: Side,
  price: number,
  qty: number,
  extra: NewExtra = {},
): NewOrderCommand {
  return { op: 'new', id, account, symbol: 'ACME', side, type: 'limit', price, qty, time: tick(), ...extra };
}

export function market(id: OrderId, account: string, side: Side, qty: number, extra: NewExtra = {}): NewOrderCommand {
  return { op: 'new', id, account, symbol: 'ACME', side, type: 'market', qty, time: tick(), ...extra };
}

export function cancel(id: OrderId, account: string, time = tick()): CancelCommand {
  return { op: 'cancel', id, account, time };
}

/** A stop-limit (with `price`) or stop-market (price undefined) order. */
export function stop(
  id: OrderId,
  account: string,
  side: Side,
  stopPrice: number,
  price: number | undefined,
  qty: number,
  extra: NewExtra = {},
): NewOrderCommand {
  const base = { op: 'new' as const, id, account, symbol: 'ACME', side, stopPrice, qty, time: tick(), ...extra };
  return price === undefined ? { ...base, type: 'stop_market' } : { ...base, type: 'stop_limit', price };
}

/** The `triggered` event of a stop command. */
export function triggered(cmd: NewOrderCommand): EngineEvent {
  return {
    type: 'triggered',
    id: cmd.id,
    account: cmd.account,
    symbol: cmd.symbol,
    side: cmd.side,
    orderType: cmd.type as 'stop_limit' | 'stop_market',
    stopPrice: cmd.stopPrice as number,
    price: cmd.type === 'stop_market' ? null : (cmd.price as number),
    qty: cmd.qty,
  };
}

export function modify(id: OrderId, account: string, price: number, qty: number): ModifyCommand {
  return { op: 'modify', id, account, price, qty, time: tick() };
}

// -------------------------------------------------------------------------------------------------
// Expected-event builders: full objects, so `toEqual` checks every field of the contract.

export function accepted(cmd: NewOrderCommand): EngineEvent {
  return {
    type: 'accepted',
    id: cmd.id,
    account: cmd.account,
    symbol: cmd.symbol,
    side: cmd.side,
    orderType: cmd.type,
    price: cmd.type === 'market' || cmd.type === 'stop_market' ? null : (cmd.price as number),
    qty: cmd.qty,
  };
}

/**
 * The `rested` event of a new limit order (SEMANTICS.md "Rested"): by default its whole qty at its
 * price; `qty`/`hidden` for a partly filled remainder or an iceberg slice, `price` for a modify.
 */
export function rested(cmd: NewOrderCommand, qty = cmd.qty, hidden = 0, price = cmd.price as number): EngineEvent {
  return { type: 'rested', id: cmd.id, account: cmd.account, symbol: cmd.symbol, side: cmd.side, price, qty, hidden };
}

/** A `rested` event written out field by field (a modify's or a triggered stop's remainder, a refill). */
export function restedOf(id: OrderId, account: string, side: Side, price: number, qty: number, hidden = 0, symbol = 'ACME'): EngineEvent {
  return { type: 'rested', id, account, symbol, side, price, qty, hidden };
}

export function rejected(op: CommandOp | null, id: OrderId | null, reason: RejectCode, on?: InstrumentSpec): EngineEvent {
  if (on !== undefined) return { type: 'rejected', op, id, reason, detail: ruleDetail(reason, on) };
  return { type: 'rejected', op, id, reason };
}

/** The detail an instrument-rule reject carries (SEMANTICS.md "Reject detail"), written out from the test's own specs. */
function ruleDetail(reason: RejectCode, on: InstrumentSpec): RejectDetail {
  const symbol = on.symbol;
  if (reason === RejectCode.PRICE_NOT_ON_TICK) return { symbol, tickSize: on.tickSize };
  if (reason === RejectCode.PRICE_OUT_OF_RANGE) return { symbol, minPrice: on.minPrice, maxPrice: on.maxPrice };
  if (reason === RejectCode.QTY_NOT_ON_LOT) return { symbol, lotSize: on.lotSize };
  if (reason === RejectCode.QTY_OUT_OF_RANGE) return { symbol, lotSize: on.lotSize, maxQty: on.maxQty ?? 1_000_000_000 };
  throw new Error(`${reason} carries no detail`);
}

export interface TradeSpec {
  price: number;
  qty: number;
  maker: OrderId;
  taker: OrderId;
  makerAccount: string;
  takerAccount: string;
  takerSide: Side;
  makerRemaining: number;
  takerRemaining: number;
  symbol?: string;
}

export function trade(t: TradeSpec): EngineEvent {
  return {
    type: 'trade',
    symbol: t.symbol ?? 'ACME',
    price: t.price,
    qty: t.qty,
    makerId: t.maker,
    takerId: t.taker,
    makerAccount: t.makerAccount,
    takerAccount: t.takerAccount,
    takerSide: t.takerSide,
    makerRemaining: t.makerRemaining,
    takerRemaining: t.takerRemaining,
  };
}

export function cancelled(
  id: OrderId,
  account: string,
  side: Side,
  reason: CancelReason,
  qty: number,
  symbol = 'ACME',
): EngineEvent {
  return { type: 'cancelled', id, account, symbol, side, reason, qty };
}

export interface ModifiedSpec {
  id: OrderId;
  account: string;
  side: Side;
  price: number;
  qty: number;
  oldPrice: number;
  oldQty: number;
  priorityKept: boolean;
  symbol?: string;
}

export function modified(m: ModifiedSpec): EngineEvent {
  return {
    type: 'modified',
    id: m.id,
    account: m.account,
    symbol: m.symbol ?? 'ACME',
    side: m.side,
    price: m.price,
    qty: m.qty,
    oldPrice: m.oldPrice,
    oldQty: m.oldQty,
    priorityKept: m.priorityKept,
  };
}

export { CancelReason, RejectCode };

// Why this file exists: the engine reports outcomes through a sink of typed calls instead of
// building event objects, so hot paths (the worker host encoding events into shared memory, the
// benchmarks) pay no allocation per event. `apply()` uses ArraySink to give callers plain objects.

import type { CancelReason, RejectCode } from './codes.js';
import type { ResolvedInstrument } from './config.js';
import type { CommandOp, EngineEvent, OrderId, OrderType, Side, StopOrderType } from './types.js';

/** Receives the events of each command, in order. Arguments mirror the EngineEvent fields. */
export interface EventSink {
  accepted(id: OrderId, account: string, symbol: string, side: Side, orderType: OrderType, price: number | null, qty: number): void;
  rejected(op: CommandOp | null, id: OrderId | null, reason: RejectCode): void;
  trade(
    symbol: string,
    price: number,
    qty: number,
    makerId: OrderId,
    takerId: OrderId,
    makerAccount: string,
    takerAccount: string,
    takerSide: Side,
    makerRemaining: number,
    takerRemaining: number,
  ): void;
  cancelled(id: OrderId, account: string, symbol: string, side: Side, reason: CancelReason, qty: number): void;
  modified(
    id: OrderId,
    account: string,
    symbol: string,
    side: Side,
    price: number,
    qty: number,
    oldPrice: number,
    oldQty: number,
    priorityKept: boolean,
    /** Pending stops only: the stop price after and before; -1 for resting orders. */
    stopPrice: number,
    oldStopPrice: number,
  ): void;
  /** A pending stop was triggered (price null for a stop-market). */
  triggered(id: OrderId, account: string, symbol: string, side: Side, orderType: StopOrderType, stopPrice: number, price: number | null, qty: number): void;
  /** Displayed quantity joined the book (SEMANTICS.md "Rested"); hidden = the iceberg reserve behind it. */
  rested(id: OrderId, account: string, symbol: string, side: Side, price: number, qty: number, hidden: number): void;
  /** An add_instrument took effect: the instrument is `index` in configuration order. */
  instrumentAdded(index: number, spec: ResolvedInstrument): void;
  /** A halt took effect. */
  halted(symbol: string): void;
  /** A resume took effect. */
  resumed(symbol: string): void;
}

/** Collects events as EngineEvent objects (the `apply()` path). */
export class ArraySink implements EventSink {
  events: EngineEvent[] = [];

  accepted(id: OrderId, account: string, symbol: string, side: Side, orderType: OrderType, price: number | null, qty: number): void {
    this.events.push({ type: 'accepted', id, account, symbol, side, orderType, price, qty });
  }

  rejected(op: CommandOp | null, id: OrderId | null, reason: RejectCode): void {
    this.events.push({ type: 'rejected', op, id, reason });
  }

  trade(
    symbol: string,
    price: number,
    qty: number,
    makerId: OrderId,
    takerId: OrderId,
    makerAccount: string,
    takerAccount: string,
    takerSide: Side,
    makerRemaining: number,
    takerRemaining: number,
  ): void {
    this.events.push({
      type: 'trade',
      symbol,
      price,
      qty,
      makerId,
      takerId,
      makerAccount,
      takerAccount,
      takerSide,
      makerRemaining,
      takerRemaining,
    });
  }

  cancelled(id: OrderId, account: string, symbol: string, side: Side, reason: CancelReason, qty: number): void {
    this.events.push({ type: 'cancelled', id, account, symbol, side, reason, qty });
  }

  modified(
    id: OrderId,
    account: string,
    symbol: string,
    side: Side,
    price: number,
    qty: number,
    oldPrice: number,
    oldQty: number,
    priorityKept: boolean,
    stopPrice: number,
    oldStopPrice: number,
  ): void {
    if (stopPrice < 0) this.events.push({ type: 'modified', id, account, symbol, side, price, qty, oldPrice, oldQty, priorityKept });
    else this.events.push({ type: 'modified', id, account, symbol, side, price, qty, oldPrice, oldQty, priorityKept, stopPrice, oldStopPrice });
  }

  triggered(id: OrderId, account: string, symbol: string, side: Side, orderType: StopOrderType, stopPrice: number, price: number | null, qty: number): void {
    this.events.push({ type: 'triggered', id, account, symbol, side, orderType, stopPrice, price, qty });
  }

  rested(id: OrderId, account: string, symbol: string, side: Side, price: number, qty: number, hidden: number): void {
    this.events.push({ type: 'rested', id, account, symbol, side, price, qty, hidden });
  }

  instrumentAdded(index: number, spec: ResolvedInstrument): void {
    this.events.push({ type: 'instrument_added', symbol: spec.symbol, index, spec: { ...spec } });
  }

  halted(symbol: string): void {
    this.events.push({ type: 'halted', symbol });
  }

  resumed(symbol: string): void {
    this.events.push({ type: 'resumed', symbol });
  }
}

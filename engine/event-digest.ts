// Why this file exists: the primary-backup assertion of the research report, made cheap. A full
// state hash walks every resting order (~50 ms at 540,000 orders), too slow to take every few
// thousand commands without pausing matching; a running 64-bit digest of every event, in
// sequence order, costs tens of nanoseconds per event and diverges the moment two replicas
// produce different outputs. The exchange writes it into the log as marks; the backup thread and
// recovery recompute it and compare. Deterministic: integer mixing only, no platform hashing.

import type { CancelReason, RejectCode } from './codes.js';
import type { ResolvedInstrument } from './config.js';
import type { EventSink } from './event-sink.js';
import type { CommandOp, EngineEvent, OrderId, OrderType, Side, StopOrderType } from './types.js';

const SEED_A = 0x811c9dc5;
const SEED_B = 0x9747b28c;
/** The lanes' multipliers (FNV-1a's prime; MurmurHash2's m). */
const PRIME_A = 0x01000193;
const PRIME_B = 0x5bd1e995;

/** A running digest of events; an EventSink, so replay can fold without building events. */
export class EventDigest implements EventSink {
  /** The two 32-bit lanes (read by replay's digest ring). */
  a = SEED_A;
  b = SEED_B;

  /** Continue from a saved value (a checkpoint's digest). */
  static from(hex: string): EventDigest {
    const digest = new EventDigest();
    if (!/^[0-9a-f]{16}$/.test(hex)) throw new Error(`bad event digest ${JSON.stringify(hex)}`);
    digest.a = parseInt(hex.slice(0, 8), 16) | 0;
    digest.b = parseInt(hex.slice(8, 16), 16) | 0;
    return digest;
  }

  /** 16 lowercase hex characters. */
  get value(): string {
    return (this.a >>> 0).toString(16).padStart(8, '0') + (this.b >>> 0).toString(16).padStart(8, '0');
  }

  /** Marks the start of a command's events, so the same events under other seqs differ. */
  command(seq: number): void {
    this.num(-1);
    this.num(seq);
  }

  /** Folds an event object (as returned by Engine.apply). Same result as the sink calls. */
  event(e: EngineEvent): void {
    switch (e.type) {
      case 'accepted':
        return this.accepted(e.id, e.account, e.symbol, e.side, e.orderType, e.price, e.qty);
      case 'rejected':
        return this.rejected(e.op, e.id, e.reason);
      case 'trade':
        return this.trade(
          e.symbol,
          e.price,
          e.qty,
          e.makerId,
          e.takerId,
          e.makerAccount,
          e.takerAccount,
          e.takerSide,
          e.makerRemaining,
          e.takerRemaining,
        );
      case 'cancelled':
        return this.cancelled(e.id, e.account, e.symbol, e.side, e.reason, e.qty);
      case 'modified':
        return this.modified(
          e.id,
          e.account,
          e.symbol,
          e.side,
          e.price,
          e.qty,
          e.oldPrice,
          e.oldQty,
          e.priorityKept,
          e.stopPrice ?? -1,
          e.oldStopPrice ?? -1,
        );
      case 'triggered':
        return this.triggered(e.id, e.account, e.symbol, e.side, e.orderType, e.stopPrice, e.price, e.qty);
      case 'rested':
        return;
      case 'instrument_added':
        return this.instrumentAdded(e.index, e.spec);
      case 'halted':
        return this.halted(e.symbol);
      case 'resumed':
        return this.resumed(e.symbol);
    }
  }

  accepted(id: OrderId, account: string, symbol: string, side: Side, orderType: OrderType, price: number | null, qty: number): void {
    this.num(1);
    this.id(id);
    this.str(account);
    this.str(symbol);
    this.str(side);
    this.str(orderType);
    this.num(price === null ? -1 : price);
    this.num(qty);
  }

  rejected(op: CommandOp | null, id: OrderId | null, reason: RejectCode): void {
    this.num(2);
    this.str(op ?? '');
    if (id === null) this.num(-1);
    else this.id(id);
    this.str(reason);
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
    this.num(3);
    this.str(symbol);
    this.num(price);
    this.num(qty);
    this.id(makerId);
    this.id(takerId);
    this.str(makerAccount);
    this.str(takerAccount);
    this.str(takerSide);
    this.num(makerRemaining);
    this.num(takerRemaining);
  }

  cancelled(id: OrderId, account: string, symbol: string, side: Side, reason: CancelReason, qty: number): void {
    this.num(4);
    this.id(id);
    this.str(account);
    this.str(symbol);
    this.str(side);
    this.str(reason);
    this.num(qty);
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
    this.num(5);
    this.id(id);
    this.str(account);
    this.str(symbol);
    this.str(side);
    this.num(price);
    this.num(qty);
    this.num(oldPrice);
    this.num(oldQty);
    this.num(priorityKept ? 1 : 0);
    // Stop prices fold only for pending stops, so digests of plain modifies are unchanged.
    if (stopPrice >= 0) {
      this.num(stopPrice);
      this.num(oldStopPrice);
    }
  }

  triggered(id: OrderId, account: string, symbol: string, side: Side, orderType: StopOrderType, stopPrice: number, price: number | null, qty: number): void {
    this.num(6);
    this.id(id);
    this.str(account);
    this.str(symbol);
    this.str(side);
    this.str(orderType);
    this.num(stopPrice);
    this.num(price === null ? -1 : price);
    this.num(qty);
  }

  /**
   * Not folded (SEMANTICS.md "Rested"): `rested` is a function of the state and the command's
   * other events, and marks in logs written before it existed hold digests without it; folding
   * it would make every such log fail to verify on replay. A divergence in what rests shows in
   * the next trades (their remaining quantities) and in the checkpoints' state hash.
   */
  rested(): void {}

  instrumentAdded(index: number, spec: ResolvedInstrument): void {
    this.num(7);
    this.num(index);
    this.str(spec.symbol);
    this.num(spec.tickSize);
    this.num(spec.lotSize);
    this.num(spec.minPrice);
    this.num(spec.maxPrice);
    this.num(spec.maxQty);
  }

  halted(symbol: string): void {
    this.num(8);
    this.str(symbol);
  }

  resumed(symbol: string): void {
    this.num(9);
    this.str(symbol);
  }

  private mix(word: number): void {
    this.a = Math.imul(this.a ^ word, PRIME_A);
    let b = Math.imul((this.b ^ word) + (this.b << 5), PRIME_B);
    this.b = b ^ (b >>> 15);
  }

  /**
   * Safe integers: low and high 32-bit words (the high word without a division when it is 0).
   * `mix` twice, written out over local lanes: the digest was ~35% of the backup thread's loop
   * and every field is a `num` or a `str` (replica-cost.ts profile), so the lanes stay in
   * registers rather than being stored and reloaded per word.
   */
  private num(value: number): void {
    const lo = value | 0;
    const hi = lo === value ? 0 : Math.floor(value / 4294967296) | 0;
    let b = this.b;
    const a = Math.imul(Math.imul(this.a ^ lo, PRIME_A) ^ hi, PRIME_A);
    b = Math.imul((b ^ lo) + (b << 5), PRIME_B);
    b ^= b >>> 15;
    b = Math.imul((b ^ hi) + (b << 5), PRIME_B);
    this.a = a;
    this.b = b ^ (b >>> 15);
  }

  private id(value: OrderId): void {
    if (typeof value === 'string') {
      this.mix(0x53);
      this.str(value);
    } else {
      this.mix(0x4e);
      this.num(value);
    }
  }

  /** Two UTF-16 units per mixing step: strings (ids, accounts) dominate the digest's cost. `mix` per word, over local lanes. */
  private str(value: string): void {
    const length = value.length;
    let a = Math.imul(this.a ^ length, PRIME_A);
    let b = this.b;
    b = Math.imul((b ^ length) + (b << 5), PRIME_B);
    b ^= b >>> 15;
    let i = 0;
    for (; i + 1 < length; i += 2) {
      const word = value.charCodeAt(i) | (value.charCodeAt(i + 1) << 16);
      a = Math.imul(a ^ word, PRIME_A);
      b = Math.imul((b ^ word) + (b << 5), PRIME_B);
      b ^= b >>> 15;
    }
    if (i < length) {
      const word = value.charCodeAt(i);
      a = Math.imul(a ^ word, PRIME_A);
      b = Math.imul((b ^ word) + (b << 5), PRIME_B);
      b ^= b >>> 15;
    }
    this.a = a;
    this.b = b;
  }
}

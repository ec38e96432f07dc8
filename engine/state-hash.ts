// Why this file exists: the state hash must not depend on how a book is stored (slots, free lists,
// interning order), so that the fast engine, the naive oracle, a replayed engine and a restored
// checkpoint can all be compared. Every implementation walks its book in the canonical order of
// engine/SEMANTICS.md and feeds these calls; the byte stream (and so the hash) is the same.

import { createHash, type Hash } from 'node:crypto';
import type { InstrumentSpec, OrderId, Side, StopOrderType, StpMode, TimeInForce } from './types.js';

const BUFFER_BYTES = 64 * 1024;
/** Largest single item: a tag, a 64-unit id (≤ 192 UTF-8 bytes) and its length, a number. */
const ITEM_BYTES_MAX = 1024;

const TAG_INSTRUMENT = 1;
const TAG_SIDE = 2;
const TAG_LEVEL = 3;
const TAG_ORDER = 4;
const TAG_ID_STRING = 5;
const TAG_ID_NUMBER = 6;
const TAG_ORDER_EXTRA = 7;
const TAG_LAST_PRICE = 8;
const TAG_STOPS = 9;
const TAG_STOP = 10;
/** 11 and 12 were the dead-id list before issue 12 (never reuse). */
const TAG_STOP_OCO = 13;
const TAG_ORDER_IDS = 14;
const TAG_ORDER_ID_ENTRY = 15;
/** Marks a halted book (add_instrument/halt/resume). */
const TAG_HALTED = 16;
/** Entry statuses as hashed (engine/order-ids.ts STATUS_NAMES). */
const ENTRY_STATUS_CODE: Record<string, number> = { open: 0, filled: 1, cancelled: 2, expired: 3, rejected: 4 };

const ORDER_TYPE_CODE: Record<StopOrderType, number> = { stop_limit: 2, stop_market: 3 };
const TIF_CODE: Record<TimeInForce, number> = { GTC: 0, IOC: 1, FOK: 2, GTT: 3 };

const STP_CODE: Record<StpMode, number> = { none: 0, cancel_taker: 1, cancel_maker: 2, cancel_both: 3 };

/**
 * The state hash is SHA-256 over the tag and the per-instrument digests in configuration order,
 * each digest a SHA-256 of that instrument's canonical stream. Shards that own different
 * instruments hash their books in parallel and `combineInstrumentDigests` joins them.
 */
export function combineInstrumentDigests(digests: readonly Uint8Array[]): string {
  const outer = createHash('sha256');
  outer.update(STATE_TAG);
  for (const digest of digests) outer.update(digest);
  return outer.digest('hex');
}

const STATE_TAG = 'matchlog-state-v1';

export class StateHasher {
  private hash: Hash | null = null;
  private readonly buffer = Buffer.allocUnsafe(BUFFER_BYTES);
  private offset = 0;
  private readonly digests: Buffer[] = [];

  /** Starts the next instrument; everything fed until the next call belongs to it. */
  instrument(spec: Required<InstrumentSpec>): void {
    this.finishInstrument();
    this.hash = createHash('sha256');
    this.u8(TAG_INSTRUMENT);
    this.str(spec.symbol);
    this.f64(spec.tickSize);
    this.f64(spec.lotSize);
    this.f64(spec.minPrice);
    this.f64(spec.maxPrice);
    this.f64(spec.maxQty);
  }

  side(side: Side, levelCount: number): void {
    this.reserve();
    this.u8(TAG_SIDE);
    this.u8(side === 'buy' ? 0 : 1);
    this.f64(levelCount);
  }

  level(price: number, orderCount: number): void {
    this.reserve();
    this.u8(TAG_LEVEL);
    this.f64(price);
    this.f64(orderCount);
  }

  order(id: OrderId, account: string, qty: number, postOnly: boolean, stp: StpMode): void {
    this.reserve();
    this.u8(TAG_ORDER);
    this.id(id);
    this.str(account);
    this.f64(qty);
    this.u8(postOnly ? 1 : 0);
    this.u8(STP_CODE[stp]);
  }

  /** After `order`, only for icebergs and GTT orders: display size, hidden reserve, expiry (-1 = none). */
  orderExtra(displayQty: number, hiddenQty: number, expireTime: number): void {
    this.reserve();
    this.u8(TAG_ORDER_EXTRA);
    this.f64(displayQty);
    this.f64(hiddenQty);
    this.f64(expireTime);
  }

  /** The instrument's last trade price (-1 before the first trade). */
  lastPrice(price: number): void {
    this.reserve();
    this.u8(TAG_LAST_PRICE);
    this.f64(price);
  }

  stops(side: Side, count: number): void {
    this.reserve();
    this.u8(TAG_STOPS);
    this.u8(side === 'buy' ? 0 : 1);
    this.f64(count);
  }

  /** One pending stop, in queue order (price -1 for a stop-market, expireTime -1 when none). */
  stop(
    id: OrderId,
    account: string,
    orderType: StopOrderType,
    stopPrice: number,
    price: number,
    qty: number,
    tif: TimeInForce,
    stp: StpMode,
    expireTime: number,
  ): void {
    this.reserve();
    this.u8(TAG_STOP);
    this.id(id);
    this.str(account);
    this.u8(ORDER_TYPE_CODE[orderType]);
    this.f64(stopPrice);
    this.f64(price);
    this.f64(qty);
    this.u8(TIF_CODE[tif]);
    this.u8(STP_CODE[stp]);
    this.f64(expireTime);
  }

  /** Follows `stop` for an OCO's stop leg: the link to the resting limit leg of the same id. */
  stopOco(): void {
    this.reserve();
    this.u8(TAG_STOP_OCO);
  }

  /** Number of entries in the instrument's id ring (SEMANTICS.md "Order ids"). */
  orderIds(count: number): void {
    this.reserve();
    this.u8(TAG_ORDER_IDS);
    this.f64(count);
  }

  /**
   * One id entry: the ring's oldest first, then the overdue ones (live orders that left the ring),
   * in the order they left; `indexed` when it is the entry that answers for its id. `seq` and `time` are fed only when a retention window by commands or by
   * time makes them decide something (else -1): a reference engine fed the same commands with
   * other stamps then hashes equal, as before ids were remembered.
   */
  orderIdEntry(id: OrderId, overdue: boolean, indexed: boolean, status: string, filledQty: number, seq: number, time: number): void {
    this.reserve();
    this.u8(TAG_ORDER_ID_ENTRY);
    this.id(id);
    this.u8((overdue ? 1 : 0) | (indexed ? 2 : 0));
    this.u8(ENTRY_STATUS_CODE[status]);
    this.f64(filledQty);
    this.f64(seq);
    this.f64(time);
  }

  /** Last of an instrument's stream, only when it is halted (so hashes of running books are unchanged). */
  halted(): void {
    this.reserve();
    this.u8(TAG_HALTED);
  }

  private id(id: OrderId): void {
    if (typeof id === 'string') {
      this.u8(TAG_ID_STRING);
      this.str(id);
    } else {
      this.u8(TAG_ID_NUMBER);
      this.f64(id);
    }
  }

  /** The state hash (lowercase hex) of everything fed so far. The hasher cannot be used afterwards. */
  digest(): string {
    return combineInstrumentDigests(this.instrumentDigests());
  }

  /** One 32-byte digest per instrument fed, in order. The hasher cannot be used afterwards. */
  instrumentDigests(): Buffer[] {
    this.finishInstrument();
    return this.digests;
  }

  private finishInstrument(): void {
    if (this.hash === null) return;
    if (this.offset > 0) this.hash.update(this.buffer.subarray(0, this.offset));
    this.offset = 0;
    this.digests.push(this.hash.digest());
    this.hash = null;
  }

  private reserve(): void {
    if (this.hash === null) throw new Error('StateHasher: instrument() must come first');
    if (this.offset + ITEM_BYTES_MAX > BUFFER_BYTES) {
      this.hash.update(this.buffer.subarray(0, this.offset));
      this.offset = 0;
    }
  }

  private u8(value: number): void {
    this.buffer[this.offset++] = value;
  }

  private f64(value: number): void {
    this.buffer.writeDoubleLE(value, this.offset);
    this.offset += 8;
  }

  private str(text: string): void {
    // Ids and accounts are at most 64 UTF-16 units, symbols at most 32: ≤ 192 bytes of UTF-8.
    const length = this.buffer.write(text, this.offset + 2, 'utf8');
    this.buffer.writeUInt16LE(length, this.offset);
    this.offset += 2 + length;
  }
}

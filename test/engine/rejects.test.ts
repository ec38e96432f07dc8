// Why this file exists: every RejectCode the engine can raise (all but QUEUE_FULL and
// EXCHANGE_CLOSED, which belong to the durable Exchange) gets at least one scenario asserting the
// exact `rejected` event — including the `op`/`id` echo rules — and that a rejected command
// leaves the state hash, depth and live count untouched (a stateful reject of a `new` changes
// only the id memory: its id is used up and orderStatus says why). A second table pins the validation
// order of SEMANTICS.md: when several checks fail, the first one in document order decides.

import { describe, expect, it } from 'vitest';
import type { OrderCommand as Command, EngineEvent, EngineOptions, InstrumentSpec } from '../../engine/types.js';
import {
  ACME,
  IMPLS,
  WIDE,
  RejectCode,
  accepted,
  acmeOptions,
  applyRaw,
  cancel,
  limit,
  modify,
  rejected,
  type EngineLike,
  rested,
} from './harness.js';

/** The same non-empty book for every case, so "state unchanged" is a meaningful check. */
const SETUP: Command[] = [
  // 'dead' first, so the live count never exceeds LIVE_AFTER_SETUP (the capacity cases need that).
  limit('dead', 'alice', 'buy', 90, 1),
  cancel('dead', 'alice'),
  limit('live', 'alice', 'buy', 100, 10),
  limit('ask', 'bob', 'sell', 105, 10),
  limit('w', 'alice', 'buy', 500, 20, { symbol: 'WIDE' }),
  limit('po', 'carol', 'sell', 110, 5, { postOnly: true }),
  limit(1, 'dave', 'sell', 120, 1),
  // A trade on WIDE, so it has a last price (600) for the stop checks; both orders die.
  limit('ws', 'erin', 'sell', 600, 10, { symbol: 'WIDE' }),
  limit('wb', 'frank', 'buy', 600, 10, { symbol: 'WIDE' }),
  // Two pending stops (they count as live orders).
  { op: 'new', id: 'sm', account: 'erin', symbol: 'ACME', side: 'buy', type: 'stop_market', stopPrice: 130, qty: 5, time: 1 },
  { op: 'new', id: 'wstop', account: 'erin', symbol: 'WIDE', side: 'sell', type: 'stop_limit', stopPrice: 590, price: 590, qty: 10, time: 1 },
  // An OCO with both legs (a sell limit at 700 above the last price 600, a sell stop at 550 below it).
  { op: 'new', id: 'oco', account: 'erin', symbol: 'WIDE', side: 'sell', type: 'oco', price: 700, stopPrice: 550, stopLimitPrice: 545, qty: 10, time: 1 },
];
/** Live orders after SETUP: live, ask, w, po, 1, the stops sm, wstop, and both legs of oco. */
const LIVE_AFTER_SETUP = 9;
const HALT_ACME = { op: 'halt', symbol: 'ACME', time: 1 };
const ADD_NEWX = { op: 'add_instrument', spec: { symbol: 'NEWX', tickSize: 1, lotSize: 1, minPrice: 1, maxPrice: 100 }, time: 1 };
const OCO_BASE = { ...{ op: 'new', id: 'n1', account: 'alice', symbol: 'WIDE', side: 'buy', type: 'oco', qty: 10, time: 1 }, price: 550, stopPrice: 650, stopLimitPrice: 655 };

const NEW_BASE = {
  op: 'new',
  id: 'n1',
  account: 'alice',
  symbol: 'ACME',
  side: 'buy',
  type: 'limit',
  price: 101,
  qty: 10,
  time: 1,
} as const;
const MARKET_BASE = { op: 'new', id: 'n1', account: 'alice', symbol: 'ACME', side: 'buy', type: 'market', qty: 10, time: 1 };
const CANCEL_BASE = { op: 'cancel', id: 'live', account: 'alice', time: 1 };
const MODIFY_BASE = { op: 'modify', id: 'live', account: 'alice', price: 99, qty: 10, time: 1 };

function without(cmd: Record<string, unknown>, ...keys: string[]): Record<string, unknown> {
  const copy = { ...cmd };
  for (const key of keys) delete copy[key];
  return copy;
}

const long65 = 'x'.repeat(65);

interface RejectCase {
  name: string;
  cmd: unknown;
  expected: EngineEvent;
  options?: EngineOptions;
  /** Commands applied after SETUP and before the case (accepted; e.g. a halt). */
  prelude?: unknown[];
}

type EngineRaisedCode = Exclude<RejectCode, RejectCode.QUEUE_FULL | RejectCode.EXCHANGE_CLOSED>;

const R = RejectCode;
const newRej = (reason: RejectCode, id: string | number | null = 'n1', on?: InstrumentSpec): EngineEvent => rejected('new', id, reason, on);
/** SETUP's seqs (each command is numbered lastSeq + 1): the order a DUPLICATE_* reject names. */
const SEQ_OF: Record<string, number> = { dead: 1, live: 3, ask: 4, w: 5, po: 6, '1': 7, ws: 8, wb: 9, sm: 10, wstop: 11, oco: 12 };
const dupRej = (reason: RejectCode, id: string | number, symbol = 'ACME'): EngineEvent => ({
  type: 'rejected',
  op: 'new',
  id,
  reason,
  detail: { symbol, originalSeq: SEQ_OF[String(id)] },
});
/** Stateful rejects of a `new` use up its id (SEMANTICS.md "Order ids"): the id memory changes, nothing else. */
const CONSUMING = new Set<RejectCode>([
  RejectCode.ALREADY_EXPIRED,
  RejectCode.ORDER_CAPACITY,
  RejectCode.POST_ONLY_WOULD_TAKE,
  RejectCode.STOP_WOULD_TRIGGER,
  RejectCode.OCO_PRICES_INVALID,
]);

/** Record keyed by code: the type system forces a case list for every engine-raised code. */
const CASES: Record<EngineRaisedCode, RejectCase[]> = {
  [R.MALFORMED_COMMAND]: [
    { name: 'null', cmd: null, expected: rejected(null, null, R.MALFORMED_COMMAND) },
    { name: 'undefined', cmd: undefined, expected: rejected(null, null, R.MALFORMED_COMMAND) },
    { name: 'a number', cmd: 42, expected: rejected(null, null, R.MALFORMED_COMMAND) },
    { name: 'a string', cmd: 'new', expected: rejected(null, null, R.MALFORMED_COMMAND) },
    { name: 'a boolean', cmd: true, expected: rejected(null, null, R.MALFORMED_COMMAND) },
    { name: 'an empty array', cmd: [], expected: rejected(null, null, R.MALFORMED_COMMAND) },
    { name: 'an array holding a command', cmd: [NEW_BASE], expected: rejected(null, null, R.MALFORMED_COMMAND) },
  ],
  [R.UNKNOWN_OP]: [
    { name: 'unknown op string', cmd: { ...NEW_BASE, op: 'replace' }, expected: rejected(null, null, R.UNKNOWN_OP) },
    { name: 'op in upper case', cmd: { ...NEW_BASE, op: 'NEW' }, expected: rejected(null, null, R.UNKNOWN_OP) },
    { name: 'op missing', cmd: without(NEW_BASE, 'op'), expected: rejected(null, null, R.UNKNOWN_OP) },
    { name: 'op a number', cmd: { ...NEW_BASE, op: 1 }, expected: rejected(null, null, R.UNKNOWN_OP) },
    { name: 'empty object', cmd: {}, expected: rejected(null, null, R.UNKNOWN_OP) },
  ],
  [R.INVALID_ID]: [
    { name: 'empty string', cmd: { ...NEW_BASE, id: '' }, expected: newRej(R.INVALID_ID, null) },
    { name: '65 UTF-16 units', cmd: { ...NEW_BASE, id: long65 }, expected: newRej(R.INVALID_ID, null) },
    { name: '33 emoji = 66 UTF-16 units', cmd: { ...NEW_BASE, id: '😀'.repeat(33) }, expected: newRej(R.INVALID_ID, null) },
    { name: 'fraction', cmd: { ...NEW_BASE, id: 1.5 }, expected: newRej(R.INVALID_ID, null) },
    { name: 'NaN', cmd: { ...NEW_BASE, id: Number.NaN }, expected: newRej(R.INVALID_ID, null) },
    { name: 'Infinity', cmd: { ...NEW_BASE, id: Infinity }, expected: newRej(R.INVALID_ID, null) },
    { name: '2^53 (unsafe)', cmd: { ...NEW_BASE, id: 2 ** 53 }, expected: newRej(R.INVALID_ID, null) },
    { name: 'null', cmd: { ...NEW_BASE, id: null }, expected: newRej(R.INVALID_ID, null) },
    { name: 'missing', cmd: without(NEW_BASE, 'id'), expected: newRej(R.INVALID_ID, null) },
    { name: 'an object', cmd: { ...NEW_BASE, id: {} }, expected: newRej(R.INVALID_ID, null) },
    { name: 'a bigint', cmd: { ...NEW_BASE, id: 5n }, expected: newRej(R.INVALID_ID, null) },
    { name: 'cancel with bad id', cmd: { ...CANCEL_BASE, id: '' }, expected: rejected('cancel', null, R.INVALID_ID) },
    { name: 'modify with bad id', cmd: { ...MODIFY_BASE, id: 0.5 }, expected: rejected('modify', null, R.INVALID_ID) },
  ],
  [R.INVALID_ACCOUNT]: [
    { name: 'empty', cmd: { ...NEW_BASE, account: '' }, expected: newRej(R.INVALID_ACCOUNT) },
    { name: '65 units', cmd: { ...NEW_BASE, account: long65 }, expected: newRej(R.INVALID_ACCOUNT) },
    { name: 'a number', cmd: { ...NEW_BASE, account: 7 }, expected: newRej(R.INVALID_ACCOUNT) },
    { name: 'missing', cmd: without(NEW_BASE, 'account'), expected: newRej(R.INVALID_ACCOUNT) },
    { name: 'cancel', cmd: { ...CANCEL_BASE, account: null }, expected: rejected('cancel', 'live', R.INVALID_ACCOUNT) },
    { name: 'modify', cmd: { ...MODIFY_BASE, account: '' }, expected: rejected('modify', 'live', R.INVALID_ACCOUNT) },
  ],
  [R.INVALID_TIME]: [
    { name: 'negative', cmd: { ...NEW_BASE, time: -1 }, expected: newRej(R.INVALID_TIME) },
    { name: 'fraction', cmd: { ...NEW_BASE, time: 1.5 }, expected: newRej(R.INVALID_TIME) },
    { name: 'numeric string', cmd: { ...NEW_BASE, time: '1' }, expected: newRej(R.INVALID_TIME) },
    { name: 'missing', cmd: without(NEW_BASE, 'time'), expected: newRej(R.INVALID_TIME) },
    { name: 'NaN', cmd: { ...NEW_BASE, time: Number.NaN }, expected: newRej(R.INVALID_TIME) },
    { name: '2^53', cmd: { ...NEW_BASE, time: 2 ** 53 }, expected: newRej(R.INVALID_TIME) },
    { name: 'cancel', cmd: { ...CANCEL_BASE, time: Infinity }, expected: rejected('cancel', 'live', R.INVALID_TIME) },
    { name: 'modify', cmd: without(MODIFY_BASE, 'time'), expected: rejected('modify', 'live', R.INVALID_TIME) },
  ],
  [R.INVALID_SYMBOL]: [
    { name: 'a number', cmd: { ...NEW_BASE, symbol: 1 }, expected: newRej(R.INVALID_SYMBOL) },
    { name: 'null', cmd: { ...NEW_BASE, symbol: null }, expected: newRej(R.INVALID_SYMBOL) },
    { name: 'missing', cmd: without(NEW_BASE, 'symbol'), expected: newRej(R.INVALID_SYMBOL) },
  ],
  [R.UNKNOWN_SYMBOL]: [
    { name: 'unknown', cmd: { ...NEW_BASE, symbol: 'NOPE' }, expected: newRej(R.UNKNOWN_SYMBOL) },
    { name: 'wrong case', cmd: { ...NEW_BASE, symbol: 'acme' }, expected: newRej(R.UNKNOWN_SYMBOL) },
    { name: 'empty', cmd: { ...NEW_BASE, symbol: '' }, expected: newRej(R.UNKNOWN_SYMBOL) },
    // Names that a lookup through a plain object's prototype would wrongly find.
    { name: '__proto__', cmd: { ...NEW_BASE, symbol: '__proto__' }, expected: newRej(R.UNKNOWN_SYMBOL) },
    { name: 'toString', cmd: { ...NEW_BASE, symbol: 'toString' }, expected: newRej(R.UNKNOWN_SYMBOL) },
    { name: 'constructor', cmd: { ...NEW_BASE, symbol: 'constructor' }, expected: newRej(R.UNKNOWN_SYMBOL) },
  ],
  [R.INVALID_SIDE]: [
    { name: 'upper case', cmd: { ...NEW_BASE, side: 'BUY' }, expected: newRej(R.INVALID_SIDE) },
    { name: 'bid', cmd: { ...NEW_BASE, side: 'bid' }, expected: newRej(R.INVALID_SIDE) },
    { name: 'missing', cmd: without(NEW_BASE, 'side'), expected: newRej(R.INVALID_SIDE) },
  ],
  [R.INVALID_ORDER_TYPE]: [
    { name: 'stop', cmd: { ...NEW_BASE, type: 'stop' }, expected: newRej(R.INVALID_ORDER_TYPE) },
    { name: 'upper case', cmd: { ...NEW_BASE, type: 'LIMIT' }, expected: newRej(R.INVALID_ORDER_TYPE) },
    { name: 'missing', cmd: without(NEW_BASE, 'type'), expected: newRej(R.INVALID_ORDER_TYPE) },
  ],
  [R.INVALID_TIF]: [
    { name: 'DAY', cmd: { ...NEW_BASE, tif: 'DAY' }, expected: newRej(R.INVALID_TIF) },
    { name: 'lower case', cmd: { ...NEW_BASE, tif: 'gtc' }, expected: newRej(R.INVALID_TIF) },
    { name: 'null (only undefined means absent)', cmd: { ...NEW_BASE, tif: null }, expected: newRej(R.INVALID_TIF) },
    { name: 'GTC on a market order', cmd: { ...MARKET_BASE, tif: 'GTC' }, expected: newRej(R.INVALID_TIF) },
  ],
  [R.INVALID_POST_ONLY]: [
    { name: 'string', cmd: { ...NEW_BASE, postOnly: 'true' }, expected: newRej(R.INVALID_POST_ONLY) },
    { name: 'number', cmd: { ...NEW_BASE, postOnly: 1 }, expected: newRej(R.INVALID_POST_ONLY) },
    { name: 'null', cmd: { ...NEW_BASE, postOnly: null }, expected: newRej(R.INVALID_POST_ONLY) },
    { name: 'with IOC', cmd: { ...NEW_BASE, postOnly: true, tif: 'IOC' }, expected: newRej(R.INVALID_POST_ONLY) },
    { name: 'with FOK', cmd: { ...NEW_BASE, postOnly: true, tif: 'FOK' }, expected: newRej(R.INVALID_POST_ONLY) },
    { name: 'on a market order', cmd: { ...MARKET_BASE, postOnly: true }, expected: newRej(R.INVALID_POST_ONLY) },
  ],
  [R.INVALID_STP]: [
    { name: 'unknown mode', cmd: { ...NEW_BASE, stp: 'cancel' }, expected: newRej(R.INVALID_STP) },
    { name: 'upper case', cmd: { ...NEW_BASE, stp: 'CANCEL_BOTH' }, expected: newRej(R.INVALID_STP) },
    { name: 'null', cmd: { ...NEW_BASE, stp: null }, expected: newRej(R.INVALID_STP) },
  ],
  [R.INVALID_PRICE]: [
    { name: 'limit without price', cmd: without(NEW_BASE, 'price'), expected: newRej(R.INVALID_PRICE) },
    { name: 'numeric string', cmd: { ...NEW_BASE, price: '101' }, expected: newRej(R.INVALID_PRICE) },
    { name: 'fraction', cmd: { ...NEW_BASE, price: 100.5 }, expected: newRej(R.INVALID_PRICE) },
    { name: 'NaN', cmd: { ...NEW_BASE, price: Number.NaN }, expected: newRej(R.INVALID_PRICE) },
    { name: '-Infinity', cmd: { ...NEW_BASE, price: -Infinity }, expected: newRej(R.INVALID_PRICE) },
    { name: '2^53 is not safe (not out-of-range)', cmd: { ...NEW_BASE, price: 2 ** 53 }, expected: newRej(R.INVALID_PRICE) },
    { name: 'market with a price', cmd: { ...MARKET_BASE, price: 100 }, expected: newRej(R.INVALID_PRICE) },
    { name: 'market with price null', cmd: { ...MARKET_BASE, price: null }, expected: newRej(R.INVALID_PRICE) },
    { name: 'modify with price null', cmd: { ...MODIFY_BASE, price: null }, expected: rejected('modify', 'live', R.INVALID_PRICE) },
    { name: 'stop-market with a price', cmd: { ...MARKET_BASE, type: 'stop_market', stopPrice: 110, price: 100 }, expected: newRej(R.INVALID_PRICE) },
    { name: 'modify a stop-market with a price', cmd: { ...MODIFY_BASE, id: 'sm', account: 'erin', price: 100 }, expected: rejected('modify', 'sm', R.INVALID_PRICE) },
    { name: 'modify fraction', cmd: { ...MODIFY_BASE, price: 99.9 }, expected: rejected('modify', 'live', R.INVALID_PRICE) },
  ],
  [R.PRICE_OUT_OF_RANGE]: [
    { name: 'zero', cmd: { ...NEW_BASE, price: 0 }, expected: newRej(R.PRICE_OUT_OF_RANGE, 'n1', ACME) },
    { name: 'negative', cmd: { ...NEW_BASE, price: -5 }, expected: newRej(R.PRICE_OUT_OF_RANGE, 'n1', ACME) },
    { name: 'above max', cmd: { ...NEW_BASE, price: 1_000_001 }, expected: newRej(R.PRICE_OUT_OF_RANGE, 'n1', ACME) },
    { name: 'below min, on tick', cmd: { ...NEW_BASE, symbol: 'WIDE', price: 95, qty: 10 }, expected: newRej(R.PRICE_OUT_OF_RANGE, 'n1', WIDE) },
    { name: 'above max and off tick: range first', cmd: { ...NEW_BASE, symbol: 'WIDE', price: 1003 }, expected: newRej(R.PRICE_OUT_OF_RANGE, 'n1', WIDE) },
    { name: 'modify', cmd: { ...MODIFY_BASE, price: 0 }, expected: rejected('modify', 'live', R.PRICE_OUT_OF_RANGE, ACME) },
  ],
  [R.PRICE_NOT_ON_TICK]: [
    { name: 'new', cmd: { ...NEW_BASE, symbol: 'WIDE', price: 502 }, expected: newRej(R.PRICE_NOT_ON_TICK, 'n1', WIDE) },
    { name: 'modify', cmd: { ...MODIFY_BASE, id: 'w', price: 999, qty: 20 }, expected: rejected('modify', 'w', R.PRICE_NOT_ON_TICK, WIDE) },
  ],
  [R.INVALID_QTY]: [
    { name: 'zero', cmd: { ...NEW_BASE, qty: 0 }, expected: newRej(R.INVALID_QTY) },
    { name: 'negative', cmd: { ...NEW_BASE, qty: -10 }, expected: newRej(R.INVALID_QTY) },
    { name: 'fraction', cmd: { ...NEW_BASE, qty: 1.5 }, expected: newRej(R.INVALID_QTY) },
    { name: 'numeric string', cmd: { ...NEW_BASE, qty: '10' }, expected: newRej(R.INVALID_QTY) },
    { name: 'missing', cmd: without(NEW_BASE, 'qty'), expected: newRej(R.INVALID_QTY) },
    { name: 'Infinity', cmd: { ...NEW_BASE, qty: Infinity }, expected: newRej(R.INVALID_QTY) },
    { name: 'market, NaN', cmd: { ...MARKET_BASE, qty: Number.NaN }, expected: newRej(R.INVALID_QTY) },
    { name: 'modify zero', cmd: { ...MODIFY_BASE, qty: 0 }, expected: rejected('modify', 'live', R.INVALID_QTY) },
    { name: 'modify with nothing to change', cmd: without(MODIFY_BASE, 'qty', 'price'), expected: rejected('modify', 'live', R.INVALID_QTY) },
    { name: 'modify qty null', cmd: { ...MODIFY_BASE, qty: null }, expected: rejected('modify', 'live', R.INVALID_QTY) },
  ],
  [R.QTY_OUT_OF_RANGE]: [
    { name: 'above default maxQty', cmd: { ...NEW_BASE, qty: 1_000_000_001 }, expected: newRej(R.QTY_OUT_OF_RANGE, 'n1', ACME) },
    { name: 'above maxQty, on lot', cmd: { ...NEW_BASE, symbol: 'WIDE', price: 500, qty: 10_010 }, expected: newRej(R.QTY_OUT_OF_RANGE, 'n1', WIDE) },
    { name: 'above maxQty and off lot: range first', cmd: { ...NEW_BASE, symbol: 'WIDE', price: 500, qty: 10_001 }, expected: newRej(R.QTY_OUT_OF_RANGE, 'n1', WIDE) },
    { name: 'modify', cmd: { ...MODIFY_BASE, id: 'w', price: 500, qty: 20_000 }, expected: rejected('modify', 'w', R.QTY_OUT_OF_RANGE, WIDE) },
  ],
  [R.QTY_NOT_ON_LOT]: [
    { name: 'new', cmd: { ...NEW_BASE, symbol: 'WIDE', price: 500, qty: 15 }, expected: newRej(R.QTY_NOT_ON_LOT, 'n1', WIDE) },
    { name: 'modify', cmd: { ...MODIFY_BASE, id: 'w', price: 500, qty: 25 }, expected: rejected('modify', 'w', R.QTY_NOT_ON_LOT, WIDE) },
  ],
  [R.UNKNOWN_ORDER]: [
    { name: 'cancel of a never-seen id', cmd: { ...CANCEL_BASE, id: 'ghost' }, expected: rejected('cancel', 'ghost', R.UNKNOWN_ORDER) },
    { name: 'cancel of a dead id the engine no longer remembers', options: acmeOptions({ deadIdsPerInstrumentMax: 0 }), cmd: { ...CANCEL_BASE, id: 'dead' }, expected: rejected('cancel', 'dead', R.UNKNOWN_ORDER) },
    { name: "cancel of '1' while 1 is live", cmd: { ...CANCEL_BASE, id: '1', account: 'dave' }, expected: rejected('cancel', '1', R.UNKNOWN_ORDER) },
    { name: 'modify of a never-seen id', cmd: { ...MODIFY_BASE, id: 77 }, expected: rejected('modify', 77, R.UNKNOWN_ORDER) },
  ],
  [R.TOO_LATE_TO_CANCEL]: [
    { name: 'cancel of a cancelled order', cmd: { ...CANCEL_BASE, id: 'dead' }, expected: rejected('cancel', 'dead', R.TOO_LATE_TO_CANCEL) },
    { name: 'cancel of a filled order', cmd: { ...CANCEL_BASE, id: 'ws', account: 'erin' }, expected: rejected('cancel', 'ws', R.TOO_LATE_TO_CANCEL) },
    { name: 'cancel of a filled taker, by another account', cmd: { ...CANCEL_BASE, id: 'wb' }, expected: rejected('cancel', 'wb', R.TOO_LATE_TO_CANCEL) },
    { name: 'modify of a dead order', cmd: { ...MODIFY_BASE, id: 'dead' }, expected: rejected('modify', 'dead', R.TOO_LATE_TO_CANCEL) },
  ],
  [R.INVALID_STOP_PRICE]: [
    { name: 'stop-limit without stopPrice', cmd: { ...NEW_BASE, type: 'stop_limit' }, expected: newRej(R.INVALID_STOP_PRICE) },
    { name: 'stop-market with a fractional stopPrice', cmd: { ...MARKET_BASE, type: 'stop_market', stopPrice: 100.5 }, expected: newRej(R.INVALID_STOP_PRICE) },
    { name: 'stopPrice on a limit order', cmd: { ...NEW_BASE, stopPrice: 100 }, expected: newRej(R.INVALID_STOP_PRICE) },
    { name: 'stopPrice on a market order', cmd: { ...MARKET_BASE, stopPrice: 100 }, expected: newRej(R.INVALID_STOP_PRICE) },
    { name: 'modify with a bad stopPrice', cmd: { ...MODIFY_BASE, stopPrice: 'x' }, expected: rejected('modify', 'live', R.INVALID_STOP_PRICE) },
    { name: 'modify a resting order with a stopPrice', cmd: { ...MODIFY_BASE, stopPrice: 100 }, expected: rejected('modify', 'live', R.INVALID_STOP_PRICE) },
  ],
  [R.INVALID_DISPLAY_QTY]: [
    { name: 'zero', cmd: { ...NEW_BASE, displayQty: 0 }, expected: newRej(R.INVALID_DISPLAY_QTY) },
    { name: 'above qty', cmd: { ...NEW_BASE, displayQty: 11 }, expected: newRej(R.INVALID_DISPLAY_QTY) },
    { name: 'fraction', cmd: { ...NEW_BASE, displayQty: 1.5 }, expected: newRej(R.INVALID_DISPLAY_QTY) },
    { name: 'off lot', cmd: { ...NEW_BASE, symbol: 'WIDE', price: 500, qty: 100, displayQty: 15 }, expected: newRej(R.INVALID_DISPLAY_QTY) },
    { name: 'on an IOC order', cmd: { ...NEW_BASE, tif: 'IOC', displayQty: 5 }, expected: newRej(R.INVALID_DISPLAY_QTY) },
    { name: 'on a market order', cmd: { ...MARKET_BASE, displayQty: 5 }, expected: newRej(R.INVALID_DISPLAY_QTY) },
    { name: 'on a stop-limit order', cmd: { ...NEW_BASE, type: 'stop_limit', stopPrice: 110, displayQty: 5 }, expected: newRej(R.INVALID_DISPLAY_QTY) },
  ],
  [R.INVALID_EXPIRE_TIME]: [
    { name: 'GTT without expireTime', cmd: { ...NEW_BASE, tif: 'GTT' }, expected: newRej(R.INVALID_EXPIRE_TIME) },
    { name: 'GTT with a negative expireTime', cmd: { ...NEW_BASE, tif: 'GTT', expireTime: -1 }, expected: newRej(R.INVALID_EXPIRE_TIME) },
    { name: 'expireTime without GTT', cmd: { ...NEW_BASE, expireTime: 100 }, expected: newRej(R.INVALID_EXPIRE_TIME) },
  ],
  [R.ALREADY_EXPIRED]: [
    { name: 'expireTime equal to the command time', cmd: { ...NEW_BASE, tif: 'GTT', expireTime: 1 }, expected: newRej(R.ALREADY_EXPIRED) },
    { name: 'expireTime before the command time', cmd: { ...NEW_BASE, tif: 'GTT', expireTime: 0, time: 5 }, expected: newRej(R.ALREADY_EXPIRED) },
  ],
  [R.STOP_WOULD_TRIGGER]: [
    { name: 'buy stop at the last price', cmd: { ...MARKET_BASE, symbol: 'WIDE', type: 'stop_market', stopPrice: 600, qty: 10 }, expected: newRej(R.STOP_WOULD_TRIGGER) },
    { name: 'sell stop above the last price', cmd: { ...NEW_BASE, symbol: 'WIDE', side: 'sell', type: 'stop_limit', price: 600, stopPrice: 605, qty: 10 }, expected: newRej(R.STOP_WOULD_TRIGGER) },
    { name: 'modify a stop onto the last price', cmd: { op: 'modify', id: 'wstop', account: 'erin', stopPrice: 605, time: 1 }, expected: rejected('modify', 'wstop', R.STOP_WOULD_TRIGGER) },
  ],
  [R.OCO_PRICES_INVALID]: [
    { name: 'no last trade price yet', cmd: { ...OCO_BASE, symbol: 'ACME', price: 100, stopPrice: 130, stopLimitPrice: 131 }, expected: newRej(R.OCO_PRICES_INVALID) },
    { name: 'buy limit leg at the last price', cmd: { ...OCO_BASE, price: 600 }, expected: newRej(R.OCO_PRICES_INVALID) },
    { name: 'buy stop leg at the last price', cmd: { ...OCO_BASE, stopPrice: 600 }, expected: newRej(R.OCO_PRICES_INVALID) },
    { name: 'sell with the legs swapped', cmd: { ...OCO_BASE, side: 'sell', price: 550, stopPrice: 650 }, expected: newRej(R.OCO_PRICES_INVALID) },
  ],
  [R.OCO_NOT_MODIFIABLE]: [
    { name: 'size-only amend with both legs live', cmd: { op: 'modify', id: 'oco', account: 'erin', qty: 5, time: 1 }, expected: rejected('modify', 'oco', R.OCO_NOT_MODIFIABLE) },
    { name: 'price amend with both legs live', cmd: { op: 'modify', id: 'oco', account: 'erin', price: 705, time: 1 }, expected: rejected('modify', 'oco', R.OCO_NOT_MODIFIABLE) },
  ],
  [R.DUPLICATE_ORDER_ID]: [
    { name: 'OCO with a live id', cmd: { ...OCO_BASE, id: 'oco' }, expected: dupRej(R.DUPLICATE_ORDER_ID, 'oco', 'WIDE') },
    { name: 'limit with a live id', cmd: { ...NEW_BASE, id: 'live' }, expected: dupRej(R.DUPLICATE_ORDER_ID, 'live') },
    { name: 'id live in another instrument', cmd: { ...NEW_BASE, id: 'w' }, expected: dupRej(R.DUPLICATE_ORDER_ID, 'w', 'WIDE') },
    { name: 'numeric id', cmd: { ...NEW_BASE, id: 1 }, expected: dupRej(R.DUPLICATE_ORDER_ID, 1) },
    { name: 'IOC with a live id', cmd: { ...NEW_BASE, id: 'ask', tif: 'IOC' }, expected: dupRej(R.DUPLICATE_ORDER_ID, 'ask') },
    { name: 'market with a live id', cmd: { ...MARKET_BASE, id: 'po' }, expected: dupRej(R.DUPLICATE_ORDER_ID, 'po') },
  ],
  [R.DUPLICATE_ID]: [
    { name: 'the id of a cancelled order', cmd: { ...NEW_BASE, id: 'dead' }, expected: dupRej(R.DUPLICATE_ID, 'dead') },
    { name: 'the id of a filled order, from another instrument', cmd: { ...NEW_BASE, id: 'ws' }, expected: dupRej(R.DUPLICATE_ID, 'ws', 'WIDE') },
    { name: 'a market order reusing a filled id', cmd: { ...MARKET_BASE, id: 'wb' }, expected: dupRej(R.DUPLICATE_ID, 'wb', 'WIDE') },
  ],
  [R.ID_MEMORY_FULL]: [
    {
      name: "ACME's ring is full ('reject')",
      options: acmeOptions({ idsRememberedPerInstrumentMax: 6, idRetentionCommands: 1000, idsRememberedFull: 'reject' }),
      cmd: { ...NEW_BASE },
      expected: newRej(R.ID_MEMORY_FULL),
    },
  ],
  [R.NOT_OWNER]: [
    { name: 'cancel', cmd: { ...CANCEL_BASE, account: 'bob' }, expected: rejected('cancel', 'live', R.NOT_OWNER) },
    { name: 'modify', cmd: { ...MODIFY_BASE, account: 'bob' }, expected: rejected('modify', 'live', R.NOT_OWNER) },
    { name: 'account compare is exact', cmd: { ...CANCEL_BASE, account: 'Alice' }, expected: rejected('cancel', 'live', R.NOT_OWNER) },
  ],
  [R.POST_ONLY_WOULD_TAKE]: [
    { name: 'buy at the best ask', cmd: { ...NEW_BASE, price: 105, postOnly: true }, expected: newRej(R.POST_ONLY_WOULD_TAKE) },
    { name: 'sell below the best bid', cmd: { ...NEW_BASE, side: 'sell', price: 99, postOnly: true }, expected: newRej(R.POST_ONLY_WOULD_TAKE) },
    { name: 'modify a post-only order into the bid', cmd: { ...MODIFY_BASE, id: 'po', account: 'carol', price: 100, qty: 5 }, expected: rejected('modify', 'po', R.POST_ONLY_WOULD_TAKE) },
  ],
  [R.ORDER_CAPACITY]: [
    { name: 'GTC limit at maxOrders', options: acmeOptions({ maxOrders: LIVE_AFTER_SETUP }), cmd: { ...NEW_BASE }, expected: newRej(R.ORDER_CAPACITY) },
    { name: 'even one that would fully match', options: acmeOptions({ maxOrders: LIVE_AFTER_SETUP }), cmd: { ...NEW_BASE, price: 105 }, expected: newRej(R.ORDER_CAPACITY) },
    { name: 'post-only at maxOrders', options: acmeOptions({ maxOrders: LIVE_AFTER_SETUP }), cmd: { ...NEW_BASE, postOnly: true }, expected: newRej(R.ORDER_CAPACITY) },
  ],
  [R.INSTRUMENT_HALTED]: [
    { name: 'new on a halted instrument', prelude: [HALT_ACME], cmd: { ...NEW_BASE }, expected: newRej(R.INSTRUMENT_HALTED) },
    { name: 'halted before a duplicate id', prelude: [HALT_ACME], cmd: { ...NEW_BASE, id: 'live' }, expected: newRej(R.INSTRUMENT_HALTED, 'live') },
    { name: 'modify of a resting order', prelude: [HALT_ACME], cmd: { ...MODIFY_BASE }, expected: rejected('modify', 'live', R.INSTRUMENT_HALTED) },
    { name: 'modify of a pending stop', prelude: [HALT_ACME], cmd: { ...MODIFY_BASE, id: 'sm', account: 'erin', qty: 4, price: undefined }, expected: rejected('modify', 'sm', R.INSTRUMENT_HALTED) },
  ],
  [R.INSTRUMENT_CAPACITY]: [
    { name: 'add past instrumentsMax', options: acmeOptions({ instrumentsMax: 2 }), cmd: ADD_NEWX, expected: rejected('add_instrument', null, R.INSTRUMENT_CAPACITY) },
  ],
  [R.INVALID_INSTRUMENT]: [
    {
      name: 'a spec breaking a configuration rule',
      cmd: { ...ADD_NEWX, spec: { ...ADD_NEWX.spec, minPrice: 0 } },
      expected: {
        type: 'rejected',
        op: 'add_instrument',
        id: null,
        reason: R.INVALID_INSTRUMENT,
        detail: { symbol: 'NEWX', problem: 'spec (NEWX).minPrice must be a positive safe integer (got 0)' },
      },
    },
    {
      name: 'no spec',
      cmd: { op: 'add_instrument', time: 1 },
      expected: { type: 'rejected', op: 'add_instrument', id: null, reason: R.INVALID_INSTRUMENT, detail: { symbol: '', problem: 'spec must be an object (got undefined)' } },
    },
    {
      name: 'maxQty × ordersMax past 2^53',
      options: acmeOptions({ maxOrders: 2 ** 23 }),
      cmd: { ...ADD_NEWX, spec: { ...ADD_NEWX.spec, maxQty: 2 ** 32 - 1 } },
      expected: {
        type: 'rejected',
        op: 'add_instrument',
        id: null,
        reason: R.INVALID_INSTRUMENT,
        detail: { symbol: 'NEWX', problem: `spec: maxQty × ordersMax must not exceed 2^53 so level totals stay exact (got ${2 ** 32 - 1} × ${2 ** 23})` },
      },
    },
  ],
  [R.INSTRUMENT_EXISTS]: [
    { name: 'add of a configured symbol', cmd: { ...ADD_NEWX, spec: { ...ADD_NEWX.spec, symbol: 'WIDE' } }, expected: rejected('add_instrument', null, R.INSTRUMENT_EXISTS) },
  ],
  [R.ALREADY_HALTED]: [
    { name: 'halt of a halted instrument', prelude: [HALT_ACME], cmd: HALT_ACME, expected: rejected('halt', null, R.ALREADY_HALTED) },
  ],
  [R.NOT_HALTED]: [
    { name: 'resume of a running instrument', cmd: { op: 'resume', symbol: 'WIDE', time: 1 }, expected: rejected('resume', null, R.NOT_HALTED) },
  ],
};

/** When several checks fail, the earliest step of SEMANTICS.md decides. */
const ORDER_CASES: RejectCase[] = [
  { name: 'unknown op hides a bad id (id echoed as null)', cmd: { op: 'x', id: '' }, expected: rejected(null, null, R.UNKNOWN_OP) },
  { name: 'unknown op with a valid id still echoes id null', cmd: { ...NEW_BASE, op: 'x' }, expected: rejected(null, null, R.UNKNOWN_OP) },
  { name: 'bare {op:new} → INVALID_ID', cmd: { op: 'new' }, expected: rejected('new', null, R.INVALID_ID) },
  { name: 'bad id before bad account', cmd: { ...NEW_BASE, id: null, account: null }, expected: newRej(R.INVALID_ID, null) },
  { name: 'bad account before bad time', cmd: { ...NEW_BASE, account: 1, time: -1 }, expected: newRej(R.INVALID_ACCOUNT) },
  { name: 'bad time before bad symbol', cmd: { ...NEW_BASE, time: -1, symbol: 1 }, expected: newRej(R.INVALID_TIME) },
  { name: 'unknown symbol before bad side', cmd: { ...NEW_BASE, symbol: 'X', side: 'x' }, expected: newRej(R.UNKNOWN_SYMBOL) },
  { name: 'bad side before bad type', cmd: { ...NEW_BASE, side: 'x', type: 'x' }, expected: newRej(R.INVALID_SIDE) },
  { name: 'bad type before bad tif', cmd: { ...NEW_BASE, type: 'x', tif: 'x' }, expected: newRej(R.INVALID_ORDER_TYPE) },
  { name: 'bad tif before bad postOnly', cmd: { ...NEW_BASE, tif: 'x', postOnly: 'x' }, expected: newRej(R.INVALID_TIF) },
  { name: 'market GTC before postOnly on market', cmd: { ...MARKET_BASE, tif: 'GTC', postOnly: true }, expected: newRej(R.INVALID_TIF) },
  { name: 'bad postOnly before bad stp', cmd: { ...NEW_BASE, postOnly: 1, stp: 'x' }, expected: newRej(R.INVALID_POST_ONLY) },
  { name: 'bad stp before bad price', cmd: { ...NEW_BASE, stp: 'x', price: 'x' }, expected: newRej(R.INVALID_STP) },
  { name: 'bad price before bad qty', cmd: { ...NEW_BASE, price: 1.5, qty: -1 }, expected: newRej(R.INVALID_PRICE) },
  { name: 'price out of range before bad qty', cmd: { ...NEW_BASE, price: 0, qty: 'x' }, expected: newRej(R.PRICE_OUT_OF_RANGE, 'n1', ACME) },
  { name: 'price off tick before bad qty', cmd: { ...NEW_BASE, symbol: 'WIDE', price: 501, qty: 0 }, expected: newRej(R.PRICE_NOT_ON_TICK, 'n1', WIDE) },
  { name: 'bad qty before duplicate id', cmd: { ...NEW_BASE, id: 'live', qty: 0 }, expected: newRej(R.INVALID_QTY, 'live') },
  { name: 'qty off lot before duplicate id', cmd: { ...NEW_BASE, symbol: 'WIDE', price: 500, id: 'live', qty: 11 }, expected: newRej(R.QTY_NOT_ON_LOT, 'live', WIDE) },
  { name: 'duplicate id before capacity', options: acmeOptions({ maxOrders: LIVE_AFTER_SETUP }), cmd: { ...NEW_BASE, id: 'live' }, expected: dupRej(R.DUPLICATE_ORDER_ID, 'live') },
  { name: 'a dead id before capacity', options: acmeOptions({ maxOrders: LIVE_AFTER_SETUP }), cmd: { ...NEW_BASE, id: 'dead' }, expected: dupRej(R.DUPLICATE_ID, 'dead') },
  { name: 'duplicate id before a full memory', options: acmeOptions({ idsRememberedPerInstrumentMax: 6, idRetentionCommands: 1000, idsRememberedFull: 'reject' }), cmd: { ...NEW_BASE, id: 'dead' }, expected: dupRej(R.DUPLICATE_ID, 'dead') },
  { name: 'a full memory before capacity', options: acmeOptions({ maxOrders: LIVE_AFTER_SETUP, idsRememberedPerInstrumentMax: 6, idRetentionCommands: 1000, idsRememberedFull: 'reject' }), cmd: { ...NEW_BASE }, expected: newRej(R.ID_MEMORY_FULL) },
  { name: 'capacity before post-only cross', options: acmeOptions({ maxOrders: LIVE_AFTER_SETUP }), cmd: { ...NEW_BASE, price: 105, postOnly: true }, expected: newRej(R.ORDER_CAPACITY) },
  { name: 'bad tif before bad expireTime', cmd: { ...NEW_BASE, tif: 'x', expireTime: 'x' }, expected: newRej(R.INVALID_TIF) },
  { name: 'GTT on a market order is a bad tif', cmd: { ...MARKET_BASE, tif: 'GTT', expireTime: 5 }, expected: newRej(R.INVALID_TIF) },
  { name: 'bad expireTime before bad postOnly', cmd: { ...NEW_BASE, expireTime: 5, postOnly: 'x' }, expected: newRej(R.INVALID_EXPIRE_TIME) },
  { name: 'bad price before bad stopPrice', cmd: { ...NEW_BASE, type: 'stop_limit', price: 'x' }, expected: newRej(R.INVALID_PRICE) },
  { name: 'bad stopPrice before bad qty', cmd: { ...NEW_BASE, type: 'stop_limit', qty: 0 }, expected: newRej(R.INVALID_STOP_PRICE) },
  { name: 'stopPrice off tick before bad qty', cmd: { ...NEW_BASE, symbol: 'WIDE', type: 'stop_limit', price: 500, stopPrice: 502, qty: 0 }, expected: newRej(R.PRICE_NOT_ON_TICK, 'n1', WIDE) },
  { name: 'bad qty before bad displayQty', cmd: { ...NEW_BASE, qty: 0, displayQty: 'x' }, expected: newRej(R.INVALID_QTY) },
  { name: 'bad displayQty before duplicate id', cmd: { ...NEW_BASE, id: 'live', displayQty: 0 }, expected: newRej(R.INVALID_DISPLAY_QTY, 'live') },
  { name: 'duplicate id before already expired', cmd: { ...NEW_BASE, id: 'live', tif: 'GTT', expireTime: 0 }, expected: dupRej(R.DUPLICATE_ORDER_ID, 'live') },
  { name: 'already expired before capacity', options: acmeOptions({ maxOrders: LIVE_AFTER_SETUP }), cmd: { ...NEW_BASE, tif: 'GTT', expireTime: 0 }, expected: newRej(R.ALREADY_EXPIRED) },
  { name: 'a stop at maxOrders', options: acmeOptions({ maxOrders: LIVE_AFTER_SETUP }), cmd: { ...MARKET_BASE, type: 'stop_market', stopPrice: 130 }, expected: newRej(R.ORDER_CAPACITY) },
  { name: 'capacity before stop would trigger', options: acmeOptions({ maxOrders: LIVE_AFTER_SETUP }), cmd: { ...MARKET_BASE, symbol: 'WIDE', type: 'stop_market', stopPrice: 600, qty: 10 }, expected: newRej(R.ORDER_CAPACITY) },
  { name: 'OCO: IOC is a bad tif', cmd: { ...OCO_BASE, tif: 'IOC' }, expected: newRej(R.INVALID_TIF) },
  { name: 'OCO: postOnly is refused', cmd: { ...OCO_BASE, postOnly: true }, expected: newRej(R.INVALID_POST_ONLY) },
  { name: 'OCO: missing stopPrice', cmd: { ...OCO_BASE, stopPrice: undefined }, expected: newRej(R.INVALID_STOP_PRICE) },
  { name: 'OCO: missing stopLimitPrice', cmd: { ...OCO_BASE, stopLimitPrice: undefined }, expected: newRej(R.INVALID_PRICE) },
  { name: 'OCO: stopLimitPrice off tick before bad qty', cmd: { ...OCO_BASE, stopLimitPrice: 652, qty: 0 }, expected: newRej(R.PRICE_NOT_ON_TICK, 'n1', WIDE) },
  { name: 'OCO: displayQty is refused', cmd: { ...OCO_BASE, displayQty: 10 }, expected: newRej(R.INVALID_DISPLAY_QTY) },
  { name: 'stopLimitPrice on a limit order', cmd: { ...NEW_BASE, stopLimitPrice: 100 }, expected: newRej(R.INVALID_PRICE) },
  { name: 'OCO: needs room for both legs', options: acmeOptions({ maxOrders: LIVE_AFTER_SETUP + 1 }), cmd: { ...OCO_BASE }, expected: newRej(R.ORDER_CAPACITY) },
  { name: 'OCO: capacity before prices', options: acmeOptions({ maxOrders: LIVE_AFTER_SETUP + 1 }), cmd: { ...OCO_BASE, price: 600 }, expected: newRej(R.ORDER_CAPACITY) },
  { name: 'OCO: duplicate id before prices', cmd: { ...OCO_BASE, id: 'live', price: 600 }, expected: dupRej(R.DUPLICATE_ORDER_ID, 'live') },
  { name: 'modify OCO: not owner first', cmd: { op: 'modify', id: 'oco', account: 'bob', qty: 5, time: 1 }, expected: rejected('modify', 'oco', R.NOT_OWNER) },
  { name: 'modify: bad stopPrice before unknown order', cmd: { op: 'modify', id: 'nope', account: 'alice', stopPrice: 1.5, time: 1 }, expected: rejected('modify', 'nope', R.INVALID_STOP_PRICE) },
  { name: 'cancel: unknown order (no owner check possible)', cmd: { ...CANCEL_BASE, id: 'nope', account: 'bob' }, expected: rejected('cancel', 'nope', R.UNKNOWN_ORDER) },
  { name: 'modify: bad price before bad qty', cmd: { ...MODIFY_BASE, price: 'x', qty: 0 }, expected: rejected('modify', 'live', R.INVALID_PRICE) },
  { name: 'modify: bad qty before unknown order', cmd: { ...MODIFY_BASE, id: 'nope', qty: -1 }, expected: rejected('modify', 'nope', R.INVALID_QTY) },
  { name: 'modify: bad price before unknown order', cmd: { ...MODIFY_BASE, id: 'nope', price: Number.NaN }, expected: rejected('modify', 'nope', R.INVALID_PRICE) },
  { name: 'modify: unknown order before instrument rules', cmd: { ...MODIFY_BASE, id: 'nope', price: 0 }, expected: rejected('modify', 'nope', R.UNKNOWN_ORDER) },
  { name: 'modify: not owner before instrument rules', cmd: { ...MODIFY_BASE, account: 'bob', price: 0 }, expected: rejected('modify', 'live', R.NOT_OWNER) },
  { name: 'modify: price range before tick', cmd: { ...MODIFY_BASE, id: 'w', price: 1003, qty: 20 }, expected: rejected('modify', 'w', R.PRICE_OUT_OF_RANGE, WIDE) },
  { name: 'modify: price range before qty range', cmd: { ...MODIFY_BASE, id: 'w', price: 1005, qty: 20_000 }, expected: rejected('modify', 'w', R.PRICE_OUT_OF_RANGE, WIDE) },
  { name: 'modify: off tick before qty range', cmd: { ...MODIFY_BASE, id: 'w', price: 502, qty: 20_000 }, expected: rejected('modify', 'w', R.PRICE_NOT_ON_TICK, WIDE) },
  { name: 'modify: qty range before lot', cmd: { ...MODIFY_BASE, id: 'w', price: 500, qty: 10_001 }, expected: rejected('modify', 'w', R.QTY_OUT_OF_RANGE, WIDE) },
  { name: 'modify: lot before post-only cross', cmd: { ...MODIFY_BASE, id: 'po', account: 'carol', price: 100, qty: 5.5 }, expected: rejected('modify', 'po', R.INVALID_QTY) },
  { name: 'modify: qty range before post-only cross', cmd: { ...MODIFY_BASE, id: 'po', account: 'carol', price: 100, qty: 2_000_000_000 }, expected: rejected('modify', 'po', R.QTY_OUT_OF_RANGE, ACME) },
];

function setUp(impl: { create(o: EngineOptions): EngineLike }, options?: EngineOptions): EngineLike {
  const e = impl.create(options ?? acmeOptions());
  for (const cmd of SETUP) {
    const events = e.apply(cmd);
    if (events.some((ev) => ev.type === 'rejected')) throw new Error(`setup rejected: ${JSON.stringify(events)}`);
  }
  return e;
}

function applyPrelude(e: EngineLike, c: RejectCase): void {
  for (const cmd of c.prelude ?? []) {
    const events = applyRaw(e, cmd);
    if (events.some((ev) => ev.type === 'rejected')) throw new Error(`prelude rejected: ${JSON.stringify(events)}`);
  }
}

function expectRejectedWithoutChange(e: EngineLike, c: RejectCase): void {
  const hash = e.stateHash();
  const live = e.liveOrders;
  const depth = [e.depth('ACME', 100), e.depth('WIDE', 100)];
  expect(applyRaw(e, c.cmd)).toEqual([c.expected]);
  const r = c.expected.type === 'rejected' ? c.expected : undefined;
  if (r !== undefined && r.op === 'new' && CONSUMING.has(r.reason)) {
    // The id is used up: orderStatus says why (the books, live count and depth are unchanged).
    expect(e.orderStatus(r.id!)).toMatchObject({ status: 'rejected', reason: r.reason, filledQty: 0, remainingQty: 0 });
  } else {
    expect(e.stateHash()).toBe(hash);
  }
  expect(e.liveOrders).toBe(live);
  expect([e.depth('ACME', 100), e.depth('WIDE', 100)]).toEqual(depth);
  e.checkInvariants();
}

describe('reject table coverage', () => {
  it('has a case for every RejectCode except the Exchange-level ones', () => {
    const covered = Object.keys(CASES).sort();
    const expected = Object.values(RejectCode)
      .filter((c) => c !== RejectCode.QUEUE_FULL && c !== RejectCode.EXCHANGE_CLOSED)
      .sort();
    expect(covered).toEqual(expected);
    for (const list of Object.values(CASES)) expect(list.length).toBeGreaterThan(0);
  });
});

describe.each(IMPLS)('rejects ($name)', (impl) => {
  for (const [code, list] of Object.entries(CASES)) {
    describe(code, () => {
      it.each(list)('$name', (c) => {
        expect(c.expected.type === 'rejected' && c.expected.reason).toBe(code);
        const e = setUp(impl, c.options);
        expect(e.liveOrders).toBe(LIVE_AFTER_SETUP);
        applyPrelude(e, c);
        expectRejectedWithoutChange(e, c);
      });
    });
  }

  describe('validation order', () => {
    it.each(ORDER_CASES)('$name', (c) => {
      expectRejectedWithoutChange(setUp(impl, c.options), c);
    });
  });

  describe('near misses are accepted', () => {
    const ok = (cmd: Record<string, unknown>): void => {
      const e = setUp(impl);
      const events = applyRaw(e, cmd);
      expect(events[0]?.type).toBe('accepted');
      e.checkInvariants();
    };
    it('id of exactly 64 units, 32 emoji, 0, negative and MAX_SAFE_INTEGER', () => {
      for (const id of ['x'.repeat(64), '😀'.repeat(32), 0, -5, Number.MAX_SAFE_INTEGER]) ok({ ...NEW_BASE, id });
    });
    it('account of exactly 64 units, time 0 and MAX_SAFE_INTEGER', () => {
      ok({ ...NEW_BASE, account: 'a'.repeat(64) });
      ok({ ...NEW_BASE, time: 0 });
      ok({ ...NEW_BASE, time: Number.MAX_SAFE_INTEGER });
    });
    it('optional fields explicitly undefined mean absent; extra fields are ignored', () => {
      ok({ ...NEW_BASE, tif: undefined, postOnly: undefined, stp: undefined, extra: 'x', seq: 9 });
      ok({ ...MARKET_BASE, tif: undefined, price: undefined, postOnly: false, stp: 'cancel_both' });
    });
    it("string '1' is not a duplicate of live numeric 1", () => {
      const e = setUp(impl);
      const cmd = limit('1', 'alice', 'buy', 50, 1);
      expect(e.apply(cmd)).toEqual([accepted(cmd), rested(cmd)]);
    });
    it('a plain object without prototype is a command', () => {
      const cmd: Record<string, unknown> = Object.assign(Object.create(null) as Record<string, unknown>, NEW_BASE);
      ok(cmd);
    });
    it('modify accepts a post-only order at a non-crossing price', () => {
      const e = setUp(impl);
      expect(e.apply(modify('po', 'carol', 106, 5))[0]?.type).toBe('modified');
    });
  });

  // SEMANTICS.md says "not a plain non-null object"; we read "plain" as "prototype is
  // Object.prototype or null", so class instances with the right fields are malformed too.
  describe('interpretation: objects that are not plain', () => {
    class CommandLike {
      constructor(readonly fields: Record<string, unknown>) {
        Object.assign(this, fields);
      }
    }
    it.each([
      { name: 'a class instance carrying the fields', cmd: new CommandLike({ ...NEW_BASE }) },
      { name: 'a Date', cmd: new Date(0) },
      { name: 'a Map', cmd: new Map(Object.entries(NEW_BASE)) },
    ])('$name is MALFORMED_COMMAND', ({ cmd }) => {
      expectRejectedWithoutChange(setUp(impl), { name: '', cmd, expected: rejected(null, null, R.MALFORMED_COMMAND) });
    });
  });
});

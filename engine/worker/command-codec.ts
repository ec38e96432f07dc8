// Why this file exists: commands cross to a matching worker (and, once durable, to the backup
// thread) as numbers in one Float64Array plus the strings (accounts, string ids) in a plain array.
// They were validated by the exchange's shape checks before the log, so the worker fills the
// engine's parsed-command scratch straight from the numbers and skips parsing objects again.
// Measured against msgpack with sequential structures: packing was ~0.4 µs per command on the
// caller's thread, the numbers cost ~0.1 µs.

import type { ResolvedInstrument } from '../config.js';
import type { Command, NewOrderCommand, OrderId } from '../types.js';
import {
  isAdminOp,
  NO_EXPIRY,
  ORDER_TYPE_NAMES,
  ParsedCommand,
  parsedSpec,
  SIDE_BUY,
  SIDE_SELL,
  STP_NAMES,
  stpCode,
  TIF_NAMES,
  tifCode,
} from '../validate.js';

const OP_NEW = 0;
const OP_CANCEL = 1;
const OP_MODIFY = 2;
/** Admin commands carry no id or account: add_instrument its spec (numbers 10-14, symbol in refs), halt/resume the instrument (4). */
const OP_ADD_INSTRUMENT = 3;
const OP_HALT = 4;
const OP_RESUME = 5;
const ID_NUMBER = 0;
const ID_STRING = 1;
/**
 * Numbers per command: op, id kind, id, time, instrument, side, order type, tif, postOnly, stp,
 * price, qty, stopPrice, expireTime, displayQty, then modify's field mask or new's stopLimitPrice (OCO),
 * then the command's seq (0 when the caller gave none: the engine numbers it).
 */
export const COMMAND_WIDTH = 17;
const HAS_PRICE = 1;
const HAS_QTY = 2;
const HAS_STOP_PRICE = 4;
const ORDER_TYPE_CODE: Record<string, number> = { limit: 0, market: 1, stop_limit: 2, stop_market: 3, oco: 4 };


export interface EncodedCommands {
  nums: Float64Array;
  /** Accounts (every command) and string ids, in command order. */
  refs: Array<OrderId>;
}

/** Encodes logged commands (normalized by the exchange: tif, postOnly and stp explicit). */
export function encodeCommands(
  commands: readonly Command[],
  instrumentIndex: ReadonlyMap<string, number>,
  seqs?: ArrayLike<number>,
): EncodedCommands {
  const nums = new Float64Array(commands.length * COMMAND_WIDTH);
  const refs: OrderId[] = [];
  let p = 0;
  for (let i = 0; i < commands.length; i++, p += COMMAND_WIDTH) {
    const c = commands[i];
    if (c.op === 'add_instrument' || c.op === 'halt' || c.op === 'resume') {
      nums[p + 3] = c.time;
      if (c.op === 'add_instrument') {
        nums[p] = OP_ADD_INSTRUMENT;
        const spec = c.spec;
        nums[p + 10] = spec.tickSize;
        nums[p + 11] = spec.lotSize;
        nums[p + 12] = spec.minPrice;
        nums[p + 13] = spec.maxPrice;
        nums[p + 14] = spec.maxQty as number;
        refs.push(spec.symbol);
      } else {
        nums[p] = c.op === 'halt' ? OP_HALT : OP_RESUME;
        nums[p + 4] = instrumentIndex.get(c.symbol)!;
      }
      continue;
    }
    const id = c.id;
    if (typeof id === 'number') {
      nums[p + 1] = ID_NUMBER;
      nums[p + 2] = id;
    } else {
      nums[p + 1] = ID_STRING;
      refs.push(id);
    }
    refs.push(c.account);
    nums[p + 3] = c.time;
    nums[p + 16] = seqs === undefined ? 0 : seqs[i];
    if (c.op === 'cancel') {
      nums[p] = OP_CANCEL;
    } else if (c.op === 'modify') {
      nums[p] = OP_MODIFY;
      nums[p + 10] = c.price ?? 0;
      nums[p + 11] = c.qty ?? 0;
      nums[p + 12] = c.stopPrice ?? 0;
      nums[p + 15] =
        (c.price !== undefined ? HAS_PRICE : 0) | (c.qty !== undefined ? HAS_QTY : 0) | (c.stopPrice !== undefined ? HAS_STOP_PRICE : 0);
    } else {
      nums[p] = OP_NEW;
      nums[p + 4] = instrumentIndex.get(c.symbol)!;
      nums[p + 5] = c.side === 'buy' ? SIDE_BUY : SIDE_SELL;
      const market = c.type === 'market' || c.type === 'stop_market';
      nums[p + 6] = ORDER_TYPE_CODE[c.type];
      nums[p + 7] = tifCode(c.tif, market);
      nums[p + 8] = c.postOnly === true ? 1 : 0;
      nums[p + 9] = stpCode(c.stp);
      nums[p + 10] = market ? 0 : (c.price as number);
      nums[p + 11] = c.qty;
      nums[p + 12] = c.stopPrice ?? 0;
      nums[p + 13] = c.expireTime ?? NO_EXPIRY;
      nums[p + 14] = c.displayQty ?? 0;
      nums[p + 15] = c.stopLimitPrice ?? 0;
    }
  }
  return { nums, refs };
}

/** Reads encoded commands one at a time into a reused ParsedCommand (the worker's path). */
export class CommandReader {
  private p = 0;
  private r = 0;

  constructor(
    private readonly encoded: EncodedCommands,
    private readonly specs: readonly ResolvedInstrument[],
  ) {}

  get count(): number {
    return this.encoded.nums.length / COMMAND_WIDTH;
  }

  /** Fills `out` with the next command. */
  next(out: ParsedCommand): void {
    const nums = this.encoded.nums;
    const refs = this.encoded.refs;
    const p = this.p;
    this.p += COMMAND_WIDTH;
    const op = nums[p];
    if (op >= OP_ADD_INSTRUMENT) return this.nextAdmin(op, p, out);
    out.op = op === OP_NEW ? 'new' : op === OP_CANCEL ? 'cancel' : 'modify';
    out.id = nums[p + 1] === ID_NUMBER ? nums[p + 2] : refs[this.r++];
    out.account = refs[this.r++] as string;
    out.time = nums[p + 3];
    out.seq = nums[p + 16];
    if (op === OP_CANCEL) return;
    out.price = nums[p + 10];
    out.qty = nums[p + 11];
    out.stopPrice = nums[p + 12];
    if (op === OP_MODIFY) {
      const mask = nums[p + 15];
      out.hasPrice = (mask & HAS_PRICE) !== 0;
      out.hasQty = (mask & HAS_QTY) !== 0;
      out.hasStopPrice = (mask & HAS_STOP_PRICE) !== 0;
      return;
    }
    const instrument = nums[p + 4];
    out.instrument = instrument;
    out.symbol = this.specs[instrument].symbol;
    out.side = nums[p + 5];
    out.orderType = ORDER_TYPE_NAMES[nums[p + 6]];
    out.tif = nums[p + 7];
    out.postOnly = nums[p + 8] === 1;
    out.stp = nums[p + 9];
    out.expireTime = nums[p + 13];
    out.displayQty = nums[p + 14];
    out.stopLimitPrice = nums[p + 15];
  }

  private nextAdmin(op: number, p: number, out: ParsedCommand): void {
    const nums = this.encoded.nums;
    out.id = null;
    out.account = '';
    out.time = nums[p + 3];
    if (op === OP_ADD_INSTRUMENT) {
      out.op = 'add_instrument';
      out.symbol = this.encoded.refs[this.r++] as string;
      out.instrument = this.specs.length;
      out.tickSize = nums[p + 10];
      out.lotSize = nums[p + 11];
      out.minPrice = nums[p + 12];
      out.maxPrice = nums[p + 13];
      out.maxQty = nums[p + 14];
      return;
    }
    out.op = op === OP_HALT ? 'halt' : 'resume';
    out.instrument = nums[p + 4];
    out.symbol = this.specs[out.instrument].symbol;
  }
}

/** Rebuilds the logged command objects (the backup thread's path; it replays like recovery). */
export function decodeCommands(encoded: EncodedCommands, specs: readonly ResolvedInstrument[]): Command[] {
  const reader = new CommandReader(encoded, specs);
  const p = new ParsedCommand();
  const out: Command[] = new Array(reader.count);
  for (let i = 0; i < out.length; i++) {
    reader.next(p);
    out[i] = toCommand(p);
  }
  return out;
}

/** The normalized command object for a parsed command (the same shape the exchange logs). */
export function toCommand(p: ParsedCommand): Command {
  const time = p.time;
  const op = p.op;
  if (isAdminOp(op)) return op === 'add_instrument' ? { op, spec: parsedSpec(p), time } : { op, symbol: p.symbol, time };
  const id = p.id as OrderId;
  if (p.op === 'cancel') return { op: 'cancel', id, account: p.account, time };
  if (p.op === 'modify') {
    const modify: Command = { op: 'modify', id, account: p.account, time };
    if (p.hasPrice) modify.price = p.price;
    if (p.hasQty) modify.qty = p.qty;
    if (p.hasStopPrice) modify.stopPrice = p.stopPrice;
    return modify;
  }
  const side = p.side === SIDE_BUY ? 'buy' : 'sell';
  const tif = TIF_NAMES[p.tif];
  const stp = STP_NAMES[p.stp];
  const type = p.orderType;
  // Built field by field (stopPrice below), so typed by what it becomes: parseCommand checked it.
  const command = (
    type === 'market' || type === 'stop_market'
      ? { op: 'new', id, account: p.account, symbol: p.symbol, side, type, qty: p.qty, tif, postOnly: false, stp, time }
      : { op: 'new', id, account: p.account, symbol: p.symbol, side, type, price: p.price, qty: p.qty, tif, postOnly: p.postOnly, stp, time }
  ) as NewOrderCommand;
  // Optional order-type fields appear only when used, so plain orders keep their logged shape.
  if (type === 'stop_limit' || type === 'stop_market' || type === 'oco') command.stopPrice = p.stopPrice;
  if (type === 'oco') command.stopLimitPrice = p.stopLimitPrice;
  if (p.expireTime !== NO_EXPIRY) command.expireTime = p.expireTime;
  if (p.displayQty !== 0) command.displayQty = p.displayQty;
  return command;
}

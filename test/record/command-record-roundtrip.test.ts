// Why this file exists: The binary command record gives back every field of every order type exactly, strings as the
// same UTF-16 units (lone surrogates too), and marks with and without a state hash.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ParsedCommand, ORDER_TYPE_NAMES } from '../../engine/index.js';
import {
  CommandRecordDecoder,
  CommandRecordEncoder,
  KIND_MARK,
} from '../../replay/command-record.js';

const SYMBOLS = ['AAA', 'BBB', 'CCC'];
const safe = fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER });
const nonNegative = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
// Any 16-bit code units, lone surrogates included.
const units = (min: number, max: number) =>
  fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: min, maxLength: max }).map((a) => String.fromCharCode(...a));
const id = fc.oneof(safe, units(1, 64));

const command = fc.record({
  op: fc.constantFrom('new' as const, 'cancel' as const, 'modify' as const),
  id,
  account: units(1, 64),
  time: nonNegative,
  instrument: fc.integer({ min: 0, max: SYMBOLS.length - 1 }),
  side: fc.integer({ min: 0, max: 1 }),
  orderType: fc.constantFrom(...ORDER_TYPE_NAMES),
  tif: fc.integer({ min: 0, max: 3 }),
  postOnly: fc.boolean(),
  stp: fc.integer({ min: 0, max: 3 }),
  price: safe,
  qty: safe,
  stopPrice: safe,
  stopLimitPrice: safe,
  expireTime: fc.integer({ min: -1, max: Number.MAX_SAFE_INTEGER }),
  displayQty: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
  hasPrice: fc.boolean(),
  hasQty: fc.boolean(),
  hasStopPrice: fc.boolean(),
});

type Fields = typeof command extends fc.Arbitrary<infer T> ? T : never;

function parsed(f: Fields): ParsedCommand {
  const p = new ParsedCommand();
  Object.assign(p, f);
  p.symbol = SYMBOLS[f.instrument];
  return p;
}

/** The fields the record carries for this op (others are not read by the engine for it). */
function carried(p: ParsedCommand): Record<string, unknown> {
  const base = { op: p.op, id: p.id, account: p.account, time: p.time };
  if (p.op === 'cancel') return base;
  if (p.op === 'modify') {
    return { ...base, price: p.price, qty: p.qty, stopPrice: p.stopPrice, hasPrice: p.hasPrice, hasQty: p.hasQty, hasStopPrice: p.hasStopPrice };
  }
  return {
    ...base,
    instrument: p.instrument,
    symbol: p.symbol,
    side: p.side,
    orderType: p.orderType,
    tif: p.tif,
    postOnly: p.postOnly,
    stp: p.stp,
    price: p.price,
    qty: p.qty,
    stopPrice: p.stopPrice,
    stopLimitPrice: p.stopLimitPrice,
    expireTime: p.expireTime,
    displayQty: p.displayQty,
  };
}

describe('command record round trip', () => {
  it('gives back every field of every op and order type, with exact UTF-16 strings', () => {
    const encoder = new CommandRecordEncoder();
    const decoder = new CommandRecordDecoder(SYMBOLS);
    fc.assert(
      fc.property(command, nonNegative, (fields, seq) => {
        const p = parsed(fields);
        const bytes = encoder.encodeCommand(seq, p);
        // Decode from an offset inside a bigger buffer, as a log chunk holds it.
        const chunk = new Uint8Array(bytes.length + 7);
        chunk.set(bytes, 3);
        const kind = decoder.decode(chunk, 3, 3 + bytes.length, seq);
        expect(kind).not.toBe(KIND_MARK);
        expect(carried(decoder.command)).toEqual(carried(p));
        if (typeof p.id === 'string') expect(decoder.command.id).toBe(p.id);
        expect(decoder.command.account).toBe(p.account);
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps -0 and the largest safe integers exact', () => {
    const encoder = new CommandRecordEncoder();
    const decoder = new CommandRecordDecoder(SYMBOLS);
    const p = parsed({
      op: 'new', id: Number.MAX_SAFE_INTEGER, account: 'a', time: Number.MAX_SAFE_INTEGER, instrument: 2, side: 1,
      orderType: 'stop_limit', tif: 3, postOnly: false, stp: 3, price: Number.MIN_SAFE_INTEGER, qty: 2 ** 53 - 1,
      stopPrice: 1, stopLimitPrice: 7, expireTime: 2 ** 53 - 2, displayQty: 2 ** 32 - 1, hasPrice: true, hasQty: true, hasStopPrice: false,
    });
    const bytes = encoder.encodeCommand(9, p);
    decoder.decode(bytes, 0, bytes.length, 9);
    expect(carried(decoder.command)).toEqual(carried(p));
  });

  it('round-trips marks with and without a state hash', () => {
    const encoder = new CommandRecordEncoder();
    const decoder = new CommandRecordDecoder(SYMBOLS);
    fc.assert(
      fc.property(nonNegative, nonNegative, nonNegative, units(0, 16), fc.option(units(1, 64), { nil: undefined }), (seq, upto, commands, digest, stateHash) => {
        const mark = stateHash === undefined ? { op: 'mark' as const, upto, commands, digest } : { op: 'mark' as const, upto, commands, digest, stateHash };
        const bytes = encoder.encodeMark(seq, mark);
        expect(decoder.decode(bytes, 0, bytes.length, seq)).toBe(KIND_MARK);
        expect(decoder.mark).toEqual(mark);
      }),
    );
  });

  it('reuses one ParsedCommand for every record it decodes', () => {
    const encoder = new CommandRecordEncoder();
    const decoder = new CommandRecordDecoder(SYMBOLS);
    const first = decoder.command;
    const p = parsed({
      op: 'cancel', id: 'x', account: 'a', time: 1, instrument: 0, side: 0, orderType: 'limit', tif: 0, postOnly: false,
      stp: 0, price: 0, qty: 0, stopPrice: 0, stopLimitPrice: 0, expireTime: -1, displayQty: 0, hasPrice: true, hasQty: true, hasStopPrice: false,
    });
    const bytes = encoder.encodeCommand(1, p);
    decoder.decode(bytes, 0, bytes.length, 1);
    expect(decoder.command).toBe(first);
  });
});

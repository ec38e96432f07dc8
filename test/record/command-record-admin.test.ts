// Why this file exists: record format 2 adds kinds 4-6 (add_instrument, halt, resume) as table
// entries: each round-trips exactly, an add's index is the decoder's symbol count (its table is
// read live, so the next record can name the new instrument), a halt naming an instrument the
// table lacks is damage, and format 1 records (kinds 0-3) are still read while a format 1 record
// of a kind it never had is refused.

import { describe, expect, it } from 'vitest';
import { ParsedCommand } from '../../engine/index.js';
import {
  CommandRecordDecoder,
  CommandRecordEncoder,
  CommandRecordError,
  KIND_ADD_INSTRUMENT,
  KIND_CANCEL,
  KIND_HALT,
  KIND_RESUME,
  RECORD_VERSION,
} from '../../replay/command-record.js';
import { crc32c } from '../../wal/index.js';

function admin(op: 'add_instrument' | 'halt' | 'resume', fields: Partial<ParsedCommand>): ParsedCommand {
  const p = new ParsedCommand();
  Object.assign(p, { op, id: null, account: '', time: 1_700_000_000_123 }, fields);
  return p;
}

/** Rewrites a record's version byte and reseals its checksum (a record as an older build wrote it). */
function asVersion(bytes: Uint8Array, version: number): Uint8Array {
  const copy = bytes.slice();
  copy[0] = version;
  const crc = crc32c(copy, 8, copy.length, crc32c(copy, 0, 4));
  new DataView(copy.buffer).setUint32(4, crc, true);
  return copy;
}

function thrown(f: () => unknown): CommandRecordError {
  try {
    f();
  } catch (error) {
    return error as CommandRecordError;
  }
  throw new Error('did not throw');
}

describe('admin records (format 2)', () => {
  it('round-trip add_instrument (spec and symbol; the index is the next one), halt and resume', () => {
    expect(RECORD_VERSION).toBe(2);
    const symbols = ['AAA', 'BBB'];
    const encoder = new CommandRecordEncoder();
    const decoder = new CommandRecordDecoder(symbols);
    const add = admin('add_instrument', { symbol: 'NEW 😀', tickSize: 5, lotSize: 10, minPrice: 5, maxPrice: 2 ** 48, maxQty: 2 ** 32 - 1 });
    let bytes = encoder.encodeCommand(7, add);
    expect(decoder.decode(bytes, 0, bytes.length, 7)).toBe(KIND_ADD_INSTRUMENT);
    const got = decoder.command;
    expect([got.op, got.id, got.account, got.time, got.symbol, got.instrument]).toEqual(['add_instrument', null, '', add.time, 'NEW 😀', 2]);
    expect([got.tickSize, got.lotSize, got.minPrice, got.maxPrice, got.maxQty]).toEqual([5, 10, 5, 2 ** 48, 2 ** 32 - 1]);

    // The engine extends the live table once it applied the add: a halt of index 2 now decodes.
    symbols.push('NEW 😀');
    bytes = encoder.encodeCommand(8, admin('halt', { instrument: 2, symbol: 'NEW 😀' }));
    expect(decoder.decode(bytes, 0, bytes.length, 8)).toBe(KIND_HALT);
    expect([decoder.command.op, decoder.command.instrument, decoder.command.symbol, decoder.command.id]).toEqual(['halt', 2, 'NEW 😀', null]);
    bytes = encoder.encodeCommand(9, admin('resume', { instrument: 0, symbol: 'AAA' }));
    expect(decoder.decode(bytes, 0, bytes.length, 9)).toBe(KIND_RESUME);
    expect([decoder.command.op, decoder.command.symbol]).toEqual(['resume', 'AAA']);
  });

  it('a halt naming an instrument the table lacks is damage', () => {
    const bytes = new CommandRecordEncoder().encodeCommand(3, admin('halt', { instrument: 5, symbol: 'X' }));
    const error = thrown(() => new CommandRecordDecoder(['AAA']).decode(bytes, 0, bytes.length, 3));
    expect(error.code).toBe('RECORD_DAMAGED');
    expect(error.message).toBe('command record at seq 3: instrument index 5 is not configured');
  });

  it('format 1 records are still read; a format 1 record of kind 4-6 is refused', () => {
    const encoder = new CommandRecordEncoder();
    const decoder = new CommandRecordDecoder(['AAA']);
    const cancel = new ParsedCommand();
    Object.assign(cancel, { op: 'cancel', id: 'c-1', account: 'acct', time: 5 });
    const old = asVersion(encoder.encodeCommand(1, cancel), 1);
    expect(decoder.decode(old, 0, old.length, 1)).toBe(KIND_CANCEL);
    expect([decoder.command.op, decoder.command.id, decoder.command.account]).toEqual(['cancel', 'c-1', 'acct']);
    const bogus = asVersion(encoder.encodeCommand(2, admin('resume', { instrument: 0, symbol: 'AAA' })), 1);
    const error = thrown(() => decoder.decode(bogus, 0, bogus.length, 2));
    expect(error.code).toBe('RECORD_DAMAGED');
    expect(error.message).toBe('command record at seq 2: unknown record kind 6');
  });
});

describe('admin records in a replicated member envelope', () => {
  it('an add decodes, and the next record can name the new instrument (the decoder reads the engine tables live)', async () => {
    const { Engine, parseCommand: parse } = await import('../../engine/index.js');
    const { MemberRecordDecoder, MemberRecordEncoder } = await import('../../exchange/member-record.js');
    const engine = new Engine({ instruments: [{ symbol: 'AAA', tickSize: 1, lotSize: 1, minPrice: 1, maxPrice: 100 }] });
    const encoder = new MemberRecordEncoder('member-1');
    const decoder = new MemberRecordDecoder(engine.options.instruments, engine.symbols);
    const commands = [
      { op: 'add_instrument', spec: { symbol: 'NEW', tickSize: 1, lotSize: 1, minPrice: 1, maxPrice: 50 }, time: 1 },
      { op: 'halt', symbol: 'NEW', time: 2 },
      { op: 'new', id: 'o', account: 'a', symbol: 'NEW', side: 'buy', type: 'limit', price: 5, qty: 1, time: 3 },
    ];
    const seen: string[] = [];
    commands.forEach((command, i) => {
      const p = new ParsedCommand();
      // Parsed against the engine as it stands (the add applied before the orders behind it).
      expect(parse(command, engine.instrumentIndex, engine.options.instruments, p, true, true)).toBeNull();
      decoder.decode(encoder.encode(i + 1, p), i + 1);
      expect(decoder.memberId).toBe('member-1');
      seen.push(...engine.applyParsed(decoder.command).map((e) => (e.type === 'rejected' ? e.reason : e.type)));
    });
    expect(seen).toEqual(['instrument_added', 'halted', 'INSTRUMENT_HALTED']);
  });
});

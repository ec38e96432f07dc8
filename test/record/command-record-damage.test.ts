// Why this file exists: A damaged record is a typed error naming its seq (its checksum skipped only
// when the caller says it was checked); a record of an unknown format version is
// refused as such; a string too long for a record is refused at encode.

import { describe, expect, it } from 'vitest';
import { ParsedCommand } from '../../engine/index.js';
import { CommandRecordDecoder, CommandRecordEncoder, CommandRecordError, RECORD_VERSION, SEQ_BY_LOG } from '../../replay/command-record.js';

function order(): ParsedCommand {
  const p = new ParsedCommand();
  Object.assign(p, { op: 'new', id: 'order-1', account: 'acct', time: 5, instrument: 0, symbol: 'AAA', price: 100, qty: 10 });
  return p;
}

function decodeError(bytes: Uint8Array, seq: number): CommandRecordError {
  const decoder = new CommandRecordDecoder(['AAA']);
  try {
    decoder.decode(bytes, 0, bytes.length, seq);
  } catch (error) {
    expect(error).toBeInstanceOf(CommandRecordError);
    return error as CommandRecordError;
  }
  throw new Error('decode accepted the record');
}

describe('command record damage', () => {
  it('names the seq of a record with a flipped bit, at every byte', () => {
    const bytes = new CommandRecordEncoder().encodeCommand(42, order()).slice();
    for (let i = 1; i < bytes.length; i++) {
      const copy = bytes.slice();
      copy[i] ^= 0x10;
      const error = decodeError(copy, 42);
      expect(error.code).toBe('RECORD_DAMAGED');
      expect(error.seq).toBe(42);
      expect(error.message).toContain('seq 42');
    }
  });

  it('skips only the checksum when the caller already checked it (or the bytes never left memory)', () => {
    const bytes = new CommandRecordEncoder().encodeCommand(9, order()).slice();
    bytes[20] ^= 0x04; // inside `time`: only the checksum can tell
    expect(decodeError(bytes, 9).message).toMatch(/checksum mismatch/);
    const decoder = new CommandRecordDecoder(['AAA']);
    expect(decoder.decode(bytes, 0, bytes.length, 9, true)).toBe(0);
    expect(decoder.command.time).not.toBe(5);
    // The structure is still checked: version, kind, seq, length.
    const truncated = bytes.subarray(0, bytes.length - 1);
    expect(() => decoder.decode(truncated, 0, truncated.length, 9, true)).toThrow(/record ends inside a field/);
    const unknownKind = bytes.slice();
    unknownKind[1] = 0x7f;
    expect(() => decoder.decode(unknownKind, 0, unknownKind.length, 9, true)).toThrow(/unknown record kind 127/);
    expect(() => decoder.decode(bytes, 0, bytes.length, 10, true)).toThrow(/carries seq 9/);
  });

  it('refuses an unknown format version with its own code', () => {
    const bytes = new CommandRecordEncoder().encodeCommand(7, order()).slice();
    bytes[0] = RECORD_VERSION + 1;
    const error = decodeError(bytes, 7);
    expect(error.code).toBe('RECORD_VERSION');
    expect(error.message).toContain(`unknown record format version ${RECORD_VERSION + 1}`);
  });

  it('refuses a truncated record and one with trailing bytes', () => {
    const bytes = new CommandRecordEncoder().encodeCommand(3, order()).slice();
    expect(decodeError(bytes.subarray(0, bytes.length - 1), 3).code).toBe('RECORD_DAMAGED');
    expect(decodeError(bytes.subarray(0, 10), 3).code).toBe('RECORD_DAMAGED');
    const longer = new Uint8Array(bytes.length + 1);
    longer.set(bytes);
    expect(decodeError(longer, 3).code).toBe('RECORD_DAMAGED');
  });

  it('refuses a record stored at another seq than the one it carries', () => {
    const bytes = new CommandRecordEncoder().encodeCommand(3, order());
    const error = decodeError(bytes, 4);
    expect(error.seq).toBe(4);
    expect(error.message).toContain('carries seq 3');
  });

  it('accepts a record encoded before its log numbered it (seq 0, a replicated stream) at any seq', () => {
    const bytes = new CommandRecordEncoder().encodeCommand(SEQ_BY_LOG, order());
    const decoder = new CommandRecordDecoder(['AAA']);
    expect(() => decoder.decode(bytes, 0, bytes.length, 12345)).not.toThrow();
    expect(decoder.command.id).toBe('order-1');
  });

  it('refuses to encode a string longer than a record carries', () => {
    const p = order();
    p.account = 'x'.repeat(256);
    expect(() => new CommandRecordEncoder().encodeCommand(1, p)).toThrow(CommandRecordError);
  });
});

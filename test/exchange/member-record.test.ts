// Why this file exists: a replicated member publishes the local log's binary command record in
// an envelope naming the submitter (exchange/member-record.ts). Every member must decode exactly
// what was submitted (string ids and accounts included), refuse damage by
// seq, and still read streams written in the earlier msgpack form.

import { describe, expect, it } from 'vitest';
import { pack } from 'msgpackr';
import { Engine, ParsedCommand, parseCommand, toCommand, type OrderCommand as Command, type ExchangeCommand } from '../../engine/index.js';
import { MemberRecordDecoder, MemberRecordEncoder, MemberRecordError } from '../../exchange/index.js';
import { generate } from './fixtures/load.js';
import { MULTI } from './fixtures/common.js';

const engine = new Engine({ instruments: MULTI });
const index = new Map(engine.instruments.map((spec, i) => [spec.symbol, i]));

function parsed(command: ExchangeCommand, time: number): ParsedCommand {
  const p = new ParsedCommand();
  const reason = parseCommand({ ...command, time }, index, engine.instruments, p, true);
  expect(reason).toBeNull();
  return p;
}

describe('member record', () => {
  it('round-trips every command of a seeded stream with its member id and counter', () => {
    const encoder = new MemberRecordEncoder('MEMBERAAAAAAAAAAAAAAAA');
    const decoder = new MemberRecordDecoder(engine.instruments);
    const stream = generate(7, MULTI, 2_000);
    stream.forEach((command, n) => {
      const p = parsed(command, 1_700_000_000_000 + n);
      const bytes = encoder.encode(n, p);
      decoder.decode(bytes, n + 1);
      expect(decoder.memberId).toBe('MEMBERAAAAAAAAAAAAAAAA');
      expect(decoder.n).toBe(n);
      expect(toCommand(decoder.command)).toEqual(toCommand(p));
    });
  });

  it('carries non-ASCII string ids and accounts exactly (lone surrogates are refused before encoding)', () => {
    const encoder = new MemberRecordEncoder('m1');
    const decoder = new MemberRecordDecoder(engine.instruments);
    const symbol = MULTI[0].symbol;
    const command = { op: 'new', id: 'client-\u00e9-42', account: 'acct-\u4e2d', symbol, side: 'buy', type: 'limit', price: MULTI[0].minPrice ?? 1, qty: 1 } as Command;
    const p = parsed(command, 5);
    decoder.decode(encoder.encode(3, p), 9);
    expect(decoder.command.id).toBe('client-\u00e9-42');
    expect(decoder.command.account).toBe('acct-\u4e2d');
    expect(decoder.command.time).toBe(5);
  });

  it('alternates between members without mixing their ids', () => {
    const a = new MemberRecordEncoder('member-a');
    const b = new MemberRecordEncoder('member-bb');
    const decoder = new MemberRecordDecoder(engine.instruments);
    const p = parsed(generate(1, MULTI, 1)[0], 1);
    const seen: string[] = [];
    for (let i = 0; i < 6; i++) {
      decoder.decode((i % 2 === 0 ? a : b).encode(i, p), i + 1);
      seen.push(`${decoder.memberId}:${decoder.n}`);
    }
    expect(seen).toEqual(['member-a:0', 'member-bb:1', 'member-a:2', 'member-bb:3', 'member-a:4', 'member-bb:5']);
  });

  it('refuses a damaged record, an unknown envelope version and a truncated envelope, naming the seq', () => {
    const encoder = new MemberRecordEncoder('m1');
    const decoder = new MemberRecordDecoder(engine.instruments);
    const bytes = encoder.encode(0, parsed(generate(2, MULTI, 1)[0], 1));
    const flipped = bytes.slice();
    flipped[flipped.length - 1] ^= 0xff;
    expect(() => decoder.decode(flipped, 41)).toThrow(/seq 41.*checksum/);
    const version = bytes.slice();
    version[0] = 9;
    expect(() => decoder.decode(version, 42)).toThrow(MemberRecordError);
    expect(() => decoder.decode(version, 42)).toThrow(/seq 42: unknown envelope version 9/);
    expect(() => decoder.decode(bytes.subarray(0, 5), 43)).toThrow(/seq 43: truncated envelope/);
    expect(() => decoder.decode(new Uint8Array(0), 44)).toThrow(/seq 44: empty/);
  });

  it('refuses member ids that are empty, too long or not printable ASCII', () => {
    expect(() => new MemberRecordEncoder('')).toThrow(RangeError);
    expect(() => new MemberRecordEncoder('x'.repeat(65))).toThrow(/1-64 printable ASCII/);
    expect(() => new MemberRecordEncoder('m\u00e9')).toThrow(/printable ASCII/);
  });

  it('still reads a stream written as msgpack {m, n, c} before the binary record', () => {
    const decoder = new MemberRecordDecoder(engine.instruments);
    const command = { ...generate(3, MULTI, 1)[0], time: 77 } as Command;
    decoder.decode(pack({ m: 'old-member', n: 12, c: command }), 5);
    expect(decoder.memberId).toBe('old-member');
    expect(decoder.n).toBe(12);
    expect(toCommand(decoder.command)).toEqual(toCommand(parsed(command, 77)));
    expect(() => decoder.decode(pack({ m: 'x', n: 1, c: { op: 'nope' } }), 6)).toThrow(/seq 6: msgpack record holds an invalid command/);
  });
});

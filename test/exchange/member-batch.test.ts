// Why this file exists: a replicated member publishes every command of one event-loop turn as ONE
// stream message (exchange/member-record.ts, BATCH_VERSION). Every member must get back each
// command exactly as submitted, with consecutive counters, in order; a damaged batch must be
// refused whole (before its first command is handed out), never half applied.

import { describe, expect, it } from 'vitest';
import { Engine, ParsedCommand, parseCommand, toCommand, type ExchangeCommand } from '../../engine/index.js';
import { MemberBatchEncoder, MemberRecordDecoder, MemberRecordEncoder, MemberRecordError } from '../../exchange/index.js';
import { generate } from './fixtures/load.js';
import { MULTI } from './fixtures/common.js';

const engine = new Engine({ instruments: MULTI });
const index = new Map(engine.instruments.map((spec, i) => [spec.symbol, i]));

function parsed(command: ExchangeCommand, time: number): ParsedCommand {
  const p = new ParsedCommand();
  expect(parseCommand({ ...command, time }, index, engine.instruments, p, true)).toBeNull();
  return p;
}

describe('member batch', () => {
  it('round-trips batches of every size with consecutive counters, the encoder reused across batches', () => {
    const encoder = new MemberBatchEncoder('MEMBERAAAAAAAAAAAAAAAA');
    const decoder = new MemberRecordDecoder(engine.instruments);
    const stream = generate(9, MULTI, 3_000);
    let n = 0;
    let seq = 0;
    for (const size of [1, 2, 7, 500, 1_200, 1_290]) {
      const batch = stream.slice(n, n + size).map((command, i) => parsed(command, 1_700_000_000_000 + n + i));
      const firstN = n;
      for (const p of batch) encoder.add(n++, p);
      expect(encoder.count).toBe(size);
      const bytes = encoder.take();
      expect(encoder.count).toBe(0);
      expect(decoder.begin(bytes, 100 + size)).toBe(size);
      for (let i = 0; i < size; i++) {
        decoder.next(++seq);
        expect(decoder.memberId).toBe('MEMBERAAAAAAAAAAAAAAAA');
        expect(decoder.n).toBe(firstN + i);
        expect(toCommand(decoder.command)).toEqual(toCommand(batch[i]));
      }
    }
  });

  it('reads single envelopes of earlier builds as one-command messages', () => {
    const p = parsed(generate(3, MULTI, 1)[0], 5);
    const decoder = new MemberRecordDecoder(engine.instruments);
    expect(decoder.begin(new MemberRecordEncoder('m1').encode(41, p), 7)).toBe(1);
    decoder.next(7);
    expect(decoder.n).toBe(41);
    expect(toCommand(decoder.command)).toEqual(toCommand(p));
  });

  it('refuses a truncated or padded batch before its first command, naming the stream seq', () => {
    const encoder = new MemberBatchEncoder('m1');
    for (const [i, command] of generate(4, MULTI, 3).entries()) encoder.add(i, parsed(command, 10 + i));
    const bytes = encoder.take();
    const decoder = new MemberRecordDecoder(engine.instruments);
    expect(() => decoder.begin(bytes.subarray(0, bytes.length - 1), 12)).toThrow(MemberRecordError);
    expect(() => decoder.begin(bytes.subarray(0, bytes.length - 1), 12)).toThrow(/stream record at seq 12: batch/);
    const padded = new Uint8Array(bytes.length + 1);
    padded.set(bytes);
    expect(() => decoder.begin(padded, 13)).toThrow(/ends at byte/);
    const empty = bytes.slice();
    new DataView(empty.buffer).setUint32(2 + 2 + 8, 0, true);
    expect(() => decoder.begin(empty, 14)).toThrow(/a batch of 0 commands/);
    // A single-record decode of a batch says what it found.
    expect(() => decoder.decode(bytes, 15)).toThrow(/a batch of 3 commands where one record was expected/);
  });
});

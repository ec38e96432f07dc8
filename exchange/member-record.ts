// Why this file exists: what a replicated member publishes to the venue's stream is the same
// binary command record the local log stores (replay/command-record.ts), wrapped in a small
// envelope that says which member submitted it, so that member can resolve its own promise
// when the record comes back in stream order. Every member decodes the record into one reused
// ParsedCommand and applies it without building or re-validating a command object.
//
// Envelope layout, format ENVELOPE_VERSION (integers little-endian):
//   [0]            u8   ENVELOPE_VERSION
//   [1]            u8   L, the submitting member's id length in bytes (latin1; a NATS nuid is 22)
//   [2, 2+L)            the member id
//   [2+L, 10+L)    f64  the member's submit counter n (a safe integer)
//   [10+L, end)         the command record, encoded with seq SEQ_BY_LOG (the stream numbers it)
//
// Streams written before this format hold msgpack maps {m, n, c} (msgpackr writes a map16,
// first byte 0xde; any first byte >= 0x80 is a msgpack map or extension, never an envelope
// version): they are still read.

import { unpack } from 'msgpackr';
import { CommandRecordDecoder, CommandRecordEncoder, COMMAND_RECORD_BYTES_MAX, KIND_MARK, SEQ_BY_LOG } from '../replay/index.js';
import { parseCommand, ParsedCommand, type Command, type ResolvedInstrument } from '../engine/index.js';

export const ENVELOPE_VERSION = 1;
/** Envelope versions stay below this; a legacy msgpack record ({m, n, c}) starts at or above it. */
const LEGACY_MSGPACK_FIRST_BYTE_MIN = 0x80;
/** A member id is a NATS nuid; anything up to this many latin1 bytes is accepted. */
export const MEMBER_ID_BYTES_MAX = 64;

/** A stream record that does not decode: damage, or a writer this build does not know. */
export class MemberRecordError extends Error {
  override readonly name = 'MemberRecordError';
  constructor(
    readonly seq: number,
    message: string,
  ) {
    super(`stream record at seq ${seq}: ${message}`);
  }
}

/** Builds the envelope of one submit; the returned bytes are the caller's (the publish keeps them). */
export class MemberRecordEncoder {
  private readonly record = new CommandRecordEncoder();
  private readonly head: Uint8Array;
  private readonly headView: DataView;

  constructor(memberId: string) {
    if (memberId.length === 0 || memberId.length > MEMBER_ID_BYTES_MAX || !/^[\x20-\x7e]+$/.test(memberId)) {
      throw new RangeError(`a member id is 1-${MEMBER_ID_BYTES_MAX} printable ASCII characters (got ${JSON.stringify(memberId)})`);
    }
    this.head = new Uint8Array(10 + memberId.length);
    this.head[0] = ENVELOPE_VERSION;
    this.head[1] = memberId.length;
    for (let i = 0; i < memberId.length; i++) this.head[2 + i] = memberId.charCodeAt(i);
    this.headView = new DataView(this.head.buffer);
  }

  /** The envelope of `p` (validated by parseCommand, time stamped), the member's n-th submit. */
  encode(n: number, p: ParsedCommand): Uint8Array {
    const body = this.record.encodeCommand(SEQ_BY_LOG, p);
    const head = this.head;
    this.headView.setFloat64(head.length - 8, n, true);
    const out = new Uint8Array(head.length + body.length);
    out.set(head, 0);
    out.set(body, head.length);
    return out;
  }
}

/**
 * Decodes envelopes. After `decode`, `memberId`, `n` and `command` describe the record; all are
 * overwritten by the next call (copy what must outlive it).
 */
export class MemberRecordDecoder {
  private readonly record: CommandRecordDecoder;
  private readonly legacy = new ParsedCommand();
  private readonly instrumentIndex = new Map<string, number>();
  memberId = '';
  n = 0;
  /** The decoded command (a reused object). */
  command: ParsedCommand;
  /** Member ids seen, by their bytes' latin1 string, so a hit allocates nothing new per record. */
  private lastIdBytes: Uint8Array = new Uint8Array(0);

  /**
   * `symbols` is read live (an engine's `symbols`, which an applied add_instrument extends), so a
   * record after an add can name the new instrument; legacy msgpack records (which predate adds)
   * are checked against `instruments` as given.
   */
  constructor(
    private readonly instruments: readonly ResolvedInstrument[],
    symbols: readonly string[] = instruments.map((spec) => spec.symbol),
  ) {
    this.record = new CommandRecordDecoder(symbols);
    this.command = this.record.command;
    instruments.forEach((spec, index) => this.instrumentIndex.set(spec.symbol, index));
  }

  /** Decodes the record the stream holds at `seq`; throws MemberRecordError when it cannot. */
  decode(bytes: Uint8Array, seq: number): void {
    if (bytes.length === 0) throw new MemberRecordError(seq, 'empty');
    if (bytes[0] >= LEGACY_MSGPACK_FIRST_BYTE_MIN) return this.decodeLegacy(bytes, seq);
    if (bytes[0] !== ENVELOPE_VERSION) throw new MemberRecordError(seq, `unknown envelope version ${bytes[0]} (this build reads ${ENVELOPE_VERSION})`);
    const idLength = bytes[1];
    const start = 10 + idLength;
    if (idLength === 0 || idLength > MEMBER_ID_BYTES_MAX || bytes.length < start) throw new MemberRecordError(seq, 'truncated envelope');
    if (!this.sameId(bytes, idLength)) {
      this.lastIdBytes = bytes.slice(2, 2 + idLength);
      this.memberId = String.fromCharCode(...this.lastIdBytes);
    }
    this.n = new DataView(bytes.buffer, bytes.byteOffset + 2 + idLength, 8).getFloat64(0, true);
    if (bytes.length - start > COMMAND_RECORD_BYTES_MAX) throw new MemberRecordError(seq, 'record longer than any command');
    const kind = this.record.decode(bytes, start, bytes.length, seq);
    if (kind === KIND_MARK) throw new MemberRecordError(seq, 'a digest mark is not a member command');
    this.command = this.record.command;
  }

  private sameId(bytes: Uint8Array, idLength: number): boolean {
    const last = this.lastIdBytes;
    if (last.length !== idLength) return false;
    for (let i = 0; i < idLength; i++) if (last[i] !== bytes[2 + i]) return false;
    return true;
  }

  private decodeLegacy(bytes: Uint8Array, seq: number): void {
    let value: { m?: unknown; n?: unknown; c?: unknown };
    try {
      value = unpack(bytes) as typeof value;
    } catch (error) {
      throw new MemberRecordError(seq, `unreadable msgpack record: ${(error as Error).message}`);
    }
    if (typeof value.m !== 'string' || typeof value.n !== 'number') throw new MemberRecordError(seq, 'msgpack record without member id and counter');
    const reason = parseCommand(value.c as Command, this.instrumentIndex, this.instruments, this.legacy, true);
    if (reason !== null) throw new MemberRecordError(seq, `msgpack record holds an invalid command (${reason})`);
    this.memberId = value.m;
    this.lastIdBytes = new Uint8Array(0);
    this.n = value.n;
    this.command = this.legacy;
  }
}

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
// Batch layout, format BATCH_VERSION (what a member publishes: one stream message carries every
// command it submitted in one turn of the event loop, so the NATS protocol, the publish ack and
// the consumer's delivery are paid once per batch, not per command; see replicated-member.ts):
//   [0]            u8   BATCH_VERSION
//   [1]            u8   L, the submitting member's id length
//   [2, 2+L)            the member id
//   [2+L, 10+L)    f64  the member's submit counter n of the first command (the others follow: n+1, ...)
//   [10+L, 14+L)   u32  count of commands, >= 1
//   then count times:  u32 record length, the command record (seq SEQ_BY_LOG)
// A batch is stored, de-duplicated and applied whole: the decoder checks its structure before
// the first command is handed out, so a damaged batch applies nothing.
//
// Streams written before this format hold msgpack maps {m, n, c} (msgpackr writes a map16,
// first byte 0xde; any first byte >= 0x80 is a msgpack map or extension, never an envelope
// version): they are still read, as are single envelopes (ENVELOPE_VERSION).

import { unpack } from 'msgpackr';
import { CommandRecordDecoder, CommandRecordEncoder, COMMAND_RECORD_BYTES_MAX, KIND_MARK, SEQ_BY_LOG } from '../replay/index.js';
import { parseCommand, ParsedCommand, type Command, type ResolvedInstrument } from '../engine/index.js';

export const ENVELOPE_VERSION = 1;
export const BATCH_VERSION = 2;
/** Commands in one batch at most (a bound the decoder enforces too). */
export const BATCH_COMMANDS_MAX = 65_536;
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
    checkMemberId(memberId);
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
 * Builds batches (BATCH_VERSION) into one reused, growing buffer: `add` appends a command, `take`
 * copies the batch out (the publish keeps the copy) and starts the next. Commands of one batch
 * carry consecutive counters, so only the first is written.
 */
export class MemberBatchEncoder {
  private readonly record = new CommandRecordEncoder();
  private readonly headLength: number;
  private buffer: Uint8Array;
  private view: DataView;
  private length: number;
  /** Commands in the batch being built. */
  count = 0;

  constructor(memberId: string) {
    checkMemberId(memberId);
    this.headLength = 14 + memberId.length;
    this.buffer = new Uint8Array(Math.max(4_096, this.headLength + 4 + COMMAND_RECORD_BYTES_MAX));
    this.view = new DataView(this.buffer.buffer);
    this.buffer[0] = BATCH_VERSION;
    this.buffer[1] = memberId.length;
    for (let i = 0; i < memberId.length; i++) this.buffer[2 + i] = memberId.charCodeAt(i);
    this.length = this.headLength;
  }

  /** Bytes the batch would take now. */
  get bytes(): number {
    return this.length;
  }

  /** Appends `p` (validated by parseCommand, time stamped), the member's n-th submit. */
  add(n: number, p: ParsedCommand): void {
    const body = this.record.encodeCommand(SEQ_BY_LOG, p);
    if (this.length + 4 + body.length > this.buffer.length) this.grow(this.length + 4 + body.length);
    if (this.count === 0) this.view.setFloat64(this.headLength - 12, n, true);
    this.view.setUint32(this.length, body.length, true);
    this.buffer.set(body, this.length + 4);
    this.length += 4 + body.length;
    this.count++;
  }

  /** The batch's bytes (a copy); the encoder starts an empty batch. */
  take(): Uint8Array {
    this.view.setUint32(this.headLength - 4, this.count, true);
    const out = this.buffer.slice(0, this.length);
    this.length = this.headLength;
    this.count = 0;
    return out;
  }

  private grow(needed: number): void {
    let size = this.buffer.length * 2;
    while (size < needed) size *= 2;
    const bigger = new Uint8Array(size);
    bigger.set(this.buffer.subarray(0, this.length));
    this.buffer = bigger;
    this.view = new DataView(bigger.buffer);
  }
}

function checkMemberId(memberId: string): void {
  if (memberId.length === 0 || memberId.length > MEMBER_ID_BYTES_MAX || !/^[\x20-\x7e]+$/.test(memberId)) {
    throw new RangeError(`a member id is 1-${MEMBER_ID_BYTES_MAX} printable ASCII characters (got ${JSON.stringify(memberId)})`);
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

  /** Decodes a single-command record the stream holds at `seq`; throws MemberRecordError when it cannot. */
  decode(bytes: Uint8Array, seq: number): void {
    const count = this.begin(bytes, seq);
    if (count !== 1) throw new MemberRecordError(seq, `a batch of ${count} commands where one record was expected`);
    this.next(seq);
  }

  // The message being decoded by begin/next.
  private bytes: Uint8Array = new Uint8Array(0);
  private streamSeq = 0;
  private kind = 0;
  private position = 0;
  private index = 0;
  /** After `begin`: the counter n of the message's first command, and whether it is a batch. */
  firstN = 0;
  batched = false;

  /**
   * Starts decoding the stream message at `streamSeq` (a batch, a single envelope or a legacy
   * record) and returns how many commands it holds; `next` then decodes them one by one. The
   * whole structure is checked first: a damaged message throws here, before any command.
   */
  begin(bytes: Uint8Array, streamSeq: number): number {
    this.bytes = bytes;
    this.streamSeq = streamSeq;
    this.index = 0;
    this.batched = false;
    if (bytes.length === 0) throw new MemberRecordError(streamSeq, 'empty');
    const version = bytes[0];
    if (version >= LEGACY_MSGPACK_FIRST_BYTE_MIN) {
      this.kind = 0;
      this.decodeLegacy(bytes, streamSeq);
      this.firstN = this.n;
      return 1;
    }
    if (version !== ENVELOPE_VERSION && version !== BATCH_VERSION) {
      throw new MemberRecordError(streamSeq, `unknown envelope version ${version} (this build reads ${ENVELOPE_VERSION} and ${BATCH_VERSION})`);
    }
    const idLength = bytes[1];
    const head = version === BATCH_VERSION ? 14 + idLength : 10 + idLength;
    if (idLength === 0 || idLength > MEMBER_ID_BYTES_MAX || bytes.length < head) throw new MemberRecordError(streamSeq, 'truncated envelope');
    if (!this.sameId(bytes, idLength)) {
      this.lastIdBytes = bytes.slice(2, 2 + idLength);
      this.memberId = String.fromCharCode(...this.lastIdBytes);
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.firstN = view.getFloat64(2 + idLength, true);
    this.kind = version;
    this.position = head;
    if (version === ENVELOPE_VERSION) {
      if (bytes.length - head > COMMAND_RECORD_BYTES_MAX) throw new MemberRecordError(streamSeq, 'record longer than any command');
      return 1;
    }
    this.batched = true;
    const count = view.getUint32(10 + idLength, true);
    if (count === 0 || count > BATCH_COMMANDS_MAX) throw new MemberRecordError(streamSeq, `a batch of ${count} commands (1-${BATCH_COMMANDS_MAX})`);
    let at = head;
    for (let i = 0; i < count; i++) {
      if (at + 4 > bytes.length) throw new MemberRecordError(streamSeq, `batch truncated at command ${i} of ${count}`);
      const length = view.getUint32(at, true);
      if (length > COMMAND_RECORD_BYTES_MAX) throw new MemberRecordError(streamSeq, `command ${i} of the batch is longer than any command`);
      at += 4 + length;
    }
    if (at !== bytes.length) throw new MemberRecordError(streamSeq, `batch of ${count} commands ends at byte ${at}, the message at ${bytes.length}`);
    return count;
  }

  /**
   * Decodes the next command of the message `begin` started into `memberId`, `n` and `command`;
   * `seq` is the command's own seq (for error messages).
   */
  next(seq: number): void {
    const i = this.index++;
    if (this.kind === 0) return; // legacy: decoded whole by begin
    const bytes = this.bytes;
    let start = this.position;
    let end = bytes.length;
    if (this.kind === BATCH_VERSION) {
      const length = bytes[start] | (bytes[start + 1] << 8) | (bytes[start + 2] << 16) | (bytes[start + 3] * 0x1000000);
      start += 4;
      end = start + length;
    }
    this.position = end;
    this.n = this.firstN + i;
    const kind = this.record.decode(bytes, start, end, seq);
    if (kind === KIND_MARK) throw new MemberRecordError(this.streamSeq, 'a digest mark is not a member command');
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

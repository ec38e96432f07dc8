// Why this file exists: applying log records to an engine is the same job in recovery, in the
// backup thread and in `matchlog verify`: enforce gap-free sequence numbers, apply commands
// without building event objects (the event digest is the sink), remember the digest after each
// recent command, and check every mark the primary wrote against it.

import {
  Engine,
  EventDigest,
  type CancelReason,
  type CommandOp,
  type EventSink,
  type OrderId,
  type OrderType,
  type ParsedCommand,
  type RejectCode,
  type Side,
  type StopOrderType,
  type ResolvedInstrument,
} from '../engine/index.js';
import { isMark, type LogRecord, type MarkRecord } from './records.js';
import { CommandRecordDecoder, KIND_MARK } from './command-record.js';

/**
 * Digest lanes after each of the last RING_SIZE commands, by seq. A mark is written when its
 * command is acknowledged, at most `maxPending` records later, so this covers any mark whose
 * exchange ran with maxPending below RING_SIZE (enforced by the exchange's options).
 */
export const DIGEST_RING_SIZE = 2 ** 21;

export class ReplayDivergenceError extends Error {
  override readonly name = 'ReplayDivergenceError';
}

export class LogGapError extends Error {
  override readonly name = 'LogGapError';
}

export interface MarkCheck {
  verified: number;
  /** Marks whose `upto` lay before the replay's starting point or beyond the ring. */
  unverifiable: number;
}

export class Replayer {
  readonly digest: EventDigest;
  /** Last log sequence number applied (commands and marks). */
  seq: number;
  /** Commands applied since the log began. */
  commands: number;
  readonly marks: MarkCheck = { verified: 0, unverifiable: 0 };
  /** Sequence number of the last command applied (0 if none since the start). */
  lastCommandSeq = 0;
  /** The last mark seen, if any (its stateHash is checked by the caller when present). */
  lastMark: MarkRecord | null = null;
  lastMarkSeq = 0;
  private readonly startSeq: number;
  private readonly startCommands: number;
  private readonly startDigest: string;
  private readonly ringA: Int32Array;
  private readonly ringB: Int32Array;
  private readonly ringMask: number;
  /** Binary log records decode into its one reused ParsedCommand. */
  private readonly decoder: CommandRecordDecoder;
  private readonly tee: TeeSink;
  /**
   * True while the records applied were already checked, record checksum included, by the thread
   * that sends them (the opening thread's replay, followed by the backup: backup-follow.ts), or
   * never left memory (the backup thread's live records, the encoder's bytes copied): the record's
   * own checksum is then not computed again. False (default) for every record read from a log
   * (recovery, verify, the feed): a record damaged before the log framed it is caught only by its
   * own checksum (log-format.test.ts).
   */
  recordChecksumsChecked = false;

  /**
   * `ringSize` (a power of two, default DIGEST_RING_SIZE): digests remembered for checking marks;
   * it must exceed the exchange's maxPending. The feed, which runs many replays, passes a smaller one
   * (two Int32Arrays of this size: 16 MiB at the default).
   */
  constructor(
    readonly engine: Engine,
    start: { seq: number; commands: number; digest: string },
    ringSize = DIGEST_RING_SIZE,
  ) {
    if (!(ringSize > 0 && (ringSize & (ringSize - 1)) === 0 && ringSize <= DIGEST_RING_SIZE)) throw new Error('assertion: ringSize is a power of two');
    this.ringA = new Int32Array(ringSize);
    this.ringB = new Int32Array(ringSize);
    this.ringMask = ringSize - 1;
    this.seq = start.seq;
    this.startSeq = start.seq;
    this.startCommands = start.commands;
    this.startDigest = start.digest;
    this.commands = start.commands;
    this.digest = EventDigest.from(start.digest);
    // The engine's own symbol table: an add_instrument applied here extends it for the next record.
    this.decoder = new CommandRecordDecoder(engine.symbols);
    this.tee = new TeeSink(this.digest);
  }

  /** The command of the last record `applyRecord` applied (reused: valid until the next call). */
  get command(): ParsedCommand {
    return this.decoder.command;
  }

  /**
   * Applies the binary log record bytes[start, end) at `seq` (the next one): the command goes
   * straight from the record to the engine's execute path (no command object, no second
   * validation). Returns the record's kind; a mark is then `lastMark`. Throws LogGapError,
   * ReplayDivergenceError, and CommandRecordError (naming `seq`) for a damaged record.
   * `events`, when given, also receives the command's events (the feed regenerates them here, so
   * the digest and the marks check the very events it hands out).
   * `checksumChecked`: the log's version 2 frame check just covered this record's own checksum
   * (RawRecordVisitor's payloadChecksumChecked), so it is not computed a second time.
   */
  applyRecord(seq: number, bytes: Uint8Array, start = 0, end = bytes.length, events: EventSink | null = null, checksumChecked = false): number {
    if (seq !== this.seq + 1) {
      throw new LogGapError(`log gap: expected record ${this.seq + 1}, found ${seq}`);
    }
    const decoder = this.decoder;
    const kind = decoder.decode(bytes, start, end, seq, checksumChecked || this.recordChecksumsChecked);
    this.seq = seq;
    if (kind === KIND_MARK) {
      this.lastMarkSeq = seq;
      this.checkMark(decoder.mark!);
      return kind;
    }
    const digest = this.digest;
    digest.command(seq);
    decoder.command.seq = seq;
    this.engine.executeParsed(decoder.command, events === null ? digest : this.tee.to(events));
    this.commands++;
    this.lastCommandSeq = seq;
    this.ringA[seq & this.ringMask] = digest.a;
    this.ringB[seq & this.ringMask] = digest.b;
    return kind;
  }

  /**
   * Applies the record at `seq` (which must be the next one). Throws LogGapError for a gap and
   * ReplayDivergenceError when a mark disagrees with what this replica produced.
   */
  apply(seq: number, record: LogRecord): void {
    if (seq !== this.seq + 1) {
      throw new LogGapError(`log gap: expected record ${this.seq + 1}, found ${seq}`);
    }
    this.seq = seq;
    if (isMark(record)) {
      this.lastMarkSeq = seq;
      this.checkMark(record);
      return;
    }
    const digest = this.digest;
    digest.command(seq);
    this.engine.execute(record, digest, seq);
    this.commands++;
    this.lastCommandSeq = seq;
    this.ringA[seq & this.ringMask] = digest.a;
    this.ringB[seq & this.ringMask] = digest.b;
  }

  private checkMark(mark: MarkRecord): void {
    this.lastMark = mark;
    const upto = mark.upto;
    if (this.lastCommandSeq === 0 && mark.commands === this.startCommands) {
      // No command since the starting checkpoint: the mark describes the starting state.
      if (mark.digest !== this.startDigest) {
        throw new ReplayDivergenceError(
          `replica diverged from the primary before seq ${this.startSeq + 1}: start digest ${this.startDigest}, primary wrote ${mark.digest}`,
        );
      }
      this.marks.verified++;
      return;
    }
    if (upto <= this.startSeq || upto > this.lastCommandSeq || this.seq - upto > this.ringMask) {
      this.marks.unverifiable++;
      return;
    }
    const a = this.ringA[upto & this.ringMask] >>> 0;
    const b = this.ringB[upto & this.ringMask] >>> 0;
    const mine = a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0');
    if (mine !== mark.digest) {
      throw new ReplayDivergenceError(
        `replica diverged from the primary at seq ${upto}: event digest ${mine}, primary wrote ${mark.digest}`,
      );
    }
    this.marks.verified++;
  }
}

/**
 * Hands every event to the digest and to one other sink (reused: `to` swaps the other). Explicit
 * parameters, not rest arguments: a rest array would be one allocation per event.
 */
class TeeSink implements EventSink {
  private other: EventSink;
  constructor(private readonly digest: EventDigest) {
    this.other = digest;
  }

  to(other: EventSink): this {
    this.other = other;
    return this;
  }

  accepted(id: OrderId, account: string, symbol: string, side: Side, orderType: OrderType, price: number | null, qty: number): void {
    this.digest.accepted(id, account, symbol, side, orderType, price, qty);
    this.other.accepted(id, account, symbol, side, orderType, price, qty);
  }

  rejected(op: CommandOp | null, id: OrderId | null, reason: RejectCode): void {
    this.digest.rejected(op, id, reason);
    this.other.rejected(op, id, reason);
  }

  trade(
    symbol: string,
    price: number,
    qty: number,
    makerId: OrderId,
    takerId: OrderId,
    makerAccount: string,
    takerAccount: string,
    takerSide: Side,
    makerRemaining: number,
    takerRemaining: number,
  ): void {
    this.digest.trade(symbol, price, qty, makerId, takerId, makerAccount, takerAccount, takerSide, makerRemaining, takerRemaining);
    this.other.trade(symbol, price, qty, makerId, takerId, makerAccount, takerAccount, takerSide, makerRemaining, takerRemaining);
  }

  cancelled(id: OrderId, account: string, symbol: string, side: Side, reason: CancelReason, qty: number): void {
    this.digest.cancelled(id, account, symbol, side, reason, qty);
    this.other.cancelled(id, account, symbol, side, reason, qty);
  }

  modified(
    id: OrderId,
    account: string,
    symbol: string,
    side: Side,
    price: number,
    qty: number,
    oldPrice: number,
    oldQty: number,
    priorityKept: boolean,
    stopPrice: number,
    oldStopPrice: number,
  ): void {
    this.digest.modified(id, account, symbol, side, price, qty, oldPrice, oldQty, priorityKept, stopPrice, oldStopPrice);
    this.other.modified(id, account, symbol, side, price, qty, oldPrice, oldQty, priorityKept, stopPrice, oldStopPrice);
  }

  triggered(id: OrderId, account: string, symbol: string, side: Side, orderType: StopOrderType, stopPrice: number, price: number | null, qty: number): void {
    this.digest.triggered(id, account, symbol, side, orderType, stopPrice, price, qty);
    this.other.triggered(id, account, symbol, side, orderType, stopPrice, price, qty);
  }

  rested(id: OrderId, account: string, symbol: string, side: Side, price: number, qty: number, hidden: number): void {
    this.digest.rested();
    this.other.rested(id, account, symbol, side, price, qty, hidden);
  }

  instrumentAdded(index: number, spec: ResolvedInstrument): void {
    this.digest.instrumentAdded(index, spec);
    this.other.instrumentAdded(index, spec);
  }

  halted(symbol: string): void {
    this.digest.halted(symbol);
    this.other.halted(symbol);
  }

  resumed(symbol: string): void {
    this.digest.resumed(symbol);
    this.other.resumed(symbol);
  }
}

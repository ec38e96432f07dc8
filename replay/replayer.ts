// Why this file exists: applying log records to an engine is the same job in recovery, in the
// backup thread and in `matchlog verify`: enforce gap-free sequence numbers, apply commands
// without building event objects (the event digest is the sink), remember the digest after each
// recent command, and check every mark the primary wrote against it.

import { Engine, EventDigest } from '../engine/index.js';
import { isMark, type LogRecord, type MarkRecord } from './records.js';
import { CommandRecordDecoder, KIND_MARK } from './command-record.js';

/**
 * Digest lanes after each of the last RING_SIZE commands, by seq. A mark is written when its
 * command is acknowledged, at most `maxPending` records later, so this covers any mark whose
 * exchange ran with maxPending below RING_SIZE (enforced by the exchange's options).
 */
export const DIGEST_RING_SIZE = 2 ** 21;
const RING_MASK = DIGEST_RING_SIZE - 1;

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
  private readonly ringA = new Int32Array(DIGEST_RING_SIZE);
  private readonly ringB = new Int32Array(DIGEST_RING_SIZE);
  /** Binary log records decode into its one reused ParsedCommand. */
  private readonly decoder: CommandRecordDecoder;

  constructor(
    readonly engine: Engine,
    start: { seq: number; commands: number; digest: string },
  ) {
    this.seq = start.seq;
    this.startSeq = start.seq;
    this.startCommands = start.commands;
    this.startDigest = start.digest;
    this.commands = start.commands;
    this.digest = EventDigest.from(start.digest);
    // The engine's own symbol table: an add_instrument applied here extends it for the next record.
    this.decoder = new CommandRecordDecoder(engine.symbols);
  }

  /**
   * Applies the binary log record bytes[start, end) at `seq` (the next one): the command goes
   * straight from the record to the engine's execute path (no command object, no second
   * validation). Returns the record's kind; a mark is then `lastMark`. Throws LogGapError,
   * ReplayDivergenceError, and CommandRecordError (naming `seq`) for a damaged record.
   */
  applyRecord(seq: number, bytes: Uint8Array, start = 0, end = bytes.length): number {
    if (seq !== this.seq + 1) {
      throw new LogGapError(`log gap: expected record ${this.seq + 1}, found ${seq}`);
    }
    const decoder = this.decoder;
    const kind = decoder.decode(bytes, start, end, seq);
    this.seq = seq;
    if (kind === KIND_MARK) {
      this.lastMarkSeq = seq;
      this.checkMark(decoder.mark!);
      return kind;
    }
    const digest = this.digest;
    digest.command(seq);
    this.engine.executeParsed(decoder.command, digest);
    this.commands++;
    this.lastCommandSeq = seq;
    this.ringA[seq & RING_MASK] = digest.a;
    this.ringB[seq & RING_MASK] = digest.b;
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
    this.engine.execute(record, digest);
    this.commands++;
    this.lastCommandSeq = seq;
    this.ringA[seq & RING_MASK] = digest.a;
    this.ringB[seq & RING_MASK] = digest.b;
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
    if (upto <= this.startSeq || upto > this.lastCommandSeq || this.seq - upto >= DIGEST_RING_SIZE) {
      this.marks.unverifiable++;
      return;
    }
    const a = this.ringA[upto & RING_MASK] >>> 0;
    const b = this.ringB[upto & RING_MASK] >>> 0;
    const mine = a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0');
    if (mine !== mark.digest) {
      throw new ReplayDivergenceError(
        `replica diverged from the primary at seq ${upto}: event digest ${mine}, primary wrote ${mark.digest}`,
      );
    }
    this.marks.verified++;
  }
}

// Why this file exists: the execution feed can be re-read from any retained sequence number, so
// the log and the checkpoints must be kept back far enough, and no further. The venue says how far
// by commands, by log bytes and/or by age (`feedRetentionCommands`, `feedRetentionBytes`,
// `feedRetentionMs`); this file turns that into one number, the window start W: every record at or
// after W is guaranteed re-readable. Given several bounds, the shortest window wins (a record is
// guaranteed while it is within every bound given), as Kafka's retention.ms and retention.bytes do.
//
// Retention starts at a checkpoint: regeneration needs a state at or before fromSeq - 1, so the
// newest checkpoint at or before W - 1 is kept and the log is reclaimed only up to it. What is
// actually re-readable therefore reaches back at most one checkpoint interval before W (and never
// less far than recovery's own `checkpointsKept` checkpoints).
//
// Bytes and age need to know, for old records, how many log bytes follow them and when they were
// stamped. A ledger samples (seq, log bytes before it, time) every LEDGER_SAMPLE_SEQS records as
// they are appended (one add and one compare per record; a sample every 1,024), and is rebuilt at
// open by one read of the retained log (only when a bytes or age bound is set). Sampling makes W
// conservative: it lies at most LEDGER_SAMPLE_SEQS records before the exact boundary, never after.
//
// Limits: the ledger holds at most LEDGER_SAMPLES_MAX samples (2^20 × 1,024 = 2^30 records); older
// samples are dropped, so bytes and age retention never reach back more than 2^30 records.

import { CommandRecordDecoder, KIND_MARK } from '../replay/index.js';
import type { WriteAheadLog } from '../wal/index.js';

/** Records between ledger samples. */
export const LEDGER_SAMPLE_SEQS = 1024;
/** Most samples the ledger holds (3 numbers each): 2^30 records of bytes/age retention. */
export const LEDGER_SAMPLES_MAX = 2 ** 20;
/** Records read per step when the ledger is rebuilt at open. */
const SCAN_STEP_RECORDS = 4096;

export interface FeedRetentionBounds {
  /** Sequence numbers (commands and marks) kept re-readable; 0: not bounded by count. */
  commands: number;
  /** Log bytes kept re-readable; 0: not bounded by size. */
  bytes: number;
  /** Milliseconds of stamped time kept re-readable; 0: not bounded by age. */
  ms: number;
}

export class FeedRetention {
  private readonly seqs: number[] = [];
  private readonly bytesBefore: number[] = [];
  private readonly times: number[] = [];
  private head = 0;
  /** Log bytes appended since the ledger began (the log's own start when rebuilt at open). */
  private totalBytes = 0;
  private sinceSample = LEDGER_SAMPLE_SEQS;
  private lastTime = 0;
  /** Whether the ledger is kept at all (a bytes or age bound is set). */
  private readonly sampling: boolean;

  constructor(readonly bounds: FeedRetentionBounds) {
    this.sampling = bounds.bytes > 0 || bounds.ms > 0;
  }

  /** Null when no bound is set: the log is then kept back to recovery's oldest checkpoint only. */
  static from(bounds: FeedRetentionBounds): FeedRetention | null {
    return bounds.commands > 0 || bounds.bytes > 0 || bounds.ms > 0 ? new FeedRetention(bounds) : null;
  }

  /** Every record appended, in order: its seq, its bytes in the log, and its time (marks: the last one). */
  note(seq: number, recordBytes: number, time: number): void {
    if (!this.sampling) return;
    if (time > this.lastTime) this.lastTime = time;
    if (++this.sinceSample >= LEDGER_SAMPLE_SEQS) {
      this.sinceSample = 0;
      this.sample(seq);
    }
    this.totalBytes += recordBytes;
  }

  /** Rebuilds the ledger from the records the log holds (at open; only with a bytes or age bound). */
  scan(wal: WriteAheadLog<Uint8Array>, symbols: readonly string[]): void {
    if (!this.sampling || wal.readBytes === undefined) return;
    const decoder = new CommandRecordDecoder(symbols);
    const visit = (seq: number, bytes: Uint8Array, start: number, end: number): void => {
      const kind = decoder.decode(bytes, start, end, seq);
      this.note(seq, end - start, kind === KIND_MARK ? this.lastTime : decoder.command.time);
    };
    let next = wal.firstSeq;
    // Bounded: each step consumes at least one record or ends; the log is finite.
    for (let read = 1; next <= wal.lastSeq && read > 0; next += read) read = wal.readBytes(next, SCAN_STEP_RECORDS, visit);
  }

  /**
   * The window start W: every record at or after it must stay re-readable. `lastSeq` is the
   * newest record, `nowMs` the wall clock (age is measured against it, like any retention by time).
   */
  windowStart(lastSeq: number, nowMs: number): number {
    const { commands, bytes, ms } = this.bounds;
    let w = 1;
    if (commands > 0) w = Math.max(w, lastSeq - commands + 1);
    if (this.sampling && this.head < this.seqs.length) {
      // A dropped sample may have covered older records: never reach back past the oldest kept.
      if (this.seqs.length - this.head >= LEDGER_SAMPLES_MAX) w = Math.max(w, this.seqs[this.head]);
      const total = this.totalBytes;
      // The last sample with more than `bytes` after it lies before the exact boundary.
      if (bytes > 0) w = Math.max(w, this.lastSampleWhere((i) => total - this.bytesBefore[i] > bytes));
      if (ms > 0) w = Math.max(w, this.lastSampleWhere((i) => this.times[i] < nowMs - ms));
    }
    return Math.min(w, lastSeq + 1);
  }

  /** Samples for records before `seq` are no longer needed (the log no longer holds them). */
  forget(seq: number): void {
    // Keep the sample at or before `seq`: it still bounds the records just after it.
    while (this.head + 1 < this.seqs.length && this.seqs[this.head + 1] <= seq) this.head++;
    this.compact();
  }

  /** Samples held (for tests of the bound). */
  get samples(): number {
    return this.seqs.length - this.head;
  }

  private sample(seq: number): void {
    if (this.seqs.length - this.head >= LEDGER_SAMPLES_MAX) {
      this.head++;
      this.compact();
    }
    this.seqs.push(seq);
    this.bytesBefore.push(this.totalBytes);
    this.times.push(this.lastTime);
  }

  /** Seq of the newest sample (samples are ordered, the predicate monotone) for which `holds` is true; 1 if none. */
  private lastSampleWhere(holds: (i: number) => boolean): number {
    let lo = this.head;
    let hi = this.seqs.length - 1;
    let found = -1;
    // Binary search: `holds` is true for a prefix of the samples.
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (holds(mid)) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found < 0 ? 1 : this.seqs[found];
  }

  private compact(): void {
    if (this.head < 4096 || this.head * 2 < this.seqs.length) return;
    this.seqs.splice(0, this.head);
    this.bytesBefore.splice(0, this.head);
    this.times.splice(0, this.head);
    this.head = 0;
  }
}

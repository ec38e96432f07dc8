// Why this file exists: `memory` durability has no disk at all (tests, simulations, benchmarks of the
// engine alone), yet replay must still work, so records are kept in memory in segments
// of segmentRecords, and reclaim drops whole segments exactly like the LMDB log. Records
// are kept by reference, not copied: callers must not mutate a command after appending.

import type { AppendResult, Durability, RawRecordVisitor, WalRecord, WriteAheadLog } from './types.js';
import type { WalResolvedOptions } from './options.js';
import { RESOLVED } from './deferred.js';
import { WalClosedError, WalFullError } from './errors.js';
import { check_range, validate_reclaim } from './read-range.js';
import { RecordIterator } from './record-iterator.js';

const READ_STEP_RECORDS = 1024;
const READ_STEPS_PER_YIELD = 64;
const WHERE = 'memory WAL';

interface MemorySegment<T> {
  readonly first_seq: number;
  readonly commands: T[];
}

export class MemoryWal<T> implements WriteAheadLog<T> {
  readonly durability: Durability = 'memory';
  private readonly options: WalResolvedOptions;
  private readonly segments: MemorySegment<T>[] = [];
  private next_seq: number;
  private reclaimed_seq: number;
  private closed = false;
  private readonly copy_bytes: boolean;

  constructor(options: WalResolvedOptions) {
    this.options = options;
    this.copy_bytes = options.records === 'bytes';
    this.next_seq = options.startSeq;
    this.reclaimed_seq = options.startSeq - 1;
  }

  get firstSeq(): number {
    const stored = this.segments.length > 0 ? this.segments[0].first_seq : this.next_seq;
    return Math.max(this.reclaimed_seq + 1, stored);
  }
  get lastSeq(): number {
    return this.next_seq - 1;
  }
  get visibleSeq(): number {
    return this.next_seq - 1;
  }
  get durableSeq(): number {
    return this.next_seq - 1;
  }

  append(command: T): AppendResult {
    return { seq: this.append_value(command), visible: RESOLVED, durable: RESOLVED };
  }

  appendBytes(bytes: Uint8Array, start: number, end: number): number {
    if (!this.copy_bytes) throw new TypeError(`appendBytes needs a log of records: 'bytes' (${WHERE} holds values)`);
    // Copied as `append` copies a 'bytes' record (slice makes the copy; no view first).
    return this.append_value(bytes.slice(start, end) as unknown as T, false);
  }

  /** Nothing is framed in memory: `appendBytes` (the checksum is the record's own). */
  appendChecksummed(bytes: Uint8Array, start: number, end: number): number {
    return this.appendBytes(bytes, start, end);
  }

  get lastDurable(): Promise<void> {
    return RESOLVED;
  }

  private append_value(command: T, copy = this.copy_bytes): number {
    if (this.closed) throw new WalClosedError(`append on a closed WAL (${WHERE})`);
    const seq = this.next_seq;
    let segment = this.segments[this.segments.length - 1];
    if (segment === undefined || segment.commands.length >= this.options.segmentRecords) {
      if (this.segments.length + 1 > this.options.segmentsMax) {
        throw new WalFullError(
          `the ${WHERE} holds segmentsMax ${this.options.segmentsMax} segments; reclaim before appending seq ${seq}`,
        );
      }
      segment = { first_seq: seq, commands: [] };
      this.segments.push(segment);
    }
    // 'bytes' records are usually a caller's reused encode buffer: keep a copy.
    segment.commands.push(copy ? ((command as unknown as Uint8Array).slice() as unknown as T) : command);
    this.next_seq = seq + 1;
    return seq;
  }

  flush(): Promise<void> {
    return RESOLVED;
  }

  readBatch(fromSeq: number, maxRecords: number): WalRecord<T>[] {
    this.check_open('readBatch');
    check_range(fromSeq, this.firstSeq, this.lastSeq, WHERE);
    if (!Number.isInteger(maxRecords) || maxRecords < 1) {
      throw new RangeError(`readBatch maxRecords must be a positive integer (got ${String(maxRecords)})`);
    }
    const out: WalRecord<T>[] = [];
    this.read_into(out, fromSeq, maxRecords);
    return out;
  }

  readBytes(fromSeq: number, maxRecords: number, visit: RawRecordVisitor): number {
    if (!this.copy_bytes) throw new TypeError(`readBytes needs a log of records: 'bytes' (${WHERE} holds values)`);
    const records = this.readBatch(fromSeq, maxRecords);
    for (const { seq, command } of records) {
      const bytes = command as unknown as Uint8Array;
      // No frame was checked: the caller checks the payload's own checksum.
      visit(seq, bytes, 0, bytes.length, false);
    }
    return records.length;
  }

  private read_into(out: WalRecord<T>[], from_seq: number, records_max: number): number {
    let seq = from_seq;
    const stop = out.length + records_max;
    let index = this.segments.length - 1;
    while (index >= 0 && this.segments[index].first_seq > seq) index--;
    for (; index >= 0 && index < this.segments.length && out.length < stop; index++) {
      const segment = this.segments[index];
      const commands = segment.commands;
      for (let i = seq - segment.first_seq; i < commands.length && out.length < stop; i++) {
        out.push({ seq, command: commands[i] });
        seq++;
      }
    }
    return seq;
  }

  read(fromSeq?: number): AsyncIterable<WalRecord<T>> {
    this.check_open('read');
    const start = fromSeq ?? this.firstSeq;
    check_range(start, this.firstSeq, this.lastSeq, WHERE);
    return { [Symbol.asyncIterator]: () => this.iterate(start) };
  }

  private iterate(start: number): RecordIterator<T> {
    const fill = (out: WalRecord<T>[], from_seq: number, records_max: number): number => {
      this.check_open('read');
      check_range(from_seq, this.firstSeq, this.lastSeq, WHERE);
      return this.read_into(out, from_seq, records_max);
    };
    return new RecordIterator(fill, start, READ_STEP_RECORDS, READ_STEPS_PER_YIELD);
  }

  async reclaim(uptoSeq: number): Promise<void> {
    this.check_open('reclaim');
    validate_reclaim(uptoSeq, this.lastSeq);
    if (uptoSeq <= this.reclaimed_seq) return;
    this.reclaimed_seq = uptoSeq;
    // As on disk: drop whole segments, never the last one (appends continue in it).
    while (this.segments.length > 1 && this.segments[1].first_seq - 1 <= uptoSeq) this.segments.shift();
  }

  private check_open(what: string): void {
    if (this.closed) throw new WalClosedError(`${what} on a closed WAL (${WHERE})`);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.segments.length = 0;
  }
}

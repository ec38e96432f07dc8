// Why this file exists: the log on LMDB with group commit. An append only encodes and frames the record
// into the open chunk (microseconds, no I/O) and shares the promises of the open batch.
// At most ONE batch is committing at a time, and the commits are pipelined with the flushes:
// the next batch is issued the moment the previous one is committed, while that one is still
// being flushed (lmdb-js's overlappingSync lets a transaction commit during the previous
// one's sync), with at most FLUSHING_BATCHES_MAX batches committed and not yet flushed. So a
// burst never waits for one fsync per record, an idle log commits a lone record at once (a
// microtask later), and a command arriving during a flush no longer waits for that flush to
// end before its own commit starts. `durable` still resolves only once the record's own batch
// is flushed, and batches become durable in order. One commit in flight is also what keeps the
// sequence gap-free: if a commit fails, no later record has reached LMDB, so the failed records
// and everything queued after them are rejected and their sequence numbers are handed out
// again. A failed flush is different — later batches may already be committed — so the log
// refuses everything from then on (WalIoError): the caller must stop and reopen.
//
// Each batch's chunks (and any new msgpackr shapes) are put in one event turn, which
// lmdb-js commits as one transaction on its write thread. `visible` resolves at commit.
// In `sync` mode `durable` waits for lmdb-js's `flushed` (with overlappingSync the put
// promise resolves at commit, before the flush); in `async` mode durable = visible.

import type { AppendResult, Durability, RawRecordVisitor, WalRecord, WriteAheadLog } from './types.js';
import type { WalResolvedOptions } from './options.js';
import { Deferred } from './deferred.js';
import { BytesCodec, PayloadCodec, type RecordCodec } from './codec.js';
import { CHECKSUMMED_PAYLOAD_BYTES_MIN, ChunkBuilder, FRAME_HEADER_BYTES, chunk_bytes } from './frame.js';
import { LmdbStore, META_FORMAT, META_RECLAIMED, META_STRUCTURES, to_wal_error, type Segment } from './lmdb-store.js';
import { read_records } from './lmdb-reader.js';
import { absorbLmdbRejections, releaseLmdbRejections } from './lmdb-rejections.js';
import { WalClosedError, WalError, WalFormatError, WalFullError, WalIoError, WalOverloadError, WalRangeError } from './errors.js';
import { check_range, validate_reclaim } from './read-range.js';
import { RecordIterator } from './record-iterator.js';

/** Log formats (meta "format"): what a record is. */
const FORMAT_MSGPACK = 1;
const FORMAT_BYTES = 2;
const FORMAT_NAMES: Record<number, string> = { 1: 'msgpack records', 2: 'binary records' };

/** Bytes kept free of records for LMDB's own pages (branch pages, freelist, metas). */
const RESERVE_BYTES_MIN = 256 * 1024;
const RESERVE_FRACTION = 1 / 16;
/**
 * Records decoded per step of the async iterator (whole chunks, so a little more). Small
 * steps let decoded records die young: with 8192 per step and a large heap, records got
 * promoted and replay ran 2-3x slower (measured); 1024 was the best of 256/1024/8192.
 */
const READ_STEP_RECORDS = 1024;
const READ_STEPS_PER_YIELD = 64;
/**
 * Batches committed and waiting for their flush while the next one commits. Two: one being
 * synced and one behind it; more only queues fsyncs that lmdb-js runs one after the other.
 */
const FLUSHING_BATCHES_MAX = 2;

/** Longest pause between two read-backs of the flushed meta while a batch waits for it. */
const META_RECHECK_MS_MAX = 20;

interface Chunk {
  readonly segment_first_seq: number;
  readonly first_seq: number;
  readonly bytes: Buffer;
}

class Batch {
  readonly first_seq: number;
  last_seq: number;
  readonly chunks: Chunk[] = [];
  /** Framed bytes, for the queue limit. */
  bytes = 0;
  /** Estimated page bytes of sealed chunks, for the capacity check. */
  cost_bytes = 0;
  readonly visible = new Deferred();
  readonly durable = new Deferred();
  /** Fails the batch if lmdb-js never settles its commit or flush. */
  timer: NodeJS.Timeout | null = null;
  /** Its flush finished (it becomes durable once every batch before it is). */
  flushed = false;
  /** The newest transaction written when it became visible (its own, or a later one; never an empty one). */
  txn = 0;
  /**
   * Read-backs of lmdb-js's flushed meta since its flush resolved (0: none yet). Above 0 the meta
   * named an older transaction and the batch waits for lmdb-js's next flush to write it.
   */
  meta_checks = 0;
  /** The transaction the flushed meta named at the last read-back. */
  meta_txn = 0;
  /**
   * What data.mdb's metas named when the commit timer last looked (or when the batch was issued):
   * the newest written and the newest durable transaction. Progress since then means lmdb-js's
   * writer is alive and behind, not stuck.
   */
  seen_written_txn = 0;
  seen_durable_txn = 0;
  constructor(first_seq: number) {
    this.first_seq = first_seq;
    this.last_seq = first_seq - 1;
  }
}

export class LmdbWal<T> implements WriteAheadLog<T> {
  readonly durability: Durability;
  private readonly options: WalResolvedOptions;
  private readonly store: LmdbStore;
  private readonly codec: RecordCodec;
  private readonly capacity_bytes: number;
  /** Hot-path copies of options (read on every append). */
  private readonly record_bytes_max: number;
  private readonly queue_bytes_max: number;
  private readonly segment_records_max: number;

  private next_seq: number;
  private reclaimed_seq: number;
  private visible_seq_: number;
  private durable_seq_: number;

  /** First seq and record count of the segment the next record goes to. */
  private segment_first_seq: number;
  private segment_records: number;
  /** Segments started by queued records but not yet created in LMDB. */
  private segments_pending = 0;

  private open_batch: Batch | null = null;
  /** The batch being committed (at most one). */
  private inflight: Batch | null = null;
  /** The batch holding the last record appended (lastDurable). */
  private last_batch: Batch | null = null;
  /** The newest written / durable transaction any read of data.mdb's metas saw (commit timer baseline). */
  private seen_written_txn = 0;
  private seen_durable_txn = 0;
  /** Committed batches waiting for their flush, oldest first (sync mode). */
  private readonly flushing: Batch[] = [];
  /** Set when a flush failed: every later append and flush refuses with it. */
  private broken: WalError | null = null;
  private commit_scheduled = false;
  /** The open chunk being filled; its buffer is replaced when a sealed chunk keeps it. */
  private builder: ChunkBuilder | null = null;
  /** Whether `builder` holds a chunk open for records (capacity reserved). */
  private chunk_open = false;
  private chunk_segment_first_seq = 0;
  private queue_bytes = 0;
  private closing: Promise<void> | null = null;
  /** Log format still to be written (with the first batch), or 0. */
  private format_pending = 0;

  constructor(options: WalResolvedOptions) {
    this.options = options;
    this.durability = options.durability;
    this.record_bytes_max = options.recordBytesMax;
    this.queue_bytes_max = options.queueBytesMax;
    this.segment_records_max = options.segmentRecords;
    this.store = LmdbStore.open(options.path, options.mapSize, options.segmentsMax, options.durability === 'sync');
    absorbLmdbRejections();
    try {
      this.store.drop_empty_segments();
      const structures = this.store.read_meta(META_STRUCTURES);
      const reclaimed = this.store.read_meta(META_RECLAIMED);
      this.check_format(structures !== undefined || reclaimed !== undefined || this.store.segments.length > 0);
      this.codec =
        options.records === 'bytes'
          ? new BytesCodec()
          : new PayloadCodec(Array.isArray(structures) ? (structures as string[][]) : undefined);
      this.reclaimed_seq = typeof reclaimed === 'number' ? reclaimed : 0;
      const tail = this.store.find_tail();
      const last_seq = Math.max(tail.last_seq, this.reclaimed_seq);
      this.next_seq = last_seq + 1;
      this.visible_seq_ = last_seq;
      this.durable_seq_ = last_seq;
      this.segment_first_seq = this.next_seq;
      this.segment_records = 0;
      this.reset_segment_cursor();
      const reserve = Math.max(RESERVE_BYTES_MIN, Math.floor(options.mapSize * RESERVE_FRACTION));
      this.capacity_bytes = options.mapSize - reserve;
    } catch (error) {
      void this.store.close(this.options.commitMsMax).catch(() => undefined).finally(releaseLmdbRejectionsSoon);
      throw error;
    }
  }

  /**
   * A log keeps the format it was created with. One that predates the format record and holds
   * anything is format 1 (msgpack). Refused, not converted: an old log is recovered with the
   * matchlog that wrote it (or replayed into a fresh one), never half-read.
   */
  private check_format(used: boolean): void {
    const expected = this.options.records === 'bytes' ? FORMAT_BYTES : FORMAT_MSGPACK;
    const meta = this.store.read_meta(META_FORMAT);
    const stored = typeof meta === 'number' ? meta : used ? FORMAT_MSGPACK : null;
    if (stored === null) {
      // New log: the format goes into the same transaction as the first records.
      this.format_pending = expected;
      return;
    }
    if (stored !== expected) {
      throw new WalFormatError(
        this.store.file,
        stored,
        expected,
        `the log holds ${FORMAT_NAMES[stored] ?? 'an unknown format'}, opened for ${FORMAT_NAMES[expected]}` +
          (stored === FORMAT_MSGPACK && expected === FORMAT_BYTES
            ? ' (written by matchlog before binary command records; recover or export it with that version)'
            : ''),
      );
    }
  }

  get firstSeq(): number {
    const segments = this.store.segments;
    const stored_first = segments.length > 0 ? segments[0].first_seq : this.next_seq;
    return Math.max(this.reclaimed_seq + 1, Math.min(stored_first, this.next_seq));
  }
  get lastSeq(): number {
    return this.next_seq - 1;
  }
  get visibleSeq(): number {
    return this.visible_seq_;
  }
  get durableSeq(): number {
    return this.durable_seq_;
  }
  /** The LMDB data file (named in corruption errors). */
  get file(): string {
    return this.store.file;
  }

  append(command: T): AppendResult {
    if (this.closing !== null) throw new WalClosedError(`append on a closed WAL (${this.options.path})`);
    if (this.broken !== null) throw this.broken;
    const encoded = this.codec.encode_transient(command);
    const seq = this.append_range(encoded, this.codec.encoded_start, this.codec.encoded_end);
    const batch = this.open_batch as Batch;
    return { seq, visible: batch.visible.promise, durable: batch.durable.promise };
  }

  appendBytes(bytes: Uint8Array, start: number, end: number): number {
    if (this.closing !== null) throw new WalClosedError(`append on a closed WAL (${this.options.path})`);
    if (this.broken !== null) throw this.broken;
    if (!this.codec.raw) throw new TypeError(`appendBytes needs a log of records: 'bytes' (${this.options.path} holds msgpack records)`);
    return this.append_range(bytes, start, end);
  }

  appendChecksummed(bytes: Uint8Array, start: number, end: number): number {
    if (this.closing !== null) throw new WalClosedError(`append on a closed WAL (${this.options.path})`);
    if (this.broken !== null) throw this.broken;
    if (!this.codec.raw) throw new TypeError(`appendChecksummed needs a log of records: 'bytes' (${this.options.path} holds msgpack records)`);
    return this.append_range(bytes, start, end, true);
  }

  get lastDurable(): Promise<void> | undefined {
    return this.last_batch?.durable.promise;
  }

  /**
   * Frames encoded[payload_start, payload_end) into the open chunk (copied) and returns its seq;
   * `checksummed`: the payload carries its own checksum (appendChecksummed, a version 2 frame).
   */
  private append_range(encoded: Uint8Array, payload_start: number, payload_end: number, checksummed = false): number {
    const payload_length = payload_end - payload_start;
    if (checksummed && !(payload_length >= CHECKSUMMED_PAYLOAD_BYTES_MIN)) {
      throw new RangeError(`a checksummed record of ${payload_length} bytes is shorter than ${CHECKSUMMED_PAYLOAD_BYTES_MIN}`);
    }
    const frame_bytes = FRAME_HEADER_BYTES + payload_length;
    const seq = this.next_seq;
    if (payload_length > this.record_bytes_max) {
      throw new WalRangeError(seq, `record of ${payload_length} bytes exceeds recordBytesMax ${this.options.recordBytesMax}`);
    }
    if (this.queue_bytes + frame_bytes > this.queue_bytes_max) {
      throw new WalOverloadError(
        `${this.queue_bytes} bytes wait for a commit, queueBytesMax is ${this.options.queueBytesMax}; await durable before appending more`,
      );
    }
    // Rare paths first check, then change state: a refused append changes nothing.
    const new_segment = this.segment_records >= this.segment_records_max;
    if (new_segment && this.store.segments.length + this.segments_pending + 1 > this.options.segmentsMax) {
      throw new WalFullError(
        `the WAL at ${this.options.path} holds segmentsMax ${this.options.segmentsMax} segments; reclaim before appending seq ${seq}`,
      );
    }
    const builder = this.builder;
    const new_chunk = new_segment || !this.chunk_open || builder === null || !builder.fits(payload_length);
    if (new_chunk) this.check_capacity(seq, payload_length);

    let batch = this.open_batch;
    if (batch === null) batch = this.open_batch = new Batch(seq);
    if (new_segment) {
      this.seal_chunk(batch);
      this.segment_first_seq = seq;
      this.segment_records = 0;
      this.segments_pending++;
    }
    const target = new_chunk ? this.open_chunk(batch, payload_length) : (builder as ChunkBuilder);
    if (checksummed) target.add_checksummed(seq, encoded, payload_start, payload_end);
    else target.add(seq, encoded, payload_start, payload_end);
    this.next_seq = seq + 1;
    this.segment_records++;
    this.queue_bytes += frame_bytes;
    batch.bytes += frame_bytes;
    batch.last_seq = seq;
    this.last_batch = batch;
    if (!this.commit_scheduled) {
      this.commit_scheduled = true;
      queueMicrotask(this.issue_scheduled);
    }
    return seq;
  }

  /**
   * Capacity is reserved a whole chunk at a time (checked when a chunk is opened, not per
   * record): committed pages + queued chunks + one more chunk must fit in mapSize less a
   * reserve for LMDB's own pages.
   */
  private check_capacity(seq: number, payload_length: number): void {
    const open = this.builder;
    const open_cost = open === null || open.records === 0 ? 0 : this.store.chunk_cost_bytes(open.sealed_bytes());
    // Committed batches (flushing) already count in used_bytes.
    const queued_cost = (this.open_batch?.cost_bytes ?? 0) + (this.inflight?.cost_bytes ?? 0);
    const chunk_cost = this.store.chunk_cost_bytes(Math.max(this.options.chunkBytesMax, chunk_bytes(1, payload_length)));
    const needed = this.store.used_bytes() + queued_cost + open_cost + chunk_cost;
    if (needed > this.capacity_bytes) {
      throw new WalFullError(
        `the WAL at ${this.options.path} is full: appending seq ${seq} needs ${needed} bytes, mapSize ${this.options.mapSize} leaves ${this.capacity_bytes}; reclaim or reopen with a larger mapSize`,
      );
    }
  }

  /** Seal the open chunk (if any) and start a new one in the current segment. */
  private open_chunk(batch: Batch, payload_length: number): ChunkBuilder {
    this.seal_chunk(batch);
    let builder = this.builder;
    if (builder === null) {
      builder = this.builder = new ChunkBuilder(this.chunk_buffer(payload_length));
    } else if (!builder.fits(payload_length)) {
      builder.reset(this.chunk_buffer(payload_length));
    }
    if (!(builder.records === 0)) throw new Error('assertion: a new chunk is empty');
    this.chunk_segment_first_seq = this.segment_first_seq;
    this.chunk_open = true;
    return builder;
  }

  /** A buffer for a new chunk: chunkBytesMax, or bigger for one oversized record. */
  private chunk_buffer(payload_length: number): Buffer {
    return Buffer.allocUnsafeSlow(Math.max(this.options.chunkBytesMax, chunk_bytes(1, payload_length)));
  }

  private seal_chunk(batch: Batch): void {
    const builder = this.builder;
    this.chunk_open = false;
    if (builder === null || builder.records === 0) return;
    const first_seq = builder.first_seq;
    const sealed = builder.seal();
    // LMDB reads the bytes on its write thread after this turn, so a sealed chunk owns its
    // buffer until committed. A mostly empty chunk (a lone record at low load) is copied
    // out instead and the buffer reused: no 32 KiB of garbage per commit.
    const standard = builder.buffer.length === this.options.chunkBytesMax;
    const small = standard && sealed.length <= builder.buffer.length >>> 2;
    const bytes = small ? Buffer.from(sealed) : sealed;
    batch.chunks.push({ segment_first_seq: this.chunk_segment_first_seq, first_seq, bytes });
    batch.cost_bytes += this.store.chunk_cost_bytes(bytes.length);
    builder.reset(small ? builder.buffer : Buffer.allocUnsafeSlow(this.options.chunkBytesMax));
  }

  private readonly issue_scheduled = (): void => {
    this.commit_scheduled = false;
    this.issue();
  };

  /**
   * Start committing the open batch unless a commit is in flight or FLUSHING_BATCHES_MAX
   * committed batches wait for their flush.
   */
  private issue(): void {
    if (this.inflight !== null || this.flushing.length >= FLUSHING_BATCHES_MAX || this.broken !== null) return;
    const batch = this.open_batch;
    if (batch === null || batch.last_seq < batch.first_seq) return;
    if (!(batch.first_seq === this.visible_seq_ + 1)) throw new Error('assertion: batches are issued in order');
    this.seal_chunk(batch);
    this.open_batch = null;
    this.inflight = batch;
    let committed: Promise<boolean> | undefined;
    try {
      const structures = this.codec.take_structures();
      if (structures !== undefined) this.store.put_meta(META_STRUCTURES, structures);
      if (this.format_pending !== 0) this.store.put_meta(META_FORMAT, this.format_pending);
      let segment: Segment | undefined = this.store.segments[this.store.segments.length - 1];
      for (const chunk of batch.chunks) {
        if (segment === undefined || segment.first_seq !== chunk.segment_first_seq) {
          segment = this.store.create_segment(chunk.segment_first_seq);
          this.segments_pending--;
        }
        committed = this.store.put_chunk(segment, chunk.first_seq, chunk.bytes);
      }
    } catch (error) {
      this.fail(batch, to_wal_error(error, `queueing records ${batch.first_seq}..${batch.last_seq}`));
      return;
    }
    if (committed === undefined) throw new Error('assertion: a batch with records has chunks');
    // Captured in the same turn as the puts: resolves once their transaction is flushed.
    const flushed = this.durability === 'sync' ? this.store.flushed() : null;
    committed.then(
      () => this.on_visible(batch, flushed),
      (error: unknown) => void this.on_commit_error(batch, error),
    );
    // lmdb-js settles neither promise when an fsync fails: bound the wait (options.commitMsMax).
    batch.seen_written_txn = this.seen_written_txn;
    batch.seen_durable_txn = this.seen_durable_txn;
    batch.timer = setTimeout(() => this.on_commit_timeout(batch), this.options.commitMsMax);
  }

  /**
   * A batch was not durable within commitMsMax. That bound is there for a writer that is stuck
   * (lmdb-js settles nothing after a failed fsync), not for one that is slow: at load 20 with
   * 50,000 commands in flight (bench:exchange), the main thread ran this timer seconds late while
   * lmdb-js had finished, and the exchange failed closed on a healthy disk. So the disk is asked
   * first: the batch's own flush already on disk completes it; a newer written (while it commits)
   * or durable (while it flushes) transaction than at the last look re-arms the timer; only a
   * whole commitMsMax without either fails the log. A stuck writer is still caught within
   * commitMsMax of its last progress (twice that in 'async', whose baseline is read less often).
   */
  private on_commit_timeout(batch: Batch): void {
    batch.timer = null;
    if (this.broken !== null) return;
    const committing = this.inflight === batch;
    if (!committing && !this.flushing.includes(batch)) return;
    let state: { written: number; durable: number };
    try {
      // Two reads, through the same accessors the flush read-back uses.
      state = { written: this.store.written_txn(), durable: this.store.flushed_txn() };
    } catch (error) {
      if (committing) this.fail(batch, to_wal_error(error, `reading ${this.store.file}'s metas`));
      else void this.on_flush_error(batch, error);
      return;
    }
    this.note_txn_state(state);
    if (!committing && batch.txn > 0 && state.durable >= batch.txn) {
      this.on_flushed(batch);
      return;
    }
    const progressed = committing ? state.written > batch.seen_written_txn : state.durable > batch.seen_durable_txn;
    if (progressed) {
      batch.seen_written_txn = state.written;
      batch.seen_durable_txn = state.durable;
      batch.timer = setTimeout(() => this.on_commit_timeout(batch), this.options.commitMsMax);
      return;
    }
    const what = `records ${batch.first_seq}..${batch.last_seq} were not durable within ${this.options.commitMsMax} ms of lmdb-js's last progress`;
    const error =
      batch.meta_checks > 0
        ? new WalIoError(
            `${what}: lmdb-js reported them flushed, but the meta page marking transaction ${batch.txn} flushed never reached ${this.store.file} (it still names ${batch.meta_txn}): lmdb-js could not write it (an I/O error?)`,
          )
        : new WalIoError(`${what} (${this.store.file}): treated as an I/O error (a failed fsync?)`);
    // Still committing: hand its numbers back; committed but not flushed: fail closed.
    if (committing) this.fail(batch, error);
    else void this.on_flush_error(batch, error);
  }

  private note_txn_state(state: { written: number; durable: number }): void {
    if (state.written > this.seen_written_txn) this.seen_written_txn = state.written;
    if (state.durable > this.seen_durable_txn) this.seen_durable_txn = state.durable;
  }

  private on_visible(batch: Batch, flushed: Promise<unknown> | null): void {
    if (this.inflight !== batch) return;
    for (const chunk of batch.chunks) {
      const segment = this.find_segment(chunk.segment_first_seq);
      if (segment !== undefined) this.store.add_bytes(segment, this.store.chunk_cost_bytes(chunk.bytes.length));
    }
    batch.cost_bytes = 0;
    this.visible_seq_ = batch.last_seq;
    this.format_pending = 0;
    this.inflight = null;
    batch.visible.resolve();
    if (flushed === null) {
      this.on_durable(batch);
      return;
    }
    // Both bound the batch's own transaction from above (its commit finished): the one lmdb-js
    // reported last may be an empty one that never reaches the disk, so take the lower.
    const written = this.store.written_txn();
    if (written > this.seen_written_txn) this.seen_written_txn = written;
    batch.txn = Math.min(this.store.committed_txn(), written);
    this.flushing.push(batch);
    flushed.then(
      () => this.check_flushed(batch),
      (error: unknown) => void this.on_flush_error(batch, error),
    );
    // The next batch commits while this one flushes.
    this.issue();
  }

  /**
   * lmdb-js resolves `flushed` even when it failed to write the meta that marks the transaction
   * flushed (LmdbStore.flushed_txn says why): check that the metas on disk make this batch's
   * transaction, or a later one, survive a power loss. `batch.txn` bounds its own id from above.
   * Found on a healthy disk (bench:exchange's recovery child, 1M records): the batch that started
   * a segment was committed synchronously (unflagged meta 61) and the flushed meta stayed at 60, so
   * reading only the flushed meta failed the exchange closed for nothing; flushed_txn now counts
   * unflagged meta pages. A meta still behind may only lag (lmdb-js's overlapping sync writes it
   * after the `flushed` promise taken with the puts, if that promise was an earlier
   * transaction's): read it again with a doubling pause (at most META_RECHECK_MS_MAX). A meta that
   * never arrives is the commitMsMax timer's failure (fail closed, named as a missing meta).
   */
  private check_flushed(batch: Batch): void {
    if (this.broken !== null || !this.flushing.includes(batch)) return;
    let on_disk: number;
    try {
      on_disk = this.store.flushed_txn();
    } catch (error) {
      void this.on_flush_error(batch, error);
      return;
    }
    if (on_disk > this.seen_durable_txn) this.seen_durable_txn = on_disk;
    if (on_disk >= batch.txn) {
      this.on_flushed(batch);
      return;
    }
    batch.meta_txn = on_disk;
    const pause_ms = Math.min(META_RECHECK_MS_MAX, 1 << Math.min(batch.meta_checks, 16));
    batch.meta_checks++;
    setTimeout(() => this.check_flushed(batch), pause_ms);
  }

  /** Batches become durable in order: a flush that finishes early waits for the ones before it. */
  private on_flushed(batch: Batch): void {
    if (this.broken !== null) return;
    batch.flushed = true;
    const flushing = this.flushing;
    // Bounded by FLUSHING_BATCHES_MAX.
    while (flushing.length > 0 && flushing[0].flushed) this.on_durable(flushing.shift()!);
    this.issue();
  }

  private on_durable(batch: Batch): void {
    if (!(batch.first_seq === this.durable_seq_ + 1)) throw new Error('assertion: batches become durable in order');
    if (batch.timer !== null) clearTimeout(batch.timer);
    this.durable_seq_ = batch.last_seq;
    this.queue_bytes -= batch.bytes;
    batch.durable.resolve();
    if (this.flushing.length === 0) this.issue();
  }

  /**
   * A committed batch could not be flushed. Later batches may be committed already, so
   * sequence numbers cannot be handed out again: reject it and everything after it, and
   * refuse every later append (fail closed; reopening finds what reached the disk).
   */
  private async on_flush_error(batch: Batch, error: unknown): Promise<void> {
    if (this.broken !== null || !this.flushing.includes(batch)) return;
    const cause = to_wal_error(error, `flushing records ${batch.first_seq}..${batch.last_seq}`);
    this.broken = cause;
    this.store.mark_commit_failed();
    const failed = this.flushing.splice(this.flushing.indexOf(batch));
    if (this.inflight !== null) failed.push(this.inflight);
    if (this.open_batch !== null) failed.push(this.open_batch);
    this.inflight = null;
    this.open_batch = null;
    for (const each of failed) {
      if (each.timer !== null) clearTimeout(each.timer);
      each.visible.reject(cause);
      each.durable.reject(cause);
    }
  }

  private async on_commit_error(batch: Batch, error: unknown): Promise<void> {
    // lmdb-js rejects with "Commit failed" and carries the cause as a rejected promise.
    let cause = error;
    const carried = (error as { commitError?: unknown } | null)?.commitError;
    if (carried instanceof Promise) cause = await carried.then(() => error, (inner: unknown) => inner);
    this.fail(batch, to_wal_error(cause, `committing records ${batch.first_seq}..${batch.last_seq}`));
  }

  /**
   * A batch could not be written: reject it and every record queued after it, and hand
   * their sequence numbers out again, so the log never holds a gap.
   */
  private fail(batch: Batch, error: WalError): void {
    if (this.inflight !== batch) return;
    if (batch.timer !== null) clearTimeout(batch.timer);
    this.store.mark_commit_failed();
    // Committed batches still flushing are unaffected: they precede this one.
    this.inflight = null;
    const open = this.open_batch;
    this.open_batch = null;
    this.builder = null;
    this.chunk_open = false;
    this.queue_bytes = 0;
    this.next_seq = batch.first_seq;
    this.codec.restore_structures_dirty();
    // Segments created for the failed records hold nothing: forget empty ones past the tail.
    const segments = this.store.segments;
    while (segments.length > 0 && segments[segments.length - 1].first_seq > this.next_seq) {
      void this.store.drop_segment(segments[segments.length - 1]).catch(() => undefined);
    }
    this.reset_segment_cursor();
    for (const failed of open === null ? [batch] : [batch, open]) {
      failed.visible.reject(error);
      failed.durable.reject(error);
    }
  }

  /** Point the segment cursor at the tail: the last stored segment, or a new one. */
  private reset_segment_cursor(): void {
    const segments = this.store.segments;
    const last = segments[segments.length - 1];
    if (last !== undefined && last.first_seq <= this.next_seq) {
      this.segment_first_seq = last.first_seq;
      this.segment_records = this.next_seq - last.first_seq;
      this.segments_pending = 0;
    } else {
      // The first record will create the segment: count it against segmentsMax now.
      this.segment_first_seq = this.next_seq;
      this.segment_records = 0;
      this.segments_pending = 1;
    }
  }

  private find_segment(first_seq: number): Segment | undefined {
    const segments = this.store.segments;
    for (let i = segments.length - 1; i >= 0; i--) {
      if (segments[i].first_seq === first_seq) return segments[i];
      if (segments[i].first_seq < first_seq) return undefined;
    }
    return undefined;
  }

  flush(): Promise<void> {
    if (this.broken !== null) return Promise.reject(this.broken);
    const last = this.open_batch ?? this.inflight ?? this.flushing[this.flushing.length - 1] ?? null;
    return last === null ? Promise.resolve() : last.durable.promise;
  }

  readBatch(fromSeq: number, maxRecords: number): WalRecord<T>[] {
    this.check_open('readBatch');
    check_range(fromSeq, this.firstSeq, this.lastSeq, this.file);
    if (!Number.isInteger(maxRecords) || maxRecords < 1) {
      throw new RangeError(`readBatch maxRecords must be a positive integer (got ${String(maxRecords)})`);
    }
    const out: WalRecord<T>[] = [];
    read_records(this.store, this.codec, out, fromSeq, maxRecords, this.visible_seq_, false);
    return out;
  }

  readBytes(fromSeq: number, maxRecords: number, visit: RawRecordVisitor): number {
    this.check_open('readBytes');
    if (!this.codec.raw) throw new TypeError(`readBytes needs a log of records: 'bytes' (${this.options.path} holds msgpack records)`);
    check_range(fromSeq, this.firstSeq, this.lastSeq, this.file);
    if (!Number.isInteger(maxRecords) || maxRecords < 1) {
      throw new RangeError(`readBytes maxRecords must be a positive integer (got ${String(maxRecords)})`);
    }
    const none: WalRecord<T>[] = [];
    return read_records(this.store, this.codec, none, fromSeq, maxRecords, this.visible_seq_, false, visit) - fromSeq;
  }

  read(fromSeq?: number): AsyncIterable<WalRecord<T>> {
    this.check_open('read');
    const start = fromSeq ?? this.firstSeq;
    check_range(start, this.firstSeq, this.lastSeq, this.file);
    return { [Symbol.asyncIterator]: () => this.iterate(start) };
  }

  private iterate(start: number): RecordIterator<T> {
    const fill = (out: WalRecord<T>[], from_seq: number, records_max: number): number => {
      this.check_open('read');
      // A reclaim between steps may have dropped what we were about to read.
      check_range(from_seq, this.firstSeq, this.lastSeq, this.file);
      return read_records(this.store, this.codec, out, from_seq, records_max, this.visible_seq_, true);
    };
    return new RecordIterator(fill, start, READ_STEP_RECORDS, READ_STEPS_PER_YIELD);
  }

  async reclaim(uptoSeq: number): Promise<void> {
    this.check_open('reclaim');
    validate_reclaim(uptoSeq, this.lastSeq);
    if (uptoSeq <= this.reclaimed_seq) return;
    // Records being dropped must have reached LMDB before their segment goes.
    if (uptoSeq > this.durable_seq_) await this.flush();
    if (uptoSeq <= this.reclaimed_seq) return;
    this.reclaimed_seq = uptoSeq;
    const segments = this.store.segments;
    const writes: Promise<unknown>[] = [this.store.put_meta(META_RECLAIMED, uptoSeq)];
    // A segment ends where the next begins; the last segment is never dropped (appends
    // continue in it), so it needs no end.
    while (segments.length > 1 && segments[1].first_seq - 1 <= uptoSeq) {
      const segment = segments[0];
      writes.push(this.store.drop_segment(segment));
    }
    try {
      await Promise.all(writes);
      if (this.durability === 'sync') await this.store.flushed();
    } catch (error) {
      this.store.mark_commit_failed();
      throw to_wal_error(error, `reclaiming records up to ${uptoSeq}`);
    }
  }

  private check_open(what: string): void {
    if (this.closing !== null) throw new WalClosedError(`${what} on a closed WAL (${this.options.path})`);
  }

  close(): Promise<void> {
    if (this.closing === null) this.closing = this.close_now();
    return this.closing;
  }

  abandon(): Promise<void> {
    if (this.closing !== null) return this.closing;
    const open = this.open_batch;
    if (open !== null) {
      // Nothing of it reached LMDB: issue() puts a batch's chunks only when it starts its commit.
      this.open_batch = null;
      this.builder = null;
      this.chunk_open = false;
      this.next_seq = open.first_seq;
      const error = new WalClosedError(`records ${open.first_seq}..${open.last_seq} were dropped: the WAL was abandoned (${this.options.path})`);
      open.visible.reject(error);
      open.durable.reject(error);
    }
    return this.close();
  }

  private async close_now(): Promise<void> {
    try {
      await this.flush();
    } catch {
      // The batch's callers were told; closing still releases the environment.
    }
    try {
      await this.store.close(this.options.commitMsMax);
    } catch (error) {
      throw to_wal_error(error, `closing the WAL at ${this.options.path}`);
    } finally {
      releaseLmdbRejectionsSoon();
    }
  }
}

/** After the turn in which a failed commit's orphaned promise may still be reported. */
function releaseLmdbRejectionsSoon(): void {
  setTimeout(releaseLmdbRejections, 50).unref();
}

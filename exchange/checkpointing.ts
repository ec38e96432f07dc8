// Why this file exists: the checkpointing stage behind one seam. Whoever takes checkpoints — the
// backup thread from its own replica (default), or this thread while admission pauses ('pause',
// kept to measure what the backup saves) — the exchange tells it the same three things: a batch
// left for a worker, a mark was logged, records up to a seq were released. This file owns the
// schedule (every `checkpointEvery` commands from the start, or `checkpointIntervalMs`), the
// checkpoint figures in stats(), and the reclaim rule: the log is kept back to the oldest
// checkpoint kept, so recovery can fall back to it, and as far as the feed's retention needs
// (feed.ts `plan`: with a retention bound the checkpoints are pruned here, not by their writer).

import { Engine, type EngineOptions } from '../engine/index.js';
import {
  BackupHost,
  type BackupSpawn,
  CheckpointCorruptError,
  type DeferredChecks,
  RecoveryError,
  type BackupQueryMethod,
  type CheckpointInfo,
  CheckpointStore,
  CheckpointWriteError,
  nextCheckpointDue,
  type MarkRecord,
} from '../replay/index.js';
import { BackupThreadError, DivergenceError, ReclaimError } from './errors.js';
import type { WriteAheadLog } from '../wal/index.js';
import type { Feed } from './feed.js';
import { Fifo } from './fifo.js';
import type { CheckpointMode, ResolvedExchangeOptions } from './options.js';
import type { Pending } from './pending.js';

/** The acknowledged state as the sequencer sees it (what a paused checkpoint writes). */
export interface AcknowledgedState {
  /** Commands acknowledged since the log began. */
  readonly commands: number;
  /** Sequence number of the last acknowledged command. */
  readonly lastCommandSeq: number;
  /** Event digest after `lastCommandSeq`. */
  readonly digestValue: string;
  /** The main-thread view, exact as of `lastCommandSeq`. */
  readonly view: Engine;
}

export interface CheckpointStart {
  seq: number;
  commands: number;
  digest: string;
}

export interface CheckpointFigures {
  mode: CheckpointMode;
  taken: number;
  lastPauseMs: number;
  pauseMsMax: number;
  lastSeq: number | null;
  lastBytes: number;
  lastOrders: number;
  lastDurationMs: number;
  lastSnapshotMs: number;
  divergence: string | null;
}

/**
 * Records the backup replica may be behind the log (sent or queued, not yet applied) before
 * admission waits for it: its inbox is bounded, and a backup that cannot keep up slows the
 * exchange instead of growing memory until the process dies.
 */
export const BACKUP_BEHIND_SEQS_MAX = 262_144;

/** What the checkpointer tells the exchange. */
export interface CheckpointerListener {
  /** Stop the exchange (typed error): checkpoints can no longer be trusted or written. */
  fail(error: Error): void;
  /** `saturated` may have turned false: admit what waits. */
  room(): void;
  /** `checked` turned true: release what was matched and held. */
  checked(): void;
}

/** The seam: what the exchange tells whoever takes checkpoints. */
export abstract class Checkpointer {
  readonly figures: CheckpointFigures;
  /** Set once the exchange failed or closed: nothing more is written or reclaimed. */
  protected stopped = false;

  protected constructor(
    protected readonly options: ResolvedExchangeOptions,
    private readonly wal: WriteAheadLog<Uint8Array>,
    protected readonly listener: CheckpointerListener,
    private readonly feed: Feed,
    private readonly checkpoints: CheckpointStore | null,
  ) {
    this.figures = {
      mode: options.checkpointMode,
      taken: 0,
      lastPauseMs: 0,
      pauseMsMax: 0,
      lastSeq: null,
      lastBytes: 0,
      lastOrders: 0,
      lastDurationMs: 0,
      lastSnapshotMs: 0,
      divergence: null,
    };
  }

  /** Picks the checkpointer for the options: none without a directory. */
  static create(
    options: ResolvedExchangeOptions,
    wal: WriteAheadLog<Uint8Array>,
    store: CheckpointStore | null,
    start: CheckpointStart,
    state: AcknowledgedState,
    listener: CheckpointerListener,
    feed: Feed,
  ): Checkpointer {
    if (store === null) return new NoCheckpointer(options, wal, listener, feed, null);
    if (options.checkpointMode === 'pause') return new PausedCheckpointer(options, wal, listener, feed, store, start, state);
    return new BackupCheckpointer(options, wal, listener, feed, store, start);
  }

  /** How many checkpoints their writer keeps: all of them when feed retention decides (in onCheckpoint). */
  protected get writerKeeps(): number {
    return this.feed.retention === null ? this.options.checkpointsKept : Number.MAX_SAFE_INTEGER;
  }

  /** True while admission must wait for the checkpointer (the backup replica is too far behind). */
  get saturated(): boolean {
    return false;
  }

  /**
   * Starts whatever runs beside the exchange (the backup thread). `deferred`: checks recovery
   * left for the backup thread; a checkpointer without one runs them here, before the exchange opens.
   */
  async start(_engineOptions: EngineOptions, snapshot: Uint8Array | null, deferred: DeferredChecks | null = null, spawned: BackupSpawn | null = null): Promise<void> {
    await spawned?.terminate();
    runDeferredChecksNow(snapshot, deferred);
  }

  /**
   * False while checks recovery deferred to the backup thread (the checkpoint's invariants and
   * state hash, the close mark's hash) have not passed: the exchange matches and logs what it is
   * given but acknowledges nothing, so no outcome is acknowledged on a state not yet verified.
   * Opening does not wait for them (they run beside the matching workers' restore). A
   * checkpointer without a backup thread ran them before the exchange opened.
   */
  get checked(): boolean {
    return true;
  }

  /** Whether `sent` must be called for every batch sent to a worker. */
  get followsBatches(): boolean {
    return false;
  }

  /** A batch of logged commands left for worker `shard`. */
  sent(_shard: number, _entries: readonly Pending[]): void {}

  /** A mark was logged at `seq`. */
  marked(_seq: number, _mark: MarkRecord): void {}

  /** Whether `recorded` must be called with every record logged (the backup follows the log's bytes). */
  get followsRecords(): boolean {
    return false;
  }

  /** The log took `bytes` (a binary record, valid during the call only) at `seq`. */
  recorded(_seq: number, _bytes: Uint8Array): void {}

  /**
   * `recorded` of bytes[start, end) (the record encoder's reused buffer): the same, without a view
   * per record (garbage on the exchange's thread).
   */
  recordedRange(seq: number, bytes: Uint8Array, start: number, end: number): void {
    if (this.followsRecords) this.recorded(seq, bytes.subarray(start, end));
  }

  /**
   * Every record up to `upto` is durable and every command up to it was released (acknowledged):
   * the next unreleased command is after it. A backup replica fed exactly this far holds the
   * acknowledged state.
   */
  released(_upto: number): void {}

  /** Asks the backup replica (see BackupHost.query); only a checkpointer with a backup thread answers. */
  query(method: BackupQueryMethod, _args: unknown[]): unknown {
    throw new Error(`assertion: no backup replica to answer ${method}`);
  }

  /** The backup replica's snapshot handed back when it stopped at close, or null. */
  get finalSnapshot(): Uint8Array | null {
    return null;
  }

  /** Closing: checkpoint everything released (resolves once written). */
  async finish(_durable: number): Promise<void> {}

  /** Stops at once (failure): nothing more is written. */
  async terminate(): Promise<void> {
    this.stopped = true;
  }

  /** Last seq the backup replica applied, or null without a backup thread. */
  get appliedSeq(): number | null {
    return null;
  }

  get running(): boolean {
    return false;
  }

  protected onCheckpoint(info: CheckpointInfo): void {
    const figures = this.figures;
    figures.taken++;
    figures.lastSeq = info.seq;
    figures.lastBytes = info.bytes;
    figures.lastOrders = info.orders;
    figures.lastDurationMs = info.durationMs;
    figures.lastSnapshotMs = info.snapshotMs;
    if (this.stopped) return;
    // Keep the log back to the oldest checkpoint recovery keeps and to the feed's retention
    // checkpoint, and never past what a catching-up feed subscription still reads.
    const kept = [...info.kept].sort((a, b) => b - a);
    const { reclaimUpto, remove } = this.feed.plan(kept, this.wal.lastSeq, Date.now());
    try {
      for (const seq of remove) this.checkpoints?.remove(seq);
    } catch (error) {
      // Like a failed reclaim: checkpoints nobody needs would pile up until the disk is full.
      this.listener.fail(new ReclaimError(reclaimUpto, error));
      return;
    }
    // A log that cannot drop what checkpoints made obsolete would grow until the disk is full.
    if (reclaimUpto > 0) {
      this.wal.reclaim(reclaimUpto).catch((error: unknown) => this.listener.fail(new ReclaimError(reclaimUpto, error)));
    }
  }
}

/** 'memory' without a directory: nothing to write. */
class NoCheckpointer extends Checkpointer {}

/**
 * 'pause' mode: snapshots, hashes and writes the acknowledged state on this thread. Nothing is
 * admitted or acknowledged meanwhile (workers finish at most the batches already sent): the
 * stop-the-world checkpoint a warm VM snapshot is, kept to measure against the backup thread.
 */
class PausedCheckpointer extends Checkpointer {
  /** Where the last checkpoint (or the recovered state) stands. */
  private from: { seq: number; dueCommands: number; atMs: number };
  private readonly timer: NodeJS.Timeout;

  constructor(
    options: ResolvedExchangeOptions,
    wal: WriteAheadLog<Uint8Array>,
    listener: CheckpointerListener,
    feed: Feed,
    private readonly store: CheckpointStore,
    start: CheckpointStart,
    private readonly state: AcknowledgedState,
  ) {
    super(options, wal, listener, feed, store);
    this.from = { seq: start.seq, dueCommands: start.commands + options.checkpointEvery, atMs: performance.now() };
    // Time-based checkpoints also happen when traffic stops; unref: never keeps the process alive.
    this.timer = setInterval(() => this.checkpoint(false), Math.min(options.checkpointIntervalMs, 1000));
    this.timer.unref();
  }

  override released(): void {
    this.checkpoint(false);
  }

  override async finish(): Promise<void> {
    clearInterval(this.timer);
    this.checkpoint(true);
  }

  override async terminate(): Promise<void> {
    clearInterval(this.timer);
    await super.terminate();
  }

  private checkpoint(force: boolean): void {
    if (this.stopped) return;
    const state = this.state;
    const from = this.from;
    if (state.lastCommandSeq <= from.seq) return;
    const t0 = performance.now();
    if (!force && state.commands < from.dueCommands && t0 - from.atMs < this.options.checkpointIntervalMs) return;
    try {
      const seq = state.lastCommandSeq;
      const commands = state.commands;
      const snapshot = state.view.snapshot();
      const stateHash = state.view.stateHash();
      const t1 = performance.now();
      const header = { seq, commands, digest: state.digestValue, stateHash, writtenAtMs: Date.now() };
      const bytes = this.store.write(header, snapshot);
      this.store.prune(this.writerKeeps);
      const t2 = performance.now();
      // Due every checkpointEvery commands from the start, not from whenever the last one landed.
      const dueCommands = nextCheckpointDue(from.dueCommands, commands, this.options.checkpointEvery);
      this.from = { seq, dueCommands, atMs: t2 };
      this.figures.lastPauseMs = t2 - t0;
      this.figures.pauseMsMax = Math.max(this.figures.pauseMsMax, t2 - t0);
      this.onCheckpoint({ seq, commands, orders: state.view.liveOrders, bytes, snapshotMs: t1 - t0, durationMs: t2 - t0, kept: this.store.list() });
    } catch (error) {
      this.listener.fail(new CheckpointWriteError(`checkpoint failed: ${(error as Error).message}`, { cause: error }));
    }
  }
}

/** Consecutive log records for the backup thread: record i is bytes[ends[i - 1] (or 0), ends[i]). */
interface RecordsItem {
  firstSeq: number;
  readonly lastSeq: number;
  bytes: Uint8Array;
  ends: Uint32Array;
}

/**
 * Bytes of log records gathered before they are handed to the backup thread as one message (and
 * the size of the reused gathering buffer). A binary record is ~50-130 bytes.
 */
const BACKUP_RECORDS_BYTES = 64 * 1024;

/**
 * 'backup' mode: the backup thread follows the durable records with its own replica, checks the
 * marks, and writes checkpoints on its schedule; matching never waits for it. It gets the very
 * bytes the log stores, in log order (copied here as they are logged, forwarded once durable),
 * and replays them as recovery does: no command object, no parking of out-of-order batches.
 */
class BackupCheckpointer extends Checkpointer {
  private host: BackupHost | null = null;
  private readonly queue = new Fifo<RecordsItem>();
  /** Records logged since the last sealed item, gathered in this reused buffer. */
  private readonly gather = new Uint8Array(BACKUP_RECORDS_BYTES);
  private gatherBytes = 0;
  private readonly gatherEnds: number[] = [];
  private gatherFirstSeq = 0;
  /** Last seq queued for the backup (sent or not yet durable). */
  private queuedSeq: number;
  private wasSaturated = false;
  private final: Uint8Array | null = null;
  /** BACKUP_BEHIND_SEQS_MAX; a field so a test can make a small exchange reach it. */
  private readonly behindMax = BACKUP_BEHIND_SEQS_MAX;

  constructor(
    options: ResolvedExchangeOptions,
    wal: WriteAheadLog<Uint8Array>,
    listener: CheckpointerListener,
    feed: Feed,
    private readonly store: CheckpointStore,
    private readonly start0: CheckpointStart,
  ) {
    super(options, wal, listener, feed, store);
    this.queuedSeq = start0.seq;
  }

  override get saturated(): boolean {
    const host = this.host;
    if (host === null) return false;
    const saturated = this.queuedSeq - host.appliedSeq >= this.behindMax;
    if (saturated) this.wasSaturated = true;
    return saturated;
  }

  override async start(engineOptions: EngineOptions, snapshot: Uint8Array | null, deferred: DeferredChecks | null = null, spawned: BackupSpawn | null = null): Promise<void> {
    const options = this.options;
    this.host = await BackupHost.start(
      {
        engineOptions,
        snapshot,
        deferred,
        start: this.start0,
        checkpointDir: this.store.dir,
        checkpointEvery: options.checkpointEvery,
        checkpointIntervalMs: options.checkpointIntervalMs,
        checkpointsKept: this.writerKeeps,
      },
      {
        onCheckpoint: (info) => this.onCheckpoint(info),
        onDivergence: (message) => this.onDivergence(message),
        onError: (error) => {
          if (!this.stopped) this.listener.fail(new BackupThreadError(error.message, { cause: error }));
        },
        onChecked: () => this.listener.checked(),
        onProgress: () => {
          if (this.wasSaturated && !this.saturated) {
            this.wasSaturated = false;
            this.listener.room();
          }
        },
      },
      spawned ?? undefined,
    );
  }

  override get checked(): boolean {
    return this.host === null || this.host.checked;
  }

  override get followsRecords(): boolean {
    return true;
  }

  override recorded(seq: number, bytes: Uint8Array): void {
    this.recordedRange(seq, bytes, 0, bytes.length);
  }

  override recordedRange(seq: number, bytes: Uint8Array, start: number, end: number): void {
    const length = end - start;
    if (this.gatherBytes + length > this.gather.length) this.seal();
    const ends = this.gatherEnds;
    if (ends.length === 0) this.gatherFirstSeq = seq;
    else if (seq !== this.gatherFirstSeq + ends.length) throw new Error('assertion: records reach the backup in log order');
    const gather = this.gather;
    let at = this.gatherBytes;
    // Byte by byte: a record is ~60-100 B, and set() would need a view of the range first.
    for (let i = start; i < end; i++) gather[at++] = bytes[i];
    this.gatherBytes = at;
    ends.push(at);
  }

  /**
   * Moves the first `count` gathered records (default all) into an item of their own (copied:
   * the buffer is reused); the rest move to the front of the buffer.
   */
  private seal(count = this.gatherEnds.length): void {
    const ends = this.gatherEnds;
    if (count <= 0) return;
    const firstSeq = this.gatherFirstSeq;
    const bytes = ends[count - 1];
    this.queue.push({ firstSeq, lastSeq: firstSeq + count - 1, bytes: this.gather.slice(0, bytes), ends: Uint32Array.from(ends.slice(0, count)) });
    // Bounded by the records gathered (what follows the durable tail: a few marks, usually).
    this.gather.copyWithin(0, bytes, this.gatherBytes);
    this.gatherBytes -= bytes;
    ends.splice(0, count);
    for (let i = 0; i < ends.length; i++) ends[i] -= bytes;
    this.gatherFirstSeq = firstSeq + count;
  }

  /** Which records are queued for the backup is counted as before: when sent to the workers. */
  override get followsBatches(): boolean {
    return true;
  }

  override sent(_shard: number, entries: readonly Pending[]): void {
    const lastSeq = entries[entries.length - 1].seq;
    if (lastSeq > this.queuedSeq) this.queuedSeq = lastSeq;
  }

  override marked(seq: number): void {
    if (seq > this.queuedSeq) this.queuedSeq = seq;
  }

  /**
   * Sends the backup thread every record up to `upto`, in log order: exactly the released
   * commands (and the marks among them), never a durable command not yet acknowledged, so the
   * replica the queries read is the acknowledged state. Records after `upto` wait.
   */
  override released(upto: number): void {
    const host = this.host;
    if (host === null) return;
    this.seal(Math.min(this.gatherEnds.length, upto - this.gatherFirstSeq + 1));
    for (let item = this.queue.peek(); item !== undefined && item.firstSeq <= upto; item = this.queue.peek()) {
      const lastSeq = Math.min(item.lastSeq, upto);
      // A quarter of the way to the limit, every message asks for a progress report: admission
      // that waits on the replica always hears when it caught up (the last one is answered).
      const ack = lastSeq - host.appliedSeq >= this.behindMax >> 2;
      if (item.lastSeq <= upto) {
        this.queue.shift();
        host.records(item.firstSeq, item.bytes, item.ends, ack);
        continue;
      }
      // An item sealed when the gathering buffer filled reaches past `upto`: its tail stays queued.
      const count = upto - item.firstSeq + 1;
      host.records(item.firstSeq, item.bytes.slice(0, item.ends[count - 1]), item.ends.slice(0, count), ack);
      this.dropHead(item, count);
      break;
    }
  }

  /** Drops the first `count` records of a queued item (copied: the bytes sent were transferred). */
  private dropHead(item: RecordsItem, count: number): void {
    const offset = item.ends[count - 1];
    const ends = item.ends.slice(count);
    for (let i = 0; i < ends.length; i++) ends[i] -= offset;
    item.firstSeq += count;
    item.bytes = item.bytes.slice(offset);
    item.ends = ends;
  }

  override query(method: BackupQueryMethod, args: unknown[]): unknown {
    return this.host!.query(method, args);
  }

  override get finalSnapshot(): Uint8Array | null {
    return this.final;
  }

  override async finish(durable: number): Promise<void> {
    this.released(durable);
    const host = this.host;
    if (host === null) return;
    await host.checkpointNow();
    if (this.stopped) return;
    // The replica's state comes back with it: queries after close read it (state-view.ts).
    await host.stop(true);
    this.final = host.finalState?.snapshot ?? null;
    this.host = null;
  }

  override async terminate(): Promise<void> {
    await super.terminate();
    await this.host?.terminate();
  }

  override get appliedSeq(): number | null {
    return this.host?.appliedSeq ?? null;
  }

  override get running(): boolean {
    return this.host !== null;
  }

  /** The primary-backup assertion failed: stop acknowledging (issue 10: not a warning). */
  private onDivergence(message: string): void {
    this.figures.divergence = message;
    this.listener.fail(new DivergenceError(message));
  }
}

/** The deferred checks run inline (no backup thread to run them): a failure refuses the open. */
function runDeferredChecksNow(snapshot: Uint8Array | null, deferred: DeferredChecks | null): void {
  const from = deferred?.checkpoint ?? null;
  if (from !== null && Engine.restore(from.snapshot).stateHash() !== from.stateHash) {
    throw new CheckpointCorruptError(`checkpoint ${from.seq}: its state hash does not match its snapshot`);
  }
  const expected = deferred?.recoveredStateHash ?? null;
  if (expected !== null && snapshot !== null && Engine.restore(snapshot, { verify: false }).stateHash() !== expected) {
    throw new RecoveryError(`state hash after recovery differs from the log's close mark ${expected}`);
  }
}

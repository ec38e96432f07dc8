// Why this file exists: the one object a venue embeds. It joins the engine and the log into a
// durable exchange: every well-formed command gets the next sequence number and goes to the
// write-ahead log and, in parallel, to the matching worker that owns its instrument; its outcome
// is released — to the caller, to event subscribers, to the main-thread view — only once the
// command is durable and every earlier one has been released. A backup thread follows the durable
// records and checkpoints its replica; opening a directory after a crash recovers first.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  Engine,
  EventDigest,
  RejectCode,
  type Command,
  type Depth,
  type EngineEvent,
  type EngineOptions,
  type InstrumentSpec,
  type OrderId,
  type OrderView,
} from '../engine/index.js';
import { ParsedCommand, parseCommand, TIF_GTC } from '../engine/validate.js';
import { toCommand, type EncodedCommands } from '../engine/worker/command-codec.js';
import { ShardHost, type ShardBatchResult } from '../engine/worker/shard-host.js';
import { BackupHost, type CheckpointInfo } from '../replay/backup.js';
import { CheckpointStore, CheckpointWriteError, nextCheckpointDue } from '../replay/checkpoint-store.js';
import type { LogRecord, MarkRecord } from '../replay/records.js';
import { recover, recoverFromCheckpoint, refuseLostLog, type Recovered, type RecoveryStats } from '../replay/recovery.js';
import { DIGEST_RING_SIZE } from '../replay/replayer.js';
import { Wal, WalFullError, WalOverloadError, type AppendResult, type WriteAheadLog } from '../wal/index.js';
import { EventStream, type ExchangeEvent } from './event-stream.js';
import { Fifo } from './fifo.js';
import { ExchangeOptionsError, resolveExchangeOptions, type ExchangeOptions, type ResolvedExchangeOptions } from './options.js';
import { ROUTE_DUPLICATE, Router } from './router.js';
import { DirLock } from './dir-lock.js';
import { settleConfig } from './stored-config.js';
import { readSeqReservation, SeqReservation } from './seq-reservation.js';
import type { ExchangeStats } from './stats.js';

/** What `submit` resolves with. `seq` is null when the command was refused before the log. */
export interface SubmitResult {
  seq: number | null;
  events: EngineEvent[];
}

/** Batches in flight per matching worker: one running, one queued behind it. */
const SHARD_BATCHES_IN_FLIGHT_MAX = 2;

class Pending {
  events: EngineEvent[] | null = null;
  resolve!: (result: SubmitResult) => void;
  reject!: (error: Error) => void;
  readonly promise: Promise<SubmitResult>;
  constructor(
    readonly seq: number,
    readonly record: Command,
  ) {
    this.promise = new Promise<SubmitResult>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }
}

interface Waiting {
  command: unknown;
  resolve: (result: Promise<SubmitResult> | SubmitResult) => void;
}

type BackupItem =
  | { lastSeq: number; shard: number; seqs: Float64Array; commands: EncodedCommands }
  | { lastSeq: number; shard: -1; mark: MarkRecord };

interface ShardQueue {
  records: Command[];
  entries: Pending[];
  inFlight: number;
  batches: number;
  commands: number;
  busyMs: number;
}

export class Exchange {
  private readonly parsed = new ParsedCommand();
  private readonly instrumentIndex = new Map<string, number>();
  private readonly specs;
  private readonly maxOrders: number;
  /** Commands logged since the log began (acknowledged or not). */
  private logged: number;
  private readonly shardOfInstrument: Int32Array;
  private readonly shardQueues: ShardQueue[];
  private readonly router: Router | null;
  private readonly pending = new Fifo<Pending>();
  private readonly waiting = new Fifo<Waiting>();
  private readonly backupQueue = new Fifo<BackupItem>();
  private readonly streams = new Set<EventStream>();
  private readonly digest: EventDigest;
  private commands: number;
  /** Sequence number of the last acknowledged command (marks refer to commands). */
  private lastCommandSeq = 0;
  private lastTimeMs = 0;
  private flushScheduled = false;
  private durableWatchSeq = 0;
  private watchedDurable: Promise<void> | null = null;
  private closing: Promise<void> | null = null;
  private failure: Error | null = null;
  /** Settles once a failed exchange has released its workers, log and lock. */
  private failCleanup: Promise<void> = Promise.resolve();
  private idleWaiters: Array<() => void> = [];
  private readonly counters = { submitted: 0, acknowledged: 0, rejectedBeforeLog: 0, queueFullRejects: 0, marks: 0 };
  /** Where the last 'pause' checkpoint (or the recovered state) stands. */
  private pausedFrom: { seq: number; dueCommands: number; atMs: number };
  private pauseTimer: NodeJS.Timeout | null = null;
  private readonly checkpoints = {
    taken: 0,
    lastPauseMs: 0,
    pauseMsMax: 0,
    lastSeq: null as number | null,
    lastBytes: 0,
    lastOrders: 0,
    lastDurationMs: 0,
    lastSnapshotMs: 0,
    divergence: null as string | null,
  };

  private constructor(
    private readonly options: ResolvedExchangeOptions,
    private readonly wal: WriteAheadLog<LogRecord>,
    private readonly view: Engine,
    private readonly shards: ShardHost[],
    private backup: BackupHost | null,
    /** Set in 'pause' checkpoint mode: this thread writes the checkpoints. */
    private readonly pauseStore: CheckpointStore | null,
    /** Set for 'memory' with a directory: numbers are reserved durably before being handed out. */
    private readonly seqReservation: SeqReservation | null,
    start: { seq: number; commands: number; digest: string },
    private readonly recovery: RecoveryStats,
    private readonly lock: DirLock | null,
  ) {
    this.specs = view.instruments;
    this.specs.forEach((spec, index) => this.instrumentIndex.set(spec.symbol, index));
    this.shardOfInstrument = Int32Array.from(this.specs, (_, index) => index % shards.length);
    this.shardQueues = shards.map(() => ({ records: [], entries: [], inFlight: 0, batches: 0, commands: 0, busyMs: 0 }));
    this.router = shards.length > 1 ? new Router() : null;
    // Recovered orders are live on the worker that owns their instrument.
    const router = this.router;
    if (router !== null) {
      view.forEachLiveOrder((id, instrument) => router.routed('new', id, this.shardOfInstrument[instrument], 0));
    }
    this.commands = start.commands;
    this.logged = start.commands;
    this.maxOrders = view.options.maxOrders;
    this.digest = EventDigest.from(start.digest);
    this.pausedFrom = { seq: start.seq, dueCommands: start.commands + options.checkpointEvery, atMs: performance.now() };
    if (pauseStore !== null) {
      // Time-based checkpoints also happen when traffic stops; unref: never keeps the process alive.
      this.pauseTimer = setInterval(() => this.pausedCheckpoint(false), Math.min(options.checkpointIntervalMs, 1000));
      this.pauseTimer.unref();
    }
  }

  /** Opens (creating, or recovering after a crash) the exchange in `options.dir`. */
  static async open(options: ExchangeOptions): Promise<Exchange> {
    const resolved = resolveExchangeOptions(options);
    if (resolved.maxPending >= DIGEST_RING_SIZE / 2) {
      throw new ExchangeOptionsError(`maxPending must be below ${DIGEST_RING_SIZE / 2}`);
    }
    // Bad instruments fail before anything touches the directory.
    if (resolved.instruments !== null) new Engine({ instruments: resolved.instruments, maxOrders: resolved.maxOrders });
    const memory = resolved.durability === 'memory';
    let instruments: InstrumentSpec[];
    let maxOrders = resolved.maxOrders;
    let lock: DirLock | null = null;
    if (resolved.dir !== null) {
      mkdirSync(resolved.dir, { recursive: true });
      lock = DirLock.acquire(resolved.dir);
    }
    let store: CheckpointStore | null = null;
    try {
      if (resolved.dir === null) {
        if (resolved.instruments === null) throw new ExchangeOptionsError('instruments are required');
        instruments = resolved.instruments;
      } else {
        const config = settleConfig(resolved.dir, resolved.instruments, resolved.maxOrders, !memory);
        instruments = config.instruments;
        maxOrders = config.maxOrders;
        store = new CheckpointStore(join(resolved.dir, 'checkpoints'));
      }
    } catch (error) {
      lock?.release();
      throw error;
    }
    const engineOptions: EngineOptions = { instruments, maxOrders };

    let wal: WriteAheadLog<LogRecord>;
    let recovered: Recovered;
    let seqReservation: SeqReservation | null = null;
    try {
      if (memory) {
        // No log: the newest checkpoint (if any) is the whole state; the memory log continues
        // its numbering so sequence numbers and checkpoint names never go back.
        recovered = recoverFromCheckpoint(store, engineOptions, resolved.onWarning);
        if (resolved.dir !== null) {
          // Numbers handed out after the checkpoint were lost with the crash: continue above
          // every number ever reserved, so none is reused (a gap shows the loss instead).
          const reserved = readSeqReservation(resolved.dir);
          if (reserved > recovered.seq) {
            recovered.stats.seqsSkipped = reserved - recovered.seq;
            recovered.seq = reserved;
          }
          seqReservation = SeqReservation.open(resolved.dir, recovered.seq);
        }
        wal = await Wal.open<LogRecord>({ durability: 'memory', startSeq: recovered.seq + 1 });
      } else {
        refuseLostLog(join(resolved.dir!, 'wal'), store);
        wal = await Wal.open<LogRecord>({
          path: join(resolved.dir!, 'wal'),
          durability: resolved.durability,
          mapSize: resolved.walMapSizeBytes,
        });
        try {
          recovered = recover(wal, store, engineOptions, resolved.onWarning, {
            durability: resolved.durability === 'async' ? 'async' : 'sync',
          });
        } catch (error) {
          await wal.close().catch(() => undefined);
          throw error;
        }
      }
    } catch (error) {
      lock?.release();
      throw error;
    }
    let shards: ShardHost[] = [];
    try {
      const view = recovered.engine;
      const snapshot = view.liveOrders > 0 ? view.snapshot() : null;
      const workers = Math.min(resolved.workers, instruments.length);
      const owned = (worker: number): number[] =>
        instruments.map((_, index) => index).filter((index) => index % workers === worker);
      shards = await Promise.all(
        Array.from({ length: workers }, (_, i) => ShardHost.start(i, engineOptions, snapshot, owned(i))),
      );
      const start = { seq: recovered.seq, commands: recovered.commands, digest: recovered.digest };
      const pauseStore = resolved.checkpointMode === 'pause' ? store : null;
      const exchange = new Exchange(resolved, wal, view, shards, null, pauseStore, seqReservation, start, recovered.stats, lock);
      if (store !== null && resolved.checkpointMode === 'backup') {
        exchange.backup = await BackupHost.start(
          {
            engineOptions,
            snapshot,
            start,
            checkpointDir: store.dir,
            checkpointEvery: resolved.checkpointEvery,
            checkpointIntervalMs: resolved.checkpointIntervalMs,
            checkpointsKept: resolved.checkpointsKept,
          },
          {
            onCheckpoint: (info) => exchange.onCheckpoint(info),
            onDivergence: (message) => exchange.onDivergence(message),
            onError: (error) => exchange.fail(error),
          },
        );
      }
      return exchange;
    } catch (error) {
      await Promise.allSettled(shards.map((shard) => shard.destroy()));
      await wal.close().catch(() => undefined);
      lock?.release();
      throw error;
    }
  }

  /** Last sequence number that is durable under this exchange's durability mode. */
  get lastSeq(): number {
    return this.wal.durableSeq;
  }

  /**
   * Submits a command. Resolves once it is durable and matched, with its sequence number and
   * events; a malformed command (or one refused by the queue) resolves at once with a single
   * `rejected` event and `seq: null`, and is not logged. Rejects only if the exchange failed or
   * the log refused the record (full disk or map); such a command was not logged.
   */
  submit(command: unknown): Promise<SubmitResult> {
    if (this.failure !== null) return Promise.reject(this.failure);
    if (this.closing !== null) return Promise.resolve(this.refuse(null, null, RejectCode.EXCHANGE_CLOSED));
    this.counters.submitted++;
    if (this.waiting.length > 0 || this.pending.length >= this.options.maxPending) {
      if (this.options.onFull === 'reject' || this.waiting.length >= this.options.maxWaiting) {
        this.counters.queueFullRejects++;
        return Promise.resolve(this.refuseCommand(command, RejectCode.QUEUE_FULL));
      }
      return new Promise((resolve) => this.waiting.push({ command, resolve }));
    }
    return this.admit(command);
  }

  private refuse(op: Command['op'] | null, id: OrderId | null, reason: RejectCode): SubmitResult {
    this.counters.rejectedBeforeLog++;
    return { seq: null, events: [{ type: 'rejected', op, id, reason }] };
  }

  private refuseCommand(command: unknown, reason: RejectCode): SubmitResult {
    const p = this.parsed;
    parseCommand(command, this.instrumentIndex, this.specs, p, false);
    return this.refuse(p.op, p.id, reason);
  }

  private admit(command: unknown): Promise<SubmitResult> {
    const p = this.parsed;
    const reason = parseCommand(command, this.instrumentIndex, this.specs, p, false);
    if (reason !== null) return Promise.resolve(this.refuse(p.op, p.id, reason));
    const op = p.op!;
    const id = p.id as OrderId;
    let shard = op === 'new' ? this.shardOfInstrument[p.instrument] : 0;
    if (this.router !== null) {
      shard = this.router.decide(op, id, shard);
      if (shard === ROUTE_DUPLICATE) return Promise.resolve(this.refuse(op, id, RejectCode.DUPLICATE_ORDER_ID));
      // maxOrders is one limit across all workers; each worker sees only its own orders, so the
      // router, which counts every id that may be live, refuses (conservatively) before the log.
      if (op === 'new' && p.orderType === 'limit' && p.tif === TIF_GTC && !this.router.has(id) && this.router.size >= this.maxOrders) {
        return Promise.resolve(this.refuse(op, id, RejectCode.ORDER_CAPACITY));
      }
    }
    const record = this.normalize(p);
    let seq: number;
    try {
      this.seqReservation?.cover(this.wal.lastSeq + 1);
      seq = this.watchAppend(this.wal.append(record));
    } catch (error) {
      if (error instanceof WalFullError || error instanceof WalOverloadError) return Promise.reject(error);
      this.fail(error as Error);
      return Promise.reject(error);
    }
    this.router?.routed(op, id, shard, seq);
    this.logged++;
    const entry = new Pending(seq, record);
    this.pending.push(entry);
    const queue = this.shardQueues[shard];
    queue.records.push(record);
    queue.entries.push(entry);
    this.scheduleFlush();
    return entry.promise;
  }

  /** The logged form: only known fields, defaults made explicit, time stamped here. */
  private normalize(p: ParsedCommand): Command {
    const now = Date.now();
    p.time = now > this.lastTimeMs ? now : this.lastTimeMs;
    this.lastTimeMs = p.time;
    return toCommand(p);
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  /** Sends queued commands to their workers and watches the log for durability. */
  private flush(): void {
    if (this.failure !== null) return;
    for (let s = 0; s < this.shardQueues.length; s++) this.sendBatches(s);
    this.watchDurability();
  }

  private sendBatches(s: number): void {
    const queue = this.shardQueues[s];
    // Bounded by SHARD_BATCHES_IN_FLIGHT_MAX per call.
    while (queue.records.length > 0 && queue.inFlight < SHARD_BATCHES_IN_FLIGHT_MAX) {
      const take = Math.min(queue.records.length, this.options.batchMax);
      const records = take === queue.records.length ? queue.records : queue.records.slice(0, take);
      const entries = take === queue.entries.length ? queue.entries : queue.entries.slice(0, take);
      if (take === queue.records.length) {
        queue.records = [];
        queue.entries = [];
      } else {
        queue.records = queue.records.slice(take);
        queue.entries = queue.entries.slice(take);
      }
      queue.inFlight++;
      const { encoded, result } = this.shards[s].batch(records);
      if (this.backup !== null) {
        const seqs = Float64Array.from(entries, (entry) => entry.seq);
        this.backupQueue.push({ lastSeq: seqs[seqs.length - 1], shard: s, seqs, commands: encoded });
      }
      result.then(
        (outcome) => this.onBatch(s, entries, outcome),
        (error: Error) => this.fail(error),
      );
    }
  }

  private onBatch(s: number, entries: Pending[], outcome: ShardBatchResult): void {
    if (this.failure !== null) return;
    const queue = this.shardQueues[s];
    queue.inFlight--;
    queue.batches++;
    queue.commands += entries.length;
    queue.busyMs += outcome.workMs;
    const router = this.router;
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i];
      const events = outcome.events[i];
      entry.events = events;
      if (router !== null) this.routeOutcome(router, entry, events, outcome.live[i] === 1);
    }
    this.sendBatches(s);
    this.release();
  }

  /** Tells the router which ids this command left dead. */
  private routeOutcome(router: Router, entry: Pending, events: EngineEvent[], live: boolean): void {
    const seq = entry.seq;
    if (!live) router.dead(entry.record.id, seq);
    for (let j = 0; j < events.length; j++) {
      const e = events[j];
      if (e.type === 'trade' && e.makerRemaining === 0) router.dead(e.makerId, seq);
      else if (e.type === 'cancelled' && e.id !== entry.record.id) router.dead(e.id, seq);
    }
  }

  /**
   * Fails the exchange with the log's own typed error when a batch cannot be written. Watching
   * only flush() missed a commit that failed before the next flush was watched: the log had
   * already handed the numbers back, and the pending submits waited for ever (issue 10 item 4).
   * One handler per log batch (appends in a batch share its promise), not per command.
   */
  private watchAppend(result: AppendResult): number {
    if (result.durable !== this.watchedDurable) {
      this.watchedDurable = result.durable;
      result.durable.catch((error: Error) => this.fail(error));
    }
    return result.seq;
  }

  /** One `durable` watch per flush: group commit makes everything before it durable too. */
  private watchDurability(): void {
    const last = this.wal.lastSeq;
    if (last <= this.durableWatchSeq) return;
    this.durableWatchSeq = last;
    // The last append's promise covers all earlier records; flush() resolves when they are durable.
    this.wal.flush().then(
      () => this.release(),
      (error: Error) => this.fail(error),
    );
  }

  /** Releases, in sequence order, every command that is both matched and durable. */
  private release(): void {
    if (this.failure !== null) return;
    const durable = this.wal.durableSeq;
    const pending = this.pending;
    let released = 0;
    // Bounded by the number of pending commands.
    for (let head = pending.peek(); head !== undefined; head = pending.peek()) {
      if (head.events === null || head.seq > durable) break;
      pending.shift();
      released++;
      this.acknowledge(head);
    }
    if (released > 0) {
      this.forwardToBackup(durable);
      if (this.pauseStore !== null) this.pausedCheckpoint(false);
      this.admitWaiting();
    }
    if (this.pending.length === 0 && this.waiting.length === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const wake of waiters) wake();
    }
  }

  private acknowledge(entry: Pending): void {
    const events = entry.events!;
    const seq = entry.seq;
    const digest = this.digest;
    digest.command(seq);
    for (let i = 0; i < events.length; i++) digest.event(events[i]);
    this.commands++;
    this.lastCommandSeq = seq;
    this.counters.acknowledged++;
    // The view applies acknowledged commands as they are released: queries never show an
    // outcome a crash could erase, and never stall to catch up.
    this.view.execute(entry.record, NULL_SINK);
    if (this.streams.size > 0) {
      for (let i = 0; i < events.length; i++) {
        const event = { ...events[i], seq } as ExchangeEvent;
        for (const stream of this.streams) stream.push(event);
      }
    }
    entry.resolve({ seq, events });
    if (this.commands % this.options.markEvery === 0) this.appendMark(seq, undefined);
  }

  private appendMark(upto: number, stateHash: string | undefined): void {
    const mark: MarkRecord = { op: 'mark', upto, commands: this.commands, digest: this.digest.value };
    if (stateHash !== undefined) mark.stateHash = stateHash;
    try {
      this.seqReservation?.cover(this.wal.lastSeq + 1);
      const seq = this.watchAppend(this.wal.append(mark));
      this.counters.marks++;
      if (this.backup !== null) this.backupQueue.push({ lastSeq: seq, shard: -1, mark });
      this.scheduleFlush();
    } catch (error) {
      // A full log refuses the mark like any record; marks are checks, not state.
      if (!(error instanceof WalFullError || error instanceof WalOverloadError)) this.fail(error as Error);
    }
  }

  /** Sends the backup thread every queued record that is now durable, in the order queued. */
  private forwardToBackup(durable: number): void {
    const backup = this.backup;
    if (backup === null) return;
    for (let item = this.backupQueue.peek(); item !== undefined && item.lastSeq <= durable; item = this.backupQueue.peek()) {
      this.backupQueue.shift();
      if ('mark' in item) backup.mark(item.lastSeq, item.mark);
      else backup.batch(item.seqs, item.commands);
    }
  }

  private admitWaiting(): void {
    // Bounded by maxWaiting.
    while (this.waiting.length > 0 && this.pending.length < this.options.maxPending) {
      const waiter = this.waiting.shift()!;
      waiter.resolve(this.failure !== null ? Promise.reject(this.failure) : this.admit(waiter.command));
    }
  }

  /**
   * 'pause' mode: snapshots, hashes and writes the acknowledged state on this thread. Nothing is
   * admitted or acknowledged meanwhile (workers finish at most the batches already sent): the
   * stop-the-world checkpoint a warm VM snapshot is, kept to measure against the backup thread.
   */
  private pausedCheckpoint(force: boolean): void {
    const store = this.pauseStore;
    if (store === null || this.failure !== null) return;
    const from = this.pausedFrom;
    if (this.lastCommandSeq <= from.seq) return;
    const t0 = performance.now();
    if (!force && this.commands < from.dueCommands && t0 - from.atMs < this.options.checkpointIntervalMs) {
      return;
    }
    try {
      const seq = this.lastCommandSeq;
      const snapshot = this.view.snapshot();
      const stateHash = this.view.stateHash();
      const t1 = performance.now();
      const header = { seq, commands: this.commands, digest: this.digest.value, stateHash, writtenAtMs: Date.now() };
      const bytes = store.write(header, snapshot);
      store.prune(this.options.checkpointsKept);
      const t2 = performance.now();
      // Due every checkpointEvery commands from the start, not from whenever the last one landed.
      const dueCommands = nextCheckpointDue(from.dueCommands, this.commands, this.options.checkpointEvery);
      this.pausedFrom = { seq, dueCommands, atMs: t2 };
      this.checkpoints.lastPauseMs = t2 - t0;
      this.checkpoints.pauseMsMax = Math.max(this.checkpoints.pauseMsMax, t2 - t0);
      this.onCheckpoint({ seq, commands: this.commands, orders: this.view.liveOrders, bytes, snapshotMs: t1 - t0, durationMs: t2 - t0, kept: store.list() });
    } catch (error) {
      this.fail(new CheckpointWriteError(`checkpoint failed: ${(error as Error).message}`, { cause: error }));
    }
  }

  private onCheckpoint(info: CheckpointInfo): void {
    this.checkpoints.taken++;
    this.checkpoints.lastSeq = info.seq;
    this.checkpoints.lastBytes = info.bytes;
    this.checkpoints.lastOrders = info.orders;
    this.checkpoints.lastDurationMs = info.durationMs;
    this.checkpoints.lastSnapshotMs = info.snapshotMs;
    // Keep the log back to the oldest checkpoint kept, so recovery can fall back to it.
    const oldest = info.kept.length > 0 ? Math.min(...info.kept) : 0;
    if (oldest > 0 && this.failure === null) {
      this.wal.reclaim(oldest).catch((error: Error) => this.options.onWarning(`reclaim failed: ${error.message}`));
    }
  }

  private onDivergence(message: string): void {
    this.checkpoints.divergence = message;
    this.options.onWarning(`DIVERGENCE: ${message}`);
  }

  /** Stops the exchange after an unrecoverable error; reopen the directory to recover. */
  private fail(error: Error): void {
    if (this.failure !== null) return;
    this.failure = error;
    if (this.pauseTimer !== null) clearInterval(this.pauseTimer);
    for (let entry = this.pending.shift(); entry !== undefined; entry = this.pending.shift()) entry.reject(error);
    for (let waiter = this.waiting.shift(); waiter !== undefined; waiter = this.waiting.shift()) {
      waiter.resolve(Promise.reject(error));
    }
    for (const stream of [...this.streams]) stream.fail(error);
    for (const wake of this.idleWaiters.splice(0)) wake();
    this.failCleanup = Promise.allSettled([
      ...this.shards.map((shard) => shard.destroy()),
      this.backup?.terminate(),
      this.wal
        .close()
        .catch(() => undefined)
        .finally(() => this.lock?.release()),
    ]).then(() => undefined);
  }

  // --- queries (exact as of the last acknowledged command) ---------------------------------

  depth(symbol: string, levels = 10): Depth {
    return this.view.depth(symbol, levels);
  }

  order(id: OrderId): OrderView | undefined {
    return this.view.order(id);
  }

  stateHash(): string {
    return this.view.stateHash();
  }

  /** Every acknowledged event, in sequence order, from now until close. */
  events(): AsyncIterableIterator<ExchangeEvent> {
    const stream = new EventStream(this.options.eventsBacklogMax, (s) => this.streams.delete(s));
    if (this.closing !== null || this.failure !== null) stream.end();
    else this.streams.add(stream);
    return stream;
  }

  stats(): ExchangeStats {
    return {
      lastSeq: this.wal.durableSeq,
      appendedSeq: this.wal.lastSeq,
      firstSeq: this.wal.firstSeq,
      commands: this.logged,
      pending: this.pending.length,
      waiting: this.waiting.length,
      liveOrders: this.view.liveOrders,
      workers: this.shardQueues.map((q) => ({ batches: q.batches, commands: q.commands, busyMs: q.busyMs })),
      durability: this.options.durability,
      ...this.counters,
      checkpoints: { mode: this.options.checkpointMode, ...this.checkpoints },
      backup: { appliedSeq: this.backup?.appliedSeq ?? null, running: this.backup !== null },
      recovery: this.recovery,
      failed: this.failure?.message ?? null,
    };
  }

  /** Drains every accepted command, writes a closing mark, checkpoints, flushes and stops. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    if (this.failure === null && (this.pending.length > 0 || this.waiting.length > 0)) {
      await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    }
    for (const stream of this.streams) stream.end();
    this.streams.clear();
    if (this.failure !== null) return this.failCleanup;
    if (this.lastCommandSeq > 0) this.appendMark(this.lastCommandSeq, this.view.stateHash());
    await this.wal.flush();
    this.forwardToBackup(this.wal.durableSeq);
    if (this.pauseTimer !== null) clearInterval(this.pauseTimer);
    if (this.pauseStore !== null) {
      this.pausedCheckpoint(true);
      if (this.failure !== null) {
        await this.failCleanup;
        throw this.failure;
      }
    }
    if (this.backup !== null) {
      await this.backup.checkpointNow();
      if (this.failure !== null) {
        await this.failCleanup;
        throw this.failure;
      }
      await this.backup.stop();
      this.backup = null;
    }
    await Promise.all(this.shards.map((shard) => shard.close()));
    await this.wal.close();
    this.lock?.release();
  }
}

const NULL_SINK = {
  accepted(): void {},
  rejected(): void {},
  trade(): void {},
  cancelled(): void {},
  modified(): void {},
};

// Why this file exists: the one object a venue embeds, and the sequencing-and-release stage of
// the pipeline. One command's path, top to bottom in this file:
//   submit / submitMany → enter (validate once, route, stamp time) → log append of the binary record
//   (next seq) → shards.enqueue (the same bytes into the worker's ring) → flush (publish to the
//   workers; one durability watch per flush) → release (in seq order, once matched and durable)
//   → acknowledge (digest — folded as the one worker answered, or from the event rows —, view,
//   subscribers, caller; a mark every markEvery).
// The other stages live beside it: open.ts (lock, config, recovery), shards.ts (routing and
// matching workers), checkpointing.ts (who writes checkpoints, when, and what the log keeps).
// Nobody sees the outcome of a command a crash could erase.

import {
  checkExactSums,
  Engine,
  type EngineEvent,
  EventDigest,
  RejectCode,
  type Command,
  type InstrumentSpec,
  parsedSpec,
  type ResolvedInstrument,
  type ExchangeCommand,
  type Depth,
  type L3Book,
  type Top,
  type OrderId,
  type OrderStatusView,
  type OrderView,
  ParsedCommand,
  parseCommand,
  rejectDetail,
  type RejectedEvent,
  toCommand,
} from '../engine/index.js';
import { CommandRecordEncoder, type MarkRecord, type RecoveryStats } from '../replay/index.js';
import { WalOverloadError, type AppendResult, type WriteAheadLog } from '../wal/index.js';
import { Checkpointer, type AcknowledgedState } from './checkpointing.js';
import type { DirLock } from './dir-lock.js';
import { EventStream, type ExchangeEvent } from './event-stream.js';
import { Feed, type EventsOptions, type FeedStream } from './feed.js';
import { FeedRetention } from './feed-retention.js';
import { Fifo } from './fifo.js';
import { abandon, openState } from './open.js';
import { resolveExchangeOptions, type ExchangeOptions, type ResolvedExchangeOptions } from './options.js';
import { BatchOutcome, Pending, PendingPool, resolveSubmitManyOptions, type SubmitManyOptions, type SubmitResult } from './pending.js';
import { ReplicatedExchange, type ReplicatedExchangeOptions } from './replicated-member.js';
import type { SeqReservation } from './seq-reservation.js';
import { type InOrderSink, ROUTE_REFUSED, Shards } from './shards.js';
import { AcknowledgedInstruments, type AcknowledgedView, BackupThreadView, EngineView } from './state-view.js';
import type { ExchangeStats } from './stats.js';

export type { SubmitManyOptions, SubmitResult } from './pending.js';

/** A submit waiting for room: a lone command, or the rest of a batch (which waits as one). */
type Waiting =
  | { batch: null; command: unknown; admin: boolean; resolve: (result: Promise<SubmitResult> | SubmitResult) => void }
  | { batch: BatchOutcome; commands: readonly unknown[]; next: number };

/** What a view that reads no events is handed (it needs the state only). */
const NO_EVENTS: readonly EngineEvent[] = Object.freeze([]);

/**
 * The running event digest, which also notes whether the command being folded was rejected: a
 * `submitMany` with `events: false` still hands the caller a rejection, and this tells which
 * results need their events built without a second pass over the rows.
 */
class AcknowledgeDigest extends EventDigest {
  rejectedSeen = false;

  /** Continues the digest `hex` (EventDigest.from) into `digest`. */
  static continuing<D extends AcknowledgeDigest>(hex: string, digest: D): D {
    const from = EventDigest.from(hex);
    digest.a = from.a;
    digest.b = from.b;
    return digest;
  }

  override rejected(op: Command['op'] | null, id: OrderId | null, reason: RejectCode): void {
    this.rejectedSeen = true;
    super.rejected(op, id, reason);
  }
}

/**
 * The digest folded as the (one) matching worker answers, in the router's walk of the rows
 * (shards.ts InOrderSink): each entry keeps the running value after its events, and acknowledge
 * takes it instead of walking the rows again. Same commands in the same (sequence) order from
 * the same starting value as the acknowledged digest, so the same values; it only runs ahead by
 * the commands matched and not yet released.
 */
class MatchedDigest extends AcknowledgeDigest implements InOrderSink {
  beginCommand(entry: Pending): void {
    this.command(entry.seq);
    this.rejectedSeen = false;
  }

  endCommand(entry: Pending): void {
    entry.digested = true;
    entry.digestA = this.a;
    entry.digestB = this.b;
    entry.digestRejected = this.rejectedSeen;
  }
}

/** What a log that keeps no records (memory durability) is handed instead of an encoded record. */
const NO_RECORD = new Uint8Array(0);

export class Exchange {
  private readonly parsed = new ParsedCommand();
  /** Writes each admitted command once as the binary record the log stores. */
  private readonly encoder = new CommandRecordEncoder();
  /** Whether the log is handed the records: it keeps them, or the backup thread follows them. */
  private readonly logsRecords: boolean;
  /** The backup thread follows the log's bytes (checkpointer.recorded after every append). */
  private readonly followsRecords: boolean;
  /**
   * Instruments as admission sees them: the acknowledged ones plus every add_instrument already
   * logged (so an order right behind an add is admitted; the add reaches its worker first).
   */
  private readonly instrumentIndex = new Map<string, number>();
  private readonly specs: ResolvedInstrument[];
  /** Commands logged since the log began (acknowledged or not). */
  private logged: number;
  private readonly pending = new Fifo<Pending>();
  /** Acknowledged entries, reused for the next commands (bounded by maxPending). */
  private readonly pendingPool: PendingPool;
  private readonly waiting = new Fifo<Waiting>();
  private readonly streams = new Set<EventStream | FeedStream>();
  /** Seq of the last record recovery applied: its events count as published (the live point's floor). */
  private readonly startSeq: number;
  private readonly digest: AcknowledgeDigest;
  /** Commands acknowledged since the log began. */
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
  /** What queries read: the backup replica, or the main-thread engine when there is no backup thread. */
  private readonly view: AcknowledgedView;
  /** Instruments and halted flags as acknowledged (from admin events: no replica needed). */
  private readonly acknowledgedInstruments: AcknowledgedInstruments;
  private readonly limits: { instrumentsMax: number; maxOrders: number };
  /** The query view applies commands (the main-thread engine): each pending entry keeps one. */
  private readonly viewReadsCommands: boolean;
  private constructor(
    private readonly options: ResolvedExchangeOptions,
    private readonly wal: WriteAheadLog<Uint8Array>,
    /** The recovered state: kept as the query view only without a backup thread. */
    recoveredEngine: Engine,
    private readonly shards: Shards,
    private readonly checkpointer: Checkpointer,
    private readonly seqReservation: SeqReservation | null,
    start: { seq: number; commands: number; digest: string },
    private readonly recovery: RecoveryStats,
    private readonly lock: DirLock | null,
    private readonly feed: Feed,
  ) {
    this.startSeq = start.seq;
    this.pendingPool = new PendingPool(options.maxPending);
    this.followsRecords = checkpointer.followsRecords;
    // A memory log keeps nothing: encode only if the backup thread needs the records.
    this.logsRecords = wal.durability !== 'memory' || this.followsRecords;
    this.specs = recoveredEngine.instruments;
    this.specs.forEach((spec, index) => this.instrumentIndex.set(spec.symbol, index));
    this.limits = { instrumentsMax: recoveredEngine.options.instrumentsMax, maxOrders: recoveredEngine.options.maxOrders };
    this.acknowledgedInstruments = new AcknowledgedInstruments(
      this.specs,
      this.specs.map((spec) => recoveredEngine.isHalted(spec.symbol)),
    );
    // One engine per role: with a backup thread its replica answers, and the recovered engine is
    // dropped here (the workers and the backup restored theirs from its snapshot).
    const self = this;
    this.view = checkpointer.followsRecords
      ? new BackupThreadView(checkpointer, {
          get liveOrders() {
            return self.shards.liveOrders;
          },
          get failure() {
            return self.failure;
          },
          fail: (error) => this.fail(error),
          restore: (snapshot) => Engine.restore(snapshot, { verify: false }),
          symbols: () => self.acknowledgedInstruments.specs.map((spec) => spec.symbol),
        })
      : new EngineView(recoveredEngine);
    this.viewReadsCommands = this.view.readsCommands;
    this.commands = start.commands;
    this.logged = start.commands;
    this.digest = AcknowledgeDigest.continuing(start.digest, new AcknowledgeDigest());
    shards.listen({
      onMatched: () => this.release(),
      inOrder: AcknowledgeDigest.continuing(start.digest, new MatchedDigest()),
      onError: (error) => this.fail(error),
      onSent: checkpointer.followsBatches ? (shard, entries) => checkpointer.sent(shard, entries) : null,
    });
  }

  /**
   * With `replication`: joins a venue whose log is a JetStream stream (a member of a
   * primary-primary venue, see ReplicatedExchange). The one seam between the two paths.
   */
  static open(options: ReplicatedExchangeOptions): Promise<ReplicatedExchange>;
  /** Opens (creating, or recovering after a crash) the exchange in `options.dir`. */
  static open(options: ExchangeOptions): Promise<Exchange>;
  static open(options: ExchangeOptions | ReplicatedExchangeOptions): Promise<Exchange | ReplicatedExchange> {
    if (typeof options === 'object' && options !== null && 'replication' in options) return ReplicatedExchange.open(options);
    return Exchange.openLocal(options as ExchangeOptions);
  }

  private static async openLocal(options: ExchangeOptions): Promise<Exchange> {
    const t0 = performance.now();
    const resolved = resolveExchangeOptions(options);
    const opened = await openState(resolved);
    const { recovered, engineOptions, wal } = opened;
    const phases = recovered.stats.phases;
    const tRecovered = performance.now();
    const view = recovered.engine;
    const start = { seq: recovered.seq, commands: recovered.commands, digest: recovered.digest };
    // Built before the exchange so the backup thread restores its replica while the matching
    // workers restore theirs; it reaches the exchange through these late-bound handles.
    let exchange: Exchange | null = null;
    const acknowledged: AcknowledgedState = {
      get commands() {
        return exchange?.commands ?? start.commands;
      },
      get lastCommandSeq() {
        return exchange?.lastCommandSeq ?? 0;
      },
      get digestValue() {
        return exchange?.digest.value ?? start.digest;
      },
      view,
    };
    let early: Error | null = null;
    const retention = FeedRetention.from({
      commands: resolved.feedRetentionCommands,
      bytes: resolved.feedRetentionBytes,
      ms: resolved.feedRetentionMs,
    });
    try {
      // Bytes and age retention need the sizes and times of the records already logged.
      retention?.scan(wal, view.instruments.map((spec) => spec.symbol));
    } catch (error) {
      await abandon(opened);
      throw error;
    }
    const feed = new Feed(wal, opened.store, opened.initialOptions, retention, resolved.checkpointsKept, resolved.maxPending);
    const checkpointer = Checkpointer.create(
      resolved,
      wal,
      opened.store,
      start,
      acknowledged,
      {
        fail: (error) => (exchange === null ? (early ??= error) : exchange.fail(error)),
        room: () => exchange?.admitWaiting(),
        checked: () => exchange?.release(),
      },
      feed,
    );
    // Always the recovered state (not the options): halted flags, added instruments, last prices
    // and dead ids must reach the workers and the backup even when no order is live.
    const tSnapshot = performance.now();
    phases.afterRecoveryMs = tSnapshot - tRecovered;
    // Shared memory: the workers and the backup read the same bytes, none is sent a copy.
    const snapshot = view.snapshot({ shared: true });
    const tStart = performance.now();
    phases.snapshotMs = tStart - tSnapshot;
    const [shards, backup] = await Promise.allSettled([
      Shards.start(resolved.workers, engineOptions, view, snapshot, resolved.batchMax, opened.shardPools).finally(() => (phases.workersStartMs = performance.now() - tStart)),
      checkpointer.start(engineOptions, snapshot, recovered.deferred, opened.backupThread).finally(() => (phases.backupStartMs = performance.now() - tStart)),
    ]);
    const failed = shards.status === 'rejected' ? shards.reason : backup.status === 'rejected' ? backup.reason : early;
    if (failed !== null || shards.status === 'rejected') {
      if (shards.status === 'fulfilled') await shards.value.destroy();
      await checkpointer.terminate();
      await abandon(opened);
      throw failed;
    }
    exchange = new Exchange(resolved, wal, view, shards.value, checkpointer, opened.seqReservation, start, recovered.stats, opened.lock, feed);
    phases.openMs = performance.now() - t0;
    return exchange;
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
  submit(command: ExchangeCommand): Promise<SubmitResult> {
    return this.submitOne(command, false);
  }

  /**
   * Lists a new instrument (SEMANTICS.md "Instruments"): a logged command, so replay, checkpoints
   * and every recovery path know it, and it survives restarts (reopen without `instruments`, or
   * with the list including it). Resolves like `submit`: an `instrument_added` event with the
   * index it took, or — refused before the log, `seq: null` — INVALID_INSTRUMENT (detail.problem
   * says which rule), INSTRUMENT_EXISTS or INSTRUMENT_CAPACITY (`instrumentsMax`). Orders on the
   * new symbol may be submitted at once, without waiting for this promise.
   */
  addInstrument(spec: InstrumentSpec): Promise<SubmitResult> {
    return this.submitOne({ op: 'add_instrument', spec }, true);
  }

  /**
   * Halts an instrument (logged): new orders and modifies on it are rejected INSTRUMENT_HALTED,
   * cancels still work; resting orders, stops and GTT expiry stay (SEMANTICS.md "Instruments").
   * UNKNOWN_SYMBOL is refused before the log; ALREADY_HALTED is a sequenced reject.
   */
  halt(symbol: string): Promise<SubmitResult> {
    return this.submitOne({ op: 'halt', symbol }, true);
  }

  /** Resumes a halted instrument (logged); NOT_HALTED when it is running. */
  resume(symbol: string): Promise<SubmitResult> {
    return this.submitOne({ op: 'resume', symbol }, true);
  }

  private submitOne(command: unknown, admin: boolean): Promise<SubmitResult> {
    if (this.failure !== null) return Promise.reject(this.failure);
    // Parsed for its op and id (and nothing else) so the sender can tell which command was refused.
    if (this.closing !== null) return Promise.resolve(this.refuseCommand(command, RejectCode.EXCHANGE_CLOSED, admin));
    this.counters.submitted++;
    if (this.waiting.length > 0 || this.full()) {
      if (this.options.onFull === 'reject' || this.waiting.length >= this.options.maxWaiting) {
        this.counters.queueFullRejects++;
        return Promise.resolve(this.refuseCommand(command, RejectCode.QUEUE_FULL, admin));
      }
      return new Promise((resolve) => this.waiting.push({ batch: null, command, admin, resolve }));
    }
    return this.admit(command, admin);
  }

  /**
   * Submits commands in order with one promise for all of them: resolves with one result per
   * command, in order, once every one is durable and matched (or refused before the log, in
   * its place: partial refusal never fails the batch). When the queue is full, the rest of the
   * batch waits for room as one waiting submit ('wait'), or is refused with QUEUE_FULL
   * ('reject'). Rejects if the exchange failed or the log refused a record; commands of the
   * batch admitted before that may still be logged and acknowledged. With `{ events: false }`
   * an accepted command's result has no events (`events` is empty; a rejected command's still
   * holds its `rejected` event): for callers who do not read them, it saves building them
   * (SubmitManyOptions). Unknown or mistyped options reject with a TypeError.
   */
  submitMany(commands: readonly ExchangeCommand[], options?: SubmitManyOptions): Promise<SubmitResult[]> {
    if (!Array.isArray(commands)) return Promise.reject(new TypeError('submitMany takes an array of commands'));
    let events: boolean;
    try {
      events = resolveSubmitManyOptions(options).events;
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.failure !== null) return Promise.reject(this.failure);
    const batch = new BatchOutcome(commands.length, events);
    if (this.closing !== null) {
      for (let i = 0; i < commands.length; i++) batch.set(i, this.refuseCommand(commands[i], RejectCode.EXCHANGE_CLOSED));
      return batch.promise;
    }
    this.counters.submitted += commands.length;
    let i = 0;
    if (this.waiting.length === 0) {
      // Bounded by the batch length.
      for (; i < commands.length && !this.full(); i++) {
        if (!this.enterInto(batch, commands[i], i)) return batch.promise;
      }
    }
    if (i < commands.length) {
      if (this.options.onFull === 'reject' || this.waiting.length >= this.options.maxWaiting) {
        for (; i < commands.length; i++) {
          this.counters.queueFullRejects++;
          batch.set(i, this.refuseCommand(commands[i], RejectCode.QUEUE_FULL));
        }
      } else {
        this.waiting.push({ batch, commands, next: i });
      }
    }
    return batch.promise;
  }

  /** No room: the pending queue is at maxPending, or the backup replica is too far behind. */
  private full(): boolean {
    return this.pending.length >= this.options.maxPending || this.checkpointer.saturated;
  }

  private refuse(op: Command['op'] | null, id: OrderId | null, reason: RejectCode): SubmitResult {
    this.counters.rejectedBeforeLog++;
    const event: RejectedEvent = { type: 'rejected', op, id, reason };
    // Instrument-rule rejects (only a new order's are stateless) say which rule, as Engine.apply does.
    const p = this.parsed;
    if (reason === RejectCode.INVALID_INSTRUMENT) event.detail = { symbol: p.symbol, problem: p.problem };
    if (op === 'new' && p.op === 'new' && p.instrument >= 0) {
      const detail = rejectDetail(reason, this.specs[p.instrument]);
      if (detail !== undefined) event.detail = detail;
    }
    return { seq: null, time: null, events: [event] };
  }

  private refuseCommand(command: unknown, reason: RejectCode, admin = false): SubmitResult {
    const p = this.parsed;
    parseCommand(command, this.instrumentIndex, this.specs, p, false, admin);
    return this.refuse(p.op, p.id, reason);
  }

  /** A lone command: its own promise. */
  private admit(command: unknown, admin = false): Promise<SubmitResult> {
    let entered: Pending | SubmitResult;
    try {
      entered = this.enter(command, null, 0, admin);
    } catch (error) {
      return Promise.reject(error);
    }
    return entered instanceof Pending ? entered.promise! : Promise.resolve(entered);
  }

  /** Command `index` of a batch; false when the log refused it (the batch was rejected). */
  private enterInto(batch: BatchOutcome, command: unknown, index: number): boolean {
    try {
      const entered = this.enter(command, batch, index);
      if (!(entered instanceof Pending)) batch.set(index, entered);
      return true;
    } catch (error) {
      batch.fail(error as Error);
      return false;
    }
  }

  /**
   * Validates once, routes, stamps the time and logs the command; queues it for its worker.
   * Returns the pending entry, or the refusal (nothing logged). Throws what the log threw.
   */
  private enter(command: unknown, batch: BatchOutcome | null, index: number, admin = false): Pending | SubmitResult {
    const p = this.parsed;
    const reason = parseCommand(command, this.instrumentIndex, this.specs, p, false, admin) ?? (admin ? this.addRefusal(p) : null);
    if (reason !== null) return this.refuse(p.op, p.id, reason);
    // Time stamped and seq known before routing: the router decides duplicates as the engine will.
    this.stampTime(p);
    const shard = this.shards.route(p, this.wal.lastSeq + 1);
    if (shard === ROUTE_REFUSED) return this.refuse(p.op, p.id, this.shards.refusal);
    // The command as an object only where one is read: an admin command (instrument lists) and
    // the main-thread engine view, which applies it. Everyone else reads p's numbers (Pending).
    const op = p.op;
    const record = this.viewReadsCommands || op === 'add_instrument' || op === 'halt' || op === 'resume' ? toCommand(p) : null;
    let seq: number;
    // The record is encoder.buffer[0, end), valid until the next encode: every reader copies it.
    const bytes = this.encoder.buffer;
    let end: number;
    try {
      const next = this.wal.lastSeq + 1;
      this.seqReservation?.cover(next);
      // Encoded even when the log keeps nothing (memory): the matching worker reads these bytes.
      end = this.encoder.encodeCommandInto(next, p);
      seq = this.appendRecord(bytes, this.logsRecords ? end : 0);
      // The record carries its seq; the log numbers records lastSeq + 1 (replay checks both).
      if (seq !== next) throw new Error(`assertion: the log numbered record ${next} as ${seq}`);
      if (this.followsRecords) this.checkpointer.recordedRange(seq, bytes, 0, end);
      this.feed.retention?.note(seq, end, p.time);
    } catch (error) {
      // Overload is back-pressure on this one record; anything else (a full disk or map, an
      // I/O error) means the log cannot take more: fail closed.
      if (!(error instanceof WalOverloadError)) this.fail(error as Error);
      throw error;
    }
    this.logged++;
    if (p.op === 'add_instrument') {
      // Admission knows the instrument from now on; its worker gets the add before any order on it.
      this.instrumentIndex.set(p.symbol, this.specs.length);
      this.specs.push(parsedSpec(p));
    }
    const entry = this.pendingPool.take(seq, p, record, batch, index);
    this.pending.push(entry);
    this.shards.enqueue(shard, entry, bytes, 0, end);
    this.scheduleFlush();
    return entry;
  }

  /**
   * The engine's state checks of an add_instrument, made here exactly (admission's instrument list
   * is the engines' as of this record): a refused add is never logged, and one that is logged is
   * accepted by every engine, so the workers' instrument indexes never disagree.
   */
  private addRefusal(p: ParsedCommand): RejectCode | null {
    if (p.op !== 'add_instrument') return null;
    if (this.specs.length >= this.limits.instrumentsMax) return RejectCode.INSTRUMENT_CAPACITY;
    try {
      checkExactSums(parsedSpec(p), this.limits.maxOrders, 'spec');
    } catch (error) {
      p.problem = (error as Error).message;
      return RejectCode.INVALID_INSTRUMENT;
    }
    return null;
  }

  /** The command's time: the wall clock, never going back (the logged form is `toCommand(p)`). */
  private stampTime(p: ParsedCommand): void {
    const now = Date.now();
    p.time = now > this.lastTimeMs ? now : this.lastTimeMs;
    this.lastTimeMs = p.time;
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
    this.shards.send();
    this.watchDurability();
  }

  /** One `durable` watch per flush: group commit makes everything before it durable too. */
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

  /**
   * Appends bytes[0, end) and returns its seq, watching its batch as watchAppend does, with no
   * object per record (the log's appendChecksummed or appendBytes + lastDurable; append for a log
   * without them). appendChecksummed: the record carries its crc32c (command-record.ts), which the
   * log's frame continues instead of checksumming the same bytes again.
   */
  private appendRecord(bytes: Uint8Array, end: number): number {
    const wal = this.wal;
    let seq: number;
    if (wal.appendChecksummed !== undefined) seq = wal.appendChecksummed(bytes, 0, end);
    else if (wal.appendBytes !== undefined) seq = wal.appendBytes(bytes, 0, end);
    else return this.watchAppend(wal.append(bytes.subarray(0, end)));
    const durable = wal.lastDurable;
    if (durable !== undefined && durable !== this.watchedDurable) {
      this.watchedDurable = durable;
      durable.catch((error: Error) => this.fail(error));
    }
    return seq;
  }

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
    // Held while recovery's deferred checks run on the backup thread (checkpointing.ts `checked`).
    if (this.failure !== null || !this.checkpointer.checked) return;
    const durable = this.wal.durableSeq;
    const pending = this.pending;
    let released = 0;
    // Bounded by the number of pending commands.
    for (let head = pending.peek(); head !== undefined; head = pending.peek()) {
      if (!head.matched || head.seq > durable) break;
      pending.shift();
      released++;
      this.acknowledge(head);
    }
    if (released > 0) {
      // Up to the next command not yet released (marks before it included), never past it.
      const next = pending.peek();
      this.checkpointer.released(next === undefined ? durable : Math.min(durable, next.seq - 1));
      this.admitWaiting();
    }
    if (this.pending.length === 0 && this.waiting.length === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const wake of waiters) wake();
    }
  }

  private acknowledge(entry: Pending): void {
    const seq = entry.seq;
    const digest = this.digest;
    if (entry.digested) {
      // Folded already, in order, as its (one) worker answered (MatchedDigest).
      digest.a = entry.digestA;
      digest.b = entry.digestB;
      digest.rejectedSeen = entry.digestRejected;
    } else {
      digest.command(seq);
      digest.rejectedSeen = false;
      // The digest folds the worker's rows; the event objects are built once, for the result.
      entry.walk(digest);
    }
    this.commands++;
    this.lastCommandSeq = seq;
    this.counters.acknowledged++;
    // Queries never show an outcome a crash could erase: the main-thread view (no backup thread)
    // applies the command now; the backup replica is sent it by checkpointer.released.
    const op = entry.op;
    this.view.acknowledged(entry.kept, seq, this.view.readsEvents ? entry.events : NO_EVENTS);
    if (op === 'add_instrument' || op === 'halt' || op === 'resume') this.acknowledgeAdmin(entry.events);
    const time = entry.time;
    if (this.streams.size > 0) {
      const events = entry.events;
      for (let i = 0; i < events.length; i++) {
        const event = { ...events[i], seq, time } as ExchangeEvent;
        for (const stream of this.streams) stream.push(event);
      }
    }
    // A caller who reads no events (submitMany events: false) still hears of a rejection.
    entry.resolve({ seq, time, events: entry.callerReadsEvents || digest.rejectedSeen ? entry.events : (NO_EVENTS as EngineEvent[]) });
    // Nobody reads the entry after this (the result is its own object): it serves a later command.
    this.pendingPool.give(entry);
    if (this.commands % this.options.markEvery === 0) this.appendMark(seq, undefined);
  }

  /** Instruments and halted flags follow the admin events (instruments(), stats()). */
  private acknowledgeAdmin(events: readonly EngineEvent[]): void {
    const instruments = this.acknowledgedInstruments;
    for (const event of events) {
      if (event.type === 'instrument_added') instruments.added(event.spec as ResolvedInstrument);
      else if (event.type === 'halted' || event.type === 'resumed') instruments.setHalted(event.symbol, event.type === 'halted');
    }
  }

  private appendMark(upto: number, stateHash: string | undefined): void {
    const mark: MarkRecord = { op: 'mark', upto, commands: this.commands, digest: this.digest.value };
    if (stateHash !== undefined) mark.stateHash = stateHash;
    try {
      const next = this.wal.lastSeq + 1;
      this.seqReservation?.cover(next);
      const bytes = this.logsRecords ? this.encoder.encodeMark(next, mark) : NO_RECORD;
      const seq = this.watchAppend(this.wal.append(bytes));
      if (this.followsRecords) this.checkpointer.recorded(seq, bytes);
      this.feed.retention?.note(seq, bytes.length, this.lastTimeMs);
      this.counters.marks++;
      this.checkpointer.marked(seq, mark);
      this.scheduleFlush();
    } catch (error) {
      // An overloaded log refuses the mark like any record (marks are checks, not state); a full
      // or failing log stops the exchange, as it would for a command.
      if (!(error instanceof WalOverloadError)) this.fail(error as Error);
    }
  }

  /** Admits waiting submits, in the order they came, while there is room. */
  private admitWaiting(): void {
    // Bounded by maxWaiting entries, each bounded by its batch length.
    while (this.waiting.length > 0 && !this.full() && this.failure === null) {
      const waiter = this.waiting.peek()!;
      if (waiter.batch === null) {
        this.waiting.shift();
        waiter.resolve(this.admit(waiter.command, waiter.admin));
        continue;
      }
      const { batch, commands } = waiter;
      while (waiter.next < commands.length && !this.full()) {
        const index = waiter.next++;
        if (!this.enterInto(batch, commands[index], index)) {
          waiter.next = commands.length;
          break;
        }
      }
      if (waiter.next === commands.length) this.waiting.shift();
    }
  }

  /**
   * The one failure policy: stops the exchange after an unrecoverable error (divergence, an
   * unwritable checkpoint, a failed reclaim, a dead backup thread or matching worker, a log I/O
   * error or a full log). Every pending and later submit rejects with `error`; close() resolves;
   * workers, log and lock are released; stats().failed says why. Reopen to recover.
   */
  private fail(error: Error): void {
    if (this.failure !== null) return;
    this.failure = error;
    for (let entry = this.pending.shift(); entry !== undefined; entry = this.pending.shift()) entry.reject(error);
    for (let waiter = this.waiting.shift(); waiter !== undefined; waiter = this.waiting.shift()) {
      if (waiter.batch === null) waiter.resolve(Promise.reject(error));
      else waiter.batch.fail(error);
    }
    for (const stream of [...this.streams]) stream.fail(error);
    for (const wake of this.idleWaiters.splice(0)) wake();
    // Abandon, not close: records not yet committing belong to submits just refused; flushing
    // them would bring refused commands back on reopen.
    const wal = this.wal;
    this.failCleanup = Promise.allSettled([
      this.shards.destroy(),
      this.checkpointer.terminate(),
      (wal.abandon === undefined ? wal.close() : wal.abandon())
        .catch(() => undefined)
        .finally(() => this.lock?.release()),
    ]).then(() => undefined);
  }

  // --- queries (exact as of the last acknowledged command) ---------------------------------
  // With a backup thread each query is a synchronous request to its replica (state-view.ts): it
  // blocks the caller's thread until answered, behind a checkpoint being written too (README
  // "Queries"); a stuck or dead backup fails the exchange closed and the query throws that error.

  /**
   * Aggregated price levels as of the last acknowledged command. With a backup thread, answered
   * by its replica (waits while it writes a checkpoint); throws BackupStuckError or
   * BackupThreadError when it cannot answer (the exchange then fails closed).
   */
  depth(symbol: string, levels = 10): Depth {
    return this.view.depth(symbol, levels);
  }

  /** Best bid and offer (price and displayed quantity) as of the last acknowledged command. */
  top(symbol: string): Top {
    return this.view.top(symbol);
  }

  /** L3 snapshot: every resting order of the best `levels` levels per side, in priority order. */
  l3(symbol: string, levels = 10): L3Book {
    return this.view.l3(symbol, levels);
  }

  /**
   * Where order `id` stands, for a client that lost its acknowledgement: a live order (`resting`,
   * `partially_filled`, `pending`), or one that ended or was rejected while its id is remembered
   * (`filled`, `cancelled`, `expired`, `rejected`), with filled and remaining quantity, the seq that
   * created it and the seq of its last change (SEMANTICS.md "Order ids"). Acknowledged state only;
   * undefined for an id never seen or forgotten.
   */
  orderStatus(id: OrderId): OrderStatusView | undefined {
    return this.view.orderStatus(id);
  }

  order(id: OrderId): OrderView | undefined {
    return this.view.order(id);
  }

  /** Instruments as of the last acknowledged command, in configuration order, each with whether it is halted. */
  instruments(): Array<ResolvedInstrument & { halted: boolean }> {
    return this.acknowledgedInstruments.list();
  }

  stateHash(): string {
    return this.view.stateHash();
  }

  /**
   * Every acknowledged event, in sequence order, until close: from now, or with `fromSeq` from that
   * seq on — events the exchange still retains are regenerated exactly from a checkpoint and the
   * log (the same objects, `seq` and `time` a live subscriber got), then the subscription goes on
   * live with no gap and no duplicate. A drop-copy consumer resumes with its last seq + 1. Throws
   * FeedError (`code` FEED_SEQ_NOT_RETAINED, naming `oldestSeq`) for a seq no longer retained.
   */
  events(options: EventsOptions = {}): AsyncIterableIterator<ExchangeEvent> {
    const fromSeq = (options as EventsOptions | null)?.fromSeq;
    const closed = this.closing !== null || this.failure !== null;
    if (fromSeq === undefined || closed) {
      const stream = new EventStream(this.options.eventsBacklogMax, (s) => this.streams.delete(s));
      if (closed) stream.end();
      else this.streams.add(stream);
      return stream;
    }
    const stream = this.feed.subscribe(fromSeq, this.livePoint, this.options.eventsBacklogMax, (s) => this.streams.delete(s));
    this.streams.add(stream);
    return stream;
  }

  /** Every command up to here has been published to subscribers, none after it. */
  private get livePoint(): number {
    return Math.max(this.lastCommandSeq, this.startSeq);
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
      instruments: {
        count: this.acknowledgedInstruments.specs.length,
        instrumentsMax: this.limits.instrumentsMax,
        halted: this.acknowledgedInstruments.haltedSymbols(),
      },
      workers: this.shards.stats(),
      durability: this.options.durability,
      ...this.counters,
      checkpoints: { ...this.checkpointer.figures },
      backup: { appliedSeq: this.checkpointer.appliedSeq, running: this.checkpointer.running },
      feed: { oldestSeq: this.feed.oldestSeq(this.livePoint), catchingUp: this.feed.catchingUp },
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
    try {
      if (this.lastCommandSeq > 0) this.appendMark(this.lastCommandSeq, this.view.stateHash());
      await this.wal.flush();
      if (this.failure === null) await this.checkpointer.finish(this.wal.durableSeq);
    } catch (error) {
      this.fail(error as Error);
    }
    // A failure while closing resolves close() like any other: stats().failed says why, and
    // everything (workers, log, lock) is released either way.
    if (this.failure !== null) return this.failCleanup;
    await this.shards.close();
    await this.wal.close();
    this.lock?.release();
  }
}


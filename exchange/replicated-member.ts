// Why this file exists: the report's primary-primary pair, built on JetStream as the
// "coupling facility". Every member accepts submits and publishes them to one stream; the
// stream's order is the one total order; every member applies every record (its own and the
// others') in that order to its own deterministic engine, so all members hold the same books at
// every sequence number. A submit resolves once the stream's quorum stored the command AND this
// member applied it, with seq = its stream sequence. Kept apart from exchange.ts (the local,
// sequencing pipeline, being restructured for the binary record) behind this one class, so
// neither path changes the other; engine/ is unchanged.
//
// Batches: a member publishes every command it was given in one turn of the event loop as ONE
// stream message (member-record.ts's batch), so the NATS protocol, the publish ack, the stream's
// Raft round and the consumer's delivery are paid per batch, not per command. Measured before
// (one message per command): ~5k commands/s per member, a third of the CPU in socket writes and
// NATS parsing. One message id per batch: a re-sent batch is stored once, whole. So two
// numberings exist: the stream's message seq (where the log reads, what checkpoints record as
// their position, what trimming confirms) and the command seq every query, event and ack carries
// (contiguous, from 1, the same on every member: the n-th command applied in stream order). On a
// stream of one command per message (earlier builds) the two are equal.
//
// Order: one member's commands are applied in its call order (member-order.ts): a batch that
// reached the stream ahead of an earlier one of the same member is skipped by every member and
// re-published by its submitter once the gap is closed. While a gap is open (or before this
// member's first batch was applied) new batches are held here, not sent.
//
// With a `dir`, a member writes checkpoints of its engine there (every checkpointEveryCommands records
// and at close) and reopens from the newest one that verifies, replaying the stream after it.
// The stream carries the local log's binary command record in a member envelope
// (member-record.ts): validated once at submit, applied by every member without re-validation.
// Not yet here (see README): worker threads and the backup thread (one engine on the caller's
// thread; a checkpoint is taken on it).

import { nuid } from '@nats-io/transport-node';
import {
  Engine,
  ParsedCommand,
  parseCommand,
  RejectCode,
  type Command,
  type ExchangeCommand,
  type Depth,
  type EngineOptions,
  type InstrumentSpec,
  type OrderId,
  type OrderView,
} from '../engine/index.js';
import { JetStreamLog, WalRangeError, type JetStreamLogOptions, type RecordCodec } from '../wal/index.js';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CheckpointCorruptError, CheckpointStore, CheckpointWriteError, parseCheckpoint, type CheckpointHeader } from '../replay/index.js';
import { DirLock } from './dir-lock.js';
import { EventStream, type ExchangeEvent } from './event-stream.js';
import { FEED_CATCH_UPS_MAX, FEED_STEP_RECORDS, FeedError, type EventsOptions } from './feed.js';
import { ReplicaCatchUp, replicaOldestSeq, replicaStartAt } from './replicated-feed.js';
import { ExchangeOptionsError } from './options.js';
import type { SubmitResult } from './pending.js';
import { BATCH_COMMANDS_MAX, MemberBatchEncoder, MemberRecordDecoder } from './member-record.js';
import { admitMessage, MemberOrder, type MemberOrderEntry } from './member-order.js';

export interface ReplicationOptions {
  /** nats:// URLs of the JetStream cluster. */
  servers: string[];
  /** The venue's stream; every member of the venue names the same one. */
  stream: string;
  /** Raft replicas of the stream when this member creates it (default 3). */
  replicas?: number;
  /**
   * This member's stable name in the venue (with a dir): it registers at open (confirming the
   * seq it restored, 0 when new), confirms each checkpoint's seq, and trims the stream behind the
   * lowest confirmation of every named member. In a venue that trims, name every member: an
   * unnamed one is not protected. A dead member's confirmation holds trimming back until
   * JetStreamLog.forget(name).
   */
  member?: string;
  /**
   * Commands one stream message carries at most (default 512): a member sends what it was given
   * in one event-loop turn as one message, or sooner when this many are waiting.
   */
  batchCommandsMax?: number;
  /** Limits of the log (in flight, timeouts); see JetStreamLogOptions. */
  log?: Omit<Partial<JetStreamLogOptions<MemberRecord>>, 'servers' | 'stream' | 'replicas' | 'codec'>;
}

export interface ReplicatedExchangeOptions {
  /**
   * This member's own directory, held exclusively (a lock) so two members never share it. Its
   * checkpoints live in `dir/checkpoints`; without a dir a member replays the stream from seq 1.
   */
  dir?: string;
  /** Records applied between checkpoints (with a dir). */
  checkpointEveryCommands?: number;
  /** Checkpoints kept in the dir. */
  checkpointsKept?: number;
  instruments: InstrumentSpec[];
  ordersMax?: number;
  replication: ReplicationOptions;
  /** Submits published but not yet applied here at most; more resolve with QUEUE_FULL. */
  pendingMax?: number;
  /** Events buffered per `events()` subscriber. */
  eventsBacklogMax?: number;
}

/**
 * What the stream holds per command: the binary envelope of exchange/member-record.ts (who
 * submitted it, their counter, and the command's binary record). The log passes the bytes
 * through; the member decodes each one as it applies it.
 */
export type MemberRecord = Uint8Array;

const MEMBER_CODEC: RecordCodec<MemberRecord> = {
  encode: (record) => record,
  decode: (bytes) => bytes,
};

const OPTION_NAMES = ['dir', 'instruments', 'ordersMax', 'replication', 'pendingMax', 'eventsBacklogMax', 'checkpointEveryCommands', 'checkpointsKept'];
const REPLICATION_NAMES = ['servers', 'stream', 'replicas', 'member', 'batchCommandsMax', 'log'];
/** Bytes of one batch message at most before it is sent (well under the servers' 1 MiB max_payload). */
const BATCH_BYTES_MAX = 256 * 1024;

/** Checks the shape a replicated open needs; the log and engine check their own values. */
export function checkReplicatedOptions(options: unknown): ReplicatedExchangeOptions {
  if (typeof options !== 'object' || options === null) throw new ExchangeOptionsError('options must be an object');
  const given = options as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (!OPTION_NAMES.includes(key)) {
      throw new ExchangeOptionsError(`option '${key}' does not apply to a replicated exchange (known: ${OPTION_NAMES.join(', ')})`);
    }
  }
  const replication = given['replication'];
  if (typeof replication !== 'object' || replication === null) throw new ExchangeOptionsError('replication must be an object');
  for (const key of Object.keys(replication)) {
    if (!REPLICATION_NAMES.includes(key)) {
      throw new ExchangeOptionsError(`unknown replication option '${key}' (known: ${REPLICATION_NAMES.join(', ')})`);
    }
  }
  const batch = (replication as Record<string, unknown>)['batchCommandsMax'];
  if (batch !== undefined && (typeof batch !== 'number' || !Number.isSafeInteger(batch) || batch < 1 || batch > BATCH_COMMANDS_MAX)) {
    throw new ExchangeOptionsError(`replication.batchCommandsMax must be an integer from 1 to ${BATCH_COMMANDS_MAX} (got ${String(batch)})`);
  }
  if (!Array.isArray(given['instruments'])) throw new ExchangeOptionsError('instruments are required for a replicated exchange');
  if (given['dir'] !== undefined && (typeof given['dir'] !== 'string' || given['dir'] === '')) {
    throw new ExchangeOptionsError('dir must be a non-empty string');
  }
  for (const key of ['ordersMax', 'pendingMax', 'eventsBacklogMax', 'checkpointEveryCommands', 'checkpointsKept'] as const) {
    const value = given[key];
    if (value !== undefined && (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1)) {
      throw new ExchangeOptionsError(`${key} must be a positive integer (got ${String(value)})`);
    }
  }
  return options as ReplicatedExchangeOptions;
}

interface MySubmit {
  resolve(result: SubmitResult): void;
  reject(error: Error): void;
}

export interface ReplicatedExchangeStats {
  /** Seq of the last command applied by this member. */
  lastSeq: number;
  /** Seq of the last stream message applied (a message carries a batch of commands). */
  lastStreamSeq: number;
  /** Batches this member published (stream messages; `submitted` counts commands). */
  batches: number;
  /**
   * This member's batches every member skipped because an earlier one of its batches was not in
   * the stream yet (a publish lost at a leader change), re-published after it: call order kept.
   */
  resent: number;
  submitted: number;
  /** This member's submits acknowledged (stored by the quorum and applied here). */
  acknowledged: number;
  /** Records applied here, every member's. */
  applied: number;
  pending: number;
  rejectedBeforeLog: number;
  /** Command seq of the checkpoint this member opened from (0: replayed the stream from seq 1). */
  restoredFromSeq: number;
  checkpointsWritten: number;
  log: ReturnType<JetStreamLog<MemberRecord>['stats']>;
  failed: string | null;
}

export class ReplicatedExchange {
  private engine: Engine;
  private readonly log: JetStreamLog<MemberRecord>;
  private readonly memberId = nuid.next();
  private readonly parsed = new ParsedCommand();
  private readonly batch = new MemberBatchEncoder(this.memberId);
  private readonly batchCommandsMax: number;
  private batchScheduled = false;
  private readonly sendBatchBound = (): void => this.sendBatch();
  private readonly onAppendFailed = (error: Error): void => this.fail(error);
  /** Which batch of each submitter applies next (replicated state: travels in checkpoints). */
  private memberOrder: MemberOrder;
  /** This member's first batch was sent / applied (until then later batches are held). */
  private firstBatchSent = false;
  private established = false;
  /** Batches made while sending is paused, in counter order. */
  private held: Uint8Array[] = [];
  /** This member's batches the stream holds but every member skipped (a gap before them), by first n. */
  private readonly skipped = new Map<number, Uint8Array>();
  private resent = 0;
  private readonly decoder: MemberRecordDecoder;
  /** Instruments as this member has applied them (an add_instrument extends it when applied). */
  private readonly instrumentIndex = new Map<string, number>();
  private readonly mine = new Map<number, MySubmit>();
  private readonly streams = new Set<EventStream>();
  /** Subscriptions regenerating old events (each reads the stream from its own consumer). */
  private readonly catchUps = new Map<EventStream, ReplicaCatchUp>();
  /** The configuration at seq 0 (the stream's initial instruments): regeneration from the start. */
  private readonly initialOptions: EngineOptions;
  private readonly abort = new AbortController();
  private readonly maxPending: number;
  private readonly eventsBacklogMax: number;
  private next = 0;
  /** Command seq of the last command applied (the engine's lastSeq). */
  private applied_seq = 0;
  /** Stream (message) seq of the last message applied. */
  private applied_msg = 0;
  private lastTimeMs = 0;
  private failure: Error | null = null;
  private closing: Promise<void> | null = null;
  private reading: Promise<void> = Promise.resolve();
  /** Waiters on a command seq (stream: false) or a stream seq (stream: true). */
  private seqWaiters: { seq: number; stream: boolean; wake: () => void }[] = [];
  private readonly counters = { submitted: 0, batches: 0, acknowledged: 0, applied: 0, rejectedBeforeLog: 0, checkpointsWritten: 0 };
  private readonly checkpointEvery: number;
  private readonly checkpointsKept: number;
  /** Stream seq and command seq of the newest checkpoint (or the start). */
  private checkpointSeq: number;
  private checkpointCommands: number;
  private readonly memberName: string | undefined;
  private confirming: Promise<void> = Promise.resolve();
  /** Command seq of the checkpoint this member started from (local or published; 0: none). */
  private restoredFrom = 0;

  private constructor(
    engine: Engine,
    log: JetStreamLog<MemberRecord>,
    options: ReplicatedExchangeOptions,
    private readonly lock: DirLock | null,
    private readonly store: CheckpointStore | null,
    restoredSeq: number,
    order: MemberOrder,
  ) {
    this.engine = engine;
    this.memberOrder = order;
    this.applied_msg = restoredSeq;
    this.applied_seq = engine.lastSeq;
    this.restoredFrom = engine.lastSeq;
    this.checkpointEvery = options.checkpointEveryCommands ?? 100_000;
    this.checkpointsKept = options.checkpointsKept ?? 2;
    this.checkpointSeq = restoredSeq;
    this.checkpointCommands = engine.lastSeq;
    this.batchCommandsMax = options.replication.batchCommandsMax ?? 512;
    this.memberName = options.replication.member;
    this.log = log;
    this.maxPending = options.pendingMax ?? 65_536;
    this.eventsBacklogMax = options.eventsBacklogMax ?? 65_536;
    this.initialOptions = { instruments: options.instruments, ordersMax: options.ordersMax };
    engine.instruments.forEach((spec, index) => this.instrumentIndex.set(spec.symbol, index));
    // The engine's own (live) tables: an add_instrument record extends them for the records after it.
    this.decoder = new MemberRecordDecoder(engine.options.instruments, engine.symbols);
  }

  /**
   * Join the venue's stream: connect, replay the stream from its first record into a fresh
   * engine, and resolve once this member has applied everything the stream held at open.
   * Throws WalQuorumError when the cluster has no quorum, WalRangeError when the stream was
   * trimmed (a member without a checkpoint cannot join it).
   */
  static async open(options: ReplicatedExchangeOptions): Promise<ReplicatedExchange> {
    checkReplicatedOptions(options);
    // Bad instruments fail before anything connects or touches the directory.
    let engine = new Engine({ instruments: options.instruments, ordersMax: options.ordersMax });
    let lock: DirLock | null = null;
    let store: CheckpointStore | null = null;
    let restoredSeq = 0;
    let order = new MemberOrder();
    if (options.dir !== undefined) {
      mkdirSync(options.dir, { recursive: true });
      lock = DirLock.acquire(options.dir);
      try {
        store = new CheckpointStore(join(options.dir, 'checkpoints'));
        const restored = restoreNewest(store);
        if (restored !== null) {
          engine = restored.engine;
          restoredSeq = restored.seq;
          order = restored.order;
        }
      } catch (error) {
        lock.release();
        throw error;
      }
    }
    let log: JetStreamLog<MemberRecord>;
    try {
      log = await JetStreamLog.open<MemberRecord>({
        ...options.replication.log,
        servers: options.replication.servers,
        stream: options.replication.stream,
        replicas: options.replication.replicas ?? 3,
        codec: MEMBER_CODEC,
      });
    } catch (error) {
      lock?.release();
      throw error;
    }
    const member = new ReplicatedExchange(engine, log, options, lock, store, restoredSeq, order);
    try {
      const tail = await log.tail();
      if (restoredSeq > tail) {
        throw new WalRangeError(restoredSeq, `checkpoint at seq ${restoredSeq} is ahead of stream ${options.replication.stream} (last seq ${tail}): a different or recreated stream`);
      }
      if (log.firstSeq > restoredSeq + 1) {
        // Trimmed past what this member holds: start from the newest checkpoint a member published.
        const joined = await joinFromPublished(log, restoredSeq, tail, store);
        if (joined === null) {
          throw new WalRangeError(
            restoredSeq + 1,
            `stream ${options.replication.stream} starts at seq ${log.firstSeq}: this member needs seq ${restoredSeq + 1} (its newest checkpoint is at ${restoredSeq}) and no published checkpoint covers it`,
          );
        }
        member.adopt(joined.engine, joined.seq, joined.order);
      }
      // A named member registers before it reads: its confirmation (0 when new) holds trimming
      // back until it has a checkpoint of its own, so no other member trims what it still needs.
      if (options.replication.member !== undefined) await log.confirm(options.replication.member, member.applied_msg);
      member.reading = member.follow(member.applied_msg + 1);
      await member.appliedThroughStream(tail);
      if (member.failure !== null) throw member.failure;
      return member;
    } catch (error) {
      member.abort.abort();
      await log.close().catch(() => undefined);
      lock?.release();
      throw error;
    }
  }

  /** Starts from a published checkpoint instead (at open, before anything is read or submitted). */
  private adopt(engine: Engine, seq: number, order: MemberOrder): void {
    this.engine = engine;
    this.memberOrder = order;
    this.applied_msg = seq;
    this.applied_seq = engine.lastSeq;
    this.checkpointSeq = seq;
    this.checkpointCommands = engine.lastSeq;
    this.restoredFrom = engine.lastSeq;
  }

  private async follow(from: number): Promise<void> {
    try {
      for await (const { seq, command: record } of this.log.read(from, { follow: true, signal: this.abort.signal })) {
        this.apply(seq, record);
      }
    } catch (error) {
      if (!this.abort.signal.aborted) this.fail(error as Error);
    }
  }

  /**
   * Applies one stream message (a batch of commands, or one from an earlier build): the same
   * engine calls on every member, in stream order, each command numbered by the next command seq.
   */
  private apply(streamSeq: number, record: MemberRecord): void {
    const decoder = this.decoder;
    const count = admitMessage(decoder, this.memberOrder, record, streamSeq);
    const mine = decoder.memberId === this.memberId;
    for (let i = 0; i < count; i++) {
      const seq = this.applied_seq + 1;
      decoder.next(seq);
      this.applyCommand(seq, decoder.command, mine ? decoder.n : -1);
    }
    this.applied_msg = streamSeq;
    if (mine && decoder.batched) this.ownBatchApplied(count > 0, decoder.firstN, record);
    if (this.store !== null && this.applied_seq - this.checkpointCommands >= this.checkpointEvery) this.checkpoint();
    if (this.seqWaiters.length > 0) {
      const ready = this.seqWaiters.filter((w) => (w.stream ? w.seq <= streamSeq : w.seq <= this.applied_seq));
      this.seqWaiters = this.seqWaiters.filter((w) => !ready.includes(w));
      for (const waiter of ready) waiter.wake();
    }
  }

  /**
   * Keeps this member's order after one of its batches was applied or skipped: a skipped batch
   * ahead of the next expected counter waits to be re-published; once the batch it waited for
   * was applied, every skipped and held batch goes out again, in counter order.
   */
  private ownBatchApplied(admitted: boolean, firstN: number, record: MemberRecord): void {
    const expected = this.memberOrder.expected(this.memberId) ?? 0;
    if (!admitted) {
      // Behind the expected counter: an old copy of a batch already applied. Ahead: a gap.
      if (firstN > expected && !this.skipped.has(firstN)) this.skipped.set(firstN, record.slice());
      return;
    }
    this.established = true;
    if (this.skipped.size > 0 && !this.skipped.has(expected)) return; // the gap is still open
    const again = [...this.skipped.keys()].sort((a, b) => a - b).map((n) => this.skipped.get(n)!);
    this.skipped.clear();
    this.resent += again.length;
    const held = this.held;
    this.held = [];
    for (const bytes of again) this.log.append(bytes).catch(this.onAppendFailed);
    for (const bytes of held) this.log.append(bytes).catch(this.onAppendFailed);
  }

  /** One command at `seq`; `mineN` is this member's counter when it submitted it (-1: another's). */
  private applyCommand(seq: number, command: ParsedCommand, mineN: number): void {
    const time = command.time;
    const events = this.engine.applyParsed(command, seq);
    const first = events[0];
    if (first !== undefined && first.type === 'instrument_added') this.instrumentIndex.set(first.symbol, first.index);
    this.applied_seq = seq;
    this.counters.applied++;
    if (mineN >= 0) {
      const submit = this.mine.get(mineN);
      if (submit !== undefined) {
        this.mine.delete(mineN);
        this.counters.acknowledged++;
        submit.resolve({ seq, time, events });
      }
    }
    if (this.streams.size > 0) {
      for (const event of events) {
        const withSeq = { ...event, seq, time } as ExchangeEvent;
        for (const stream of this.streams) stream.push(withSeq);
      }
    }
  }

  /**
   * Writes the engine at the last applied seq (on this thread: matching waits for the snapshot
   * and its write). A failed write stops the member (CheckpointWriteError), never a warning.
   */
  private checkpoint(): void {
    if (this.store === null || this.applied_msg === this.checkpointSeq) return;
    // Its position is the stream seq (where a reopen reads on); `commands` is the command seq.
    try {
      this.store.write(
        {
          seq: this.applied_msg,
          commands: this.applied_seq,
          digest: '',
          stateHash: this.engine.stateHash(),
          writtenAtMs: Date.now(),
          members: this.memberOrder.save(),
        } as CheckpointHeaderWithMembers,
        this.engine.snapshot(),
      );
      this.store.prune(this.checkpointsKept);
    } catch (error) {
      this.fail(new CheckpointWriteError(`member checkpoint at stream seq ${this.applied_msg} in ${this.store.dir}: ${(error as Error).message}`));
      return;
    }
    this.checkpointSeq = this.applied_msg;
    this.checkpointCommands = this.applied_seq;
    this.counters.checkpointsWritten++;
    this.confirmCheckpoint(this.applied_msg);
  }

  /**
   * Housekeeping, off the ack path: publish the checkpoint for members that join later, then
   * confirm it and trim. Published BEFORE confirmed, so the newest published checkpoint is never
   * older than what trimming removes. A failure only postpones trimming (a warning).
   */
  private confirmCheckpoint(seq: number): void {
    const name = this.memberName;
    const store = this.store;
    if (name === undefined || store === null) return;
    // A subscription catching up still reads the records after its position: confirm no further,
    // so trimming behind the confirmations never removes what it reads.
    let floor = Number.POSITIVE_INFINITY;
    for (const catchUp of this.catchUps.values()) floor = Math.min(floor, catchUp.nextSeq);
    const confirmed = Math.min(seq, floor - 1);
    this.confirming = this.confirming
      .then(() => this.log.checkpoints().put(seq, store.bytes(seq)))
      .then(() => this.log.confirm(name, confirmed))
      .then(() => this.log.trimConfirmed())
      .then(
        () => undefined,
        (error: Error) => process.emitWarning(`member ${name}: confirming checkpoint ${seq} failed: ${error.message}`),
      );
  }

  /** Resolves once this member has applied every command up to command seq `seq`. */
  appliedThrough(seq: number): Promise<void> {
    if (seq <= this.applied_seq || this.failure !== null) return Promise.resolve();
    return new Promise((wake) => this.seqWaiters.push({ seq, stream: false, wake }));
  }

  /** Resolves once this member has applied every stream message up to stream seq `streamSeq`. */
  appliedThroughStream(streamSeq: number): Promise<void> {
    if (streamSeq <= this.applied_msg || this.failure !== null) return Promise.resolve();
    return new Promise((wake) => this.seqWaiters.push({ seq: streamSeq, stream: true, wake }));
  }

  /** Resolves once this member has applied everything the stream holds now (a round trip, then the wait). */
  async caughtUp(): Promise<void> {
    await this.appliedThroughStream(await this.log.tail());
  }

  /** The stream's current last message seq (a round trip to the cluster): a position, not a command seq. */
  streamTail(): Promise<number> {
    return this.log.tail();
  }

  /** Last stream seq applied here (the state every query reflects). */
  get lastSeq(): number {
    return this.applied_seq;
  }

  submit(command: ExchangeCommand): Promise<SubmitResult> {
    return this.submitOne(command, false);
  }

  /**
   * Lists a new instrument on the venue (a stream record every member applies). Unlike the local
   * exchange, a member only knows what it has applied: an add racing another member's add of the
   * same symbol is a sequenced INSTRUMENT_EXISTS, and orders on the new symbol are admitted once
   * this member applied the add. Open every member with the stream's initial instruments.
   */
  addInstrument(spec: InstrumentSpec): Promise<SubmitResult> {
    return this.submitOne({ op: 'add_instrument', spec }, true);
  }

  /** Halts an instrument on the venue (SEMANTICS.md "Instruments"). */
  halt(symbol: string): Promise<SubmitResult> {
    return this.submitOne({ op: 'halt', symbol }, true);
  }

  /** Resumes a halted instrument on the venue. */
  resume(symbol: string): Promise<SubmitResult> {
    return this.submitOne({ op: 'resume', symbol }, true);
  }

  private submitOne(command: unknown, admin: boolean): Promise<SubmitResult> {
    if (this.failure !== null) return Promise.reject(this.failure);
    this.counters.submitted++;
    const p = this.parsed;
    const reason = parseCommand(command, this.instrumentIndex, this.engine.instruments, p, false, admin);
    if (this.closing !== null) return Promise.resolve(this.refuse(p.op, p.id, RejectCode.EXCHANGE_CLOSED));
    if (reason !== null) return Promise.resolve(this.refuse(p.op, p.id, reason));
    if (this.mine.size >= this.maxPending) return Promise.resolve(this.refuse(p.op, p.id, RejectCode.QUEUE_FULL));
    // Time travels in the command, so every member applies the same value.
    const now = Date.now();
    p.time = now > this.lastTimeMs ? now : this.lastTimeMs;
    this.lastTimeMs = p.time;
    const n = this.next++;
    this.batch.add(n, p);
    const result = new Promise<SubmitResult>((resolve, reject) => this.mine.set(n, { resolve, reject }));
    if (this.batch.count >= this.batchCommandsMax || this.batch.bytes >= BATCH_BYTES_MAX) this.sendBatch();
    else if (!this.batchScheduled) {
      // The rest of this turn's submits join the batch; it goes out right after the turn's I/O.
      this.batchScheduled = true;
      setImmediate(this.sendBatchBound);
    }
    return result;
  }

  /** Publishes the batch being built as one stream message (one message id). */
  private sendBatch(): void {
    this.batchScheduled = false;
    if (this.batch.count === 0) return;
    const bytes = this.batch.take();
    this.counters.batches++;
    // Paused: before this member's first batch was applied (its order entry must exist before two
    // of its batches can race), or while a gap before a skipped batch is open.
    if ((this.firstBatchSent && !this.established) || this.skipped.size > 0) {
      this.held.push(bytes);
      return;
    }
    this.firstBatchSent = true;
    // Not stored by a quorum: fail closed (the member must be reopened to learn what the
    // stream holds), never acknowledge.
    this.log.append(bytes).catch(this.onAppendFailed);
  }

  private refuse(op: Command['op'] | null, id: OrderId | null, reason: RejectCode): SubmitResult {
    this.counters.rejectedBeforeLog++;
    if (reason === RejectCode.INVALID_INSTRUMENT) {
      return { seq: null, time: null, events: [{ type: 'rejected', op, id, reason, detail: { symbol: this.parsed.symbol, problem: this.parsed.problem } }] };
    }
    return { seq: null, time: null, events: [{ type: 'rejected', op, id, reason }] };
  }

  private fail(error: Error): void {
    if (this.failure !== null) return;
    this.failure = error;
    for (const submit of this.mine.values()) submit.reject(error);
    this.mine.clear();
    for (const stream of [...this.streams]) stream.fail(error);
    for (const waiter of this.seqWaiters.splice(0)) waiter.wake();
    this.abort.abort();
  }

  depth(symbol: string, levels = 10): Depth {
    return this.engine.depth(symbol, levels);
  }

  order(id: OrderId): OrderView | undefined {
    return this.engine.order(id);
  }

  stateHash(): string {
    return this.engine.stateHash();
  }

  /**
   * Every event this member applies, in stream order, until close: from now, or with `fromSeq`
   * from that seq on — regenerated from this member's newest checkpoint at or before fromSeq - 1
   * (or from the empty engine while the stream starts at seq 1) plus the stream, exactly as a live
   * subscriber got them, then live with no gap and no duplicate. Throws FeedError
   * (FEED_SEQ_NOT_RETAINED with `oldestSeq`, FEED_SEQ_INVALID, FEED_CATCH_UPS_FULL) like the local exchange.
   */
  events(options: EventsOptions = {}): AsyncIterableIterator<ExchangeEvent> {
    const fromSeq = (options as EventsOptions | null)?.fromSeq;
    const livePoint = this.applied_seq;
    const detach = (s: EventStream): void => void this.streams.delete(s);
    let stream: EventStream;
    if (fromSeq === undefined || fromSeq > livePoint) {
      if (fromSeq !== undefined && !Number.isSafeInteger(fromSeq)) throw this.invalidFromSeq(fromSeq);
      stream = new EventStream(this.eventsBacklogMax, detach, null, fromSeq ?? livePoint + 1);
    } else {
      if (!Number.isSafeInteger(fromSeq) || fromSeq < 1) throw this.invalidFromSeq(fromSeq);
      const oldest = replicaOldestSeq(this.store, this.log.firstSeq, livePoint);
      if (fromSeq < oldest) {
        throw new FeedError(
          'FEED_SEQ_NOT_RETAINED',
          fromSeq,
          oldest,
          `events from seq ${fromSeq} are no longer retained by this member: the oldest it can regenerate is ${oldest} (the stream starts at ${this.log.firstSeq}; regeneration starts at one of this member's checkpoints)`,
        );
      }
      if (this.catchUps.size >= FEED_CATCH_UPS_MAX) {
        throw new FeedError('FEED_CATCH_UPS_FULL', fromSeq, oldest, `${FEED_CATCH_UPS_MAX} subscriptions are already regenerating old events (FEED_CATCH_UPS_MAX); retry when one caught up`);
      }
      const start = replicaStartAt(this.store, this.initialOptions, this.log.firstSeq, fromSeq, oldest);
      const source = new ReplicaCatchUp(start, fromSeq, livePoint, this.log);
      const onOver = (s: EventStream): void => {
        this.catchUps.get(s)?.close();
        this.catchUps.delete(s);
      };
      stream = new EventStream(this.eventsBacklogMax, detach, { source, recordsPerStep: FEED_STEP_RECORDS, onOver }, fromSeq);
      this.catchUps.set(stream, source);
    }
    if (this.closing !== null || this.failure !== null) stream.end();
    else this.streams.add(stream);
    return stream;
  }

  private invalidFromSeq(fromSeq: unknown): FeedError {
    return new FeedError(
      'FEED_SEQ_INVALID',
      fromSeq,
      replicaOldestSeq(this.store, this.log.firstSeq, this.applied_seq),
      `events: fromSeq must be an integer >= 1 (got ${String(fromSeq)})`,
    );
  }

  stats(): ReplicatedExchangeStats {
    return {
      lastSeq: this.applied_seq,
      lastStreamSeq: this.applied_msg,
      ...this.counters,
      pending: this.mine.size,
      resent: this.resent,
      restoredFromSeq: this.restoredFrom,
      log: this.log.stats(),
      failed: this.failure?.message ?? null,
    };
  }

  /** Waits for this member's submits to be applied, then leaves the stream. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.sendBatch();
    // Held or skipped batches go out as the stream catches up: wait until none is left.
    do {
      await this.log.flush();
      if (this.failure === null && this.log.lastSeq > this.applied_msg) await this.appliedThroughStream(this.log.lastSeq);
    } while (this.failure === null && (this.held.length > 0 || this.skipped.size > 0));
    for (const stream of this.streams) stream.end();
    this.streams.clear();
    this.abort.abort();
    await this.reading;
    if (this.failure === null) this.checkpoint();
    await this.confirming;
    await this.log.close();
    this.lock?.release();
    if (this.failure !== null) throw this.failure;
  }
}

/**
 * The newest checkpoint that reads back whole and whose restored engine has the state hash it
 * recorded; older ones are tried when a newer one is corrupt (with a warning).
 */
/** A member checkpoint's header: the local one's plus the submitters' order table. */
type CheckpointHeaderWithMembers = CheckpointHeader & { members?: MemberOrderEntry[] };

function restoreNewest(store: CheckpointStore): { engine: Engine; seq: number; order: MemberOrder } | null {
  for (const seq of store.list()) {
    try {
      const { header, snapshot } = store.read(seq);
      const engine = Engine.restore(snapshot);
      if (engine.stateHash() !== header.stateHash) throw new CheckpointCorruptError(`checkpoint at seq ${seq}: state hash differs after restore`);
      // A snapshot older than the engine's lastSeq field: its command seq is the header's.
      if (engine.lastSeq === 0) engine.lastSeq = header.commands;
      return { engine, seq, order: MemberOrder.load((header as CheckpointHeaderWithMembers).members) };
    } catch (error) {
      process.emitWarning(`skipping member checkpoint ${seq}: ${(error as Error).message}`);
    }
  }
  return null;
}

/**
 * The newest checkpoint members published to the venue's object store, verified (CRC, then the
 * restored engine's state hash) and usable here: no older than what this member holds, with the
 * stream still holding every record after it. Saved to the member's own directory too, so a
 * restart does not fetch it again. null when none qualifies.
 */
async function joinFromPublished(
  log: JetStreamLog<MemberRecord>,
  restoredSeq: number,
  tail: number,
  store: CheckpointStore | null,
): Promise<{ engine: Engine; seq: number; order: MemberOrder } | null> {
  const published = await log.checkpoints().newest();
  if (published === null || published.seq <= restoredSeq || published.seq > tail || log.firstSeq > published.seq + 1) return null;
  const { header, snapshot } = parseCheckpoint(published.bytes, `${log.checkpoints().bucket}/${published.seq}`, published.seq);
  const engine = Engine.restore(snapshot);
  if (engine.stateHash() !== header.stateHash) {
    throw new CheckpointCorruptError(`published checkpoint at seq ${published.seq}: state hash differs after restore`);
  }
  store?.write(header, snapshot);
  if (engine.lastSeq === 0) engine.lastSeq = header.commands;
  return { engine, seq: published.seq, order: MemberOrder.load((header as CheckpointHeaderWithMembers).members) };
}

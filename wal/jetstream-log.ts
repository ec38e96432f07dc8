// Why this file exists: a lost machine or disk must not lose the venue, so the log can live in a NATS
// JetStream stream replicated three ways by Raft instead of one LMDB file. The stream assigns
// the one total order (many writers), so this log implements OrderedLog, not WriteAheadLog: a
// writer learns its record's sequence number from the stream's ack.
//
// What an ack means: JetStream answers a publish to a replicated stream only after the stream's
// Raft group has committed it, i.e. a quorum of replicas stored it (nats-server 2.9 writes it
// but does not fsync each write; see README's durability table). We resolve an append only from
// such an ack, so a writer cut off from the quorum never gets a false one: it gets
// WalQuorumError after quorumWaitMsMax, and the log fails closed.
//
// Throughput: one publish waits a full Raft round trip (~1 ms here), so waiting for each ack
// caps a writer near the stock client's ~24k/s measured; up to inFlightMax publishes are kept
// in flight instead (the async-ack pipeline), see bench/replicated.
//
// Exactly once: every record carries a message id (Nats-Msg-Id = writer prefix + counter), and a
// retry after a timeout or a leader change re-sends the same id, so the stream stores it once
// (its ack then says `duplicate` and carries the original sequence number). Order of one
// writer's records: the pipeline sends them in append order; when one fails, nothing new is
// sent until every in-flight publish settled and the failed ones were re-sent one at a time
// in append order. (A leader change between two in-flight publishes can still store the later
// one first: stats().reordered counts it, test/replicated/retry-order.test.ts pins it. A venue
// member restores its own call order on apply: exchange/member-order.ts.)

import { JetStreamCheckpoints } from './jetstream-checkpoints.js';
import { connect, createInbox, headers, nanos, nuid, type Msg, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import {
  DeliverPolicy,
  DiscardPolicy,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type StreamInfo,
} from '@nats-io/jetstream';
import type { OrderedLog, OrderedReadOptions, WalRecord } from './types.js';
import { resolve_jetstream_options, type JetStreamLogOptions, type JetStreamLogResolvedOptions } from './jetstream-options.js';
import { WalClosedError, WalCorruptionError, WalOverloadError, WalQuorumError, WalRangeError } from './errors.js';
import { check_range, validate_reclaim } from './read-range.js';

/** Counters for stats and benchmarks. */
export interface JetStreamLogStats {
  /** Appends acknowledged by the stream. */
  acked: number;
  /** Publish attempts repeated after a timeout or error (same message id). */
  retries: number;
  /** Acks the stream marked duplicate: a re-sent record it already held (stored once). */
  duplicates: number;
  inFlight: number;
  queued: number;
  /** Times a reader's ordered consumer ended early and was started again at the next seq. */
  readerRestarts: number;
  /**
   * Acks whose seq is above that of a later append of this writer: a publish lost while later
   * ones succeeded was re-sent and stored after them (the writer's call order not kept).
   */
  reordered: number;
}

interface Pending {
  readonly id: string;
  readonly bytes: Uint8Array;
  readonly order: number;
  first_attempt_ms: number;
  sent_ms: number;
  /** Set while the in-order re-send waits for this entry's outcome. */
  waiter: ((acked: boolean) => void) | null;
  done: boolean;
  resolve(seq: number): void;
  reject(error: Error): void;
}

/** Backoff between retries of one publish: short, because a Raft election ends in seconds. */
const RETRY_DELAY_MS_MIN = 25;
const RETRY_DELAY_MS_MAX = 250;
/**
 * A re-sent publish (same message id: a duplicate is harmless) waits at most this long for its
 * ack before it is sent again. Measured (bench:replicated, leader SIGKILL, load ~10): with each
 * retry waiting the full ackTimeoutMs (2 s), a member's publishes were stored again 7.7 s after
 * the kill while the election itself took ~5.3 s: the retry in progress when the new leader came
 * up still waited out its 2 s.
 */
const RETRY_ATTEMPT_MS_MAX = 300;
/**
 * Messages an ordered consumer asks for per pull while reading. Replay of 100,000 64-byte records
 * on the loaded 2-core machine (load ~15): 4,096 per pull ~31–41k/s, 20,000 ~85k/s, 50,000 ~75k/s.
 */
const READ_BATCH_MESSAGES = 20_000;
/**
 * A pull of the ordered consumer expires after this long; its idle heartbeat is half of it, so
 * a reader whose server died notices within a few seconds and resumes from the next seq on
 * another server (the client's default, 30 s, would stall a member that long).
 */
const READ_PULL_EXPIRES_MS = 5_000;
/** Missed idle heartbeats (each READ_PULL_EXPIRES_MS / 2) after which a reader starts a new consumer. */
const READ_HEARTBEATS_MISSED_MAX = 2;
/** A reader with nothing delivered for this long checks whether the stream has more for it. */
const READ_STALL_MS = 6_000;
/**
 * A reader with nothing delivered for this long, while this log's own acks show the stream holds
 * the seq it waits for, starts a fresh consumer (a restart costs one consumer create; a replay
 * under load delivers far more often than this). Measured (bench:replicated, leader SIGKILL): at
 * 1.5 s, checked every 0.75 s, plus a 250 ms pause before the new consumer, a member applied
 * again 2.4 s after its publishes were stored again.
 */
const READ_BEHIND_MS = 500;
/**
 * A reader's consumer create times out after this long and is retried (CONTROL_RETRY_MS later).
 * Measured (bench:replicated, leader SIGKILL): with ackTimeoutMs (2 s) a create sent just
 * before the new leader came up waited out its 2 s, and the member applied again ~2 s after its
 * publishes were stored again.
 */
const READ_CREATE_TIMEOUT_MS = 750;
/** Control-plane calls (stream info, consumer create, purge) retry this often until quorumWaitMsMax. */
const CONTROL_RETRY_MS = 250;

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

/** Oldest seq the stream holds; lastSeq + 1 when it holds none (a new stream reports 0). */
function first_held(info: StreamInfo): number {
  return info.state.messages === 0 ? info.state.last_seq + 1 : info.state.first_seq;
}

function is_stream_not_found(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return /stream not found/i.test(message);
}

const DECODER = new TextDecoder();

/** The stream's answer to one publish: its seq, or null for anything but a stored record. */
function parse_ack(message: Msg): { seq: number; duplicate: boolean } | null {
  if (message.headers?.hasError === true || message.data.length === 0) return null; // 503 no responders
  try {
    const ack = JSON.parse(DECODER.decode(message.data)) as { seq?: unknown; duplicate?: unknown; error?: unknown };
    if (ack.error !== undefined || typeof ack.seq !== 'number' || ack.seq < 1) return null;
    return { seq: ack.seq, duplicate: ack.duplicate === true };
  } catch {
    return null;
  }
}

export class JetStreamLog<T = Uint8Array> implements OrderedLog<T> {
  readonly options: JetStreamLogResolvedOptions<T>;
  /** Subject every record is published on (one subject: the stream order is the order). */
  readonly subject: string;
  private readonly nc: NatsConnection;
  private readonly js: JetStreamClient;
  /** For a reader's consumer create: a short timeout, retried (see READ_CREATE_TIMEOUT_MS). */
  private readonly js_reader: JetStreamClient;
  private readonly jsm: JetStreamManager;
  private readonly id_prefix: string;
  /** Acks come back on `${inbox}.<order>`: one subscription for every publish, no per-publish timer. */
  private readonly inbox: string;
  private readonly acks: Subscription;
  private readonly sweeper: ReturnType<typeof setInterval>;
  private first_seq: number;
  private last_seq: number;
  private next_order = 0;
  private readonly queue: Pending[] = [];
  private queue_head = 0;
  /** Sent, awaiting an ack; insertion order is send order (a re-send is deleted and re-inserted). */
  private readonly in_flight = new Map<number, Pending>();
  /** Failed publishes waiting for the in-order re-send; a late ack may still settle one. */
  private readonly retry = new Map<number, Pending>();
  private recovering = false;
  private failure: WalQuorumError | WalCorruptionError | null = null;
  private closing: Promise<void> | null = null;
  private flush_waiters: (() => void)[] = [];
  private readonly readers = new Set<ConsumerMessages>();
  private readonly counters = { acked: 0, retries: 0, duplicates: 0, readerRestarts: 0, reordered: 0 };
  /** The acked append with the highest append order so far, and its seq (for `reordered`). */
  private last_acked_order = -1;
  private last_acked_seq = 0;
  /** The highest seq at which the stream stored a new (not duplicate) record of this log. */
  private new_acked_seq_max = 0;

  private constructor(options: JetStreamLogResolvedOptions<T>, nc: NatsConnection, jsm: JetStreamManager, info: StreamInfo) {
    this.options = options;
    this.subject = `${options.stream}.log`;
    this.nc = nc;
    this.jsm = jsm;
    this.js = jetstream(nc, { timeout: options.ackTimeoutMs });
    this.js_reader = jetstream(nc, { timeout: Math.min(options.ackTimeoutMs, READ_CREATE_TIMEOUT_MS) });
    this.id_prefix = `${options.writerId === '' ? 'w' : options.writerId}.${nuid.next()}.`;
    this.first_seq = first_held(info);
    this.last_seq = info.state.last_seq;
    this.inbox = createInbox();
    this.acks = nc.subscribe(`${this.inbox}.*`, { callback: (_error, message) => this.on_reply(message) });
    this.sweeper = setInterval(() => this.sweep(), Math.max(5, Math.floor(options.ackTimeoutMs / 4)));
    this.sweeper.unref();
    // A publish sent on a connection that broke may never get its reply (a reply published while
    // this client was reconnecting is lost): re-send every in-flight one as soon as the client
    // is back (same message ids, so whatever was stored is acked as a duplicate) instead of
    // waiting out ackTimeoutMs. Measured in the soak: a follower node's SIGKILL stalled the
    // members connected to it 2-4 s, most of it this wait.
    void (async () => {
      for await (const status of nc.status()) {
        if (status.type !== 'reconnect') continue;
        this.resend_in_flight();
        // Readers too: their pulls went out on the broken connection; a fresh consumer at the
        // next expected seq is cheaper than waiting for missed heartbeats (~5 s).
        for (const reader of this.readers) reader.stop();
      }
    })().catch(() => undefined);
  }

  /**
   * Connect to the cluster and open (or create) the stream. Throws WalOptionsError for a bad
   * option and WalQuorumError when the cluster cannot be reached or has no quorum.
   */
  static async open<T = Uint8Array>(options: JetStreamLogOptions<T>): Promise<JetStreamLog<T>> {
    const resolved = resolve_jetstream_options<T>(options);
    let nc: NatsConnection;
    try {
      nc = await connect({
        servers: [...resolved.servers],
        timeout: resolved.connectTimeoutMs,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 250,
        name: `matchlog ${resolved.writerId}`.trim(),
      });
    } catch (error) {
      throw new WalQuorumError(`cannot reach any of ${resolved.servers.join(', ')}: ${(error as Error).message}`, { cause: error });
    }
    try {
      // jetstreamManager asks for the account's info: during a meta-leader election (the killed
      // node led it) that request times out like any other control request, so it waits for a
      // quorum the same way instead of escaping as the client's untyped TimeoutError.
      const jsm = await retry_control(resolved.quorumWaitMsMax, 'reach JetStream', () => jetstreamManager(nc, { timeout: resolved.ackTimeoutMs }));
      const info = await retry_control(resolved.quorumWaitMsMax, `open stream ${resolved.stream}`, () =>
        JetStreamLog.ensure_stream(jsm, resolved),
      );
      return new JetStreamLog<T>(resolved, nc, jsm, info);
    } catch (error) {
      await nc.close().catch(() => undefined);
      throw error;
    }
  }

  private static async ensure_stream<T>(jsm: JetStreamManager, options: JetStreamLogResolvedOptions<T>): Promise<StreamInfo> {
    try {
      return await jsm.streams.info(options.stream);
    } catch (error) {
      if (!is_stream_not_found(error)) throw error;
    }
    try {
      return await jsm.streams.add({
        name: options.stream,
        subjects: [`${options.stream}.log`],
        num_replicas: options.replicas,
        storage: options.storage === 'file' ? StorageType.File : StorageType.Memory,
        retention: RetentionPolicy.Limits,
        discard: DiscardPolicy.Old,
        duplicate_window: nanos(options.duplicateWindowMs),
        max_msg_size: options.recordBytesMax,
      });
    } catch (error) {
      // Another member created it first: use theirs.
      return await jsm.streams.info(options.stream).catch(() => {
        throw error;
      });
    }
  }

  get firstSeq(): number {
    return this.first_seq;
  }
  get lastSeq(): number {
    return this.last_seq;
  }

  stats(): JetStreamLogStats {
    return {
      ...this.counters,
      inFlight: this.in_flight.size,
      queued: this.queue.length - this.queue_head + this.retry.size,
    };
  }

  append(record: T): Promise<number> {
    if (this.closing !== null) return Promise.reject(new WalClosedError(`append on a closed JetStream log (${this.options.stream})`));
    if (this.failure !== null) return Promise.reject(this.failure);
    const bytes = this.options.codec.encode(record);
    if (bytes.byteLength > this.options.recordBytesMax) {
      return Promise.reject(
        new WalOverloadError(`record of ${bytes.byteLength} bytes exceeds recordBytesMax ${this.options.recordBytesMax} (${this.options.stream})`),
      );
    }
    if (this.queue.length - this.queue_head >= this.options.queueRecordsMax) {
      return Promise.reject(
        new WalOverloadError(
          `${this.options.queueRecordsMax} records already wait for the stream ${this.options.stream} (queueRecordsMax); await earlier appends`,
        ),
      );
    }
    const order = this.next_order++;
    return new Promise<number>((resolve, reject) => {
      this.queue.push({ id: this.id_prefix + order, bytes, order, first_attempt_ms: 0, sent_ms: 0, waiter: null, done: false, resolve, reject });
      this.pump();
    });
  }

  /** Send queued records while the pipeline has room and nothing waits to be re-sent. */
  private pump(): void {
    while (!this.recovering && this.failure === null && this.in_flight.size < this.options.inFlightMax && this.queue_head < this.queue.length) {
      const entry = this.queue[this.queue_head++];
      if (this.queue_head > 4096 && this.queue_head * 2 > this.queue.length) {
        this.queue.splice(0, this.queue_head);
        this.queue_head = 0;
      }
      entry.first_attempt_ms = Date.now();
      this.send(entry);
    }
    this.wake_flush();
  }

  private send(entry: Pending): void {
    entry.sent_ms = Date.now();
    this.in_flight.delete(entry.order);
    this.in_flight.set(entry.order, entry);
    const h = headers();
    h.set('Nats-Msg-Id', entry.id);
    try {
      this.nc.publish(this.subject, entry.bytes, { reply: `${this.inbox}.${entry.order}`, headers: h });
    } catch {
      // Closed or draining connection: treat as a failed attempt (its retry will say why).
      this.in_flight.delete(entry.order);
      queueMicrotask(() => this.failed(entry));
    }
  }

  private on_reply(message: Msg): void {
    const order = Number(message.subject.slice(this.inbox.length + 1));
    const ack = parse_ack(message);
    // Count what the stream de-duplicated, even for an attempt whose record another attempt's
    // ack already settled (every attempt of a record replies on the same subject).
    if (ack?.duplicate === true) this.counters.duplicates++;
    const entry = this.in_flight.get(order) ?? this.retry.get(order);
    if (entry === undefined || entry.done) return;
    if (ack === null) {
      // Only the attempt in flight fails; a stale reply for an entry already queued for re-send is moot.
      if (this.in_flight.delete(order)) this.failed(entry);
      return;
    }
    // A new message (not a duplicate) is stored after everything the stream held, so the seqs of
    // this log's new records only grow. One at or below an earlier one means the stream lost its
    // tail (reset to an older state by its servers, or deleted and recreated): records
    // acknowledged earlier are gone, and appending on would number new ones over them. Fail closed.
    // (Only this log's own new records are compared: a record read from the stream may be this
    // log's own, read before its ack arrives.)
    if (!ack.duplicate) {
      if (ack.seq <= this.new_acked_seq_max) {
        this.regressed(`a new record was stored as seq ${ack.seq}, at or below seq ${this.new_acked_seq_max}, where an earlier one was`);
        return;
      }
      this.new_acked_seq_max = ack.seq;
    }
    this.in_flight.delete(order);
    this.retry.delete(order);
    this.acked(entry, ack.seq);
    if (entry.waiter !== null) {
      const waiter = entry.waiter;
      entry.waiter = null;
      waiter(true);
    }
    this.settle();
  }

  /** Fail every attempt in flight now: they go through the in-order re-send. */
  private resend_in_flight(): void {
    if (this.in_flight.size === 0) return;
    // Taken out first: the re-send puts entries back in flight, which must not be failed again.
    const entries = [...this.in_flight.values()];
    this.in_flight.clear();
    for (const entry of entries) {
      if (entry.done) continue;
      this.counters.retries++;
      if (entry.waiter !== null) {
        const waiter = entry.waiter;
        entry.waiter = null;
        waiter(false);
      } else {
        this.retry.set(entry.order, entry);
        this.recovering = true;
      }
    }
    this.settle();
  }

  /** Fail every in-flight attempt older than ackTimeoutMs (send order: stop at the first young one). */
  private sweep(): void {
    const cutoff = Date.now() - this.options.ackTimeoutMs;
    for (const [order, entry] of this.in_flight) {
      if (entry.sent_ms > cutoff) break;
      this.in_flight.delete(order);
      this.failed(entry);
    }
  }

  private failed(entry: Pending): void {
    if (entry.done) return;
    this.counters.retries++;
    if (entry.waiter !== null) {
      const waiter = entry.waiter;
      entry.waiter = null;
      waiter(false);
      return;
    }
    this.retry.set(entry.order, entry);
    this.recovering = true;
    this.settle();
  }

  private acked(entry: Pending, seq: number): void {
    entry.done = true;
    this.counters.acked++;
    if (entry.order > this.last_acked_order) {
      this.last_acked_order = entry.order;
      this.last_acked_seq = seq;
    } else if (seq > this.last_acked_seq) {
      this.counters.reordered++;
    }
    if (seq > this.last_seq) this.last_seq = seq;
    entry.resolve(seq);
  }

  private resending = false;

  private settle(): void {
    if (this.recovering) {
      if (this.in_flight.size === 0 && !this.resending) void this.resend();
      return;
    }
    this.pump();
  }

  /** Re-send failed publishes one at a time in append order, then reopen the pipeline. */
  private async resend(): Promise<void> {
    this.resending = true;
    while (this.retry.size > 0) {
      const batch = [...this.retry.values()].sort((a, b) => a.order - b.order);
      for (const entry of batch) {
        if (entry.done) continue;
        if (this.failure === null) await this.publish_until_acked(entry);
        if (this.failure !== null && !entry.done) {
          entry.done = true;
          entry.reject(this.failure);
        }
        this.retry.delete(entry.order);
      }
    }
    this.resending = false;
    this.recovering = false;
    if (this.failure !== null) this.reject_all(this.failure);
    this.pump();
  }

  private async publish_until_acked(entry: Pending): Promise<void> {
    for (let attempt = 0; !entry.done; attempt++) {
      const elapsed = Date.now() - entry.first_attempt_ms;
      if (elapsed >= this.options.quorumWaitMsMax) {
        this.fail(entry, elapsed);
        return;
      }
      const acked = await new Promise<boolean>((resolve) => {
        entry.waiter = resolve;
        this.send(entry);
        // No answer soon: this attempt failed (a late ack for it still settles the entry).
        const attempt_ms = Math.min(this.options.ackTimeoutMs, RETRY_ATTEMPT_MS_MAX);
        setTimeout(() => {
          if (entry.waiter !== resolve) return;
          entry.waiter = null;
          this.in_flight.delete(entry.order);
          this.retry.set(entry.order, entry);
          resolve(false);
        }, attempt_ms).unref();
      });
      if (!acked) await sleep(Math.min(RETRY_DELAY_MS_MAX, RETRY_DELAY_MS_MIN * 2 ** Math.min(attempt, 5)));
    }
  }

  private fail(entry: Pending, elapsed_ms: number): void {
    this.failure = new WalQuorumError(
      `stream ${this.options.stream}: no quorum acknowledged record ${entry.id} within ${elapsed_ms} ms ` +
        `(quorumWaitMsMax ${this.options.quorumWaitMsMax}); this member is cut off or a quorum of servers is down. ` +
        `The log refuses further appends; reopen it once the cluster is reachable.`,
    );
    entry.done = true;
    entry.reject(this.failure);
  }

  /**
   * The stream went backwards: a new record of this log was stored below an earlier one. Nothing
   * more is appended or acknowledged; every waiting append is rejected with a WalCorruptionError
   * naming the highest seq this log's records were stored at, and reads and tail() throw it.
   * Seen once in 20 soak seeds on nats-server 2.9.10 after the stream leader was killed and
   * restarted (bench:replicated --soak): the stream reported fewer records than had been acked.
   */
  private regressed(detail: string): void {
    if (this.failure === null) {
      this.failure = new WalCorruptionError(
        this.new_acked_seq_max,
        `stream ${this.options.stream}`,
        `the stream went backwards: ${detail}; records acknowledged earlier are gone. ` +
          `The log refuses further appends (fail closed); compare the members' checkpoints and journals before reopening.`,
      );
    }
    const failure = this.failure;
    const in_flight = [...this.in_flight.values()];
    this.in_flight.clear();
    for (const entry of in_flight) {
      if (entry.done) continue;
      entry.done = true;
      if (entry.waiter !== null) {
        const waiter = entry.waiter;
        entry.waiter = null;
        waiter(false);
      }
      entry.reject(failure);
    }
    this.reject_all(failure);
    this.wake_flush();
  }

  private reject_all(error: Error): void {
    for (const entry of this.retry.values()) {
      entry.done = true;
      entry.reject(error);
    }
    this.retry.clear();
    for (let i = this.queue_head; i < this.queue.length; i++) {
      this.queue[i].done = true;
      this.queue[i].reject(error);
    }
    this.queue.length = 0;
    this.queue_head = 0;
  }

  private wake_flush(): void {
    if (this.flush_waiters.length === 0) return;
    if (this.in_flight.size > 0 || this.recovering || this.queue_head < this.queue.length) return;
    const waiters = this.flush_waiters;
    this.flush_waiters = [];
    for (const waiter of waiters) waiter();
  }

  flush(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.flush_waiters.push(resolve);
      this.wake_flush();
    });
  }

  async tail(): Promise<number> {
    const info = await this.stream_info();
    return info.state.last_seq;
  }

  private async stream_info(): Promise<StreamInfo> {
    const info = await retry_control(this.options.quorumWaitMsMax, `stream ${this.options.stream} info`, () =>
      this.jsm.streams.info(this.options.stream),
    );
    if (this.failure instanceof WalCorruptionError) throw this.failure;
    this.first_seq = Math.max(this.first_seq, first_held(info));
    if (info.state.last_seq > this.last_seq) this.last_seq = info.state.last_seq;
    return info;
  }

  read(fromSeq: number, options: OrderedReadOptions = {}): AsyncIterable<WalRecord<T>> {
    return { [Symbol.asyncIterator]: () => this.reader(fromSeq, options.follow === true, options.signal) };
  }

  private async *reader(from_seq: number, follow: boolean, signal: AbortSignal | undefined): AsyncGenerator<WalRecord<T>> {
    if (this.closing !== null) throw new WalClosedError(`read on a closed JetStream log (${this.options.stream})`);
    const info = await this.stream_info();
    check_range(from_seq, first_held(info), follow ? Math.max(info.state.last_seq, from_seq - 1) : info.state.last_seq, `stream ${this.options.stream}`);
    const stop_at = follow ? Number.POSITIVE_INFINITY : info.state.last_seq;
    let expected = from_seq;
    // The client's ordered consumer may give up (its iterator simply ends) when the server it
    // reads through dies or the stream has no leader for a while; a member must not silently
    // stop applying, so a reader that has not reached its end starts a new ordered consumer at
    // the next seq it expects, retrying through the election.
    const active = (): boolean => expected <= stop_at && signal?.aborted !== true && this.closing === null;
    while (active()) {
      // Creating the ordered consumer is a request to the stream's leader: retried through an election.
      const messages = await retry_control(this.options.quorumWaitMsMax, `stream ${this.options.stream} reader`, async () => {
        const consumer = await this.js_reader.consumers.get(this.options.stream, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: expected });
        return consumer.consume({ max_messages: READ_BATCH_MESSAGES, expires: READ_PULL_EXPIRES_MS });
      });
      this.readers.add(messages);
      const stop = (): void => void messages.stop();
      signal?.addEventListener('abort', stop, { once: true });
      // An abort or close that came while the consumer was being created found nothing to stop.
      if (signal?.aborted === true || this.closing !== null) stop();
      // An ordered consumer lives on one server (the stream leader's, usually); when that
      // server dies the client keeps pulling from a consumer that no longer exists and never
      // resets (measured: stuck past 50 s). Two missed heartbeats end this consumer; the loop
      // starts a fresh one at the next expected seq.
      void (async () => {
        for await (const status of messages.status()) {
          if (status.type === 'heartbeats_missed' && status.count >= READ_HEARTBEATS_MISSED_MAX) {
            messages.stop();
            return;
          }
        }
      })().catch(() => undefined);
      // Second net (seen under load: the client reconnected elsewhere and the heartbeat monitor
      // never fired): a reader that gets nothing while the stream holds the seq it waits for
      // starts a fresh consumer. This log's own acks say so for free (last_seq): then
      // READ_BEHIND_MS of silence is enough. Otherwise, after READ_STALL_MS, one stream-info
      // request asks; one that fails (no leader yet) is asked again on the next tick, not a
      // whole idle period later. Measured in the soak (bench:replicated --soak): with a single
      // question every 6 s that could fail mid-election, a member applied nothing for 12–15 s
      // after the stream leader died although its publishes were acknowledged after ~7 s.
      let progress_ms = Date.now();
      let asking = false;
      let behind = false;
      const restart = (): void => {
        behind = true;
        if (this.readers.has(messages)) messages.stop();
      };
      const watchdog = setInterval(() => {
        const idle_ms = Date.now() - progress_ms;
        if (this.last_seq >= expected && idle_ms >= READ_BEHIND_MS) return restart();
        if (idle_ms < READ_STALL_MS || asking) return;
        asking = true;
        this.jsm.streams.info(this.options.stream).then(
          (now) => {
            asking = false;
            if (now.state.last_seq >= expected) restart();
            else progress_ms = Date.now();
          },
          () => void (asking = false),
        );
      }, READ_BEHIND_MS / 4);
      watchdog.unref();
      try {
        for await (const message of messages) {
          progress_ms = Date.now();
          if (message.seq < expected) continue; // re-delivered after a reset: already yielded
          if (message.seq !== expected) {
            throw new WalCorruptionError(expected, `stream ${this.options.stream}`, `the stream delivered seq ${message.seq}`);
          }
          expected++;
          if (message.seq > this.last_seq) this.last_seq = message.seq;
          yield { seq: message.seq, command: this.options.codec.decode(message.data) };
          if (message.seq >= stop_at) break;
        }
      } finally {
        clearInterval(watchdog);
        signal?.removeEventListener('abort', stop);
        this.readers.delete(messages);
        await messages.close().catch(() => undefined);
      }
      // A stream that went backwards (regressed) has nothing this reader may yield any more.
      if (this.failure instanceof WalCorruptionError) throw this.failure;
      if (active()) {
        this.counters.readerRestarts++;
        // Behind a stream that answers (this log's acks or the stream's info say so): start the
        // next consumer at once; otherwise pace the attempts through an election.
        await sleep(behind ? 0 : CONTROL_RETRY_MS);
      }
    }
  }

  async trim(uptoSeq: number): Promise<void> {
    const info = await this.stream_info();
    validate_reclaim(uptoSeq, info.state.last_seq);
    if (uptoSeq < info.state.first_seq) return;
    await retry_control(this.options.quorumWaitMsMax, `stream ${this.options.stream} trim to ${uptoSeq}`, () =>
      this.jsm.streams.purge(this.options.stream, { seq: uptoSeq + 1 }),
    );
    this.first_seq = Math.max(this.first_seq, uptoSeq + 1);
  }

  // --- confirmations: trim only behind what every reader confirmed -------------------------
  //
  // Each named reader (a venue member) confirms the seq of its newest checkpoint: it no longer
  // needs records at or below it. Confirmations live in a small companion stream, one subject
  // per reader keeping only its last message, replicated like the log. trimConfirmed() trims to
  // the lowest confirmation. A reader that died keeps its last confirmation, so it holds trimming
  // back (the safe side: it can still rejoin from its checkpoint) until forget(name) removes it.

  private get readers_stream(): string {
    return `${this.options.stream}_READERS`;
  }

  private async ensure_readers_stream(): Promise<void> {
    const name = this.readers_stream;
    await retry_control(this.options.quorumWaitMsMax, `stream ${name}`, async () => {
      try {
        await this.jsm.streams.info(name);
      } catch (error) {
        if (!is_stream_not_found(error)) throw error;
        await this.jsm.streams.add({
          name,
          subjects: [`${name}.*`],
          num_replicas: this.options.replicas,
          storage: this.options.storage === 'file' ? StorageType.File : StorageType.Memory,
          max_msgs_per_subject: 1,
        });
      }
    });
  }

  /** Reader `name` confirms it holds a checkpoint at `seq` (records at or below it may go). */
  async confirm(name: string, seq: number): Promise<void> {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) throw new WalRangeError(seq, `reader name must be 1–64 letters, digits, '-' or '_' (got '${name}')`);
    validate_reclaim(seq, seq <= this.last_seq ? this.last_seq : (await this.stream_info()).state.last_seq);
    await this.ensure_readers_stream();
    await retry_control(this.options.quorumWaitMsMax, `confirm ${name} at ${seq}`, () =>
      this.js.publish(`${this.readers_stream}.${name}`, new TextEncoder().encode(JSON.stringify({ seq })), { timeout: this.options.ackTimeoutMs }),
    );
  }

  /** Every reader's last confirmation. */
  async confirmations(): Promise<Map<string, number>> {
    await this.ensure_readers_stream();
    const name = this.readers_stream;
    const info = await retry_control(this.options.quorumWaitMsMax, `stream ${name} info`, () =>
      this.jsm.streams.info(name, { subjects_filter: '>' }),
    );
    const out = new Map<string, number>();
    for (const subject of Object.keys(info.state.subjects ?? {}).sort()) {
      const stored = await retry_control(this.options.quorumWaitMsMax, `confirmation ${subject}`, () =>
        this.jsm.streams.getMessage(name, { last_by_subj: subject }),
      );
      if (stored === null) continue;
      const { seq } = JSON.parse(DECODER.decode(stored.data)) as { seq: number };
      out.set(subject.slice(name.length + 1), seq);
    }
    return out;
  }

  /** Removes a dead reader's confirmation so it no longer holds trimming back. */
  async forget(name: string): Promise<void> {
    await this.ensure_readers_stream();
    await retry_control(this.options.quorumWaitMsMax, `forget ${name}`, () =>
      this.jsm.streams.purge(this.readers_stream, { filter: `${this.readers_stream}.${name}` }),
    );
  }

  private published: JetStreamCheckpoints | null = null;

  /** The venue's published checkpoints (an object store beside the stream), for joining a trimmed stream. */
  checkpoints(): JetStreamCheckpoints {
    this.published ??= new JetStreamCheckpoints(this.nc, { stream: this.options.stream, replicas: this.options.replicas, storage: this.options.storage });
    return this.published;
  }

  /** Trims the log behind the lowest confirmation of every reader; returns that seq (0: none). */
  async trimConfirmed(): Promise<number> {
    const confirmed = await this.confirmations();
    if (confirmed.size === 0) return 0;
    const lowest = Math.min(...confirmed.values());
    if (lowest > 0) await this.trim(lowest);
    return lowest;
  }

  close(): Promise<void> {
    if (this.closing === null) this.closing = this.shut();
    return this.closing;
  }

  private async shut(): Promise<void> {
    await this.flush();
    clearInterval(this.sweeper);
    for (const reader of this.readers) reader.stop();
    this.readers.clear();
    this.acks.unsubscribe();
    await this.nc.close().catch(() => undefined);
  }
}

/**
 * Run a control-plane request (stream info, consumer create, purge), retrying through a
 * leader election until `ms_max`; then WalQuorumError. A range or option error is not retried.
 */
async function retry_control<R>(ms_max: number, what: string, fn: () => Promise<R>): Promise<R> {
  const deadline = Date.now() + ms_max;
  for (;;) {
    try {
      return await fn();
    } catch (error) {
      if (Date.now() + CONTROL_RETRY_MS > deadline) {
        throw new WalQuorumError(`${what}: no answer from a quorum within ${ms_max} ms: ${(error as Error).message}`, { cause: error });
      }
      await sleep(CONTROL_RETRY_MS);
    }
  }
}

// Why: a lost machine or disk must not lose the venue, so the log can live in a NATS
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
// one first; README says so.)

import { connect, nanos, nuid, type NatsConnection } from '@nats-io/transport-node';
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
import { WalClosedError, WalCorruptionError, WalOverloadError, WalQuorumError } from './errors.js';
import { check_range, validate_reclaim } from './read-range.js';

/** Counters for stats and benchmarks. */
export interface JetStreamLogStats {
  /** Appends acknowledged by the stream. */
  acked: number;
  /** Publish attempts repeated after a timeout or error (same message id). */
  retries: number;
  /** Acks the stream marked duplicate: a retry of a record it already held. */
  duplicates: number;
  inFlight: number;
  queued: number;
}

interface Pending {
  readonly id: string;
  readonly bytes: Uint8Array;
  readonly order: number;
  first_attempt_ms: number;
  resolve(seq: number): void;
  reject(error: Error): void;
}

/** Backoff between retries of one publish: short, because a Raft election ends in seconds. */
const RETRY_DELAY_MS_MIN = 25;
const RETRY_DELAY_MS_MAX = 500;
/** Messages an ordered consumer asks for per pull while reading. */
const READ_BATCH_MESSAGES = 4096;

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

export class JetStreamLog<T = Uint8Array> implements OrderedLog<T> {
  readonly options: JetStreamLogResolvedOptions<T>;
  /** Subject every record is published on (one subject: the stream order is the order). */
  readonly subject: string;
  private readonly nc: NatsConnection;
  private readonly js: JetStreamClient;
  private readonly jsm: JetStreamManager;
  private readonly id_prefix: string;
  private first_seq: number;
  private last_seq: number;
  private next_order = 0;
  private readonly queue: Pending[] = [];
  private queue_head = 0;
  private readonly retry: Pending[] = [];
  private in_flight = 0;
  private recovering = false;
  private failure: WalQuorumError | null = null;
  private closing: Promise<void> | null = null;
  private flush_waiters: (() => void)[] = [];
  private readonly readers = new Set<ConsumerMessages>();
  private readonly counters = { acked: 0, retries: 0, duplicates: 0 };

  private constructor(
    options: JetStreamLogResolvedOptions<T>,
    nc: NatsConnection,
    jsm: JetStreamManager,
    info: StreamInfo,
  ) {
    this.options = options;
    this.subject = `${options.stream}.log`;
    this.nc = nc;
    this.jsm = jsm;
    this.js = jetstream(nc, { timeout: options.ackTimeoutMs });
    this.id_prefix = `${options.writerId === '' ? 'w' : options.writerId}.${nuid.next()}.`;
    this.first_seq = first_held(info);
    this.last_seq = info.state.last_seq;
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
      const jsm = await jetstreamManager(nc, { timeout: resolved.quorumWaitMsMax });
      const info = await JetStreamLog.ensure_stream(jsm, resolved);
      return new JetStreamLog<T>(resolved, nc, jsm, info);
    } catch (error) {
      await nc.close().catch(() => undefined);
      if (error instanceof WalQuorumError) throw error;
      throw new WalQuorumError(`cannot open stream ${resolved.stream}: ${(error as Error).message}`, { cause: error });
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
      inFlight: this.in_flight,
      queued: this.queue.length - this.queue_head + this.retry.length,
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
      this.queue.push({ id: this.id_prefix + order, bytes, order, first_attempt_ms: 0, resolve, reject });
      this.pump();
    });
  }

  /** Send queued records while the pipeline has room and nothing waits to be re-sent. */
  private pump(): void {
    while (!this.recovering && this.failure === null && this.in_flight < this.options.inFlightMax && this.queue_head < this.queue.length) {
      const entry = this.queue[this.queue_head++];
      if (this.queue_head > 4096 && this.queue_head * 2 > this.queue.length) {
        this.queue.splice(0, this.queue_head);
        this.queue_head = 0;
      }
      entry.first_attempt_ms = Date.now();
      this.in_flight++;
      this.js.publish(this.subject, entry.bytes, { msgID: entry.id, timeout: this.options.ackTimeoutMs }).then(
        (ack) => {
          this.in_flight--;
          this.acked(entry, ack.seq, ack.duplicate);
          this.settle();
        },
        () => {
          this.in_flight--;
          this.counters.retries++;
          this.retry.push(entry);
          this.recovering = true;
          this.settle();
        },
      );
    }
    this.wake_flush();
  }

  private acked(entry: Pending, seq: number, duplicate: boolean): void {
    this.counters.acked++;
    if (duplicate) this.counters.duplicates++;
    if (seq > this.last_seq) this.last_seq = seq;
    entry.resolve(seq);
  }

  private settle(): void {
    if (this.recovering && this.in_flight === 0 && this.retry.length > 0) {
      void this.resend();
      return;
    }
    this.pump();
  }

  /** Re-send failed publishes one at a time in append order, then reopen the pipeline. */
  private async resend(): Promise<void> {
    const batch = this.retry.splice(0).sort((a, b) => a.order - b.order);
    for (const entry of batch) {
      if (this.failure !== null) {
        entry.reject(this.failure);
        continue;
      }
      await this.publish_until_acked(entry);
    }
    this.recovering = false;
    if (this.failure !== null) this.reject_all(this.failure);
    this.pump();
  }

  private async publish_until_acked(entry: Pending): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const elapsed = Date.now() - entry.first_attempt_ms;
      const remaining = this.options.quorumWaitMsMax - elapsed;
      if (remaining <= 0) {
        this.fail(entry, elapsed);
        return;
      }
      try {
        const ack = await this.js.publish(this.subject, entry.bytes, {
          msgID: entry.id,
          timeout: Math.min(this.options.ackTimeoutMs, Math.max(remaining, 10)),
        });
        this.acked(entry, ack.seq, ack.duplicate);
        return;
      } catch {
        this.counters.retries++;
        await sleep(Math.min(RETRY_DELAY_MS_MAX, RETRY_DELAY_MS_MIN * 2 ** Math.min(attempt, 5)));
      }
    }
  }

  private fail(entry: Pending, elapsed_ms: number): void {
    this.failure = new WalQuorumError(
      `stream ${this.options.stream}: no quorum acknowledged record ${entry.id} within ${elapsed_ms} ms ` +
        `(quorumWaitMsMax ${this.options.quorumWaitMsMax}); this member is cut off or a quorum of servers is down. ` +
        `The log refuses further appends; reopen it once the cluster is reachable.`,
    );
    entry.reject(this.failure);
  }

  private reject_all(error: Error): void {
    for (const entry of this.retry.splice(0)) entry.reject(error);
    for (let i = this.queue_head; i < this.queue.length; i++) this.queue[i].reject(error);
    this.queue.length = 0;
    this.queue_head = 0;
  }

  private wake_flush(): void {
    if (this.flush_waiters.length === 0) return;
    if (this.in_flight > 0 || this.recovering || this.queue_head < this.queue.length) return;
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
    let info: StreamInfo;
    try {
      info = await this.jsm.streams.info(this.options.stream);
    } catch (error) {
      throw new WalQuorumError(`stream ${this.options.stream} info unavailable: ${(error as Error).message}`, { cause: error });
    }
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
    if (from_seq > stop_at || signal?.aborted) return;
    const consumer = await this.js.consumers.get(this.options.stream, {
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: from_seq,
    });
    const messages = await consumer.consume({ max_messages: READ_BATCH_MESSAGES });
    this.readers.add(messages);
    const stop = (): void => void messages.stop();
    signal?.addEventListener('abort', stop, { once: true });
    let expected = from_seq;
    try {
      for await (const message of messages) {
        if (message.seq !== expected) {
          throw new WalCorruptionError(expected, `stream ${this.options.stream}`, `the stream delivered seq ${message.seq}`);
        }
        expected++;
        if (message.seq > this.last_seq) this.last_seq = message.seq;
        yield { seq: message.seq, command: this.options.codec.decode(message.data) };
        if (message.seq >= stop_at) break;
      }
    } finally {
      signal?.removeEventListener('abort', stop);
      this.readers.delete(messages);
      await messages.close().catch(() => undefined);
    }
  }

  async trim(uptoSeq: number): Promise<void> {
    const info = await this.stream_info();
    validate_reclaim(uptoSeq, info.state.last_seq);
    if (uptoSeq < info.state.first_seq) return;
    try {
      await this.jsm.streams.purge(this.options.stream, { seq: uptoSeq + 1 });
    } catch (error) {
      throw new WalQuorumError(`stream ${this.options.stream}: trim to ${uptoSeq} failed: ${(error as Error).message}`, { cause: error });
    }
    this.first_seq = Math.max(this.first_seq, uptoSeq + 1);
  }

  close(): Promise<void> {
    if (this.closing === null) this.closing = this.shut();
    return this.closing;
  }

  private async shut(): Promise<void> {
    await this.flush();
    for (const reader of this.readers) reader.stop();
    this.readers.clear();
    await this.nc.close().catch(() => undefined);
  }
}


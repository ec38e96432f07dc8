// Why this file exists: the exchange's handle on its backup thread — start it from the recovered
// state, feed it durable records in the order they became durable, hear back about checkpoints
// (so the log behind them can be reclaimed) and divergences, and ask its replica synchronously
// what the acknowledged state is (`query`: the exchange keeps no replica of its own).

import { CheckpointCorruptError, CheckpointWriteError } from './checkpoint-store.js';
import { RecoveryError, type RecoveryErrorCode } from './recovery.js';
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { EngineError, type EngineErrorCode, workerEntry, type EncodedCommands } from '../engine/index.js';
import type { MarkRecord } from './records.js';
import type { BackupInit, BackupReply, BackupRequest, BackupThreadData } from './backup-worker.js';
import { type BackupQueryAnswer, type BackupQueryMethod, QUERY_ANSWERED, QUERY_FLAG_ANSWERED, QUERY_FLAG_GONE, waitForFlag } from './backup-query.js';

/** What the backup thread needs to start: its state and settings (the query channel is the spawn's). */
export type BackupStart = Omit<BackupInit, 'query'>;

/** A backup thread started ahead of its state (`BackupHost.spawn`). */
export interface BackupSpawn {
  readonly worker: Worker;
  readonly flag: SharedArrayBuffer;
  readonly port: MessagePort;
  /** The first error the thread raised before `start`, if any. */
  readonly early: { error: Error | null };
  readonly onEarlyError: (error: Error) => void;
  /**
   * Set once recovery sent it a 'prepare' (replay/backup-follow.ts): it restores and follows the
   * recovery itself, and `start` sends no snapshot.
   */
  prepared: boolean;
  /** Ends a spawned thread that will never be started. */
  terminate(): Promise<void>;
}

export type { BackupQueryMethod } from './backup-query.js';

/**
 * How long a query waits for the backup thread's answer. The thread answers in order with what it
 * was sent: behind a checkpoint it is writing (README "Queries": 8.4 s for a 500,000-order book at
 * load 22 on 2 shared cores) and behind up to BACKUP_BEHIND_SEQS_MAX records not yet applied.
 * Past this the thread is stuck, and the exchange fails closed (BackupStuckError).
 */
export const BACKUP_QUERY_WAIT_MS_MAX = 60_000;

/** CLOSING: asked while the thread is being stopped (close() in progress); it answers nothing more. */
export type BackupQueryErrorCode = 'BACKUP_QUERY_TIMEOUT' | 'BACKUP_QUERY_GONE' | 'BACKUP_QUERY_FAILED' | 'BACKUP_QUERY_CLOSING';

/** A query the backup thread could not answer: it is stuck, gone, or its replica failed. */
export class BackupQueryError extends Error {
  constructor(
    readonly code: BackupQueryErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'BackupQueryError';
  }
}

export interface CheckpointInfo {
  seq: number;
  commands: number;
  /** Resting orders in the checkpoint. */
  orders: number;
  bytes: number;
  snapshotMs: number;
  durationMs: number;
  kept: number[];
}

export interface BackupListener {
  onCheckpoint(info: CheckpointInfo): void;
  onDivergence(message: string): void;
  onError(error: Error): void;
  /** The replica reported how far it got (`appliedSeq` moved). */
  onProgress(): void;
  /** The checks recovery deferred to the thread passed (`checked` turned true). */
  onChecked(): void;
}

/** How long terminate() lets the thread finish the message it is handling before cutting it off. */
const TERMINATE_GRACE_MS = 2_000;

export class BackupHost {
  /** Last sequence number the replica has applied (as last reported). */
  appliedSeq: number;
  /** Last sequence number sent. */
  sentSeq: number;
  /** BACKUP_QUERY_WAIT_MS_MAX; a field so a test can make a stuck thread time out sooner. */
  queryWaitMsMax = BACKUP_QUERY_WAIT_MS_MAX;
  /**
   * False until the thread has run the checks recovery deferred to it (the checkpoint's invariants
   * and state hash, the close mark's hash); true from the start when there were none.
   */
  checked = true;
  /** The replica's snapshot handed back by `stop(true)`, with its seq. */
  finalState: { seq: number; snapshot: Uint8Array } | null = null;
  private forced: Array<() => void> = [];
  private stopping = false;
  private exited = false;
  private queries = 0;
  private readonly queryFlag: Int32Array;

  private constructor(
    private readonly worker: Worker,
    startSeq: number,
    private readonly listener: BackupListener,
    flag: SharedArrayBuffer,
    private readonly queryPort: MessagePort,
  ) {
    this.appliedSeq = startSeq;
    this.sentSeq = startSeq;
    this.queryFlag = new Int32Array(flag);
    worker.on('message', (reply: BackupReply) => this.onReply(reply));
    worker.on('error', (error) => {
      listener.onError(error);
      this.settleForced();
    });
    worker.on('exit', (code) => {
      this.exited = true;
      queryPort.close();
      // A thread that goes away unasked would silently stop checkpoints: that is a failure.
      if (!this.stopping) listener.onError(new Error(`exited unexpectedly with code ${code}`));
      this.settleForced();
    });
  }

  /**
   * Starts the thread before its state is known (Exchange.open does this before recovery, so the
   * thread loads its modules while the opening thread recovers); `start` hands it the state.
   * `terminate` a spawned thread that is never started.
   */
  static spawn(): BackupSpawn {
    const { filename, argv } = workerEntry(import.meta.url, 'backup-worker');
    const flag = new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT);
    const { port1, port2 } = new MessageChannel();
    const workerData: BackupThreadData = { query: { flag, port: port2 } };
    const worker = new Worker(filename, { workerData, argv, transferList: [port2] });
    // Until `start` listens: a thread that fails to load is reported by `start`, not thrown here.
    const early: { error: Error | null } = { error: null };
    const onEarlyError = (error: Error): void => void (early.error ??= error);
    worker.on('error', onEarlyError);
    return {
      worker,
      flag,
      port: port1,
      early,
      onEarlyError,
      prepared: false,
      terminate: async () => {
        port1.close();
        await worker.terminate();
      },
    };
  }

  static async start(init: BackupStart, listener: BackupListener, spawned: BackupSpawn = BackupHost.spawn()): Promise<BackupHost> {
    const { worker, flag, port } = spawned;
    // A prepared thread holds the recovered state already: no snapshot to send (or restore).
    if (spawned.prepared) init = { ...init, snapshot: null, prepared: true };
    // The checkpoint's bytes move to the thread (the caller restored from them and is done with
    // them): no copy of tens of MB on the opening thread. A small buffer may share Node's pool: copied.
    // Recovery reads checkpoints into shared memory (CheckpointStore.read): those are shared, not moved.
    const checkpoint = init.deferred?.checkpoint?.snapshot;
    const moved = checkpoint !== undefined && checkpoint.buffer instanceof ArrayBuffer && checkpoint.buffer.byteLength >= 1 << 20 ? [checkpoint.buffer] : [];
    const host = new BackupHost(worker, init.start.seq, listener, flag, port);
    host.checked = init.deferred === null || init.deferred === undefined;
    worker.off('error', spawned.onEarlyError);
    await new Promise<void>((resolve, reject) => {
      if (spawned.early.error !== null) return reject(spawned.early.error);
      const onMessage = (reply: BackupReply): void => {
        if (reply.type === 'error') {
          // Before 'ready': the thread refused to start (a prepared replica that disagrees).
          worker.off('message', onMessage);
          worker.off('error', reject);
          worker.off('exit', onExit);
          reject(startError(reply));
          return;
        }
        if (reply.type === 'ready') {
          worker.off('message', onMessage);
          worker.off('error', reject);
          worker.off('exit', onExit);
          resolve();
        }
      };
      const onExit = (code: number): void => reject(new Error(`the backup thread exited with code ${code} before it was ready`));
      worker.on('message', onMessage);
      worker.once('error', reject);
      worker.once('exit', onExit);
      worker.postMessage({ type: 'init', init } satisfies BackupRequest, moved);
    });
    return host;
  }

  /** Records sent and not yet applied by the replica (as far as the host knows). */
  get behind(): number {
    return this.sentSeq - this.appliedSeq;
  }

  /**
   * `ack`: the replica reports its progress right after applying this (not only every 50 ms),
   * for a caller that paces on `appliedSeq` — the last message sent always gets its answer.
   */
  batch(seqs: Float64Array, commands: EncodedCommands, ack = false): void {
    this.sentSeq = Math.max(this.sentSeq, seqs[seqs.length - 1]);
    this.post({ type: 'batch', seqs, commands, ack });
  }

  /**
   * Consecutive log records from `firstSeq`: record i is bytes[ends[i - 1] (or 0), ends[i]).
   * Both arrays are transferred to the thread (the caller must not use them again).
   */
  records(firstSeq: number, bytes: Uint8Array, ends: Uint32Array, ack = false): void {
    this.sentSeq = Math.max(this.sentSeq, firstSeq + ends.length - 1);
    this.worker.postMessage({ type: 'records', firstSeq, bytes, ends, ack } satisfies BackupRequest, [bytes.buffer as ArrayBuffer, ends.buffer as ArrayBuffer]);
  }

  mark(seq: number, mark: MarkRecord, ack = false): void {
    this.sentSeq = Math.max(this.sentSeq, seq);
    this.post({ type: 'mark', seq, mark, ack });
  }

  /** Takes a checkpoint of everything sent so far (if anything is new); resolves when done. */
  checkpointNow(): Promise<void> {
    return new Promise((resolve) => {
      this.forced.push(resolve);
      this.post({ type: 'checkpoint' });
    });
  }

  /**
   * Asks the replica, blocking this thread until it answers (Atomics.wait, at most
   * `queryWaitMsMax`): the thread handles messages in order, so the answer reflects every record
   * sent before. Throws BackupQueryError when the thread is stuck, gone or failed, and an
   * EngineError when the query itself is refused (an unknown symbol).
   */
  query(method: BackupQueryMethod, args: unknown[]): unknown {
    const flag = this.queryFlag;
    // A query posted behind 'stop' would never be handled: refused, not waited for.
    if (this.stopping) throw new BackupQueryError('BACKUP_QUERY_CLOSING', 'the exchange is closing: queries answer again once close() resolves');
    if (this.exited || Atomics.load(flag, QUERY_FLAG_GONE) === 1) throw new BackupQueryError('BACKUP_QUERY_GONE', 'the backup thread has exited');
    const id = ++this.queries;
    Atomics.store(flag, QUERY_FLAG_ANSWERED, 0);
    this.post({ type: 'query', id, method, args });
    // A wake-up is not an answer (waitForFlag says why).
    const state = waitForFlag(flag, QUERY_FLAG_ANSWERED, this.queryWaitMsMax);
    if (state === 0) {
      throw new BackupQueryError('BACKUP_QUERY_TIMEOUT', `the backup thread did not answer a ${method} query within ${this.queryWaitMsMax} ms`);
    }
    // Bounded: answers to earlier queries (none after a timeout, which fails the exchange) are skipped.
    for (let received = receiveMessageOnPort(this.queryPort); received !== undefined; received = receiveMessageOnPort(this.queryPort)) {
      const answer = received.message as BackupQueryAnswer;
      if (answer.id !== id) continue;
      if (answer.ok) return answer.value;
      if (answer.engineCode !== undefined) throw new EngineError(answer.engineCode as EngineErrorCode, answer.message);
      throw new BackupQueryError('BACKUP_QUERY_FAILED', answer.message);
    }
    if (state !== QUERY_ANSWERED || Atomics.load(flag, QUERY_FLAG_GONE) === 1) {
      throw new BackupQueryError('BACKUP_QUERY_GONE', `the backup thread exited during a ${method} query`);
    }
    throw new Error(`assertion: the backup thread signalled an answer to query ${id} it did not send`);
  }

  /** Stops the thread after everything sent; with `final`, keeps its replica's snapshot (finalState). */
  async stop(final = false): Promise<void> {
    this.stopping = true;
    this.post({ type: 'stop', final });
    await new Promise<void>((resolve) => {
      this.worker.once('exit', () => resolve());
    });
  }

  /**
   * Stops the thread after the message it is handling: a checkpoint it is writing completes (or
   * fails and removes its temporary file) rather than being cut between creating and renaming
   * its .tmp file — the fault tests found such files after a failure. Bounded: after
   * TERMINATE_GRACE_MS the thread is terminated where it stands.
   */
  async terminate(): Promise<void> {
    this.stopping = true;
    this.settleForced();
    if (this.exited) return;
    const exit = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.postMessage({ type: 'stop' } satisfies BackupRequest);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exit, new Promise<void>((resolve) => (timer = setTimeout(resolve, TERMINATE_GRACE_MS)))]);
    clearTimeout(timer);
    if (!this.exited) await this.worker.terminate();
  }

  /** Nobody waits forever for a checkpoint that will not come. */
  private settleForced(): void {
    for (const resolve of this.forced.splice(0)) resolve();
  }

  private post(request: BackupRequest): void {
    this.worker.postMessage(request);
  }

  private onReply(reply: BackupReply): void {
    switch (reply.type) {
      case 'progress':
        this.appliedSeq = reply.seq;
        this.listener.onProgress();
        break;
      case 'checkpoint':
        this.appliedSeq = reply.seq;
        this.listener.onCheckpoint(reply);
        if (reply.forced) this.forced.shift()?.();
        this.listener.onProgress();
        break;
      case 'checkpoint-skipped':
        this.appliedSeq = reply.seq;
        this.forced.shift()?.();
        this.listener.onProgress();
        break;
      case 'divergence':
        this.listener.onDivergence(reply.message);
        break;
      case 'error':
        // A checkpoint the disk refused stays a CheckpointWriteError across the thread boundary.
        // and a checkpoint that failed the checks deferred past open a CheckpointCorruptError.
        this.listener.onError(
          reply.name === 'CheckpointWriteError'
            ? new CheckpointWriteError(reply.message)
            : reply.name === 'CheckpointCorruptError'
              ? new CheckpointCorruptError(reply.message)
              : new Error(reply.message),
        );
        this.settleForced();
        break;
      case 'final':
        this.finalState = { seq: reply.seq, snapshot: reply.snapshot };
        break;
      case 'checked':
        this.checked = true;
        this.listener.onChecked();
        break;
      case 'ready':
        break;
    }
  }
}

/** The typed error a thread that refused to start reported. */
function startError(reply: Extract<BackupReply, { type: 'error' }>): Error {
  if (reply.name === 'RecoveryError') return new RecoveryError(reply.message, (reply.code ?? 'REPLAY_FAILED') as RecoveryErrorCode);
  if (reply.name === 'CheckpointCorruptError') return new CheckpointCorruptError(reply.message);
  return new Error(reply.message);
}

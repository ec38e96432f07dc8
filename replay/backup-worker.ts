// Why this file exists: the report's in-application backup thread, done so that matching never
// pauses. It keeps its own replica of the engine, fed the same durable records as the primary
// (the very encoded batches the matching workers got, so the exchange spends nothing extra to
// feed it), checks every mark the primary wrote, and writes checkpoints of its replica. A checkpoint
// is never ahead of the durable log: only durable records are ever sent here.
// It is also the exchange's acknowledged state (issue 9: one engine per role): it is sent records
// only once their commands were released, so a query it answers — in order with those records —
// sees exactly what was acknowledged. The answer goes back on a port the host reads synchronously
// (receiveMessageOnPort) after an Atomics.notify on a shared flag wakes it (QUERY_* below).

import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { Engine, EngineError, type EngineOptions, decodeCommands, type EncodedCommands } from '../engine/index.js';
import { CheckpointCorruptError, CheckpointStore, nextCheckpointDue } from './checkpoint-store.js';
import type { DeferredChecks } from './recovery.js';
import type { LogRecord, MarkRecord } from './records.js';
import { ReplayDivergenceError, Replayer } from './replayer.js';
import {
  type BackupQueryAnswer,
  type BackupQueryMethod,
  QUERY_ANSWERED,
  QUERY_FLAG_ANSWERED,
  QUERY_FLAG_GONE,
  QUERY_GONE,
} from './backup-query.js';

export interface BackupInit {
  engineOptions: EngineOptions;
  snapshot: Uint8Array | null;
  start: { seq: number; commands: number; digest: string };
  checkpointDir: string;
  checkpointEvery: number;
  checkpointIntervalMs: number;
  checkpointsKept: number;
  /**
   * Checks recovery left to this thread (replay/recovery.ts DeferredChecks): run once the exchange
   * is open, before this thread writes any checkpoint; a failure stops the exchange.
   */
  deferred?: DeferredChecks | null;
  /**
   * The thread was sent a 'prepare' and recovery's records (replay/backup-follow.ts): it already
   * holds the recovered state (`snapshot` is then null) and must end exactly at `start`.
   */
  prepared?: boolean;
  /** Where queries are answered (see QUERY_FLAG_*); transferred with the worker's start. */
  query: { flag: SharedArrayBuffer; port: MessagePort };
}

/** What the thread is started with; its state follows in an 'init' message (BackupHost.spawn). */
export interface BackupThreadData {
  query: { flag: SharedArrayBuffer; port: MessagePort };
}

export type BackupRequest =
  /**
   * Before 'init', while the opening thread recovers: the checkpoint recovery starts from (null:
   * an empty engine of `engineOptions`, the configuration at seq 0); recovery's 'records' follow.
   */
  | {
      type: 'prepare';
      engineOptions: EngineOptions;
      start: { seq: number; commands: number; digest: string };
      snapshot: Uint8Array | null;
      /** The state hash the checkpoint's header claims: checked here and now (the deferred check). */
      stateHash: string | null;
    }
  /** Before 'init': check checkpoint `seq` now (the deferred check; its result waits for 'init'). */
  | { type: 'precheck'; seq: number; snapshot: Uint8Array; stateHash: string }
  /** The state to start from (the thread loaded its modules meanwhile). */
  | { type: 'init'; init: Omit<BackupInit, 'query'> }
  /** ack: report progress right after this one (the host is pacing admission on it). */
  | { type: 'batch'; seqs: Float64Array; commands: EncodedCommands; ack: boolean }
  | { type: 'mark'; seq: number; mark: MarkRecord; ack: boolean }
  /** Consecutive binary log records from firstSeq: record i is bytes[ends[i - 1] (or 0), ends[i]). */
  | { type: 'records'; firstSeq: number; bytes: Uint8Array; ends: Uint32Array; ack: boolean }
  | { type: 'checkpoint' }
  /** Answers on the query port, in order with the records sent before it. */
  | { type: 'query'; id: number; method: BackupQueryMethod; args: unknown[] }
  /** final: hand the replica's snapshot back first (the exchange answers queries after close from it). */
  | { type: 'stop'; final?: boolean };

export type BackupReply =
  | { type: 'ready' }
  /** The checks recovery deferred to this thread passed (sent once, only when there were any). */
  | { type: 'checked' }
  | { type: 'progress'; seq: number }
  | {
      type: 'checkpoint';
      seq: number;
      commands: number;
      orders: number;
      bytes: number;
      snapshotMs: number;
      durationMs: number;
      kept: number[];
      forced: boolean;
    }
  | { type: 'checkpoint-skipped'; seq: number }
  | { type: 'final'; seq: number; snapshot: Uint8Array }
  | { type: 'divergence'; message: string }
  | {
      type: 'error';
      message: string;
      /** The error class's name, so the host can rebuild a typed error. */
      name?: string;
      /** A RecoveryError's code. */
      code?: string;
    };

/** Records parked while waiting for an earlier one (batches of other shards arrive unordered). */
const PARKED_RECORDS_MAX = 16 * 1024 * 1024;
const PROGRESS_INTERVAL_MS = 50;

const port = parentPort!;

/** The state a 'prepare' and recovery's records built before 'init'. */
interface Prepared {
  engine: Engine;
  replayer: Replayer;
  /** The first failure while following recovery (reported at 'init'). */
  error: Error | null;
}

// Spawned before recovery finished (BackupHost.spawn): the state arrives in the first messages,
// while this thread has already loaded its modules. Either 'init' with a snapshot, or 'prepare'
// and recovery's 'records' (restored and replayed here while the opening thread replays) then
// 'init'. Bounded: one message per call.
let prepared: Prepared | null = null;
/** A checkpoint checked before 'init' (BackupPrecheck): its seq and what is wrong with it (null: nothing). */
let prechecked: { seq: number; problem: string | null } | null = null;
const beforeInit = (request: BackupRequest): void => {
  if (request.type === 'precheck') {
    prechecked = { seq: request.seq, problem: checkpointProblem(request.snapshot, request.stateHash) };
    return;
  }
  if (request.type === 'prepare') {
    let engine: Engine;
    if (request.snapshot === null) engine = new Engine(request.engineOptions);
    else if (request.stateHash === null) engine = Engine.restore(request.snapshot, { verify: false });
    else {
      // The deferred check of this checkpoint on the very restore that follows recovery: with its
      // invariants, then its hash, before any record is applied. A failure is kept for the
      // deferred checks (handled as ever: set aside, fail closed) and the replica restored unchecked.
      let problem: string | null = null;
      try {
        engine = Engine.restore(request.snapshot);
        if (engine.stateHash() !== request.stateHash) problem = 'its state hash does not match its snapshot';
      } catch (error) {
        problem = (error as Error).message;
        engine = Engine.restore(request.snapshot, { verify: false });
      }
      prechecked = { seq: request.start.seq, problem };
    }
    const replayer = new Replayer(engine, request.start);
    // Recovery's records: the opening thread applied each (its checksum checked) before sending it.
    replayer.recordChecksumsChecked = true;
    prepared = { engine, replayer, error: null };
    return;
  }
  if (request.type === 'records' && prepared !== null) {
    if (prepared.error !== null) return;
    const { replayer } = prepared;
    try {
      let start = 0;
      for (let i = 0; i < request.ends.length; i++) {
        replayer.applyRecord(request.firstSeq + i, request.bytes, start, request.ends[i]);
        start = request.ends[i];
      }
    } catch (error) {
      prepared.error = error as Error;
    }
    return;
  }
  if (request.type !== 'init') throw new Error(`backup: expected init, got ${request.type}`);
  port.off('message', beforeInit);
  run({ ...request.init, query: (workerData as BackupThreadData).query }, request.init.prepared === true ? prepared : null, prechecked);
  prepared = null;
  prechecked = null;
};

/** What is wrong with a checkpoint's snapshot (its invariants, its header's state hash), or null. */
function checkpointProblem(snapshot: Uint8Array, stateHash: string): string | null {
  try {
    return Engine.restore(snapshot).stateHash() !== stateHash ? 'its state hash does not match its snapshot' : null;
  } catch (error) {
    return (error as Error).message;
  }
}
port.on('message', beforeInit);

/**
 * A prepared replica must stand exactly where the opening thread's recovery ended: the same seq,
 * command count and event digest (the digest folds every event of every replayed command). Null
 * when it does, else what differs.
 */
function preparedDisagreement(replayer: Replayer, start: { seq: number; commands: number; digest: string }): string | null {
  if (replayer.seq === start.seq && replayer.commands === start.commands && replayer.digest.value === start.digest) return null;
  return (
    `the backup thread's replay of recovery ended at seq ${replayer.seq} (${replayer.commands} commands, digest ${replayer.digest.value}), ` +
    `the opening thread's at seq ${start.seq} (${start.commands} commands, digest ${start.digest})`
  );
}

/** The backup thread's life, from its state on. */
function run(init: BackupInit, ready: Prepared | null, checkedEarly: { seq: number; problem: string | null } | null): void {
  const send = (reply: BackupReply): void => port.postMessage(reply);

  if (init.prepared === true) {
    // Fail closed before 'ready': the exchange does not open on two different states.
    const problem = ready === null ? 'the backup thread was told it was prepared but got no prepare' : ready.error !== null ? `following recovery: ${ready.error.message}` : preparedDisagreement(ready.replayer, init.start);
    if (problem !== null) {
      send({ type: 'error', name: 'RecoveryError', code: 'ROLE_DIVERGED', message: `recovery: ${problem}; the exchange did not open` });
      port.close();
      return;
    }
  }
  // Else the snapshot was just made from the recovered engine (its checks: runDeferredChecks, or recovery).
  const engine = ready !== null ? ready.engine : init.snapshot === null ? new Engine(init.engineOptions) : Engine.restore(init.snapshot, { verify: false });
  const replayer = ready !== null ? ready.replayer : new Replayer(engine, init.start);
  // Live records are the exchange's encoder output, copied in memory (checkpointing.ts gathers
  // them, postMessage moves them): they never left memory, so their checksums are not computed
  // again (~0.1 us a record, replica-cost.ts). Divergence is still caught by the primary's digest
  // marks; the log's copy of the same bytes is checked wherever it is read back (recovery, verify).
  replayer.recordChecksumsChecked = true;
  const store = new CheckpointStore(init.checkpointDir);
  const specs = engine.instruments;
  const parked = new Map<number, LogRecord>();
  let diverged = false;
  let lastCheckpointSeq = init.start.seq;
  /** Due every checkpointEvery commands from the start, not from whenever the last one landed. */
  let dueCommands = init.start.commands + init.checkpointEvery;
  let lastCheckpointAtMs = performance.now();
  let lastProgressAtMs = 0;
  /** The last checkpoint's snapshot and its seq: handed back at stop when nothing came after it. */
  let lastSnapshot: Uint8Array | null = null;
  let lastSnapshotSeq = -1;
  const queryFlag = new Int32Array(init.query.flag);
  const queryPort = init.query.port;

  // A thread that goes away (an exit, an uncaught throw) wakes a host waiting for an answer at once.
  process.on('exit', () => {
    Atomics.store(queryFlag, QUERY_FLAG_GONE, 1);
    Atomics.store(queryFlag, QUERY_FLAG_ANSWERED, QUERY_GONE);
    Atomics.notify(queryFlag, QUERY_FLAG_ANSWERED);
  });

  /**
   * Answers from the replica, which has applied every record sent before the query. A replica that
   * failed or diverged answers with an error: its state is no longer the acknowledged one.
   */
  function answer(id: number, method: BackupQueryMethod, args: unknown[]): void {
    let reply: BackupQueryAnswer;
    if (failed || diverged) {
      reply = { id, ok: false, message: failed ? 'the backup replica failed' : 'the backup replica diverged' };
    } else {
      try {
        const value = (engine[method] as (...a: unknown[]) => unknown).apply(engine, args);
        reply = { id, ok: true, value };
      } catch (error) {
        const e = error as Error;
        reply = error instanceof EngineError ? { id, ok: false, message: e.message, engineCode: error.code } : { id, ok: false, message: e.message };
      }
    }
    queryPort.postMessage(reply);
    Atomics.store(queryFlag, QUERY_FLAG_ANSWERED, QUERY_ANSWERED);
    Atomics.notify(queryFlag, QUERY_FLAG_ANSWERED);
  }

  function park(seq: number, record: LogRecord): void {
    if (parked.size >= PARKED_RECORDS_MAX) throw new Error('backup: too many records out of order');
    parked.set(seq, record);
  }

  function applyParked(): void {
    if (diverged) return;
    try {
      // Bounded by the number of parked records.
      for (;;) {
        const next = replayer.seq + 1;
        const record = parked.get(next);
        if (record === undefined) break;
        parked.delete(next);
        replayer.apply(next, record);
      }
    } catch (error) {
      divergedOrThrow(error);
    }
  }

  /** A divergence stops checkpointing and is reported (the host fails the exchange); anything else is thrown. */
  function divergedOrThrow(error: unknown): void {
    if (!(error instanceof ReplayDivergenceError)) throw error;
    diverged = true;
    send({ type: 'divergence', message: error.message });
  }

  /** Replays log records as recovery does: decoded into one ParsedCommand, no object per record. */
  function applyRecords(firstSeq: number, bytes: Uint8Array, ends: Uint32Array): void {
    if (diverged) return;
    try {
      let start = 0;
      for (let i = 0; i < ends.length; i++) {
        const seq = firstSeq + i;
        // A record at or below what was applied came in another way (a parked test mark).
        if (seq > replayer.seq) replayer.applyRecord(seq, bytes, start, ends[i]);
        start = ends[i];
      }
    } catch (error) {
      divergedOrThrow(error);
    }
  }

  /** Where a checkpoint that failed the deferred check is moved (kept; recovery no longer reads it). */
  const FAILED_CHECK_DIR = 'failed-check';
  let deferredPending = init.deferred !== null && init.deferred !== undefined;
  /** The prepared replica's state hash at the recovered seq (taken right after 'ready'), or null. */
  let recoveredHash: string | null = null;

  /**
   * The checks recovery deferred to this thread (it restored the checkpoint and replayed without
   * them, to open sooner): the checkpoint's book invariants and state hash, and the recovered
   * state's hash against the log's close mark. Run before this thread's first checkpoint, so a
   * state that fails them is never written on. A checkpoint that fails is moved aside (a reopen
   * then recovers from an older one) and the exchange stops: fail closed.
   */
  function runDeferredChecks(): void {
    if (!deferredPending) return;
    deferredPending = false;
    runChecks();
    // Only now may the exchange acknowledge what it matched since open (exchange.ts `release`).
    send({ type: 'checked' });
  }

  function runChecks(): void {
    const checks = init.deferred!;
    const from = checks.checkpoint;
    if (from !== null) {
      // Checked while the opening thread replayed (BackupPrecheck), or now.
      const problem = checkedEarly !== null && checkedEarly.seq === from.seq ? checkedEarly.problem : checkpointProblem(from.snapshot, from.stateHash);
      if (problem !== null) {
        let where = '';
        try {
          where = `; moved to ${store.setAside(from.seq, FAILED_CHECK_DIR)}`;
        } catch {
          // Left in place: the error below still stops the exchange.
        }
        throw new CheckpointCorruptError(`checkpoint ${from.seq} failed the checks run after open (${problem})${where}; the exchange stopped`);
      }
    }
    if (checks.recoveredStateHash !== null && (init.snapshot !== null || recoveredHash !== null)) {
      const hash = recoveredHash ?? Engine.restore(init.snapshot!, { verify: false }).stateHash();
      if (hash !== checks.recoveredStateHash) {
        throw new ReplayDivergenceError(`state hash after recovery ${hash} differs from the log's close mark ${checks.recoveredStateHash}`);
      }
    }
  }

  function checkpoint(force: boolean): void {
    runDeferredChecks();
    if (diverged) {
      if (force) send({ type: 'checkpoint-skipped', seq: replayer.seq });
      return;
    }
    const dueByCount = replayer.commands >= dueCommands;
    const dueByTime = performance.now() - lastCheckpointAtMs >= init.checkpointIntervalMs;
    const fresh = replayer.seq > lastCheckpointSeq;
    if (!fresh || (!force && !dueByCount && !dueByTime)) {
      if (force) send({ type: 'checkpoint-skipped', seq: replayer.seq });
      return;
    }
    const t0 = performance.now();
    const snapshot = engine.snapshot();
    const stateHash = engine.stateHash();
    const t1 = performance.now();
    const bytes = store.write(
      {
        seq: replayer.seq,
        commands: replayer.commands,
        digest: replayer.digest.value,
        stateHash,
        writtenAtMs: Date.now(),
      },
      snapshot,
    );
    store.prune(init.checkpointsKept);
    const t2 = performance.now();
    lastCheckpointSeq = replayer.seq;
    lastSnapshot = snapshot;
    lastSnapshotSeq = replayer.seq;
    dueCommands = nextCheckpointDue(dueCommands, replayer.commands, init.checkpointEvery);
    lastCheckpointAtMs = t2;
    send({
      type: 'checkpoint',
      seq: replayer.seq,
      commands: replayer.commands,
      orders: engine.liveOrders,
      bytes,
      snapshotMs: t1 - t0,
      durationMs: t2 - t0,
      kept: store.list(),
      forced: force,
    });
  }

  // Fail closed: after the first error this thread does nothing more. Before, a failed checkpoint
  // was retried on the next batch, and the host's terminate() could cut that retry between creating
  // its temporary file and removing it (a stray .tmp the fault tests found on one run in ten).
  let failed = false;
  const fail = (error: unknown, withStack: boolean): void => {
    failed = true;
    const e = error as Error;
    send({ type: 'error', name: e.name, message: withStack ? (e.stack ?? String(error)) : e.message });
  };

  port.on('message', (request: BackupRequest) => {
    if (request.type === 'query') return answer(request.id, request.method, request.args);
    if (failed && request.type !== 'stop') return;
    try {
      switch (request.type) {
        case 'batch': {
          const records = decodeCommands(request.commands, specs);
          for (let i = 0; i < records.length; i++) park(request.seqs[i], records[i]);
          applyParked();
          checkpoint(false);
          break;
        }
        case 'mark':
          park(request.seq, request.mark);
          applyParked();
          break;
        case 'records':
          applyParked();
          applyRecords(request.firstSeq, request.bytes, request.ends);
          applyParked();
          checkpoint(false);
          break;
        case 'checkpoint':
          checkpoint(true);
          break;
        case 'stop':
          if (request.final === true && !failed && !diverged) {
            const snapshot = lastSnapshotSeq === replayer.seq && lastSnapshot !== null ? lastSnapshot : engine.snapshot();
            send({ type: 'final', seq: replayer.seq, snapshot });
          }
          port.close();
          queryPort.close();
          return;
      }
      const now = performance.now();
      const ack = (request.type === 'batch' || request.type === 'mark' || request.type === 'records') && request.ack;
      if (ack || now - lastProgressAtMs >= PROGRESS_INTERVAL_MS) {
        lastProgressAtMs = now;
        send({ type: 'progress', seq: replayer.seq });
      }
    } catch (error) {
      fail(error, true);
    }
  });

  // Time-based checkpoints also happen when traffic stops. unref: never keeps the thread alive.
  setInterval(() => {
    if (failed) return;
    try {
      applyParked();
      checkpoint(false);
    } catch (error) {
      fail(error, false);
    }
  }, Math.min(init.checkpointIntervalMs, 1000)).unref();

  send({ type: 'ready' });
  // The replica is the recovered state itself (prepared, or restored from its snapshot just now):
  // its hash for the close-mark check is taken now, after 'ready' (the exchange opens meanwhile)
  // and before any later record is applied (they are messages, handled after this call returns),
  // instead of restoring the snapshot a second time for it (~1 s of this thread at 1,000,000 orders).
  if (init.deferred?.recoveredStateHash != null) recoveredHash = engine.stateHash();

  // The deferred checks right after open (checkpoint() also runs them first if it comes sooner).
  if (deferredPending) {
    setImmediate(() => {
      if (failed) return;
      try {
        runDeferredChecks();
      } catch (error) {
        if (error instanceof ReplayDivergenceError) divergedOrThrow(error);
        else fail(error, false);
      }
    });
  }
}

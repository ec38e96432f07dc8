// Why this file exists: after a crash the exchange must come back in exactly the state that the
// durable log implies. Take the newest checkpoint that verifies (falling back to older ones, then
// to the beginning of the log), replay every later record, check the primary's marks on the way,
// and report how long each phase took.

import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Engine, type EngineOptions } from '../engine/index.js';
import type { WriteAheadLog } from '../wal/index.js';
import type { CheckpointStore } from './checkpoint-store.js';
import { Replayer } from './replayer.js';

/** Records read per synchronous batch during replay: small batches keep decoded records young (8192 read 3x slower). */
const REPLAY_BATCH_RECORDS = 1024;
/**
 * Records per readBytes call: no object is made per record there, so the reason for small batches
 * does not apply, while each call that ends inside a chunk makes the next one check that whole chunk
 * (~380 records of 32 KiB) again: at 1024 a call, ~37% of all frame CRCs were computed twice
 * (profile of a 990,000-record replay: check_chunk 0.49 µs a record; docs/measurements.md).
 */
const REPLAY_BYTES_BATCH_RECORDS = 65_536;
const INITIAL_DIGEST = '811c9dc59747b28c';

export interface RecoveryStats {
  /** Sequence number of the checkpoint used, or null for a replay from the start of the log. */
  checkpointSeq: number | null;
  checkpointLoadMs: number;
  /** Checkpoints skipped because they failed verification or did not fit the log. */
  checkpointsSkipped: number;
  replayMs: number;
  replayedRecords: number;
  replayedCommands: number;
  replayCommandsPerS: number;
  marksVerified: number;
  marksUnverifiable: number;
  /** Time to check the restored snapshot's state hash and the final marks. */
  verifyMs: number;
  /**
   * 'memory' directories: sequence numbers skipped on restart because they may have been handed
   * out (and acknowledged) after the checkpoint used; 0 when there is a log.
   */
  seqsSkipped: number;
  /** Recovery proper (checkpoint, replay, checks on this thread): checkpointLoadMs + replayMs + the final check. */
  totalMs: number;
  warnings: string[];
  /**
   * The whole Exchange.open, phase by phase (0 where a phase did not run; set by the opening
   * stage, exchange/open.ts and exchange.ts): where the open goes besides checkpoint and replay.
   */
  phases: OpenPhases;
}

/** Exchange.open's timeline in ms (stats().recovery.phases), in the order the phases run. */
export interface OpenPhases {
  /** Directory lock, stored configuration, checkpoint directory, threads spawned. */
  prepareMs: number;
  /** Opening the log (and the check that it was not lost). */
  logOpenMs: number;
  /** Reading the checkpoint file and checking its CRC (part of checkpointLoadMs). */
  checkpointReadMs: number;
  /** Engine.restore of the checkpoint on the opening thread (part of checkpointLoadMs). */
  checkpointRestoreMs: number;
  /** From the end of recovery to the start of the workers: feed retention scan, feed, checkpointer. */
  afterRecoveryMs: number;
  /** The recovered state's snapshot for the matching workers and the backup (0 when none is taken). */
  snapshotMs: number;
  /** The matching workers' start (restore of the recovered state), from the snapshot's end. */
  workersStartMs: number;
  /** The backup thread's start (restore, or its check of a replica that followed), from the snapshot's end. */
  backupStartMs: number;
  /** The whole Exchange.open. */
  openMs: number;
}

/** A timeline with nothing measured yet. */
export function noPhases(): OpenPhases {
  return { prepareMs: 0, logOpenMs: 0, checkpointReadMs: 0, checkpointRestoreMs: 0, afterRecoveryMs: 0, snapshotMs: 0, workersStartMs: 0, backupStartMs: 0, openMs: 0 };
}

/**
 * Checks recovery left for the backup thread, which runs them after the exchange opened (they
 * cost no wall time there; a failure still stops the exchange: fail closed).
 */
export interface DeferredChecks {
  /** The checkpoint recovery started from, restored without its invariant and state-hash check. */
  checkpoint: { seq: number; snapshot: Uint8Array; stateHash: string } | null;
  /** The state hash the recovered engine must have (the log's final close mark), if any. */
  recoveredStateHash: string | null;
}

export interface Recovered {
  engine: Engine;
  /** Checks to run off the critical path (RecoverOptions.deferChecks), else null. */
  deferred: DeferredChecks | null;
  /** Last log sequence applied. */
  seq: number;
  commands: number;
  digest: string;
  stats: RecoveryStats;
}

/** The replay half of RecoveryStats when there is no log to replay. */
const NOTHING_REPLAYED = Object.freeze({
  replayMs: 0,
  replayedRecords: 0,
  replayedCommands: 0,
  replayCommandsPerS: 0,
  marksVerified: 0,
  marksUnverifiable: 0,
});

export type RecoveryErrorCode =
  /** Checkpoints exist and none verifies. */
  | 'NO_VALID_CHECKPOINT'
  /** The log cannot reach the newest valid checkpoint: acknowledged records are missing. */
  | 'LOG_BEHIND_CHECKPOINT'
  /** Records were reclaimed and nothing left can rebuild the state before them. */
  | 'LOG_RECLAIMED'
  /** Replay or its final check failed. */
  | 'REPLAY_FAILED'
  /** A role that replayed the tail itself (the backup thread) ended in another state than this thread. */
  | 'ROLE_DIVERGED'
  /** A small state file (configuration, reservation) is unreadable or fails its checksum. */
  | 'STATE_FILE_DAMAGED';

export class RecoveryError extends Error {
  override readonly name = 'RecoveryError';
  readonly code: RecoveryErrorCode;
  /** LOG_BEHIND_CHECKPOINT: the sequence numbers the log lacks (inclusive). */
  readonly missing: { from: number; to: number } | null;
  constructor(message: string, code: RecoveryErrorCode = 'REPLAY_FAILED', missing: { from: number; to: number } | null = null) {
    super(message);
    this.code = code;
    this.missing = missing;
  }
}

/** What recovery does with a valid checkpoint beyond the log's end. */
export interface RecoverOptions {
  /**
   * 'refuse' (default; 'sync' exchanges): every acknowledged record was flushed before it was
   * acknowledged, so such a checkpoint means the log lost acknowledged data: RecoveryError
   * LOG_BEHIND_CHECKPOINT naming the missing records.
   * 'set-aside' ('async' exchanges): a power loss may undo the last commits, so the checkpoint
   * describes a history that will not happen; it is moved into checkpoints/ahead-of-log/ (kept,
   * never deleted) — unless the log is empty, which no power loss explains: refuse then too.
   * 'skip' (read-only tools): recover from what the log reaches and touch nothing; the caller
   * reports the loss (findLogBehindCheckpoint).
   */
  onLogBehind: 'refuse' | 'set-aside' | 'skip';
  /**
   * true (an exchange with a backup thread): the newest checkpoint is restored without its
   * invariant check and state hash, and the log's final state hash is not computed; both are
   * returned in `Recovered.deferred` for the backup thread to run once the exchange is open. A
   * checkpoint that fails its checksum is still skipped here. Default false: checked inline.
   */
  deferChecks?: boolean;
  /**
   * Another role that replays the same tail beside this one (the backup thread: replay/backup-follow.ts).
   * `started` gets the chosen starting point (with the checkpoint's bytes and the state hash its
   * header claims) before the replay begins, `record` (if the follower has one) every raw record
   * replayed, `ended` the end; the role then holds the same state without waiting for this
   * thread's snapshot of it. Only logs with `readBytes`.
   */
  follower?: RecoveryFollower | null;
}

/** Hears a recovery's start and its raw records (RecoverOptions.follower). */
export interface RecoveryFollower {
  started(start: { seq: number; commands: number; digest: string; snapshot: Uint8Array | null; stateHash: string | null }): void;
  /** The record bytes[from, to) at `seq` (valid during the call only); absent: the replay is not followed. */
  record?(seq: number, bytes: Uint8Array, from: number, to: number): void;
  ended(): void;
}

/** Where checkpoints that the log can no longer reach are moved (kept for the operator). */
export const AHEAD_OF_LOG_DIR = 'ahead-of-log';

/** The newest checkpoint that verifies lies beyond the end of the log. */
export interface LogBehindCheckpoint {
  checkpointSeq: number;
  logLastSeq: number;
  /** The sequence numbers the log lacks to reach the checkpoint (inclusive). */
  missing: { from: number; to: number };
}

/**
 * For tools (`matchlog verify`, the explicit tidy): the newest checkpoint that verifies, if the
 * log ends before it. Reads only; deletes and moves nothing.
 */
export function findLogBehindCheckpoint(logLastSeq: number, store: CheckpointStore | null): LogBehindCheckpoint | null {
  for (const seq of store?.list() ?? []) {
    if (seq <= logLastSeq) return null;
    if (!verifies(store!, seq)) continue;
    return { checkpointSeq: seq, logLastSeq, missing: { from: logLastSeq + 1, to: seq } };
  }
  return null;
}

/**
 * Before the log is opened: LMDB silently creates a fresh, empty log where `data.mdb` is missing
 * or empty, which would erase the evidence. With a valid checkpoint present that is a lost log:
 * refuse (in every mode: no power loss empties a log) and leave every file as it is.
 */
export function refuseLostLog(walDir: string, store: CheckpointStore | null): void {
  const file = join(walDir, 'data.mdb');
  if (existsSync(file) && statSync(file).size > 0) return;
  const gap = findLogBehindCheckpoint(0, store);
  if (gap !== null) throw new RecoveryError(missingMessage(gap, store!.dir), 'LOG_BEHIND_CHECKPOINT', gap.missing);
}

function verifies(store: CheckpointStore, seq: number): boolean {
  try {
    const checkpoint = store.read(seq);
    return Engine.restore(checkpoint.snapshot).stateHash() === checkpoint.header.stateHash;
  } catch {
    return false;
  }
}

/**
 * The explicit tidy an operator runs after accepting a loss: moves every checkpoint beyond the
 * log's end into `checkpoints/ahead-of-log/` (nothing is deleted), so the directory opens from
 * what the log holds. Returns the files moved.
 */
export function setAsideCheckpointsAheadOfLog(logLastSeq: number, store: CheckpointStore): string[] {
  const moved: string[] = [];
  for (const seq of store.list()) {
    if (seq <= logLastSeq) break;
    moved.push(store.setAside(seq, AHEAD_OF_LOG_DIR));
  }
  return moved;
}

function missingMessage(gap: LogBehindCheckpoint, dir: string): string {
  const { from, to } = gap.missing;
  return (
    `the log ends at ${gap.logLastSeq} but checkpoint ${gap.checkpointSeq} verifies: records ${from}..${to} ` +
    `(acknowledged before that checkpoint) are missing from the log. Nothing was deleted. Restore the log ` +
    `(wal/data.mdb) from a copy, or accept the loss explicitly (matchlog tidy) to move checkpoints ` +
    `after ${gap.logLastSeq} into ${dir}/${AHEAD_OF_LOG_DIR}/`
  );
}

interface Start {
  engine: Engine;
  seq: number;
  commands: number;
  digest: string;
}

export function initialDigest(): string {
  return INITIAL_DIGEST;
}

/** The newest checkpoint that verifies and that `unusable` does not rule out, or null. */
/**
 * A checkpoint that verifies but was made with other instruments or capacity than matchlog.json
 * says: the configuration file changed (or the checkpoint belongs elsewhere). Refuse, naming it.
 */
function refuseOtherConfiguration(engine: Engine, options: EngineOptions, seq: number): void {
  // The checkpoint may hold more instruments: those added at run time follow the configured ones.
  const mine = engine.instruments.slice(0, options.instruments.length).map((s) => [s.symbol, s.tickSize, s.lotSize, s.minPrice, s.maxPrice]);
  const theirs = options.instruments.map((s) => [s.symbol, s.tickSize, s.lotSize, s.minPrice, s.maxPrice]);
  const qtyDiffers = options.instruments.some((s, i) => s.maxQty !== undefined && engine.instruments[i]?.maxQty !== s.maxQty);
  const ordersDiffer = options.maxOrders !== undefined && options.maxOrders !== engine.options.maxOrders;
  if (JSON.stringify(mine) !== JSON.stringify(theirs) || qtyDiffers || ordersDiffer) {
    throw new RecoveryError(
      `checkpoint ${seq} verifies but was written with other instruments or maxOrders than the stored configuration (matchlog.json): refusing; nothing was changed`,
      'STATE_FILE_DAMAGED',
    );
  }
}

function newestUsableCheckpoint(
  store: CheckpointStore | null,
  unusable: (seq: number) => string | null,
  warn: (message: string) => void,
  engineOptions: EngineOptions | null = null,
  defer = false,
  phases: OpenPhases = noPhases(),
): { start: Start | null; skipped: number; verifyMs: number; deferred: DeferredChecks['checkpoint']; snapshot: Uint8Array | null; stateHash: string | null } {
  let skipped = 0;
  let verifyMs = 0;
  for (const seq of store?.list() ?? []) {
    try {
      const why = unusable(seq);
      if (why !== null) throw new Error(why);
      const tr = performance.now();
      // Shared memory: the backup thread is handed these bytes (precheck, follow, deferred checks).
      const checkpoint = store!.read(seq, true);
      const tz = performance.now();
      phases.checkpointReadMs += tz - tr;
      const engine = Engine.restore(checkpoint.snapshot, { verify: !defer });
      phases.checkpointRestoreMs += performance.now() - tz;
      if (engineOptions !== null) refuseOtherConfiguration(engine, engineOptions, seq);
      const start = { engine, seq, commands: checkpoint.header.commands, digest: checkpoint.header.digest };
      const snapshot = checkpoint.snapshot;
      const stateHash = checkpoint.header.stateHash;
      if (defer) return { start, skipped, verifyMs, deferred: { seq, snapshot, stateHash }, snapshot, stateHash };
      const tv = performance.now();
      const hash = engine.stateHash();
      verifyMs += performance.now() - tv;
      if (hash !== checkpoint.header.stateHash) throw new Error('its state hash does not match its snapshot');
      return { start, skipped, verifyMs, deferred: null, snapshot, stateHash };
    } catch (error) {
      if (error instanceof RecoveryError) throw error;
      skipped++;
      warn(`recovery: skipping checkpoint ${seq}: ${(error as Error).message}`);
    }
  }
  return { start: null, skipped, verifyMs, deferred: null, snapshot: null, stateHash: null };
}

function collector(onWarning: (message: string) => void): { warnings: string[]; warn: (message: string) => void } {
  const warnings: string[] = [];
  return {
    warnings,
    warn: (message) => {
      warnings.push(message);
      onWarning(message);
    },
  };
}

/**
 * Recovery without a log ('memory' durability with a data directory): the newest checkpoint that
 * verifies is the whole state; everything acknowledged after it is gone. An older checkpoint is
 * used if the newest fails verification (more is lost, but the state is exact as of that point).
 * Nothing is deleted: checkpoints that failed stay for inspection (pruning removes them later),
 * and if there are checkpoints but none verifies, recovery refuses rather than start empty.
 */
export function recoverFromCheckpoint(
  store: CheckpointStore | null,
  engineOptions: EngineOptions,
  onWarning: (message: string) => void,
): Recovered {
  const t0 = performance.now();
  const { warnings, warn } = collector(onWarning);
  const phases = noPhases();
  const found = newestUsableCheckpoint(store, () => null, warn, engineOptions, false, phases);
  if (found.start === null && found.skipped > 0) {
    throw new RecoveryError(`none of the ${found.skipped} checkpoints in ${store!.dir} verifies; nothing was deleted`, 'NO_VALID_CHECKPOINT');
  }
  const start = found.start ?? { engine: new Engine(engineOptions), seq: 0, commands: 0, digest: INITIAL_DIGEST };
  const totalMs = performance.now() - t0;
  return {
    engine: start.engine,
    deferred: null,
    seq: start.seq,
    commands: start.commands,
    digest: start.digest,
    stats: {
      checkpointSeq: found.start === null ? null : start.seq,
      checkpointLoadMs: totalMs,
      checkpointsSkipped: found.skipped,
      ...NOTHING_REPLAYED,
      verifyMs: found.verifyMs,
      seqsSkipped: 0,
      totalMs,
      warnings,
      phases,
    },
  };
}

export function recover(
  wal: WriteAheadLog<Uint8Array>,
  store: CheckpointStore | null,
  engineOptions: EngineOptions,
  onWarning: (message: string) => void,
  options: RecoverOptions = { onLogBehind: 'refuse' },
): Recovered {
  const t0 = performance.now();
  const { warnings, warn } = collector(onWarning);
  const phases = noPhases();
  // A valid checkpoint beyond the log's end: refuse (sync, or an empty log), or move it aside
  // ('async' power loss: once the log grows past it with other commands it would describe a
  // history that never happened). Never deleted.
  const gap = options.onLogBehind === 'skip' ? null : findLogBehindCheckpoint(wal.lastSeq, store);
  if (gap !== null) {
    if (options.onLogBehind === 'refuse' || wal.lastSeq === 0) {
      throw new RecoveryError(missingMessage(gap, store!.dir), 'LOG_BEHIND_CHECKPOINT', gap.missing);
    }
    for (const file of setAsideCheckpointsAheadOfLog(wal.lastSeq, store!)) {
      warn(`recovery: the log ends at ${wal.lastSeq} ('async' power loss); moved ${file} aside`);
    }
  }
  const found = newestUsableCheckpoint(
    store,
    (seq) => {
      if (seq > wal.lastSeq) return `it is ahead of the log, which ends at ${wal.lastSeq}`;
      if (seq + 1 < wal.firstSeq) return `the log no longer holds the records after it (first ${wal.firstSeq})`;
      return null;
    },
    warn,
    engineOptions,
    options.deferChecks === true,
    phases,
  );
  const skipped = found.skipped;
  let verifyMs = found.verifyMs;
  let start = found.start;
  if (start === null) {
    if (wal.firstSeq > 1) {
      throw new RecoveryError(
        `no usable checkpoint and the log starts at ${wal.firstSeq}: records 1..${wal.firstSeq - 1} were reclaimed`,
        'LOG_RECLAIMED',
      );
    }
    if (skipped > 0) warn('recovery: falling back to a full replay of the log');
    start = { engine: new Engine(engineOptions), seq: 0, commands: 0, digest: INITIAL_DIGEST };
  }
  const t1 = performance.now();

  const replayer = new Replayer(start.engine, start);
  const follower = wal.readBytes !== undefined ? (options.follower ?? null) : null;
  // Before the replay: the follower restores the same checkpoint while this thread replays.
  follower?.started({
    seq: start.seq,
    commands: start.commands,
    digest: start.digest,
    snapshot: found.start === null ? null : found.snapshot,
    stateHash: found.start === null ? null : found.stateHash,
  });
  const following = follower?.record !== undefined ? follower : null;
  // Bounded: each pass consumes at least one record or ends; the log is finite.
  if (wal.readBytes !== undefined) {
    // Straight from the stored chunks into the engine: no object per record.
    const visit =
      following === null
        ? (seq: number, bytes: Uint8Array, from: number, to: number, checked: boolean): void => void replayer.applyRecord(seq, bytes, from, to, null, checked)
        : (seq: number, bytes: Uint8Array, from: number, to: number, checked: boolean): void => {
            // Applied here first: a damaged record is named by this thread before anyone follows it.
            replayer.applyRecord(seq, bytes, from, to, null, checked);
            following.record!(seq, bytes, from, to);
          };
    while (wal.readBytes(replayer.seq + 1, REPLAY_BYTES_BATCH_RECORDS, visit) > 0);
    follower?.ended();
  } else {
    for (;;) {
      const records = wal.readBatch(replayer.seq + 1, REPLAY_BATCH_RECORDS);
      if (records.length === 0) break;
      for (const { seq, command } of records) replayer.applyRecord(seq, command);
    }
  }
  if (replayer.seq !== wal.lastSeq) {
    throw new RecoveryError(`replay stopped at ${replayer.seq} but the log ends at ${wal.lastSeq}`);
  }
  const t2 = performance.now();
  const last = replayer.lastMark;
  const closed = last?.stateHash !== undefined && last.commands === replayer.commands && replayer.seq === replayer.lastMarkSeq;
  // Null when nothing was left to check (no checkpoint, no close mark): acknowledgements wait for
  // the deferred checks (exchange/checkpointing.ts `checked`), and there is nothing to wait for.
  const recoveredStateHash = closed ? last!.stateHash! : null;
  const deferred: DeferredChecks | null =
    options.deferChecks === true && (found.deferred !== null || recoveredStateHash !== null) ? { checkpoint: found.deferred, recoveredStateHash } : null;
  if (closed && deferred === null) {
    const tv = performance.now();
    const hash = start.engine.stateHash();
    verifyMs += performance.now() - tv;
    if (hash !== last!.stateHash) {
      throw new RecoveryError(`state hash after replay ${hash} differs from the close mark ${last!.stateHash}`);
    }
    replayer.marks.verified++;
  }
  const t3 = performance.now();
  const replayedCommands = replayer.commands - start.commands;
  const replayMs = t2 - t1;
  return {
    engine: start.engine,
    deferred,
    seq: replayer.seq,
    commands: replayer.commands,
    digest: replayer.digest.value,
    stats: {
      checkpointSeq: start.seq > 0 ? start.seq : null,
      checkpointLoadMs: t1 - t0,
      checkpointsSkipped: skipped,
      replayMs,
      replayedRecords: replayer.seq - start.seq,
      replayedCommands,
      replayCommandsPerS: replayMs > 0 ? Math.round((replayedCommands / replayMs) * 1000) : 0,
      marksVerified: replayer.marks.verified,
      marksUnverifiable: replayer.marks.unverifiable,
      verifyMs,
      seqsSkipped: 0,
      totalMs: t3 - t0,
      warnings,
      phases,
    },
  };
}


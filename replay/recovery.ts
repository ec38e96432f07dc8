// Why this file exists: after a crash the exchange must come back in exactly the state that the
// durable log implies. Take the newest checkpoint that verifies (falling back to older ones, then
// to the beginning of the log), replay every later record, check the primary's marks on the way,
// and report how long each phase took.

import { Engine, type EngineOptions } from '../engine/index.js';
import type { WriteAheadLog } from '../wal/index.js';
import type { CheckpointStore } from './checkpoint-store.js';
import { Replayer } from './replayer.js';

/** Records read per synchronous batch during replay: small batches keep decoded records young (8192 read 3x slower). */
const REPLAY_BATCH_RECORDS = 1024;
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
  totalMs: number;
  warnings: string[];
}

export interface Recovered {
  engine: Engine;
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

export class RecoveryError extends Error {
  override readonly name = 'RecoveryError';
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
function newestUsableCheckpoint(
  store: CheckpointStore | null,
  unusable: (seq: number) => string | null,
  warn: (message: string) => void,
): { start: Start | null; skipped: number; verifyMs: number } {
  let skipped = 0;
  let verifyMs = 0;
  for (const seq of store?.list() ?? []) {
    try {
      const why = unusable(seq);
      if (why !== null) throw new Error(why);
      const checkpoint = store!.read(seq);
      const engine = Engine.restore(checkpoint.snapshot);
      const tv = performance.now();
      const hash = engine.stateHash();
      verifyMs += performance.now() - tv;
      if (hash !== checkpoint.header.stateHash) throw new Error('its state hash does not match its snapshot');
      return { start: { engine, seq, commands: checkpoint.header.commands, digest: checkpoint.header.digest }, skipped, verifyMs };
    } catch (error) {
      skipped++;
      warn(`recovery: skipping checkpoint ${seq}: ${(error as Error).message}`);
    }
  }
  return { start: null, skipped, verifyMs };
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
  const found = newestUsableCheckpoint(store, () => null, warn);
  if (found.start === null && found.skipped > 0) {
    throw new RecoveryError(`none of the ${found.skipped} checkpoints in ${store!.dir} verifies; nothing was deleted`);
  }
  const start = found.start ?? { engine: new Engine(engineOptions), seq: 0, commands: 0, digest: INITIAL_DIGEST };
  const totalMs = performance.now() - t0;
  return {
    engine: start.engine,
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
    },
  };
}

export function recover(
  wal: WriteAheadLog<Uint8Array>,
  store: CheckpointStore | null,
  engineOptions: EngineOptions,
  onWarning: (message: string) => void,
): Recovered {
  const t0 = performance.now();
  const { warnings, warn } = collector(onWarning);
  const found = newestUsableCheckpoint(
    store,
    (seq) => {
      if (seq > wal.lastSeq) {
        // Its log tail was lost ('async' mode on power loss). Once the log grows past `seq` again
        // with other commands, this state belongs to a history that never happened: delete it.
        store!.remove(seq);
        return `it is ahead of the log, which ends at ${wal.lastSeq}`;
      }
      if (seq + 1 < wal.firstSeq) return `the log no longer holds the records after it (first ${wal.firstSeq})`;
      return null;
    },
    warn,
  );
  const skipped = found.skipped;
  let verifyMs = found.verifyMs;
  let start = found.start;
  if (start === null) {
    if (wal.firstSeq > 1) {
      throw new RecoveryError(
        `no usable checkpoint and the log starts at ${wal.firstSeq}: records 1..${wal.firstSeq - 1} were reclaimed`,
      );
    }
    if (skipped > 0) warn('recovery: falling back to a full replay of the log');
    start = { engine: new Engine(engineOptions), seq: 0, commands: 0, digest: INITIAL_DIGEST };
  }
  const t1 = performance.now();

  const replayer = new Replayer(start.engine, start);
  // Bounded: each pass consumes at least one record or ends; the log is finite.
  if (wal.readBytes !== undefined) {
    // Straight from the stored chunks into the engine: no object per record.
    const visit = (seq: number, bytes: Uint8Array, from: number, to: number): void => void replayer.applyRecord(seq, bytes, from, to);
    while (wal.readBytes(replayer.seq + 1, REPLAY_BATCH_RECORDS, visit) > 0);
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
  if (last?.stateHash !== undefined && last.commands === replayer.commands && replayer.seq === replayer.lastMarkSeq) {
    const tv = performance.now();
    const hash = start.engine.stateHash();
    verifyMs += performance.now() - tv;
    if (hash !== last.stateHash) {
      throw new RecoveryError(`state hash after replay ${hash} differs from the close mark ${last.stateHash}`);
    }
    replayer.marks.verified++;
  }
  const t3 = performance.now();
  const replayedCommands = replayer.commands - start.commands;
  const replayMs = t2 - t1;
  return {
    engine: start.engine,
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
    },
  };
}


// Why this file exists: after a crash the exchange must come back in exactly the state that the
// durable log implies. Take the newest checkpoint that verifies (falling back to older ones, then
// to the beginning of the log), replay every later record, check the primary's marks on the way,
// and report how long each phase took.

import { Engine, type EngineOptions } from '../engine/index.js';
import type { WriteAheadLog } from '../wal/index.js';
import type { CheckpointStore } from './checkpoint-store.js';
import type { LogRecord } from './records.js';
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

export function recover(
  wal: WriteAheadLog<LogRecord>,
  store: CheckpointStore | null,
  engineOptions: EngineOptions,
  onWarning: (message: string) => void,
): Recovered {
  const t0 = performance.now();
  const warnings: string[] = [];
  const warn = (message: string): void => {
    warnings.push(message);
    onWarning(message);
  };
  let skipped = 0;
  let start: Start | null = null;
  let verifyMs = 0;
  for (const seq of store?.list() ?? []) {
    try {
      if (seq > wal.lastSeq) {
        // Its log tail was lost ('async' mode on power loss). Once the log grows past `seq` again
        // with other commands, this state belongs to a history that never happened: delete it.
        store!.remove(seq);
        throw new Error(`it is ahead of the log, which ends at ${wal.lastSeq}`);
      }
      if (seq + 1 < wal.firstSeq) throw new Error(`the log no longer holds the records after it (first ${wal.firstSeq})`);
      const checkpoint = store!.read(seq);
      const engine = Engine.restore(checkpoint.snapshot);
      const tv = performance.now();
      const hash = engine.stateHash();
      verifyMs += performance.now() - tv;
      if (hash !== checkpoint.header.stateHash) throw new Error('its state hash does not match its snapshot');
      start = { engine, seq, commands: checkpoint.header.commands, digest: checkpoint.header.digest };
      break;
    } catch (error) {
      skipped++;
      warn(`recovery: skipping checkpoint ${seq}: ${(error as Error).message}`);
    }
  }
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
  for (;;) {
    const records = wal.readBatch(replayer.seq + 1, REPLAY_BATCH_RECORDS);
    if (records.length === 0) break;
    for (const { seq, command } of records) replayer.apply(seq, command);
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
      totalMs: t3 - t0,
      warnings,
    },
  };
}


// Why this file exists: recovery never deletes or moves what it cannot prove obsolete, and in
// `sync` mode refuses to open a directory whose log cannot reach its newest valid checkpoint
// (replay/recovery.ts). `matchlog tidy` is the separate, explicit step for an operator who has
// looked and accepts the loss: without `--accept-loss` it only reports what is missing; with it,
// it moves the checkpoints beyond the log's end into checkpoints/ahead-of-log/ (kept, not deleted)
// so the directory opens from what the log holds. It takes the directory's lock like an exchange.

import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DirLock } from '../exchange/dir-lock.js';
import { CheckpointStore } from '../replay/checkpoint-store.js';
import { findLogBehindCheckpoint, setAsideCheckpointsAheadOfLog, type LogBehindCheckpoint } from '../replay/recovery.js';
import { Wal } from '../wal/index.js';
import { CliError, EXIT_USAGE, formatFields, toJson, type Output } from './common.js';

export interface TidyResult {
  /** The newest valid checkpoint beyond the log's end, or null when nothing is missing. */
  behind: LogBehindCheckpoint | null;
  /** Checkpoint files moved aside (empty unless --accept-loss). */
  moved: string[];
}

export async function runTidy(dir: string, options: { acceptLoss: boolean }): Promise<TidyResult> {
  if (!existsSync(join(dir, 'matchlog.json'))) throw new CliError(`${dir} is not a matchlog data directory (no matchlog.json)`, EXIT_USAGE);
  const lock = DirLock.acquire(dir);
  try {
    const walDir = join(dir, 'wal');
    let logLastSeq = 0;
    // A missing or empty log is the loss itself; opening one would create it: read 0 instead.
    if (existsSync(join(walDir, 'data.mdb')) && statSync(join(walDir, 'data.mdb')).size > 0) {
      const wal = await Wal.open({ path: walDir, durability: 'async' });
      try {
        logLastSeq = wal.lastSeq;
      } finally {
        await wal.close();
      }
    }
    const checkpointDir = join(dir, 'checkpoints');
    const store = existsSync(checkpointDir) ? new CheckpointStore(checkpointDir) : null;
    const behind = findLogBehindCheckpoint(logLastSeq, store);
    const moved = behind !== null && options.acceptLoss ? setAsideCheckpointsAheadOfLog(logLastSeq, store!) : [];
    return { behind, moved };
  } finally {
    lock.release();
  }
}

export function printTidy(result: TidyResult, output: Output, json: boolean): void {
  if (json) return output.out(toJson(result));
  const { behind } = result;
  if (behind === null) return output.out('nothing missing: the log reaches the newest valid checkpoint');
  output.out(
    formatFields([
      ['log ends at', String(behind.logLastSeq)],
      ['newest valid checkpoint', String(behind.checkpointSeq)],
      ['missing records', `${behind.missing.from}..${behind.missing.to}`],
      ['moved aside', result.moved.length === 0 ? 'nothing (pass --accept-loss to move them)' : result.moved.join(', ')],
    ]),
  );
}

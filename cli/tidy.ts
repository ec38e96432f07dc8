// Why this file exists: the read-only commands never change a file, so an operator who has read
// what `verify` and `inspect` say, and accepts a loss, needs one explicit command that clears what
// recovery can never use: checkpoints beyond the log's end (their history is gone from the log; in
// a sync directory setting them aside accepts that loss), checkpoints that fail their checksum, and
// temporary files left by a checkpoint write that crashed. Without `--accept-loss` it only lists
// them (and exits 1 when there is anything to list); with it, it moves them into subfolders of
// checkpoints/ (ahead-of-log/, invalid/) where recovery no longer looks. Nothing is ever deleted.

import { mkdirSync, readdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { fsyncDirectory } from '../replay/index.js';
import {
  beyondLogMessage,
  checkpointsBeyondLog,
  formatFields,
  openCheckpoints,
  openLog,
  toJson,
  withDataDir,
  type Output,
} from './common.js';
import { checkpointReason } from './inspect.js';

/** The suffix CheckpointStore gives a checkpoint while it is being written. */
const TEMP_SUFFIX = '.tmp';
/** Where checkpoints beyond the log's end are set aside (inside checkpoints/). */
export const AHEAD_OF_LOG_FOLDER = 'ahead-of-log';
/** Where invalid checkpoints and unfinished writes are set aside (inside checkpoints/). */
export const INVALID_FOLDER = 'invalid';

export interface TidyItem {
  /** Path relative to the data directory. */
  file: string;
  reason: string;
  /** Where it goes (relative to the data directory) when the loss is accepted. */
  to: string;
}

export interface TidyResult {
  dir: string;
  /** True when the files were moved aside (`--accept-loss`); false for the listing. */
  moved: boolean;
  items: TidyItem[];
}

export interface TidyOptions {
  /** Move the listed files aside; without it nothing is touched. */
  acceptLoss?: boolean;
}

export async function runTidy(dir: string, options: TidyOptions = {}): Promise<TidyResult> {
  const accept = options.acceptLoss === true;
  return withDataDir(dir, async (data) => {
    const store = openCheckpoints(data);
    const items: TidyItem[] = [];
    if (store === null) return { dir, moved: accept, items };
    let beyond: number[] = [];
    let lastSeq = 0;
    if (data.hasLog) {
      const wal = await openLog(data);
      try {
        lastSeq = wal.lastSeq;
        beyond = checkpointsBeyondLog(store, lastSeq);
      } finally {
        await wal.close();
      }
    }
    const checkpoints = (folder: string, name: string): string => join('checkpoints', folder, name);
    const name = (seq: number): string => `checkpoint-${String(seq).padStart(16, '0')}.bin`;
    for (const seq of store.list().sort((a, b) => a - b)) {
      if (beyond.includes(seq)) {
        items.push({ file: checkpoints('', name(seq)), reason: beyondLogMessage(seq, lastSeq), to: checkpoints(AHEAD_OF_LOG_FOLDER, name(seq)) });
        continue;
      }
      try {
        store.read(seq);
      } catch (error) {
        items.push({ file: checkpoints('', name(seq)), reason: `invalid: ${checkpointReason(error)}`, to: checkpoints(INVALID_FOLDER, name(seq)) });
      }
    }
    for (const file of readdirSync(data.checkpointDir).sort()) {
      if (file.endsWith(TEMP_SUFFIX)) {
        items.push({ file: checkpoints('', file), reason: 'left by a checkpoint write that did not finish', to: checkpoints(INVALID_FOLDER, file) });
      }
    }
    if (accept && items.length > 0) {
      for (const folder of [AHEAD_OF_LOG_FOLDER, INVALID_FOLDER]) mkdirSync(join(data.checkpointDir, folder), { recursive: true });
      for (const item of items) renameSync(join(dir, item.file), join(dir, item.to));
      for (const folder of [AHEAD_OF_LOG_FOLDER, INVALID_FOLDER]) fsyncDirectory(join(data.checkpointDir, folder));
      fsyncDirectory(data.checkpointDir);
    }
    return { dir, moved: accept, items };
  });
}

export function formatTidy(result: TidyResult): string {
  if (result.items.length === 0) return `tidy ${result.dir}: nothing to set aside\n`;
  const verb = result.moved ? 'moved aside' : 'would move aside';
  const lines = [
    `tidy ${result.dir}: ${verb} ${result.items.length} file(s)`,
    formatFields(result.items.map((item) => [item.file, `${item.reason} → ${item.to}`])),
  ];
  if (!result.moved) lines.push('', 'nothing was changed; run again with --accept-loss to move these files aside (nothing is deleted)');
  return `${lines.join('\n')}\n`;
}

export function printTidy(result: TidyResult, output: Output, json: boolean): void {
  output.out(json ? toJson(result) : formatTidy(result));
}

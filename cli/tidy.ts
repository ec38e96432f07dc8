// Why this file exists: the read-only commands never delete, so an operator who has read what
// `verify` and `inspect` say, and accepts a loss, needs one explicit command that removes the
// files recovery can never use: checkpoints that fail their checksum, checkpoints beyond the log's
// end (their history is gone from the log; in a sync directory removing them accepts that loss),
// and temporary files left by a checkpoint write that crashed. Without `--yes` it only lists them.

import { readdirSync, rmSync } from 'node:fs';
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

export interface TidyItem {
  /** Path relative to the data directory. */
  file: string;
  reason: string;
}

export interface TidyResult {
  dir: string;
  /** True when the files were removed (`--yes`); false for the listing. */
  removed: boolean;
  items: TidyItem[];
}

export interface TidyOptions {
  /** Remove the files; without it nothing is touched. */
  yes?: boolean;
}

export async function runTidy(dir: string, options: TidyOptions = {}): Promise<TidyResult> {
  return withDataDir(dir, async (data) => {
    const store = openCheckpoints(data);
    const items: TidyItem[] = [];
    if (store === null) return { dir, removed: options.yes === true, items };
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
    const name = (seq: number): string => `checkpoint-${String(seq).padStart(16, '0')}.bin`;
    for (const seq of store.list().sort((a, b) => a - b)) {
      if (beyond.includes(seq)) {
        items.push({ file: join('checkpoints', name(seq)), reason: beyondLogMessage(seq, lastSeq) });
        continue;
      }
      try {
        store.read(seq);
      } catch (error) {
        items.push({ file: join('checkpoints', name(seq)), reason: `invalid: ${checkpointReason(error)}` });
      }
    }
    for (const file of readdirSync(data.checkpointDir).sort()) {
      if (file.endsWith(TEMP_SUFFIX)) items.push({ file: join('checkpoints', file), reason: 'left by a checkpoint write that did not finish' });
    }
    if (options.yes === true && items.length > 0) {
      for (const item of items) rmSync(join(dir, item.file), { force: true });
      fsyncDirectory(data.checkpointDir);
    }
    return { dir, removed: options.yes === true, items };
  });
}

export function formatTidy(result: TidyResult): string {
  if (result.items.length === 0) return `tidy ${result.dir}: nothing to remove\n`;
  const verb = result.removed ? 'removed' : 'would remove';
  const lines = [
    `tidy ${result.dir}: ${verb} ${result.items.length} file(s)`,
    formatFields(result.items.map((item) => [item.file, item.reason])),
  ];
  if (!result.removed) lines.push('', 'nothing was removed; run again with --yes to remove these files');
  return `${lines.join('\n')}\n`;
}

export function printTidy(result: TidyResult, output: Output, json: boolean): void {
  output.out(json ? toJson(result) : formatTidy(result));
}

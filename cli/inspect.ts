// Why this file exists: `matchlog inspect --dir` is the quick look an operator takes before
// trusting or copying a data directory: which records the log still holds, which checkpoints
// exist and whether each one passes its checksum and can be continued by the log, how much disk
// each part takes, and the instruments the directory was created with. It reads; it replays
// nothing (that is `verify`). A checkpoints-only ('memory') directory has no log: its checkpoints
// are listed, and the newest valid one is where a restart would begin.

import Table from 'cli-table3';
import type { InstrumentSpec } from '../engine/index.js';
import {
  directorySize,
  formatBytes,
  formatCount,
  formatFields,
  messageOf,
  openCheckpoints,
  openLog,
  toJson,
  withDataDir,
  type DataDir,
  type DirectorySize,
  type Output,
} from './common.js';

export interface CheckpointEntry {
  seq: number;
  bytes: number;
  /** The file passes its checksum and its header is readable and consistent. */
  valid: boolean;
  /** Why it is not valid (null when valid). */
  invalidReason: string | null;
  commands: number | null;
  stateHash: string | null;
  /** When the backup thread wrote it (ISO 8601, information only). */
  writtenAt: string | null;
  /** Recovery could start from it: valid, not ahead of the log, and the log holds every later record. */
  usable: boolean;
  unusableReason: string | null;
}

export interface InspectResult {
  dir: string;
  config: { format: number; maxOrders: number; instruments: InstrumentSpec[] };
  /** Null for a checkpoints-only ('memory') directory. */
  log: { firstSeq: number; lastSeq: number; records: number } | null;
  /** Newest first. */
  checkpoints: CheckpointEntry[];
  /** Where recovery would start: the newest usable checkpoint, or null (replay from 1, or nothing usable). */
  recoveryStart: { kind: 'checkpoint'; seq: number } | { kind: 'log-start' } | { kind: 'none'; reason: string };
  sizes: { wal: DirectorySize; checkpoints: DirectorySize; total: DirectorySize };
}

export async function runInspect(dir: string): Promise<InspectResult> {
  return withDataDir(dir, (data) => inspectHeld(dir, data));
}

async function inspectHeld(dir: string, data: DataDir): Promise<InspectResult> {
  // A checkpoints-only directory: every checkpoint can be continued (there is no log to reach).
  let firstSeq = 1;
  let lastSeq = Number.MAX_SAFE_INTEGER;
  if (data.hasLog) {
    const wal = await openLog(data);
    try {
      firstSeq = wal.firstSeq;
      lastSeq = wal.lastSeq;
    } finally {
      await wal.close();
    }
  }
  const store = openCheckpoints(data);
  const checkpoints: CheckpointEntry[] = [];
  for (const { seq, bytes } of store?.sizes() ?? []) {
    const entry: CheckpointEntry = {
      seq,
      bytes,
      valid: false,
      invalidReason: null,
      commands: null,
      stateHash: null,
      writtenAt: null,
      usable: false,
      unusableReason: null,
    };
    try {
      const { header } = store!.read(seq);
      entry.valid = true;
      entry.commands = header.commands;
      entry.stateHash = header.stateHash;
      entry.writtenAt = Number.isFinite(header.writtenAtMs) ? new Date(header.writtenAtMs).toISOString() : null;
    } catch (error) {
      entry.invalidReason = checkpointReason(error);
    }
    entry.unusableReason = !entry.valid ? 'invalid' : continuationProblem(seq, firstSeq, lastSeq);
    entry.usable = entry.unusableReason === null;
    checkpoints.push(entry);
  }
  const newest = checkpoints.find((c) => c.usable);
  const recoveryStart: InspectResult['recoveryStart'] =
    newest !== undefined
      ? { kind: 'checkpoint', seq: newest.seq }
      : !data.hasLog
        ? checkpoints.length === 0
          ? { kind: 'log-start' }
          : { kind: 'none', reason: `none of the ${checkpoints.length} checkpoints is valid (no log to fall back on)` }
        : firstSeq === 1
          ? { kind: 'log-start' }
          : { kind: 'none', reason: `no usable checkpoint and records 1..${firstSeq - 1} were reclaimed` };
  const walSize = directorySize(data.walDir);
  const checkpointSize = directorySize(data.checkpointDir);
  return {
    dir,
    config: { format: data.config.format, maxOrders: data.config.maxOrders, instruments: data.config.instruments },
    log: data.hasLog ? { firstSeq, lastSeq, records: Math.max(0, lastSeq - firstSeq + 1) } : null,
    checkpoints,
    recoveryStart,
    sizes: {
      wal: walSize,
      checkpoints: checkpointSize,
      total: {
        bytes: walSize.bytes + checkpointSize.bytes,
        diskBytes: walSize.diskBytes + checkpointSize.diskBytes,
        files: walSize.files + checkpointSize.files,
      },
    },
  };
}

/** Why the log cannot continue a checkpoint at `seq` (same rule as replay/recovery.ts), or null. */
export function continuationProblem(seq: number, firstSeq: number, lastSeq: number): string | null {
  if (seq > lastSeq) return `ahead of the log, which ends at ${lastSeq}`;
  if (seq + 1 < firstSeq) return `the log no longer holds the records after it (first ${firstSeq})`;
  return null;
}

/** The short reason of a CheckpointStore.read failure ("checksum mismatch", not the whole path). */
export function checkpointReason(error: unknown): string {
  const message = messageOf(error);
  const match = /is unusable: (.*)$/.exec(message);
  return match !== null ? match[1] : message;
}

export function formatInspect(result: InspectResult): string {
  const { log, sizes } = result;
  const start = result.recoveryStart;
  const lines = [
    `data directory ${result.dir}`,
    formatFields([
      [
        'log range',
        log === null
          ? 'no log (checkpoints-only directory, durability memory)'
          : log.records > 0
            ? `${formatCount(log.firstSeq)}..${formatCount(log.lastSeq)}`
            : `empty (next seq ${formatCount(log.lastSeq + 1)})`,
      ],
      ['records', log === null ? '-' : formatCount(log.records)],
      ['checkpoints', `${result.checkpoints.length} (${result.checkpoints.filter((c) => c.valid).length} valid)`],
      [
        'recovery start',
        start.kind === 'checkpoint'
          ? `checkpoint at seq ${formatCount(start.seq)}`
          : start.kind === 'log-start'
            ? log === null
              ? 'an empty exchange (no checkpoint yet)'
              : 'the start of the log'
            : `none: ${start.reason}`,
      ],
      ['wal size', sizeText(sizes.wal)],
      ['checkpoints size', sizeText(sizes.checkpoints)],
      ['max orders', formatCount(result.config.maxOrders)],
    ]),
  ];
  if (result.checkpoints.length > 0) {
    const table = new Table({
      head: ['seq', 'commands', 'bytes', 'written at', 'status'],
      colAligns: ['right', 'right', 'right', 'left', 'left'],
      style: { head: [], border: [] },
    });
    for (const c of result.checkpoints) {
      const status = !c.valid ? `INVALID: ${c.invalidReason}` : c.usable ? 'valid' : `valid, not usable: ${c.unusableReason}`;
      table.push([formatCount(c.seq), c.commands === null ? '-' : formatCount(c.commands), formatCount(c.bytes), c.writtenAt ?? '-', status]);
    }
    lines.push('', 'checkpoints', table.toString());
  }
  const instruments = new Table({
    head: ['instrument', 'tick', 'lot', 'min price', 'max price', 'max qty'],
    colAligns: ['left', 'right', 'right', 'right', 'right', 'right'],
    style: { head: [], border: [] },
  });
  for (const s of result.config.instruments) {
    instruments.push([s.symbol, String(s.tickSize), String(s.lotSize), String(s.minPrice), String(s.maxPrice), s.maxQty === undefined ? 'default' : String(s.maxQty)]);
  }
  lines.push('', 'instruments', instruments.toString());
  return `${lines.join('\n')}\n`;
}

function sizeText(size: DirectorySize): string {
  return `${formatBytes(size.bytes)} in ${size.files} file(s), ${formatBytes(size.diskBytes)} on disk`;
}

export function printInspect(result: InspectResult, output: Output, json: boolean): void {
  output.out(json ? toJson(result) : formatInspect(result));
}

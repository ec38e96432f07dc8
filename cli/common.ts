// Why this file exists: the subcommands open a data directory the same way — check it is a
// matchlog directory before anything could create files in it, take its lock so no live exchange
// writes it while we read (and none can start meanwhile), read the stored configuration, open the
// log and the checkpoint store without writing — and map every failure to one exit code and one
// line of text. Keeping that here makes `recover`, `inspect`, `verify` and `tidy` agree on what
// "usage error", "in use" and "corruption" mean. Only `tidy --accept-loss` changes files (it moves
// them aside; nothing deletes).
import { existsSync, lstatSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { EngineOptions } from '../engine/index.js';
import { DirLock, ExchangeLockedError, readStoredConfig, type StoredConfig } from '../exchange/index.js';
import { CheckpointStore } from '../replay/index.js';
import { Wal, type WriteAheadLog } from '../wal/index.js';
import type { ProgressStream } from './progress.js';

export const EXIT_OK = 0;
/** Verification failed, or the data is corrupt or unreadable. */
export const EXIT_FAILURE = 1;
/** Bad arguments, or a directory that is not a matchlog data directory. */
export const EXIT_USAGE = 2;
/** The directory is held by a live exchange (its LOCK belongs to a running process). */
export const EXIT_LOCKED = 3;

/** An error the CLI reports as one line, with the exit code it implies. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

/** Where the commands write: stdout for results, stderr for diagnostics and progress bars. */
export interface Output {
  out(text: string): void;
  err(text: string): void;
  /** The terminal stream progress bars are drawn on (stderr), or null/absent for none. */
  progress?: ProgressStream | null;
}

export const PROCESS_OUTPUT: Output = {
  out: (text) => void process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  err: (text) => void process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
  progress: process.stderr,
};

export interface DataDir {
  dir: string;
  /** False for a checkpoints-only ('memory' durability) directory: no log to open. */
  hasLog: boolean;
  walDir: string;
  checkpointDir: string;
  config: StoredConfig;
  engineOptions: EngineOptions;
}

/**
 * Checks that `dir` is a matchlog data directory (stored configuration, and an LMDB log unless it
 * is a checkpoints-only 'memory' directory) without creating anything in it, and reads its
 * configuration.
 */
export function locateDataDir(dir: string): DataDir {
  if (!existsSync(dir)) throw new CliError(`no such directory: ${dir}`, EXIT_USAGE);
  if (!statSync(dir).isDirectory()) throw new CliError(`not a directory: ${dir}`, EXIT_USAGE);
  let config: StoredConfig | null;
  try {
    config = readStoredConfig(dir);
  } catch (error) {
    throw new CliError(`cannot read ${join(dir, 'matchlog.json')}: ${messageOf(error)}`, EXIT_FAILURE);
  }
  if (config === null) throw new CliError(`${dir} is not a matchlog data directory (no matchlog.json)`, EXIT_USAGE);
  if (!Array.isArray(config.instruments)) {
    throw new CliError(`${join(dir, 'matchlog.json')} has no instruments list`, EXIT_FAILURE);
  }
  const walDir = join(dir, 'wal');
  const hasLog = config.log ?? true;
  // Opening a log where none exists would create an empty one: refuse instead.
  if (hasLog && !existsSync(join(walDir, 'data.mdb'))) {
    throw new CliError(`${dir} has no write-ahead log (${join(walDir, 'data.mdb')} is missing)`, EXIT_FAILURE);
  }
  // LMDB would initialise an empty file as a fresh log: the evidence of a lost log would go.
  if (hasLog && statSync(join(walDir, 'data.mdb')).size === 0) {
    throw new CliError(`${dir} has an empty write-ahead log (${join(walDir, 'data.mdb')} is 0 bytes)`, EXIT_FAILURE);
  }
  return {
    dir,
    hasLog,
    walDir,
    checkpointDir: join(dir, 'checkpoints'),
    config,
    // The configuration at seq 0; instruments added at run time come from the log and checkpoints.
    engineOptions: {
      instruments: config.instruments,
      maxOrders: config.maxOrders,
      ...(config.instrumentsMax === undefined ? {} : { instrumentsMax: config.instrumentsMax }),
    },
  };
}

/**
 * Opens the log for reading. The durability mode only matters for appends, which the CLI never
 * makes; 'async' avoids the synchronous meta flush. Note: lmdb-js creates its lock file, and the
 * log drops empty segments left by a crash during segment creation (the one write an open does).
 */
export async function openLog(data: DataDir): Promise<WriteAheadLog<Uint8Array>> {
  // Log format 2 (binary command records); an older log is refused with WalFormatError.
  return Wal.open<Uint8Array>({ path: data.walDir, durability: 'async', records: 'bytes' });
}

/**
 * Takes the directory's lock for as long as a command reads it, so a live exchange cannot write
 * what we are reading and none can open the directory meanwhile. A lock held by a live process is
 * a refusal naming its pid (EXIT_LOCKED); the caller releases the lock when done.
 */
export function holdDirectory(dir: string): DirLock {
  try {
    return DirLock.acquire(dir);
  } catch (error) {
    if (error instanceof ExchangeLockedError) {
      throw new CliError(`refusing to read a directory a live exchange holds: ${error.message}; stop it first`, EXIT_LOCKED);
    }
    throw error;
  }
}

/** Runs `body` on the located data directory while holding its lock. */
export async function withDataDir<T>(dir: string, body: (data: DataDir) => Promise<T>): Promise<T> {
  const data = locateDataDir(dir);
  const lock = holdDirectory(dir);
  try {
    return await body(data);
  } finally {
    lock.release();
  }
}

/**
 * The checkpoint store as the read-only commands see it: it lists and reads. Recovery deletes
 * nothing and, called with `onLogBehind: 'skip'`, moves nothing; writing, pruning or setting a
 * checkpoint aside through it is a programming error.
 */
export class ReadOnlyCheckpointStore extends CheckpointStore {
  override setAside(): string {
    throw new Error('the matchlog CLI never moves checkpoints (see `matchlog tidy`)');
  }

  override write(): number {
    throw new Error('the matchlog CLI never writes checkpoints');
  }

  override prune(): void {
    throw new Error('the matchlog CLI never prunes checkpoints (see `matchlog tidy`)');
  }
}

/** The checkpoint store, or null when the directory has none (never creates the folder). */
export function openCheckpoints(data: DataDir): ReadOnlyCheckpointStore | null {
  return existsSync(data.checkpointDir) ? new ReadOnlyCheckpointStore(data.checkpointDir) : null;
}

/** Checkpoints beyond the log's end: in a `sync` directory, the log lost what they cover. */
export function checkpointsBeyondLog(store: CheckpointStore | null, lastSeq: number): number[] {
  return (store?.list() ?? []).filter((seq) => seq > lastSeq).sort((a, b) => a - b);
}

/** What a checkpoint beyond the log's end means, in one sentence. */
export function beyondLogMessage(seq: number, lastSeq: number): string {
  return (
    `checkpoint ${seq} lies beyond the log's end (${lastSeq}): records ${lastSeq + 1}..${seq} are missing from the log ` +
    `(in a sync directory acknowledged data was lost; after a power loss in async mode, \`matchlog tidy --accept-loss\` sets them aside)`
  );
}

export interface DirectorySize {
  /** Sum of the files' lengths. */
  bytes: number;
  /** Bytes the files occupy on disk (LMDB files can be sparse). */
  diskBytes: number;
  files: number;
}

/** Size of everything under `path` (0 when it does not exist). Symbolic links are not followed. */
export function directorySize(path: string): DirectorySize {
  const total: DirectorySize = { bytes: 0, diskBytes: 0, files: 0 };
  if (!existsSync(path)) return total;
  const pending = [path];
  // Bounded by the number of entries under `path`.
  for (let current = pending.pop(); current !== undefined; current = pending.pop()) {
    const stat = lstatSync(current);
    if (stat.isDirectory()) {
      for (const name of readdirSync(current)) pending.push(join(current, name));
    } else if (stat.isFile()) {
      total.bytes += stat.size;
      total.diskBytes += stat.blocks * 512;
      total.files++;
    }
  }
  return total;
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The exit code an error implies: usage errors 2, everything about the data 1. */
export function exitCodeOf(error: unknown): number {
  if (error instanceof CliError) return error.exitCode;
  return EXIT_FAILURE;
}

// --- formatting -------------------------------------------------------------------------------

export function formatCount(value: number): string {
  return value.toLocaleString('en-US');
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  // Bounded by the number of units.
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

export function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`;
}

export function formatPrice(price: number | null): string {
  return price === null ? '-' : String(price);
}

/** Lines of "label  value" with the labels padded to one width. */
export function formatFields(fields: Array<[string, string]>): string {
  const width = Math.max(...fields.map(([label]) => label.length));
  return fields.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`).join('\n');
}

/** Results as JSON, with a trailing newline. */
export function toJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

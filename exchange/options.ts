// Why this file exists: every knob of the durable exchange, validated up front with exact
// messages (piscina/p-queue style) and filled from one frozen defaults object, so a
// misconfiguration fails at open() instead of as a stalled queue or a lost checkpoint later.

import type { InstrumentSpec } from '../engine/index.js';
import type { Durability } from '../wal/index.js';

export type OnFull = 'wait' | 'reject';

/**
 * How checkpoints are taken. 'backup' (default): by the backup thread from its replica, while
 * matching goes on. 'pause': stop-the-world on the caller's thread — nothing is admitted or
 * acknowledged while the acknowledged state is snapshotted, hashed and written; it exists to
 * measure what the backup thread saves (the report's warm snapshot), not for production.
 */
export type CheckpointMode = 'backup' | 'pause';

export interface ExchangeOptions {
  /**
   * Data directory: the log, checkpoints and the stored configuration. Optional for 'memory':
   * with it, a memory exchange writes checkpoints (no log) and restarts from the newest one,
   * losing what was acknowledged after it; without it, nothing survives a restart.
   */
  dir?: string;
  /** Required when the directory is new; when reopening, omitted or equal to the stored set. */
  instruments?: InstrumentSpec[];
  /** 'sync' (default): acknowledged = flushed to disk. 'async': committed. 'memory': no log. */
  durability?: Durability;
  /** Matching worker threads; instruments are sharded over them round-robin. */
  workers?: number;
  /** Live orders across all instruments (engine limit). */
  maxOrders?: number;
  /** Commands accepted but not yet acknowledged; the bounded queue in front of matching. */
  maxPending?: number;
  /** When the queue is full: 'wait' for room (in order) or 'reject' with QUEUE_FULL. */
  onFull?: OnFull;
  /** Submits allowed to wait for room; past this they are rejected with QUEUE_FULL. */
  maxWaiting?: number;
  /** Most commands sent to a worker in one batch. */
  batchMax?: number;
  /** Commands between event-digest marks written into the log. */
  markEvery?: number;
  /** Who takes checkpoints: the backup thread ('backup') or the caller's thread, pausing ('pause'). */
  checkpointMode?: CheckpointMode;
  /** Commands between checkpoints. */
  checkpointEvery?: number;
  /** Longest time between checkpoints while commands arrive. */
  checkpointIntervalMs?: number;
  /** Checkpoints kept on disk (the log is kept back to the oldest of them). */
  checkpointsKept?: number;
  /** Events buffered per `events()` subscriber before it fails with an overflow error. */
  eventsBacklogMax?: number;
  /** LMDB map size of the write-ahead log. */
  walMapSizeBytes?: number;
  /** Called with recovery and backup warnings (default: process.emitWarning). */
  onWarning?: (message: string) => void;
}

export const EXCHANGE_DEFAULTS = Object.freeze({
  durability: 'sync' as Durability,
  workers: 1,
  maxOrders: 4_194_304,
  // 262,144 let garbage collection take over when the exchange fell behind (issue 9); 65,536 kept
  // the throughput of a same-run probe (4,096 / 16,384 / 65,536 / 262,143) and bounds what a stall holds.
  maxPending: 65_536,
  onFull: 'wait' as OnFull,
  maxWaiting: 1_048_576,
  batchMax: 8_192,
  markEvery: 100_000,
  checkpointMode: 'backup' as CheckpointMode,
  checkpointEvery: 1_000_000,
  checkpointIntervalMs: 60_000,
  checkpointsKept: 3,
  eventsBacklogMax: 1_000_000,
  walMapSizeBytes: 64 * 1024 ** 3,
});

export const WORKERS_MAX = 64;

export interface ResolvedExchangeOptions {
  dir: string | null;
  instruments: InstrumentSpec[] | null;
  durability: Durability;
  workers: number;
  maxOrders: number;
  maxPending: number;
  onFull: OnFull;
  maxWaiting: number;
  batchMax: number;
  markEvery: number;
  checkpointMode: CheckpointMode;
  checkpointEvery: number;
  checkpointIntervalMs: number;
  checkpointsKept: number;
  eventsBacklogMax: number;
  walMapSizeBytes: number;
  onWarning: (message: string) => void;
}

export class ExchangeOptionsError extends Error {
  override readonly name = 'ExchangeOptionsError';
}

function integerOption(options: ExchangeOptions, key: keyof typeof EXCHANGE_DEFAULTS, min: number, max: number): number {
  const value = (options as Record<string, unknown>)[key] ?? EXCHANGE_DEFAULTS[key];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new ExchangeOptionsError(`${key} must be an integer from ${min} to ${max}`);
  }
  return value;
}

function defaultWarning(message: string): void {
  process.emitWarning(message, { type: 'MatchlogWarning' });
}

export function resolveExchangeOptions(options: ExchangeOptions): ResolvedExchangeOptions {
  if (typeof options !== 'object' || options === null) throw new ExchangeOptionsError('options must be an object');
  const durability = options.durability ?? EXCHANGE_DEFAULTS.durability;
  if (durability !== 'sync' && durability !== 'async' && durability !== 'memory') {
    throw new ExchangeOptionsError('durability must be one of sync, async, memory');
  }
  const dir = options.dir ?? null;
  if (dir !== null && (typeof dir !== 'string' || dir.length === 0)) {
    throw new ExchangeOptionsError('dir must be a non-empty string');
  }
  if (dir === null && durability !== 'memory') {
    throw new ExchangeOptionsError('dir is required unless durability is memory');
  }
  const instruments = options.instruments ?? null;
  if (instruments !== null && !Array.isArray(instruments)) {
    throw new ExchangeOptionsError('instruments must be an array');
  }
  const onFull = options.onFull ?? EXCHANGE_DEFAULTS.onFull;
  if (onFull !== 'wait' && onFull !== 'reject') throw new ExchangeOptionsError('onFull must be wait or reject');
  const checkpointMode = options.checkpointMode ?? EXCHANGE_DEFAULTS.checkpointMode;
  if (checkpointMode !== 'backup' && checkpointMode !== 'pause') {
    throw new ExchangeOptionsError('checkpointMode must be backup or pause');
  }
  const onWarning = options.onWarning ?? defaultWarning;
  if (typeof onWarning !== 'function') throw new ExchangeOptionsError('onWarning must be a function');
  return {
    dir,
    instruments,
    durability,
    workers: integerOption(options, 'workers', 1, WORKERS_MAX),
    maxOrders: integerOption(options, 'maxOrders', 1, 2 ** 30),
    maxPending: integerOption(options, 'maxPending', 1, 2 ** 24),
    onFull,
    maxWaiting: integerOption(options, 'maxWaiting', 0, 2 ** 26),
    batchMax: integerOption(options, 'batchMax', 1, 65_536),
    markEvery: integerOption(options, 'markEvery', 1, 2 ** 40),
    checkpointMode,
    checkpointEvery: integerOption(options, 'checkpointEvery', 1, 2 ** 40),
    checkpointIntervalMs: integerOption(options, 'checkpointIntervalMs', 1, 2 ** 31 - 1),
    checkpointsKept: integerOption(options, 'checkpointsKept', 1, 100),
    eventsBacklogMax: integerOption(options, 'eventsBacklogMax', 1, 2 ** 30),
    walMapSizeBytes: integerOption(options, 'walMapSizeBytes', 1024 * 1024, 2 ** 44),
    onWarning,
  };
}

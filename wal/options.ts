// Why this file exists: every limit of the log is an explicit, validated number, checked once when the
// log is opened, so a bad configuration fails at start-up with an exact message instead
// of misbehaving under load. WAL_DEFAULTS names every option, so callers can see (and
// tests can pin) what they get when they pass nothing.

import type { Durability } from './types.js';
import { WalOptionsError } from './errors.js';

export interface WalOptions {
  /** Directory of the LMDB environment (created if missing). Ignored for 'memory'. */
  path?: string;
  /** 'sync' (flushed to disk), 'async' (committed), 'memory' (no disk). */
  durability?: Durability;
  /**
   * Capacity of the log in bytes. Appends that would make the live records (plus a
   * reserve for LMDB's own pages) exceed it throw WalFullError. Also the LMDB map size,
   * so the map never has to be resized while appending.
   */
  mapSize?: number;
  /** Records per segment; reclaim frees whole segments. */
  segmentRecords?: number;
  /** Live segments at most (LMDB named databases); one more throws WalFullError. */
  segmentsMax?: number;
  /** Bytes of one stored chunk (many records framed in one LMDB value). */
  chunkBytesMax?: number;
  /** Bytes of one encoded record payload at most. */
  recordBytesMax?: number;
  /** Bytes appended but not yet committed at most; more throws WalOverloadError. */
  queueBytesMax?: number;
  /**
   * Sequence number of the first record of a new 'memory' log. A memory-durability exchange
   * restarted from a checkpoint at seq S opens its log at S + 1 so numbering never goes back.
   * Only 'memory': an LMDB log continues its own numbering.
   */
  startSeq?: number;
  /**
   * Milliseconds a batch may wait to become durable (committed; in 'sync' also flushed) without
   * lmdb-js's writer making progress (a newer transaction written or flushed in data.mdb) before
   * the log fails with WalIoError. lmdb-js 3.5.6 reports a failed
   * fsync only on its console and settles neither the commit nor the flush (measured with an
   * injected EIO/ENOSPC): without this bound every submit would hang for ever.
   */
  commitMsMax?: number;
  /**
   * What a record is: 'msgpack' (any value, serialized by the log; log format 1) or 'bytes'
   * (a Uint8Array the caller encoded, stored and read back as is; log format 2). A log keeps
   * the format it was created with: opening it as the other throws WalFormatError.
   */
  records?: WalRecordFormat;
}

export type WalRecordFormat = 'msgpack' | 'bytes';

export type WalResolvedOptions = Required<WalOptions>;

export const WAL_DEFAULTS: Readonly<WalResolvedOptions> = Object.freeze({
  path: 'data/wal',
  durability: 'sync',
  mapSize: 64 * 2 ** 30,
  segmentRecords: 65_536,
  segmentsMax: 4_096,
  chunkBytesMax: 32 * 1024,
  recordBytesMax: 1024 * 1024,
  queueBytesMax: 256 * 1024 * 1024,
  startSeq: 1,
  commitMsMax: 5_000,
  records: 'msgpack',
} satisfies WalResolvedOptions);

/** Bounds of every numeric option, inclusive. */
export const WAL_LIMITS = Object.freeze({
  mapSize: { min: 1024 * 1024, max: 2 ** 47 },
  segmentRecords: { min: 1, max: 2 ** 30 },
  segmentsMax: { min: 1, max: 10_000 },
  chunkBytesMax: { min: 4096, max: 16 * 1024 * 1024 },
  // 24-bit length field in the frame header.
  recordBytesMax: { min: 1, max: 2 ** 24 - 1 },
  queueBytesMax: { min: 1024 * 1024, max: 2 ** 32 },
  startSeq: { min: 1, max: Number.MAX_SAFE_INTEGER },
  commitMsMax: { min: 1, max: 3_600_000 },
});

const DURABILITIES: readonly Durability[] = ['sync', 'async', 'memory'];
const RECORD_FORMATS: readonly WalRecordFormat[] = ['msgpack', 'bytes'];
const OPTION_NAMES = Object.keys(WAL_DEFAULTS);

function describe(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}

function check_integer(name: keyof typeof WAL_LIMITS, value: unknown): number {
  const { min, max } = WAL_LIMITS[name];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new WalOptionsError(`options.${name} must be an integer from ${min} to ${max} (got ${describe(value)})`);
  }
  return value;
}

/** Fill defaults and validate; throws WalOptionsError with an exact message. */
export function resolve_options(options: unknown): WalResolvedOptions {
  if (options === undefined) options = {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new WalOptionsError(`options must be an object (got ${describe(options)})`);
  }
  const given = options as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (!OPTION_NAMES.includes(key)) {
      throw new WalOptionsError(`unknown option '${key}' (known: ${OPTION_NAMES.join(', ')})`);
    }
  }
  const pick = (key: keyof WalResolvedOptions): unknown => (given[key] === undefined ? WAL_DEFAULTS[key] : given[key]);

  const path = pick('path');
  if (typeof path !== 'string' || path.length === 0) {
    throw new WalOptionsError(`options.path must be a non-empty string (got ${describe(path)})`);
  }
  const durability = pick('durability');
  if (typeof durability !== 'string' || !DURABILITIES.includes(durability as Durability)) {
    throw new WalOptionsError(`options.durability must be one of 'sync', 'async', 'memory' (got ${describe(durability)})`);
  }
  const records = pick('records');
  if (typeof records !== 'string' || !RECORD_FORMATS.includes(records as WalRecordFormat)) {
    throw new WalOptionsError(`options.records must be one of 'msgpack', 'bytes' (got ${describe(records)})`);
  }
  const resolved: WalResolvedOptions = {
    path,
    durability: durability as Durability,
    mapSize: check_integer('mapSize', pick('mapSize')),
    segmentRecords: check_integer('segmentRecords', pick('segmentRecords')),
    segmentsMax: check_integer('segmentsMax', pick('segmentsMax')),
    chunkBytesMax: check_integer('chunkBytesMax', pick('chunkBytesMax')),
    recordBytesMax: check_integer('recordBytesMax', pick('recordBytesMax')),
    queueBytesMax: check_integer('queueBytesMax', pick('queueBytesMax')),
    startSeq: check_integer('startSeq', pick('startSeq')),
    commitMsMax: check_integer('commitMsMax', pick('commitMsMax')),
    records: records as WalRecordFormat,
  };
  if (resolved.startSeq !== 1 && resolved.durability !== 'memory') {
    throw new WalOptionsError(`options.startSeq applies only to durability 'memory' (got ${resolved.startSeq} for '${resolved.durability}')`);
  }
  if (resolved.recordBytesMax > resolved.queueBytesMax) {
    throw new WalOptionsError(
      `options.recordBytesMax (${resolved.recordBytesMax}) must not exceed options.queueBytesMax (${resolved.queueBytesMax})`,
    );
  }
  return resolved;
}

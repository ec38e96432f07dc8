// Why this file exists: every knob of the durable exchange, validated up front with exact
// messages, filled from one frozen defaults object and bounded by one limits table, so a
// misconfiguration (a typo such as `checkpointEvry` included: unknown keys are refused, listing
// the known ones) fails at open() instead of as a stalled queue or a lost checkpoint later.
// Same idiom as wal/options.ts and engine/config.ts: `options.<name> must be ... (got <value>)`.
// Names put the unit or qualifier last (ordersMax, checkpointEveryCommands, checkpointIntervalMs);
// the earlier names (maxOrders, maxPending, maxWaiting, markEvery, checkpointEvery) stay accepted
// as aliases. The resolved object keeps the internal field names the exchange was written with.

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
  ordersMax?: number;
  /**
   * Most instruments the venue may hold, configured plus added with `addInstrument` (default
   * 4,096, at most 4,096). Stored with a new directory; reopening with another value is refused.
   */
  instrumentsMax?: number;
  /**
   * Order ids remembered per instrument (engine option, SEMANTICS.md "Order ids"): a retried `new`
   * with the id of an order the venue remembers is rejected DUPLICATE_ID / DUPLICATE_ORDER_ID with
   * the original seq, never executed twice. Like ordersMax, pinned by a new data directory.
   */
  idsRememberedPerInstrumentMax?: number;
  /** Commands (seqs) an id stays remembered after its `new`; 0 (default): no bound by commands. */
  idRetentionCommands?: number;
  /** Milliseconds of command time an id stays remembered after its `new`; 0 (default): no bound by time. */
  idRetentionMs?: number;
  /** A full memory: 'forget-oldest' (default) or 'reject' (ID_MEMORY_FULL; needs a window). */
  idsRememberedFull?: 'forget-oldest' | 'reject';
  /** @deprecated Alias of `ordersMax`. */
  maxOrders?: number;
  /** Commands accepted but not yet acknowledged; the bounded queue in front of matching. */
  pendingMax?: number;
  /** @deprecated Alias of `pendingMax`. */
  maxPending?: number;
  /** When the queue is full: 'wait' for room (in order) or 'reject' with QUEUE_FULL. */
  onFull?: OnFull;
  /** Submits allowed to wait for room; past this they are rejected with QUEUE_FULL. */
  waitingMax?: number;
  /** @deprecated Alias of `waitingMax`. */
  maxWaiting?: number;
  /** Most commands sent to a worker in one batch. */
  batchMax?: number;
  /** Commands between event-digest marks written into the log. */
  markEveryCommands?: number;
  /** @deprecated Alias of `markEveryCommands`. */
  markEvery?: number;
  /** Who takes checkpoints: the backup thread ('backup') or the caller's thread, pausing ('pause'). */
  checkpointMode?: CheckpointMode;
  /** Commands between checkpoints. */
  checkpointEveryCommands?: number;
  /** @deprecated Alias of `checkpointEveryCommands`. */
  checkpointEvery?: number;
  /** Longest time between checkpoints while commands arrive. */
  checkpointIntervalMs?: number;
  /** Checkpoints kept on disk (the log is kept back to the oldest of them). */
  checkpointsKept?: number;
  /** Events buffered per `events()` subscriber before it fails with an overflow error. */
  eventsBacklogMax?: number;
  /** LMDB map size of the write-ahead log. */
  walMapSizeBytes?: number;
  /**
   * `events({ fromSeq })` retention: the newest this-many sequence numbers stay re-readable (0, the
   * default: not bounded by count). With several feedRetention* bounds the shortest window wins;
   * retention starts at a checkpoint, so up to one checkpoint interval more is kept; the log is
   * never kept less far back than recovery's `checkpointsKept` checkpoints need.
   */
  feedRetentionCommands?: number;
  /** `events({ fromSeq })` retention: the newest log records totalling this many bytes stay re-readable (0: not bounded by size). */
  feedRetentionBytes?: number;
  /** `events({ fromSeq })` retention: records stamped within this many ms of now stay re-readable (0: not bounded by age). */
  feedRetentionMs?: number;
  /** Called with recovery and backup warnings (default: process.emitWarning). */
  onWarning?: (message: string) => void;
}

/** Every option's default, under its current name. */
export const EXCHANGE_DEFAULTS = Object.freeze({
  durability: 'sync' as Durability,
  workers: 1,
  ordersMax: 4_194_304,
  // 262,144 let garbage collection take over when the exchange fell behind (issue 9); 65,536 kept
  // the throughput of a same-run probe (4,096 / 16,384 / 65,536 / 262,143) and bounds what a stall holds.
  pendingMax: 65_536,
  onFull: 'wait' as OnFull,
  waitingMax: 1_048_576,
  batchMax: 8_192,
  markEveryCommands: 100_000,
  checkpointMode: 'backup' as CheckpointMode,
  checkpointEveryCommands: 1_000_000,
  checkpointIntervalMs: 60_000,
  checkpointsKept: 3,
  eventsBacklogMax: 1_000_000,
  walMapSizeBytes: 64 * 1024 ** 3,
  // No feed retention bound: events({ fromSeq }) reaches back as far as recovery keeps the log
  // (the oldest of `checkpointsKept` checkpoints), as before the feed could be resumed.
  feedRetentionCommands: 0,
  feedRetentionBytes: 0,
  feedRetentionMs: 0,
});

export const WORKERS_MAX = 64;

/** Bounds of every numeric option, inclusive. */
export const EXCHANGE_LIMITS = Object.freeze({
  workers: { min: 1, max: WORKERS_MAX },
  ordersMax: { min: 1, max: 2 ** 30 },
  // Below half the replay's digest ring (replay/replayer.ts DIGEST_RING_SIZE = 2^21): a mark is
  // checked against digests of commands still pending, which must still be in the ring.
  pendingMax: { min: 1, max: 2 ** 20 - 1 },
  waitingMax: { min: 0, max: 2 ** 26 },
  batchMax: { min: 1, max: 65_536 },
  markEveryCommands: { min: 1, max: 2 ** 40 },
  checkpointEveryCommands: { min: 1, max: 2 ** 40 },
  checkpointIntervalMs: { min: 1, max: 2 ** 31 - 1 },
  checkpointsKept: { min: 1, max: 100 },
  eventsBacklogMax: { min: 1, max: 2 ** 30 },
  walMapSizeBytes: { min: 1024 * 1024, max: 2 ** 44 },
  // 0 = not bounded by this measure. Bytes and age reach back at most 2^30 records (feed-retention.ts).
  feedRetentionCommands: { min: 0, max: 2 ** 40 },
  feedRetentionBytes: { min: 0, max: 2 ** 50 },
  feedRetentionMs: { min: 0, max: 2 ** 40 },
});

type NumericOption = keyof typeof EXCHANGE_LIMITS;

/** Earlier names, still accepted: alias → current name. */
export const EXCHANGE_ALIASES = Object.freeze({
  maxOrders: 'ordersMax',
  maxPending: 'pendingMax',
  maxWaiting: 'waitingMax',
  markEvery: 'markEveryCommands',
  checkpointEvery: 'checkpointEveryCommands',
} satisfies Record<string, NumericOption>);

/** Engine limit; fixed when the directory is created (matchlog.json), so it has no default here. */
export const INSTRUMENTS_MAX_LIMITS = Object.freeze({ min: 1, max: 4096 });

/** The id-memory options, passed to the engine, which validates them (engine/config.ts). */
export const ID_OPTION_NAMES = ['idsRememberedPerInstrumentMax', 'idRetentionCommands', 'idRetentionMs', 'idsRememberedFull'] as const;
const OPTION_NAMES: readonly string[] = ['dir', 'instruments', ...Object.keys(EXCHANGE_DEFAULTS), 'instrumentsMax', ...ID_OPTION_NAMES, 'onWarning'];
const KNOWN_NAMES: readonly string[] = [...OPTION_NAMES, ...Object.keys(EXCHANGE_ALIASES)];
const DURABILITIES: readonly Durability[] = ['sync', 'async', 'memory'];

export interface ResolvedExchangeOptions {
  dir: string | null;
  instruments: InstrumentSpec[] | null;
  durability: Durability;
  workers: number;
  maxOrders: number;
  /** Null when not given (the stored value, or the engine default for a new directory). */
  instrumentsMax: number | null;
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
  feedRetentionCommands: number;
  feedRetentionBytes: number;
  feedRetentionMs: number;
  /** The id-memory options given (only those given; the engine fills and checks them). */
  ids: IdOptions;
  onWarning: (message: string) => void;
}

export type IdOptions = Partial<Pick<ExchangeOptions, (typeof ID_OPTION_NAMES)[number]>>;

export class ExchangeOptionsError extends Error {
  override readonly name = 'ExchangeOptionsError';
}

/**
 * An option fixed when the data directory was created (matchlog.json) was given with another
 * value on reopen. `option` names it, `stored` is the directory's value (the default when the file
 * does not spell it out), `given` what this open passed.
 */
export class StoredOptionError extends ExchangeOptionsError {
  constructor(
    readonly option: string,
    readonly stored: unknown,
    readonly given: unknown,
    message: string,
  ) {
    super(message);
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}

function defaultWarning(message: string): void {
  process.emitWarning(message, { type: 'MatchlogWarning' });
}

/** Fill defaults and validate; throws ExchangeOptionsError with an exact message. */
export function resolveExchangeOptions(options: ExchangeOptions): ResolvedExchangeOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ExchangeOptionsError(`options must be an object (got ${describe(options)})`);
  }
  const given = options as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (!KNOWN_NAMES.includes(key)) {
      throw new ExchangeOptionsError(`unknown option '${key}' (known: ${OPTION_NAMES.join(', ')})`);
    }
  }
  for (const [alias, name] of Object.entries(EXCHANGE_ALIASES)) {
    if (given[alias] !== undefined && given[name] !== undefined && given[alias] !== given[name]) {
      throw new ExchangeOptionsError(
        `options.${alias} is the earlier name of options.${name}; give one (got ${describe(given[alias])} and ${describe(given[name])})`,
      );
    }
  }
  /** The value under the current name, else under its alias; the default when neither is given. */
  const integer = (name: NumericOption): number => {
    const alias = Object.entries(EXCHANGE_ALIASES).find(([, current]) => current === name)?.[0];
    const usedAlias = given[name] === undefined && alias !== undefined && given[alias] !== undefined;
    const value = given[name] ?? (alias === undefined ? undefined : given[alias]) ?? EXCHANGE_DEFAULTS[name];
    const { min, max } = EXCHANGE_LIMITS[name];
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
      const label = usedAlias ? `options.${alias} (${name})` : `options.${name}`;
      throw new ExchangeOptionsError(`${label} must be an integer from ${min} to ${max} (got ${describe(value)})`);
    }
    return value;
  };

  const durability = given.durability ?? EXCHANGE_DEFAULTS.durability;
  if (typeof durability !== 'string' || !DURABILITIES.includes(durability as Durability)) {
    throw new ExchangeOptionsError(`options.durability must be one of 'sync', 'async', 'memory' (got ${describe(durability)})`);
  }
  const dir = given.dir ?? null;
  if (dir !== null && (typeof dir !== 'string' || dir.length === 0)) {
    throw new ExchangeOptionsError(`options.dir must be a non-empty string (got ${describe(dir)})`);
  }
  if (dir === null && durability !== 'memory') {
    throw new ExchangeOptionsError(`options.dir is required unless durability is 'memory' (got durability '${durability}')`);
  }
  const instruments = given.instruments ?? null;
  if (instruments !== null && !Array.isArray(instruments)) {
    throw new ExchangeOptionsError(`options.instruments must be an array (got ${describe(instruments)})`);
  }
  const onFull = given.onFull ?? EXCHANGE_DEFAULTS.onFull;
  if (onFull !== 'wait' && onFull !== 'reject') {
    throw new ExchangeOptionsError(`options.onFull must be one of 'wait', 'reject' (got ${describe(onFull)})`);
  }
  const checkpointMode = given.checkpointMode ?? EXCHANGE_DEFAULTS.checkpointMode;
  if (checkpointMode !== 'backup' && checkpointMode !== 'pause') {
    throw new ExchangeOptionsError(`options.checkpointMode must be one of 'backup', 'pause' (got ${describe(checkpointMode)})`);
  }
  const instrumentsMax = given.instrumentsMax ?? null;
  if (
    instrumentsMax !== null &&
    (typeof instrumentsMax !== 'number' ||
      !Number.isSafeInteger(instrumentsMax) ||
      instrumentsMax < INSTRUMENTS_MAX_LIMITS.min ||
      instrumentsMax > INSTRUMENTS_MAX_LIMITS.max)
  ) {
    throw new ExchangeOptionsError(
      `options.instrumentsMax must be an integer from ${INSTRUMENTS_MAX_LIMITS.min} to ${INSTRUMENTS_MAX_LIMITS.max} (got ${describe(instrumentsMax)})`,
    );
  }
  if (instrumentsMax !== null && Array.isArray(instruments) && instruments.length > instrumentsMax) {
    throw new ExchangeOptionsError(`options.instruments holds ${instruments.length} instruments, more than options.instrumentsMax ${instrumentsMax}`);
  }
  const onWarning = given.onWarning ?? defaultWarning;
  if (typeof onWarning !== 'function') {
    throw new ExchangeOptionsError(`options.onWarning must be a function (got ${describe(onWarning)})`);
  }
  return {
    dir: dir as string | null,
    instruments: instruments as InstrumentSpec[] | null,
    durability: durability as Durability,
    workers: integer('workers'),
    maxOrders: integer('ordersMax'),
    instrumentsMax: instrumentsMax as number | null,
    maxPending: integer('pendingMax'),
    onFull,
    maxWaiting: integer('waitingMax'),
    batchMax: integer('batchMax'),
    markEvery: integer('markEveryCommands'),
    checkpointMode,
    checkpointEvery: integer('checkpointEveryCommands'),
    checkpointIntervalMs: integer('checkpointIntervalMs'),
    checkpointsKept: integer('checkpointsKept'),
    eventsBacklogMax: integer('eventsBacklogMax'),
    walMapSizeBytes: integer('walMapSizeBytes'),
    feedRetentionCommands: integer('feedRetentionCommands'),
    feedRetentionBytes: integer('feedRetentionBytes'),
    feedRetentionMs: integer('feedRetentionMs'),
    ids: Object.fromEntries(ID_OPTION_NAMES.filter((name) => given[name] !== undefined).map((name) => [name, given[name]])) as IdOptions,
    onWarning: onWarning as (message: string) => void,
  };
}

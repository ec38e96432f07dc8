// Why this file exists: engine options are validated once, up front, with exact messages (a bad
// tick size found mid-session would corrupt a book), and every default lives in one fully filled
// object and every bound in one limits table, so a reader sees all limits in one place. Same
// idiom as wal/options.ts and exchange/options.ts: unknown keys are refused listing the known
// ones, and each message says what was given. `ordersMax` and `ordersInitial` are the units-last
// names; `maxOrders` and `initialOrders` stay accepted (and are the resolved fields' names).

import { ConfigError } from './errors.js';
import type { EngineOptions, InstrumentSpec } from './types.js';

export const ENGINE_DEFAULTS = Object.freeze({
  /** Live orders across all instruments; the pool never grows past this. */
  ordersMax: 4_194_304,
  /** Order slots allocated at construction; the pool doubles on demand up to ordersMax. */
  ordersInitial: 65_536,
  /** Per-instrument largest order quantity when the spec does not set one. */
  maxQty: 1_000_000_000,
  /** Instruments configured plus added (add_instrument); INSTRUMENTS_MAX is also the ceiling. */
  instrumentsMax: 4096,
  /** Order ids remembered per instrument (SEMANTICS.md "Order ids"). */
  idsRememberedPerInstrumentMax: 16_384,
  /** Commands an id stays remembered after its creation; 0 = no bound by commands. */
  idRetentionCommands: 0,
  /** Milliseconds (command time) an id stays remembered after its creation; 0 = no bound by time. */
  idRetentionMs: 0,
  /** What a full memory does with a new id. */
  idsRememberedFull: 'forget-oldest' as 'forget-oldest' | 'reject',
});
/** Upper bound of idsRememberedPerInstrumentMax: keeps snapshots and memory bounded. */
const DEAD_IDS_PER_INSTRUMENT_LIMIT = 1 << 22;

/** Instruments of one engine. A fixed limit keeps the symbol table and snapshots bounded. */
export const INSTRUMENTS_MAX = 4096;
export const SYMBOL_LENGTH_MAX = 32;
/** Prices are stored as float64; keeping them ≤ 2^48 leaves exact integer headroom. */
export const PRICE_MAX = 2 ** 48;
/** Order quantities must fit a uint32. */
export const QTY_MAX = 2 ** 32 - 1;
/** Level totals are float64 sums; they stay exact while maxQty × maxOrders ≤ 2^53. */
const EXACT_SUM_MAX = 2 ** 53;

/** Bounds of the engine's numeric options, inclusive. */
export const ENGINE_LIMITS = Object.freeze({
  ordersMax: { min: 1, max: 2 ** 30 },
  instruments: { min: 1, max: INSTRUMENTS_MAX },
  symbolLength: { min: 1, max: SYMBOL_LENGTH_MAX },
  price: { min: 1, max: PRICE_MAX },
  maxQty: { min: 1, max: QTY_MAX },
  instrumentsMax: { min: 1, max: INSTRUMENTS_MAX },
  idsRememberedPerInstrumentMax: { min: 0, max: DEAD_IDS_PER_INSTRUMENT_LIMIT },
  idRetentionCommands: { min: 0, max: Number.MAX_SAFE_INTEGER },
  idRetentionMs: { min: 0, max: Number.MAX_SAFE_INTEGER },
});

/** Earlier names, still accepted: alias → current name. */
export const ENGINE_ALIASES = Object.freeze({
  maxOrders: 'ordersMax',
  initialOrders: 'ordersInitial',
  deadIdsPerInstrumentMax: 'idsRememberedPerInstrumentMax',
});

/** Every engine option has a default, except the instruments (maxQty is an instrument's default). */
const OPTION_NAMES: readonly string[] = ['instruments', ...Object.keys(ENGINE_DEFAULTS).filter((name) => name !== 'maxQty')];
const KNOWN_NAMES: readonly string[] = [...OPTION_NAMES, ...Object.keys(ENGINE_ALIASES)];
const INSTRUMENT_KEYS: readonly string[] = ['symbol', 'tickSize', 'lotSize', 'minPrice', 'maxPrice', 'maxQty'];

export type ResolvedInstrument = Required<InstrumentSpec>;

export interface ResolvedEngineOptions {
  instruments: ResolvedInstrument[];
  maxOrders: number;
  initialOrders: number;
  /** Resolved idsRememberedPerInstrumentMax (the earlier name kept: snapshots store it). */
  deadIdsPerInstrumentMax: number;
  instrumentsMax: number;
  idRetentionCommands: number;
  idRetentionMs: number;
  idsRememberedFull: 'forget-oldest' | 'reject';
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}

function isPositiveSafeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

/**
 * Validates one instrument spec and fills its defaults; throws ConfigError naming `where` (an
 * add_instrument command reuses it, so a listed and an added instrument obey the same rules).
 */
export function resolveInstrument(spec: unknown, where: string): ResolvedInstrument {
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
    throw new ConfigError(`${where} must be an object (got ${describe(spec)})`);
  }
  const s = spec as Record<string, unknown>;
  const symbol = s.symbol;
  if (typeof symbol !== 'string' || symbol.length === 0 || symbol.length > SYMBOL_LENGTH_MAX) {
    throw new ConfigError(`${where}.symbol must be a string of 1 to ${SYMBOL_LENGTH_MAX} characters (got ${describe(symbol)})`);
  }
  const at = `${where} (${symbol})`;
  for (const key of Object.keys(s)) {
    if (!INSTRUMENT_KEYS.includes(key)) throw new ConfigError(`${at}: unknown key '${key}' (known: ${INSTRUMENT_KEYS.join(', ')})`);
  }
  for (const key of ['tickSize', 'lotSize', 'minPrice', 'maxPrice'] as const) {
    if (!isPositiveSafeInteger(s[key])) throw new ConfigError(`${at}.${key} must be a positive safe integer (got ${describe(s[key])})`);
  }
  const tickSize = s.tickSize as number;
  const lotSize = s.lotSize as number;
  const minPrice = s.minPrice as number;
  const maxPrice = s.maxPrice as number;
  if (minPrice > maxPrice) throw new ConfigError(`${at}.minPrice must not exceed maxPrice (got ${minPrice} > ${maxPrice})`);
  if (maxPrice > PRICE_MAX) throw new ConfigError(`${at}.maxPrice must not exceed 2^48 (got ${maxPrice})`);
  if (minPrice % tickSize !== 0 || maxPrice % tickSize !== 0) {
    throw new ConfigError(`${at}.minPrice and maxPrice must be multiples of tickSize (got ${minPrice} and ${maxPrice}, tick ${tickSize})`);
  }
  const maxQty = s.maxQty === undefined ? ENGINE_DEFAULTS.maxQty : s.maxQty;
  if (!isPositiveSafeInteger(maxQty) || maxQty > QTY_MAX) {
    throw new ConfigError(`${at}.maxQty must be a positive integer of at most 2^32 - 1 (got ${describe(maxQty)})`);
  }
  if (maxQty < lotSize) throw new ConfigError(`${at}.maxQty must be at least lotSize (got ${maxQty} < ${lotSize})`);
  return { symbol, tickSize, lotSize, minPrice, maxPrice, maxQty };
}

/** The value under the current name, else its earlier name; throws when both are given and differ. */
function aliased(given: Record<string, unknown>, name: 'ordersMax' | 'ordersInitial' | 'idsRememberedPerInstrumentMax'): { value: unknown; label: string } {
  const alias = name === 'ordersMax' ? 'maxOrders' : name === 'ordersInitial' ? 'initialOrders' : 'deadIdsPerInstrumentMax';
  if (given[name] !== undefined && given[alias] !== undefined && given[name] !== given[alias]) {
    throw new ConfigError(`options.${alias} is the earlier name of options.${name}; give one (got ${describe(given[alias])} and ${describe(given[name])})`);
  }
  if (given[name] !== undefined) return { value: given[name], label: `options.${name}` };
  return { value: given[alias], label: given[alias] === undefined ? `options.${name}` : `options.${alias} (${name})` };
}

/** Validates options and fills defaults. Throws ConfigError naming the first bad option and what it got. */
export function resolveEngineOptions(options: EngineOptions): ResolvedEngineOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ConfigError(`options must be an object (got ${describe(options)})`);
  }
  const given = options as unknown as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (!KNOWN_NAMES.includes(key)) throw new ConfigError(`unknown option '${key}' (known: ${OPTION_NAMES.join(', ')})`);
  }
  const list: unknown = given.instruments;
  if (!Array.isArray(list) || list.length === 0) {
    throw new ConfigError(`options.instruments must be a non-empty array (got ${Array.isArray(list) ? 'an empty array' : describe(list)})`);
  }
  const instrumentsMax = options.instrumentsMax === undefined ? ENGINE_DEFAULTS.instrumentsMax : options.instrumentsMax;
  if (!isPositiveSafeInteger(instrumentsMax) || instrumentsMax > INSTRUMENTS_MAX) {
    throw new ConfigError(`options.instrumentsMax must be an integer from 1 to ${INSTRUMENTS_MAX} (got ${describe(instrumentsMax)})`);
  }
  if (list.length > instrumentsMax) {
    throw new ConfigError(`options.instruments must hold at most instrumentsMax ${instrumentsMax} entries (got ${list.length})`);
  }
  const instruments = list.map((spec, index) => resolveInstrument(spec, `options.instruments[${index}]`));
  const seen = new Set<string>();
  for (const instrument of instruments) {
    if (seen.has(instrument.symbol)) throw new ConfigError(`options.instruments: duplicate symbol ${instrument.symbol}`);
    seen.add(instrument.symbol);
  }
  const ordersMax = aliased(given, 'ordersMax');
  const maxOrders = ordersMax.value === undefined ? ENGINE_DEFAULTS.ordersMax : ordersMax.value;
  if (!isPositiveSafeInteger(maxOrders) || maxOrders > ENGINE_LIMITS.ordersMax.max) {
    throw new ConfigError(`${ordersMax.label} must be a positive integer of at most 2^30 (got ${describe(maxOrders)})`);
  }
  const ordersInitial = aliased(given, 'ordersInitial');
  const initialOrders = ordersInitial.value === undefined ? Math.min(ENGINE_DEFAULTS.ordersInitial, maxOrders) : ordersInitial.value;
  if (!isPositiveSafeInteger(initialOrders) || initialOrders > maxOrders) {
    throw new ConfigError(`${ordersInitial.label} must be a positive integer not above ordersMax ${maxOrders} (got ${describe(initialOrders)})`);
  }
  for (const instrument of instruments) checkExactSums(instrument, maxOrders, `options.instruments (${instrument.symbol})`);
  const remembered = aliased(given, 'idsRememberedPerInstrumentMax');
  const deadIds = remembered.value === undefined ? ENGINE_DEFAULTS.idsRememberedPerInstrumentMax : remembered.value;
  if (typeof deadIds !== 'number' || !Number.isSafeInteger(deadIds) || deadIds < 0 || deadIds > DEAD_IDS_PER_INSTRUMENT_LIMIT) {
    throw new ConfigError(`${remembered.label} must be an integer from 0 to ${DEAD_IDS_PER_INSTRUMENT_LIMIT} (got ${describe(deadIds)})`);
  }
  const window = (name: 'idRetentionCommands' | 'idRetentionMs'): number => {
    const value = given[name] === undefined ? ENGINE_DEFAULTS[name] : given[name];
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
      throw new ConfigError(`options.${name} must be a safe integer >= 0, 0 for no bound (got ${describe(value)})`);
    }
    return value;
  };
  const idRetentionCommands = window('idRetentionCommands');
  const idRetentionMs = window('idRetentionMs');
  const full = given.idsRememberedFull === undefined ? ENGINE_DEFAULTS.idsRememberedFull : given.idsRememberedFull;
  if (full !== 'forget-oldest' && full !== 'reject') {
    throw new ConfigError(`options.idsRememberedFull must be 'forget-oldest' or 'reject' (got ${describe(full)})`);
  }
  if (full === 'reject' && idRetentionCommands === 0 && idRetentionMs === 0) {
    throw new ConfigError(
      `options.idsRememberedFull 'reject' needs a retention window (idRetentionCommands or idRetentionMs above 0): ` +
        `without one a full memory would refuse every new order for ever`,
    );
  }
  return {
    instruments,
    maxOrders,
    initialOrders,
    deadIdsPerInstrumentMax: deadIds,
    instrumentsMax,
    idRetentionCommands,
    idRetentionMs,
    idsRememberedFull: full,
  };
}

/** Level totals are float64 sums: maxQty × maxOrders must stay within 2^53. */
export function checkExactSums(instrument: ResolvedInstrument, maxOrders: number, where: string): void {
  if (instrument.maxQty * maxOrders > EXACT_SUM_MAX) {
    throw new ConfigError(
      `${where}: maxQty × ordersMax must not exceed 2^53 so level totals stay exact (got ${instrument.maxQty} × ${maxOrders})`,
    );
  }
}

// Why this file exists: engine options are validated once, up front, with exact messages (a bad
// tick size found mid-session would corrupt a book), and every default lives in one fully filled
// object so a reader sees all limits in one place.

import { ConfigError } from './errors.js';
import type { EngineOptions, InstrumentSpec } from './types.js';

export const ENGINE_DEFAULTS = Object.freeze({
  /** Live orders across all instruments; the pool never grows past this. */
  maxOrders: 4_194_304,
  /** Order slots allocated at construction; the pool doubles on demand up to maxOrders. */
  initialOrders: 65_536,
  /** Per-instrument largest order quantity when the spec does not set one. */
  maxQty: 1_000_000_000,
  /** Dead ids remembered per instrument for TOO_LATE_TO_CANCEL (SEMANTICS.md "Dead ids"). */
  deadIdsPerInstrumentMax: 16_384,
});
/** Upper bound of deadIdsPerInstrumentMax: keeps snapshots and memory bounded. */
export const DEAD_IDS_PER_INSTRUMENT_LIMIT = 1 << 22;

/** Instruments of one engine. A fixed limit keeps the symbol table and snapshots bounded. */
export const INSTRUMENTS_MAX = 4096;
export const SYMBOL_LENGTH_MAX = 32;
/** Prices are stored as float64; keeping them ≤ 2^48 leaves exact integer headroom. */
export const PRICE_MAX = 2 ** 48;
/** Order quantities must fit a uint32. */
export const QTY_MAX = 2 ** 32 - 1;
/** Level totals are float64 sums; they stay exact while maxQty × maxOrders ≤ 2^53. */
const EXACT_SUM_MAX = 2 ** 53;

export type ResolvedInstrument = Required<InstrumentSpec>;

export interface ResolvedEngineOptions {
  instruments: ResolvedInstrument[];
  maxOrders: number;
  initialOrders: number;
  deadIdsPerInstrumentMax: number;
}

function isPositiveSafeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

function resolveInstrument(spec: unknown, index: number): ResolvedInstrument {
  const where = `instruments[${index}]`;
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
    throw new ConfigError(`${where} must be an object`);
  }
  const s = spec as Record<string, unknown>;
  const symbol = s.symbol;
  if (typeof symbol !== 'string' || symbol.length === 0 || symbol.length > SYMBOL_LENGTH_MAX) {
    throw new ConfigError(`${where}.symbol must be a string of 1 to ${SYMBOL_LENGTH_MAX} characters`);
  }
  const at = `${where} (${symbol})`;
  for (const key of ['tickSize', 'lotSize', 'minPrice', 'maxPrice'] as const) {
    if (!isPositiveSafeInteger(s[key])) throw new ConfigError(`${at}.${key} must be a positive safe integer`);
  }
  const tickSize = s.tickSize as number;
  const lotSize = s.lotSize as number;
  const minPrice = s.minPrice as number;
  const maxPrice = s.maxPrice as number;
  if (minPrice > maxPrice) throw new ConfigError(`${at}.minPrice must not exceed maxPrice`);
  if (maxPrice > PRICE_MAX) throw new ConfigError(`${at}.maxPrice must not exceed 2^48`);
  if (minPrice % tickSize !== 0 || maxPrice % tickSize !== 0) {
    throw new ConfigError(`${at}.minPrice and maxPrice must be multiples of tickSize`);
  }
  const maxQty = s.maxQty === undefined ? ENGINE_DEFAULTS.maxQty : s.maxQty;
  if (!isPositiveSafeInteger(maxQty) || maxQty > QTY_MAX) {
    throw new ConfigError(`${at}.maxQty must be a positive integer of at most 2^32 - 1`);
  }
  if (maxQty < lotSize) throw new ConfigError(`${at}.maxQty must be at least lotSize`);
  return { symbol, tickSize, lotSize, minPrice, maxPrice, maxQty };
}

/** Validates options and fills defaults. Throws ConfigError naming the first bad option. */
export function resolveEngineOptions(options: EngineOptions): ResolvedEngineOptions {
  if (typeof options !== 'object' || options === null) throw new ConfigError('options must be an object');
  const list: unknown = options.instruments;
  if (!Array.isArray(list) || list.length === 0) {
    throw new ConfigError('instruments must be a non-empty array');
  }
  if (list.length > INSTRUMENTS_MAX) throw new ConfigError(`instruments must hold at most ${INSTRUMENTS_MAX} entries`);
  const instruments = list.map(resolveInstrument);
  const seen = new Set<string>();
  for (const instrument of instruments) {
    if (seen.has(instrument.symbol)) throw new ConfigError(`instruments: duplicate symbol ${instrument.symbol}`);
    seen.add(instrument.symbol);
  }
  const maxOrders = options.maxOrders === undefined ? ENGINE_DEFAULTS.maxOrders : options.maxOrders;
  if (!isPositiveSafeInteger(maxOrders) || maxOrders > 2 ** 30) {
    throw new ConfigError('maxOrders must be a positive integer of at most 2^30');
  }
  const initialOrders =
    options.initialOrders === undefined ? Math.min(ENGINE_DEFAULTS.initialOrders, maxOrders) : options.initialOrders;
  if (!isPositiveSafeInteger(initialOrders) || initialOrders > maxOrders) {
    throw new ConfigError('initialOrders must be a positive integer not above maxOrders');
  }
  for (const instrument of instruments) {
    if (instrument.maxQty * maxOrders > EXACT_SUM_MAX) {
      throw new ConfigError(
        `instruments (${instrument.symbol}): maxQty × maxOrders must not exceed 2^53 so level totals stay exact`,
      );
    }
  }
  const deadIds =
    options.deadIdsPerInstrumentMax === undefined ? ENGINE_DEFAULTS.deadIdsPerInstrumentMax : options.deadIdsPerInstrumentMax;
  if (typeof deadIds !== 'number' || !Number.isSafeInteger(deadIds) || deadIds < 0 || deadIds > DEAD_IDS_PER_INSTRUMENT_LIMIT) {
    throw new ConfigError(`deadIdsPerInstrumentMax must be an integer from 0 to ${DEAD_IDS_PER_INSTRUMENT_LIMIT}, got ${String(deadIds)}`);
  }
  return { instruments, maxOrders, initialOrders, deadIdsPerInstrumentMax: deadIds };
}

// Why this file exists: a data directory remembers the instruments it was created with, so
// `Exchange.open({ dir })` after a crash needs nothing else, and reopening with different
// instruments (which would make the log replay into different books) is refused. The file holds
// the configuration at seq 0 and is never rewritten: instruments added at run time are
// add_instrument records in the log, carried on by every checkpoint (the configuration as of a seq
// is part of the state), so the file and the log can never disagree after a crash between two
// writes. The venue's list is therefore known only after recovery (`checkGivenInstruments`). It also remembers
// whether the directory has a log: a checkpoints-only ('memory') directory opened with a log, or
// the reverse, would see checkpoints ahead of (or unrelated to) the log and delete or misuse them.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENGINE_DEFAULTS, type InstrumentSpec } from '../engine/index.js';
import { RecoveryError, writeFileDurably } from '../replay/index.js';
import { crc32c } from '../wal/index.js';
import { ExchangeOptionsError, ID_OPTION_NAMES, StoredOptionError, type IdOptions } from './options.js';

const FILE = 'matchlog.json';
const FORMAT = 1;

export interface StoredConfig {
  format: number;
  instruments: InstrumentSpec[];
  maxOrders: number;
  /** Most instruments, configured plus added (absent in older files: the engine default). */
  instrumentsMax?: number;
  /** False for a checkpoints-only directory ('memory' durability). Absent in older files: true. */
  log?: boolean;
  /**
   * The id-memory options the directory was created with (they decide which `new`s are
   * duplicates, so replay must use the same); absent in older files or when none were given.
   */
  ids?: IdOptions;
  /**
   * CRC-32C (hex) of this object's JSON without the field: a changed digit would silently change
   * instrument limits (issue 10 item 6). Absent in files written before it: not checked.
   */
  checksum?: string;
}

function checksumOf(config: StoredConfig): string {
  const { checksum: _ignored, ...rest } = config;
  return (crc32c(Buffer.from(JSON.stringify(rest), 'utf8')) >>> 0).toString(16).padStart(8, '0');
}

function canonical(instruments: readonly InstrumentSpec[]): string {
  return JSON.stringify(
    instruments.map((s) => [s.symbol, s.tickSize, s.lotSize, s.minPrice, s.maxPrice, s.maxQty ?? null]),
  );
}

const FIELDS = ['tickSize', 'lotSize', 'minPrice', 'maxPrice', 'maxQty'] as const;

/**
 * Says exactly which instrument differs and how: instruments missing from the given list, then
 * instruments the venue does not list, then the first changed field (old → new) or moved one.
 */
export function difference(venue: readonly InstrumentSpec[], given: readonly InstrumentSpec[]): string {
  const venueSymbols = venue.map((s) => s.symbol);
  const givenSymbols = given.map((s) => s.symbol);
  const missing = venueSymbols.filter((symbol) => !givenSymbols.includes(symbol));
  if (missing.length > 0) return `venue instrument${missing.length > 1 ? 's' : ''} ${missing.join(', ')} missing from the given list`;
  const added = givenSymbols.filter((symbol) => !venueSymbols.includes(symbol));
  if (added.length > 0) return `instrument${added.length > 1 ? 's' : ''} ${added.join(', ')} not listed on the venue (added: list ${added.length > 1 ? 'them' : 'it'} with addInstrument)`;
  for (let i = 0; i < venue.length; i++) {
    if (venue[i].symbol !== given[i].symbol) {
      return `instrument ${i} is ${venue[i].symbol} on the venue but ${given[i].symbol} in the given list (the order is part of the configuration)`;
    }
    for (const field of FIELDS) {
      // The venue's specs are resolved; a given spec without maxQty means the default.
      const was = venue[i][field] ?? null;
      const now = given[i][field] ?? (field === 'maxQty' ? ENGINE_DEFAULTS.maxQty : null);
      if (was !== now) return `${venue[i].symbol} changed ${field} ${String(was)} → ${String(now)}`;
    }
  }
  return 'the lists differ';
}

/**
 * After recovery: the given `instruments` must be the venue's list as of the recovered seq (the
 * stored configuration plus every instrument added since, in order). Says which differs and what
 * to do; a new instrument is listed on the running exchange, never by reopening.
 */
export function checkGivenInstruments(dir: string | null, venue: readonly InstrumentSpec[], given: readonly InstrumentSpec[] | null): void {
  if (given === null || canonical(resolvedList(venue)) === canonical(resolvedList(given))) return;
  const where = dir === null ? 'the recovered ones' : `those of ${join(dir, FILE)} plus instruments added at run time`;
  throw new ExchangeOptionsError(
    `instruments differ from ${where}: ${difference(venue, given)}. ` +
      'Open without instruments (the directory remembers them) or with exactly the venue\'s list. ' +
      'To list a new instrument, call exchange.addInstrument(spec) on the running exchange (a logged command: ' +
      'replay, checkpoints and restarts keep it); instruments cannot be removed or changed, only halted (exchange.halt(symbol))',
  );
}

function resolvedList(list: readonly InstrumentSpec[]): InstrumentSpec[] {
  return list.map((s) => ({ ...s, maxQty: s.maxQty ?? ENGINE_DEFAULTS.maxQty }));
}

/**
 * The id-memory options are fixed at creation: which `new`s are duplicates is a function of the
 * log AND these options (SEMANTICS.md "Order ids"), and every recovery path — replay from seq 0,
 * feed regeneration from the empty engine, a checkpoint plus the log — must decide the same. A
 * different value on reopen was silently overridden by the stored one; now it is refused, naming
 * the option, the stored value (the engine default when the file does not spell it out) and the
 * given one. A given value equal to the stored one is fine (spelled out or not).
 */
function checkGivenIds(dir: string, stored: IdOptions, given: IdOptions): void {
  for (const name of ID_OPTION_NAMES) {
    const value = given[name];
    if (value === undefined) continue;
    const kept = stored[name] ?? ENGINE_DEFAULTS[name];
    if (value === kept) continue;
    const show = (v: unknown): string => (typeof v === 'string' ? `'${v}'` : String(v));
    throw new StoredOptionError(
      name,
      kept,
      value,
      `options.${name} is ${show(kept)} in ${join(dir, FILE)}${stored[name] === undefined ? ' (the default: the directory was created without it)' : ''} ` +
        `(got ${show(value)}): the id memory decides which orders are duplicates, and every replay of this log must decide the same, ` +
        'so it is fixed when the directory is created. Open without it, or with the stored value; a venue that needs another ' +
        'id memory starts a new data directory (e.g. at the next trading day)',
    );
  }
}

/** The id options a directory stores ({} when it has none, or no matchlog.json yet; a damaged file fails later, in settleConfig). */
export function storedIds(dir: string | null): IdOptions {
  if (dir === null) return {};
  try {
    return readStoredConfig(dir)?.ids ?? {};
  } catch {
    return {};
  }
}

export function readStoredConfig(dir: string): StoredConfig | null {
  const file = join(dir, FILE);
  if (!existsSync(file)) return null;
  let stored: StoredConfig;
  try {
    stored = JSON.parse(readFileSync(file, 'utf8')) as StoredConfig;
  } catch (error) {
    throw new RecoveryError(`${file} is unreadable: ${(error as Error).message}`, 'STATE_FILE_DAMAGED');
  }
  if (typeof stored !== 'object' || stored === null) throw new RecoveryError(`${file} holds no configuration`, 'STATE_FILE_DAMAGED');
  if (stored.format !== FORMAT) throw new ExchangeOptionsError(`${file}: unsupported format ${stored.format}`);
  if (stored.checksum !== undefined && stored.checksum !== checksumOf(stored)) {
    throw new RecoveryError(`${file} fails its checksum (edited or damaged): refusing to run with instrument limits it may not have been written with`, 'STATE_FILE_DAMAGED');
  }
  return stored;
}

/**
 * The configuration at seq 0 to recover from: the stored one (the given instruments are checked
 * against the venue's list after recovery: checkGivenInstruments), or the given one for a new directory.
 */
export function settleConfig(
  dir: string,
  instruments: InstrumentSpec[] | null,
  maxOrders: number,
  log = true,
  instrumentsMax: number | null = null,
  ids: IdOptions = {},
): StoredConfig {
  const stored = readStoredConfig(dir);
  if (stored !== null) {
    const storedMax = stored.instrumentsMax ?? ENGINE_DEFAULTS.instrumentsMax;
    if (instrumentsMax !== null && instrumentsMax !== storedMax) {
      throw new StoredOptionError(
        'instrumentsMax',
        storedMax,
        instrumentsMax,
        `options.instrumentsMax is ${storedMax} in ${join(dir, FILE)} (got ${instrumentsMax}): open without it, or with the stored value`,
      );
    }
    checkGivenIds(dir, stored.ids ?? {}, ids);
    const storedLog = stored.log ?? true;
    if (storedLog !== log) {
      throw new ExchangeOptionsError(
        storedLog
          ? `${dir} holds a write-ahead log: open it with durability sync or async, not memory`
          : `${dir} is a checkpoints-only directory (durability memory): open it with durability memory`,
      );
    }
    return stored;
  }
  if (instruments === null) throw new ExchangeOptionsError(`instruments are required for a new data directory (${dir})`);
  const config: StoredConfig = { format: FORMAT, instruments, maxOrders, log };
  if (instrumentsMax !== null) config.instrumentsMax = instrumentsMax;
  if (Object.keys(ids).length > 0) config.ids = ids;
  config.checksum = checksumOf(config);
  writeFileDurably(join(dir, FILE), JSON.stringify(config, null, 2));
  return config;
}

// Why this file exists: a data directory remembers the instruments it was created with, so
// `Exchange.open({ dir })` after a crash needs nothing else, and reopening with different
// instruments (which would make the log replay into different books) is refused. It also remembers
// whether the directory has a log: a checkpoints-only ('memory') directory opened with a log, or
// the reverse, would see checkpoints ahead of (or unrelated to) the log and delete or misuse them.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { InstrumentSpec } from '../engine/index.js';
import { RecoveryError, writeFileDurably } from '../replay/index.js';
import { crc32c } from '../wal/index.js';
import { ExchangeOptionsError, type IdOptions } from './options.js';

const FILE = 'matchlog.json';
const FORMAT = 1;

export interface StoredConfig {
  format: number;
  instruments: InstrumentSpec[];
  maxOrders: number;
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

function canonical(instruments: InstrumentSpec[]): string {
  return JSON.stringify(
    instruments.map((s) => [s.symbol, s.tickSize, s.lotSize, s.minPrice, s.maxPrice, s.maxQty ?? null]),
  );
}

const FIELDS = ['tickSize', 'lotSize', 'minPrice', 'maxPrice', 'maxQty'] as const;

/** Says exactly which instrument differs and how: the first difference, in configuration order. */
export function difference(stored: readonly InstrumentSpec[], given: readonly InstrumentSpec[]): string {
  const storedSymbols = stored.map((s) => s.symbol);
  const givenSymbols = given.map((s) => s.symbol);
  const missing = storedSymbols.filter((symbol) => !givenSymbols.includes(symbol));
  if (missing.length > 0) return `stored instrument${missing.length > 1 ? 's' : ''} ${missing.join(', ')} missing from the given list`;
  const added = givenSymbols.filter((symbol) => !storedSymbols.includes(symbol));
  if (added.length > 0) return `instrument${added.length > 1 ? 's' : ''} ${added.join(', ')} not in the stored list`;
  for (let i = 0; i < stored.length; i++) {
    if (stored[i].symbol !== given[i].symbol) {
      return `instrument ${i} is ${stored[i].symbol} in the stored list but ${given[i].symbol} in the given one (the order is part of the configuration)`;
    }
    for (const field of FIELDS) {
      const was = stored[i][field] ?? null;
      const now = given[i][field] ?? null;
      if (was !== now) return `${stored[i].symbol} has ${field} ${String(was)} stored but ${String(now)} given`;
    }
  }
  return 'the lists differ';
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

/** The configuration to run with: the stored one, checked against what the caller passed. */
export function settleConfig(
  dir: string,
  instruments: InstrumentSpec[] | null,
  maxOrders: number,
  log = true,
  ids: IdOptions = {},
): StoredConfig {
  const stored = readStoredConfig(dir);
  if (stored !== null) {
    if (instruments !== null && canonical(instruments) !== canonical(stored.instruments)) {
      throw new ExchangeOptionsError(
        `instruments differ from those stored in ${join(dir, FILE)}: ${difference(stored.instruments, instruments)}. ` +
          'Open with the stored list (or without instruments: the directory remembers them); ' +
          'an existing directory cannot list a new instrument yet (start a new directory for it)',
      );
    }
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
  if (Object.keys(ids).length > 0) config.ids = ids;
  config.checksum = checksumOf(config);
  writeFileDurably(join(dir, FILE), JSON.stringify(config, null, 2));
  return config;
}

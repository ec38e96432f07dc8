// Why this file exists: every WAL test needs a throw-away directory and realistic order commands whose
// content follows from the sequence number, so a reader can check each record exactly.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32c } from '../../wal/crc32c.js';

export interface OrderCommand {
  op: 'new';
  id: number;
  account: number;
  symbol: string;
  side: 'buy' | 'sell';
  type: 'limit';
  price: number;
  qty: number;
  tif: 'gtc';
  time: number;
}

/** The command appended as record `n` (1-based): content is a pure function of n. */
export function order_command(n: number): OrderCommand {
  return {
    op: 'new',
    id: n,
    account: 1000 + (n % 97),
    symbol: 'SYM' + (n % 8),
    side: n % 2 === 1 ? 'buy' : 'sell',
    type: 'limit',
    price: 10_000 + (n % 500),
    qty: 1 + (n % 100),
    tif: 'gtc',
    time: 1_700_000_000_000 + n,
  };
}

export interface TempDir {
  readonly path: string;
  cleanup(): void;
}

export function temp_dir(prefix = 'matchlog-wal-'): TempDir {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return {
    path,
    cleanup: () => rmSync(path, { recursive: true, force: true }),
  };
}

/**
 * Record `n` laid out as replay/command-record.ts lays out its records (a payload carrying its own
 * checksum): bytes [4, 8) hold the little-endian crc32c of [0, 4) then [8, end). Content follows from
 * n; the length is 16 + (n % lengthSpread).
 */
export function checksummed_record(n: number, lengthSpread: number): Uint8Array {
  const bytes = new Uint8Array(16 + (n % lengthSpread));
  for (let i = 0; i < bytes.length; i++) bytes[i] = (n * 37 + i * 11) & 0xff;
  const crc = crc32c(bytes, 8, bytes.length, crc32c(bytes, 0, 4));
  bytes[4] = crc & 0xff;
  bytes[5] = (crc >>> 8) & 0xff;
  bytes[6] = (crc >>> 16) & 0xff;
  bytes[7] = crc >>> 24;
  return bytes;
}

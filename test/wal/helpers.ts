// Why this file exists: every WAL test needs a throw-away directory and realistic order commands whose
// content follows from the sequence number, so a reader can check each record exactly.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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

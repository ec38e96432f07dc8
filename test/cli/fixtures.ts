// Why this file exists: the CLI tests need real data directories — one written by a running
// Exchange (checkpoints, marks, a reclaimed log, a close mark) and one written straight through
// the Wal with no checkpoint yet (a log that starts at 1, as after a crash before the first
// checkpoint), where a mark can be forged to prove `verify` catches a divergence.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine, EventDigest, type Command, type InstrumentSpec } from '../../engine/index.js';
import { Exchange } from '../../exchange/exchange.js';
import { settleConfig } from '../../exchange/stored-config.js';
import { CheckpointStore } from '../../replay/checkpoint-store.js';
import type { LogRecord, MarkRecord } from '../../replay/records.js';
import { Wal } from '../../wal/index.js';

export const INSTRUMENTS: InstrumentSpec[] = [
  { symbol: 'AAA', tickSize: 1, lotSize: 1, minPrice: 1, maxPrice: 100_000 },
  { symbol: 'BBB', tickSize: 5, lotSize: 10, minPrice: 5, maxPrice: 50_000 },
];

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `matchlog-cli-${prefix}-`));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Command `n` (1-based): a pure function of n — resting orders, crosses, cancels, modifies. */
export function command(n: number): Command {
  const symbol = n % 3 === 0 ? 'BBB' : 'AAA';
  const tick = symbol === 'BBB' ? 5 : 1;
  const lot = symbol === 'BBB' ? 10 : 1;
  const account = `acct-${n % 7}`;
  const time = 1_700_000_000_000 + n;
  if (n % 11 === 0 && n > 20) return { op: 'cancel', id: n - 17, account: `acct-${(n - 17) % 7}`, time };
  if (n % 13 === 0 && n > 30) {
    const target = n - 26;
    const targetTick = target % 3 === 0 ? 5 : 1;
    const targetLot = target % 3 === 0 ? 10 : 1;
    const price = (target % 2 === 0 ? 995 + (n % 5) : 1000 + (n % 5)) * targetTick;
    return { op: 'modify', id: target, account: `acct-${target % 7}`, price, qty: 3 * targetLot, time };
  }
  const side = n % 2 === 0 ? 'buy' : 'sell';
  // Buys around 995..1004, sells around 1000..1009 (in ticks): some cross, most rest.
  const price = (side === 'buy' ? 995 + ((n * 7) % 10) : 1000 + ((n * 5) % 10)) * tick;
  return { op: 'new', id: n, account, symbol, side, type: 'limit', price, qty: (1 + (n % 9)) * lot, time };
}

export interface ExchangeDirInfo {
  stateHash: string;
  lastSeq: number;
  commands: number;
  marks: number;
  checkpointsTaken: number;
}

/** Runs an Exchange over `dir` (sync durability, frequent checkpoints and marks), then closes it. */
export async function writeExchangeDir(dir: string, commands = 600): Promise<ExchangeDirInfo> {
  const exchange = await Exchange.open({
    dir,
    instruments: INSTRUMENTS,
    durability: 'sync',
    checkpointEvery: 100,
    checkpointsKept: 3,
    markEvery: 25,
    onWarning: () => undefined,
  });
  // Waves of concurrent submits: group commit keeps the fsync count low, and the backup thread
  // sees several batches (so it takes several checkpoints) rather than one.
  const wave = 50;
  for (let first = 1; first <= commands; first += wave) {
    const last = Math.min(commands, first + wave - 1);
    const submits: Promise<unknown>[] = [];
    for (let n = first; n <= last; n++) submits.push(exchange.submit(command(n)));
    await Promise.all(submits);
  }
  const stateHash = exchange.stateHash();
  const before = exchange.stats();
  await exchange.close();
  const after = exchange.stats();
  return {
    stateHash,
    lastSeq: after.lastSeq,
    commands: before.commands,
    marks: after.marks,
    checkpointsTaken: after.checkpoints.taken,
  };
}

export interface LogDirInfo {
  stateHash: string;
  lastSeq: number;
  /** Seq of every mark written, in order. */
  markSeqs: number[];
}

/**
 * Writes a data directory straight through the Wal, the way the exchange would have logged it:
 * commands, a digest mark every `markEvery` commands, a closing mark with the state hash, and
 * checkpoints at `checkpointAt` (command counts) — but no reclaim, so the log starts at 1.
 * `forgeMarkAt` (a command count) writes that mark with a wrong digest.
 */
export async function writeLogDir(
  dir: string,
  options: { commands: number; markEvery: number; checkpointAt?: number[]; forgeMarkAt?: number },
): Promise<LogDirInfo> {
  settleConfig(dir, INSTRUMENTS, 10_000);
  const engine = new Engine({ instruments: INSTRUMENTS, maxOrders: 10_000 });
  const digest = new EventDigest();
  const store = new CheckpointStore(join(dir, 'checkpoints'));
  // Small chunks, so a test can damage one chunk in the middle of the log.
  const wal = await Wal.open<LogRecord>({ path: join(dir, 'wal'), durability: 'async', mapSize: 64 * 2 ** 20, chunkBytesMax: 4096 });
  const markSeqs: number[] = [];
  let seq = 0;
  let lastCommandSeq = 0;
  let commands = 0;
  const mark = (stateHash?: string): void => {
    let value = digest.value;
    if (options.forgeMarkAt === commands && stateHash === undefined) value = value.replace(/^./, (c) => (c === '0' ? '1' : '0'));
    const record: MarkRecord = { op: 'mark', upto: lastCommandSeq, commands, digest: value };
    if (stateHash !== undefined) record.stateHash = stateHash;
    seq = wal.append(record).seq;
    markSeqs.push(seq);
  };
  for (let n = 1; n <= options.commands; n++) {
    const record = command(n);
    seq = wal.append(record).seq;
    digest.command(seq);
    engine.execute(record, digest);
    lastCommandSeq = seq;
    commands = n;
    if (n % options.markEvery === 0) mark();
    if (options.checkpointAt?.includes(n)) {
      store.write({ seq, commands: n, digest: digest.value, stateHash: engine.stateHash(), writtenAtMs: Date.now() }, engine.snapshot());
    }
  }
  const stateHash = engine.stateHash();
  if (lastCommandSeq > 0) mark(stateHash);
  await wal.flush();
  await wal.close();
  return { stateHash, lastSeq: seq, markSeqs };
}

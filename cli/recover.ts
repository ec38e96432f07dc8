// Why this file exists: `matchlog recover --dir` answers "what state would this directory come
// back in?" without bringing an exchange up: it runs the same recovery as `Exchange.open` (newest
// valid checkpoint plus a replay of the log, marks checked) but starts no worker thread, writes no
// checkpoint and appends nothing, then reports the sequence, the state hash, how long each phase
// took and what the books look like. It deletes nothing: where recovery would drop a checkpoint
// that lies beyond the log's end, this reports what the log is missing and exits 1 (`tidy` is the
// separate, explicit command that removes such files). A checkpoints-only ('memory') directory
// recovers from its newest valid checkpoint, as `Exchange.open` would.

import Table from 'cli-table3';
import type { Engine } from '../engine/index.js';
import { recover, recoverFromCheckpoint, type Recovered, type RecoveryStats } from '../replay/index.js';
import {
  beyondLogMessage,
  checkpointsBeyondLog,
  formatCount,
  formatFields,
  formatMs,
  formatPrice,
  locateDataDir,
  openCheckpoints,
  openLog,
  toJson,
  withDataDir,
  type Output,
} from './common.js';
import { readsReported, startProgress, type ProgressStream } from './progress.js';

/** Levels shown per side of each book. */
export const TOP_LEVELS = 5;

export interface BookSummary {
  symbol: string;
  liveOrders: number;
  bidOrders: number;
  askOrders: number;
  bidLevels: number;
  askLevels: number;
  bestBid: number | null;
  bestAsk: number | null;
  /** Best first, at most TOP_LEVELS: [price, total open qty]. */
  bids: Array<[number, number]>;
  asks: Array<[number, number]>;
}

export interface RecoverResult {
  dir: string;
  /** Null for a checkpoints-only ('memory') directory. */
  log: { firstSeq: number; lastSeq: number } | null;
  /** Last log sequence applied (commands and marks). */
  seq: number;
  /** Commands applied since the log began. */
  commands: number;
  stateHash: string;
  /** Event digest after `seq`. */
  digest: string;
  liveOrders: number;
  timings: {
    openMs: number;
    checkpointLoadMs: number;
    replayMs: number;
    verifyMs: number;
    recoveryMs: number;
    stateHashMs: number;
    totalMs: number;
  };
  recovery: RecoveryStats;
  books: BookSummary[];
  /** What the directory is missing (checkpoints beyond the log's end); any makes the command exit 1. */
  problems: string[];
}

export interface RecoverOptions {
  /** Called with each recovery warning as it happens (they are also in `recovery.warnings`). */
  onWarning?: (message: string) => void;
  /** Terminal stream for a progress bar over the replay (none when absent). */
  progress?: ProgressStream | null;
}

/** Recovers the state stored in `dir` without changing any file in it. */
export async function runRecover(dir: string, options: RecoverOptions = {}): Promise<RecoverResult> {
  const t0 = performance.now();
  const onWarning = options.onWarning ?? (() => undefined);
  return withDataDir(dir, async (data) => {
    const store = openCheckpoints(data);
    if (!data.hasLog) {
      const t1 = performance.now();
      return summarize(dir, null, recoverFromCheckpoint(store, data.engineOptions, onWarning), [], t0, t1);
    }
    const wal = await openLog(data);
    try {
      const t1 = performance.now();
      // The whole log at most (recovery usually starts later, from a checkpoint): a bar that may
      // jump ahead at the start, never one that overflows.
      const progress = startProgress(options.progress ?? null, 'recover: replaying the log', wal.lastSeq - wal.firstSeq + 1, 'records');
      let recovered: Recovered;
      try {
        recovered = recover(readsReported(wal, wal.firstSeq, progress), store, data.engineOptions, onWarning, { onLogBehind: 'skip' });
      } finally {
        progress.stop();
      }
      const problems = checkpointsBeyondLog(store, wal.lastSeq).map((seq) => beyondLogMessage(seq, wal.lastSeq));
      return summarize(dir, { firstSeq: wal.firstSeq, lastSeq: wal.lastSeq }, recovered, problems, t0, t1);
    } finally {
      await wal.close();
    }
  });
}

function summarize(dir: string, log: RecoverResult['log'], recovered: Recovered, problems: string[], t0: number, t1: number): RecoverResult {
  const t2 = performance.now();
  const stateHash = recovered.engine.stateHash();
  const t3 = performance.now();
  const stats = recovered.stats;
  return {
    dir,
    log,
    seq: recovered.seq,
    commands: recovered.commands,
    stateHash,
    digest: recovered.digest,
    liveOrders: recovered.engine.liveOrders,
    timings: {
      openMs: t1 - t0,
      checkpointLoadMs: stats.checkpointLoadMs,
      replayMs: stats.replayMs,
      verifyMs: stats.verifyMs,
      recoveryMs: t2 - t1,
      stateHashMs: t3 - t2,
      totalMs: t3 - t0,
    },
    recovery: stats,
    books: summarizeBooks(recovered.engine),
    problems,
  };
}

export function summarizeBooks(engine: Engine): BookSummary[] {
  return engine.instruments.map(({ symbol }) => {
    const { bidOrders, askOrders, bidLevels, askLevels } = sideCounts(engine, symbol);
    const top = engine.top(symbol);
    const depth = engine.depth(symbol, TOP_LEVELS);
    return {
      symbol,
      liveOrders: bidOrders + askOrders,
      bidOrders,
      askOrders,
      bidLevels,
      askLevels,
      bestBid: top.bid,
      bestAsk: top.ask,
      bids: depth.bids,
      asks: depth.asks,
    };
  });
}

/**
 * Orders and levels per side. The engine's public API has no per-instrument order count, so this
 * reads its (documented @internal) book arrays — read-only, one place; see the report's proposal
 * for an `Engine.bookStats(symbol)`.
 */
function sideCounts(engine: Engine, symbol: string): { bidOrders: number; askOrders: number; bidLevels: number; askLevels: number } {
  const book = engine.books[engine.instrumentIndex.get(symbol)!];
  const levels = engine.levels;
  const orders = [0, 0];
  for (let s = 0; s < 2; s++) {
    const side = book.sides[s];
    for (let i = 0; i < side.size; i++) orders[s] += levels.countOf(side.levels[i]);
  }
  return { bidOrders: orders[0], askOrders: orders[1], bidLevels: book.sides[0].size, askLevels: book.sides[1].size };
}

export function formatRecover(result: RecoverResult): string {
  const r = result.recovery;
  const t = result.timings;
  const start = r.checkpointSeq === null ? 'none (replayed the whole log)' : `checkpoint at seq ${formatCount(r.checkpointSeq)}`;
  const lines = [
    result.problems.length === 0 ? `recovered ${result.dir}` : `FAILED: recovered ${result.dir} only partly (${result.problems.length} problem(s) below)`,
    formatFields([
      ['last sequence', formatCount(result.seq)],
      ['log range', result.log === null ? 'no log (checkpoints-only directory)' : rangeText(result.log.firstSeq, result.log.lastSeq)],
      ['commands', formatCount(result.commands)],
      ['state hash', result.stateHash],
      ['event digest', result.digest],
      ['live orders', formatCount(result.liveOrders)],
      ['started from', `${start}${r.checkpointsSkipped > 0 ? `, ${r.checkpointsSkipped} checkpoint(s) skipped` : ''}`],
      ['replayed', `${formatCount(r.replayedRecords)} records, ${formatCount(r.replayedCommands)} commands (${formatCount(r.replayCommandsPerS)} commands/s)`],
      ['marks', `${formatCount(r.marksVerified)} verified, ${formatCount(r.marksUnverifiable)} unverifiable`],
      [
        'timings',
        `open ${formatMs(t.openMs)}, checkpoint load ${formatMs(t.checkpointLoadMs)}, replay ${formatMs(t.replayMs)}, ` +
          `verify ${formatMs(t.verifyMs)}, state hash ${formatMs(t.stateHashMs)}, total ${formatMs(t.totalMs)}`,
      ],
    ]),
  ];
  for (const warning of r.warnings) lines.push(`  warning: ${warning}`);
  for (const problem of result.problems) lines.push(`  error: ${problem}`);
  lines.push('', booksTable(result.books));
  for (const book of result.books) {
    if (book.bids.length === 0 && book.asks.length === 0) continue;
    lines.push('', `${book.symbol} top ${TOP_LEVELS} levels`, depthTable(book));
  }
  return `${lines.join('\n')}\n`;
}

function rangeText(first: number, last: number): string {
  return last >= first ? `${formatCount(first)}..${formatCount(last)}` : `empty (next seq ${formatCount(first)})`;
}

const PLAIN = { head: [], border: [] };

function booksTable(books: BookSummary[]): string {
  const table = new Table({
    head: ['instrument', 'live orders', 'bid levels', 'ask levels', 'best bid', 'best ask'],
    colAligns: ['left', 'right', 'right', 'right', 'right', 'right'],
    style: PLAIN,
  });
  for (const b of books) {
    table.push([b.symbol, formatCount(b.liveOrders), formatCount(b.bidLevels), formatCount(b.askLevels), formatPrice(b.bestBid), formatPrice(b.bestAsk)]);
  }
  return table.toString();
}

function depthTable(book: BookSummary): string {
  const table = new Table({
    head: ['bid qty', 'bid', 'ask', 'ask qty'],
    colAligns: ['right', 'right', 'right', 'right'],
    style: PLAIN,
  });
  const rows = Math.max(book.bids.length, book.asks.length);
  for (let i = 0; i < rows; i++) {
    const bid = book.bids[i];
    const ask = book.asks[i];
    table.push([
      bid === undefined ? '' : formatCount(bid[1]),
      bid === undefined ? '' : String(bid[0]),
      ask === undefined ? '' : String(ask[0]),
      ask === undefined ? '' : formatCount(ask[1]),
    ]);
  }
  return table.toString();
}

export function printRecover(result: RecoverResult, output: Output, json: boolean): void {
  output.out(json ? toJson(result) : formatRecover(result));
}

// Why this file exists: with a backup thread, the exchange's queries (depth, order, stateHash, ...)
// are answered by the backup replica, which handles messages in order: a query that arrives while it
// writes a checkpoint waits for that checkpoint. This measures how long, on a book of --orders resting
// orders (default 500,000), beside the query's cost when the thread is idle. Medians; load beside.
//   npx tsx bench/exchange/query-wait.ts [--orders 500000] [--runs 3]

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Exchange } from '../../exchange/index.js';
import { median } from '../common/stats.js';
import { BENCH_INSTRUMENT } from '../engine/workloads.js';
import { passiveBook } from './load.js';
import { load1m } from './targets.js';

interface Parts {
  checkpointer: { host: { checkpointNow(): Promise<void> } };
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
}

function timed(body: () => unknown): number {
  const t0 = performance.now();
  body();
  return performance.now() - t0;
}

const orders = arg('--orders', 500_000);
const runs = arg('--runs', 3);
const dir = mkdtempSync(join(tmpdir(), 'matchlog-query-wait-'));
try {
  const ex = await Exchange.open({
    dir,
    instruments: [{ ...BENCH_INSTRUMENT }],
    maxOrders: Math.max(1_048_576, orders * 2),
    checkpointEvery: 1_000_000_000,
    checkpointIntervalMs: 2 ** 31 - 1,
  });
  const book = passiveBook(orders);
  for (let i = 0; i < book.length; i += 10_000) await ex.submitMany(book.slice(i, i + 10_000));
  const symbol = BENCH_INSTRUMENT.symbol;
  const idleDepth = median(Array.from({ length: 50 }, () => timed(() => ex.depth(symbol, 10))));
  const idleOrder = median(Array.from({ length: 50 }, (_, i) => timed(() => ex.order(book[i * 97].id))));
  const idleHash = median(Array.from({ length: 5 }, () => timed(() => ex.stateHash())));
  console.log(`book ${orders.toLocaleString()} resting orders (liveOrders ${ex.stats().liveOrders.toLocaleString()}), load ${load1m()}`);
  console.log(`idle backup: depth(10) ${idleDepth.toFixed(3)} ms, order(id) ${idleOrder.toFixed(3)} ms, stateHash ${idleHash.toFixed(1)} ms (medians)`);
  const waits: number[] = [];
  const checkpointMs: number[] = [];
  for (let run = 0; run < runs; run++) {
    // A new command makes the next checkpoint fresh (an unchanged replica skips it).
    await ex.submit({ op: 'cancel', id: book[run].id, account: book[run].account });
    const written = (ex as unknown as Parts).checkpointer.host.checkpointNow();
    waits.push(timed(() => ex.depth(symbol, 10)));
    await written;
    checkpointMs.push(ex.stats().checkpoints.lastDurationMs);
    console.log(`  run ${run + 1}: depth(10) behind a checkpoint waited ${waits[run].toFixed(0)} ms; the checkpoint took ${checkpointMs[run].toFixed(0)} ms (load ${load1m()})`);
  }
  console.log(`query behind a checkpoint of ${orders.toLocaleString()} orders: median wait ${median(waits).toFixed(0)} ms (checkpoint ${median(checkpointMs).toFixed(0)} ms), load ${load1m()}`);
  await ex.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}

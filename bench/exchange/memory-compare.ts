// Why this file exists: what dropping the main-thread replica saves in memory. Builds a book of
// --orders resting orders in a baseline checkout's Exchange ("now") and in this one ("after"), one
// after the other in one process, and prints the main-thread heap plus array buffers after a full GC
// (worker threads' memory is their own and not counted: the replica that went was the main thread's).
//   node --expose-gc --import tsx bench/exchange/memory-compare.ts --baseline /work/main [--orders 300000]

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_INSTRUMENT } from '../engine/workloads.js';
import { passiveBook } from './load.js';
import { load1m, loadExchange } from './targets.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i < 0 ? fallback : process.argv[i + 1];
}

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');
const orders = Number(arg('--orders', '300000'));
const book = passiveBook(orders);
const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(0);
for (const [name, root] of [['now', arg('--baseline', '/work/main')], ['after', process.cwd()]] as const) {
  const Exchange = await loadExchange(root);
  const dir = mkdtempSync(join(tmpdir(), 'matchlog-memory-'));
  try {
    const ex = await Exchange.open({ dir, instruments: [{ ...BENCH_INSTRUMENT }], maxOrders: 1_048_576, checkpointEvery: 1_000_000_000 });
    for (let i = 0; i < book.length; i += 10_000) await ex.submitMany(book.slice(i, i + 10_000));
    gc();
    const m = process.memoryUsage();
    console.log(`${name}: ${orders.toLocaleString()} resting orders: main-thread heap ${mib(m.heapUsed)} MiB + array buffers ${mib(m.arrayBuffers)} MiB (rss ${mib(m.rss)} MiB, load ${load1m()})`);
    await ex.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  gc();
}

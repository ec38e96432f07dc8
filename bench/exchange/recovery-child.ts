// Why this file exists: recovery is only honest when the process really died. This child builds a
// book of `--resting` passive orders, waits until a checkpoint covers them, then submits a
// `--tail` of mixed commands that no checkpoint covers, prints "ready" and waits to be killed
// with SIGKILL by the benchmark, which then times Exchange.open on the same directory.

import { writeSync } from 'node:fs';
import { Exchange } from '../../exchange/exchange.js';
import { BENCH_INSTRUMENT, generateWorkload } from '../engine/workloads.js';
import { closedLoop, passiveBook } from './load.js';

const [dir, restingArg, tailArg] = process.argv.slice(2);
const resting = Number(restingArg);
const tail = Number(tailArg);
const WINDOW = 50_000;

const book = passiveBook(resting);

const exchange = await Exchange.open({
  dir,
  instruments: [{ ...BENCH_INSTRUMENT }],
  durability: 'sync',
  checkpointEvery: resting,
  checkpointIntervalMs: 2 ** 31 - 1,
  maxOrders: 4_194_304,
});
await closedLoop(exchange, book, WINDOW);
// Bounded wait for the backup thread to checkpoint the book (it must, checkpointEvery = resting).
for (let i = 0; i < 6000 && (exchange.stats().checkpoints.lastSeq ?? 0) < resting; i++) {
  await new Promise((resolve) => setTimeout(resolve, 10));
}
const tailCommands = generateWorkload('mixed', { commands: tail, seed: 7 });
await closedLoop(exchange, tailCommands, WINDOW);
const stats = exchange.stats();
writeSync(1, `${JSON.stringify({ ready: true, lastSeq: stats.lastSeq, liveOrders: stats.liveOrders, checkpointSeq: stats.checkpoints.lastSeq, checkpointBytes: stats.checkpoints.lastBytes, checkpointMs: stats.checkpoints.lastDurationMs, stateHash: exchange.stateHash() })}\n`);
// Wait to be killed.
setInterval(() => undefined, 1_000_000);

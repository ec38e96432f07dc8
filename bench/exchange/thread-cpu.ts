// Why this file exists: where the CPU of a durable Exchange goes, thread by thread. Runs
// `submitMany` over the mixed workload and prints each thread's CPU per command from
// /proc/self/task/<tid>/stat (name from comm), so a change is judged by the thread it moved.
//   npx tsx bench/exchange/thread-cpu.ts [--root /work/main] [--commands 200000] [--warm 0] [--no-events]
// --no-events passes submitMany's { events: false } (results without accepted commands' events).

import { readdirSync, readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_INSTRUMENT, generateWorkload } from '../engine/workloads.js';
import { load1m, loadExchange } from './targets.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i < 0 ? fallback : process.argv[i + 1];
}

/** utime + stime of every thread, in µs (100 ticks a second), keyed by tid (with its name). */
function threads(): Map<string, { name: string; micros: number }> {
  const out = new Map<string, { name: string; micros: number }>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const name = readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim();
      out.set(tid, { name, micros: (Number(fields[11]) + Number(fields[12])) * 10_000 });
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return out;
}

const root = arg('--root', process.cwd());
const count = Number(arg('--commands', '200000'));
// --warm N: the first N commands of the same stream run before the threads are read, so the figure is
// the steady state of a long-running exchange (its worker threads' code compiled) rather than its start.
const warm = Number(arg('--warm', '0'));
const Exchange = await loadExchange(root);
const stream = generateWorkload('mixed', { commands: warm + count, seed: 1000 });
const commands = stream.slice(warm);
const dir = mkdtempSync(join(tmpdir(), 'matchlog-threads-'));
const exchange = await Exchange.open({ dir, instruments: [{ ...BENCH_INSTRUMENT }], durability: 'sync', checkpointEvery: 1_000_000_000, checkpointIntervalMs: 2 ** 31 - 1 });
const noEvents = process.argv.includes('--no-events');
const many = (exchange as unknown as { submitMany: (c: readonly unknown[], o?: { events: boolean }) => Promise<unknown[]> }).submitMany.bind(exchange);
const submitMany = (c: readonly unknown[]): Promise<unknown[]> => (noEvents ? many(c, { events: false }) : many(c));
async function drive(batch: readonly unknown[]): Promise<void> {
  const inFlight: Array<Promise<unknown>> = [];
  for (let i = 0; i < batch.length; i += 1024) {
    inFlight.push(submitMany(batch.slice(i, i + 1024)));
    if (inFlight.length >= 8) await inFlight.shift();
  }
  await Promise.all(inFlight);
}
await drive(stream.slice(0, warm));
const before = threads();
const t0 = performance.now();
await drive(commands);
const elapsedMs = performance.now() - t0;
const after = threads();
await exchange.close();
rmSync(dir, { recursive: true, force: true });
const rows: Array<[string, number]> = [];
let total = 0;
for (const [tid, { name, micros }] of after) {
  const delta = micros - (before.get(tid)?.micros ?? 0);
  if (delta <= 0) continue;
  total += delta;
  rows.push([`${name} (${tid})`, delta / count]);
}
rows.sort((a, b) => b[1] - a[1]);
console.log(`${root}${noEvents ? ' (events: false)' : ''}${warm > 0 ? ` (after ${warm.toLocaleString()} warm-up commands)` : ''}: ${Math.round((count / elapsedMs) * 1000).toLocaleString()}/s, load ${load1m()}, total ${(total / count).toFixed(2)} µs CPU/command`);
for (const [name, micros] of rows) console.log(`  ${name.padEnd(28)} ${micros.toFixed(2)} µs`);

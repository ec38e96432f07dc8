// Why this file exists: the exchange's own thread, profiled over the submissions only. A whole
// `node --cpu-prof` run also samples module loading, workload generation, opening and closing,
// which were a third of the main thread's samples and hid what each command costs. This starts
// V8's sampling profiler (node:inspector) after the exchange is open and the commands are built,
// stops it once the last batch is acknowledged, and prints the top self-time functions.
//   npx tsx bench/exchange/main-profile.ts [--root /work/main] [--commands 200000] [--no-events] [--top 15] [--out FILE]

import { Session } from 'node:inspector/promises';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { summarizeCpuProfile } from '../common/cpuprofile.js';
import { BENCH_INSTRUMENT, generateWorkload } from '../engine/workloads.js';
import { load1m, loadExchange } from './targets.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i < 0 ? fallback : process.argv[i + 1];
}

const root = arg('--root', process.cwd());
const count = Number(arg('--commands', '200000'));
const top = Number(arg('--top', '15'));
const out = arg('--out', '');
const noEvents = process.argv.includes('--no-events');
const Exchange = await loadExchange(root);
const commands = generateWorkload('mixed', { commands: count, seed: 1000 });
const batches: unknown[][] = [];
for (let i = 0; i < commands.length; i += 1024) batches.push(commands.slice(i, i + 1024));
const dir = mkdtempSync(join(tmpdir(), 'matchlog-main-profile-'));
const exchange = await Exchange.open({ dir, instruments: [{ ...BENCH_INSTRUMENT }], durability: 'sync', checkpointEvery: 1_000_000_000, checkpointIntervalMs: 2 ** 31 - 1 });
const many = (exchange as unknown as { submitMany: (c: readonly unknown[], o?: { events: boolean }) => Promise<unknown[]> }).submitMany.bind(exchange);
const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 500 });
const cpu0 = process.cpuUsage();
const t0 = performance.now();
await session.post('Profiler.start');
const inFlight: Array<Promise<unknown>> = [];
for (const batch of batches) {
  inFlight.push(noEvents ? many(batch, { events: false }) : many(batch));
  if (inFlight.length >= 8) await inFlight.shift();
}
await Promise.all(inFlight);
const { profile } = await session.post('Profiler.stop');
const elapsedMs = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
session.disconnect();
await exchange.close();
rmSync(dir, { recursive: true, force: true });
if (out !== '') writeFileSync(out, JSON.stringify(profile));
const rows = summarizeCpuProfile(profile as unknown as Parameters<typeof summarizeCpuProfile>[0]);
const sampledMs = rows.reduce((sum, r) => sum + r.self_ms, 0);
console.log(
  `${root}${noEvents ? ' (events: false)' : ''}: ${Math.round((count / elapsedMs) * 1000).toLocaleString()}/s, load ${load1m()}, ` +
    `process CPU ${(((cpu.user + cpu.system) / count) * 1).toFixed(2)} µs/command (all threads), main thread sampled ${sampledMs.toFixed(0)} ms`,
);
console.log('self µs/cmd  self %  function (location)');
for (const row of rows.slice(0, top)) {
  console.log(`${((row.self_ms * 1000) / count).toFixed(3).padStart(10)}  ${row.self_percent.toFixed(1).padStart(6)}  ${row.function} (${row.location})`);
}

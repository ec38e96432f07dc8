// Why this file exists: where the crossing to the matching worker costs most — a low, steady rate,
// at which almost every command is a batch of its own. A baseline checkout's Exchange ("now") and
// this one ("after") alternate in one run, each fed `--rate` commands/s open loop (timers, ~1 ms
// ticks) for `--commands`; reported: CPU µs per command over all threads (process.cpuUsage) and
// ack p50/p99 from each command's due time, medians of the runs, with the load.
//   npx tsx bench/exchange/low-rate-compare.ts --baseline /work/main [--rate 5000] [--commands 15000] [--runs 3]

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median } from '../common/stats.js';
import { BENCH_INSTRUMENT, generateWorkload } from '../engine/workloads.js';
import { load1m, loadExchange } from './targets.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i < 0 ? fallback : process.argv[i + 1];
}

const baseline = arg('--baseline', '/work/main');
const rate = Number(arg('--rate', '5000'));
const count = Number(arg('--commands', '15000'));
const runs = Number(arg('--runs', '3'));
const commands = generateWorkload('mixed', { commands: count, seed: 1000 });

interface Run {
  cpuMicros: number;
  p50Ms: number;
  p99Ms: number;
}

async function lowRate(Exchange: Awaited<ReturnType<typeof loadExchange>>): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'matchlog-low-rate-'));
  const exchange = await Exchange.open({ dir, instruments: [{ ...BENCH_INSTRUMENT }], durability: 'sync', checkpointEvery: 1_000_000_000, checkpointIntervalMs: 2 ** 31 - 1 });
  try {
    const latencies = new Float64Array(count);
    const cpu0 = process.cpuUsage();
    const intervalMs = 1000 / rate;
    const t0 = performance.now();
    let done = 0;
    await new Promise<void>((resolve, reject) => {
      let next = 0;
      const tick = (): void => {
        const due = Math.min(count, Math.floor((performance.now() - t0) / intervalMs) + 1);
        for (; next < due; next++) {
          const dueAt = t0 + next * intervalMs;
          const index = next;
          exchange.submit(commands[index]).then(() => {
            latencies[index] = performance.now() - dueAt;
            if (++done === count) resolve();
          }, reject);
        }
        if (next < count) setTimeout(tick, Math.max(1, Math.floor(t0 + next * intervalMs - performance.now())));
      };
      tick();
    });
    const cpu = process.cpuUsage(cpu0);
    const sorted = Array.from(latencies).sort((a, b) => a - b);
    return { cpuMicros: (cpu.user + cpu.system) / count, p50Ms: sorted[Math.floor(count * 0.5)], p99Ms: sorted[Math.floor(count * 0.99)] };
  } finally {
    await exchange.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const sides = [
  { name: 'now', impl: await loadExchange(baseline), runs: [] as Run[] },
  { name: 'after', impl: await loadExchange(process.cwd()), runs: [] as Run[] },
];
const loads: number[] = [];
for (let run = 0; run < runs; run++) {
  for (const side of sides) {
    const r = await lowRate(side.impl);
    side.runs.push(r);
    loads.push(load1m());
    console.log(`run ${run + 1} ${side.name}: ${r.cpuMicros.toFixed(1)} µs CPU/command, ack p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms (load ${load1m()})`);
  }
}
for (const side of sides) {
  const m = (key: keyof Run): number => median(side.runs.map((r) => r[key]));
  console.log(`${side.name} (median of ${runs} at ${rate}/s, load ${median(loads).toFixed(1)}): ${m('cpuMicros').toFixed(1)} µs CPU/command, ack p50 ${m('p50Ms').toFixed(2)} ms, p99 ${m('p99Ms').toFixed(2)} ms`);
}

// Why this file exists: a short same-run comparison of a baseline checkout's Exchange ("now") and
// this one ("after") on sync throughput and CPU per command (all threads and the main thread alone),
// alternating, with a smaller in-flight window than the target table's, for a machine too loaded for
// the table's 50,000 in flight (the log's 5 s commit bound trips on the baseline at load ~20).
// Each run times the steady phase: `--warm` commands first (untimed: the worker threads' fresh
// isolates compile their code then), then `--commands` timed (targets.ts ExchangePhases).
//   npx tsx bench/exchange/quick-compare.ts --baseline /work/main [--commands 200000] [--warm 100000] [--runs 3] [--window 8192]

import { median } from '../common/stats.js';
import { generateWorkload } from '../engine/workloads.js';
import { load1m, loadExchange, submitManyThroughput, submitThroughput, type ExchangePhases, type ExchangeRun } from './targets.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i < 0 ? fallback : process.argv[i + 1];
}

const baseline = arg('--baseline', '/work/main');
const count = Number(arg('--commands', '200000'));
const runs = Number(arg('--runs', '3'));
const window = Number(arg('--window', '8192'));
const warm = Number(arg('--warm', '100000'));
const sides = [
  { name: 'now', impl: await loadExchange(baseline), plain: [] as ExchangeRun[], many: [] as ExchangeRun[], loads: [] as number[] },
  { name: 'after', impl: await loadExchange(process.cwd()), plain: [] as ExchangeRun[], many: [] as ExchangeRun[], loads: [] as number[] },
];
const commands = generateWorkload('mixed', { commands: warm + count, seed: 1000 });
const steady = (p: ExchangePhases): ExchangeRun => p.steady ?? p.start;
const show = (r: ExchangeRun): string =>
  `${Math.round(r.commandsPerS).toLocaleString()}/s, ${r.cpuMicrosPerCommand.toFixed(1)} µs CPU/command, main thread ${r.mainCpuMicrosPerCommand.toFixed(1)} µs`;
for (let run = 0; run < runs; run++) {
  for (const side of sides) {
    const plain = steady(await submitThroughput(side.impl, commands, window, warm));
    const many = steady(await submitManyThroughput(side.impl, commands, 1024, window, warm));
    side.plain.push(plain);
    side.many.push(many);
    side.loads.push(load1m());
    console.log(`run ${run + 1} ${side.name}: submit ${show(plain)}; submitMany ${show(many)} (load ${load1m()})`);
  }
}
const med = (list: ExchangeRun[], key: keyof ExchangeRun): number => median(list.map((r) => r[key]));
for (const side of sides) {
  console.log(
    `${side.name} (median, load ${median(side.loads).toFixed(1)}): submit ${Math.round(med(side.plain, 'commandsPerS'))}/s ${med(side.plain, 'cpuMicrosPerCommand').toFixed(1)} µs (main ${med(side.plain, 'mainCpuMicrosPerCommand').toFixed(1)}); ` +
      `submitMany ${Math.round(med(side.many, 'commandsPerS'))}/s ${med(side.many, 'cpuMicrosPerCommand').toFixed(1)} µs (main ${med(side.many, 'mainCpuMicrosPerCommand').toFixed(1)})`,
  );
}
const [now, after] = sides;
console.log(
  `after/now: submit throughput ${(med(after.plain, 'commandsPerS') / med(now.plain, 'commandsPerS')).toFixed(2)}×, submitMany ${(med(after.many, 'commandsPerS') / med(now.many, 'commandsPerS')).toFixed(2)}×; ` +
    `main-thread CPU/command submit ${(med(after.plain, 'mainCpuMicrosPerCommand') / med(now.plain, 'mainCpuMicrosPerCommand')).toFixed(2)}×, submitMany ${(med(after.many, 'mainCpuMicrosPerCommand') / med(now.many, 'mainCpuMicrosPerCommand')).toFixed(2)}×`,
);

// Why this file exists: issue 12 made every `new` remember its id (SEMANTICS.md "Order ids"): an
// index probe for duplicates, an entry write, and per trade an index probe per side to count
// fills. This prints what that costs on the mixed workload, memory off (cap 0) against the default
// cap and against a window by commands, alternating runs in one process so the ratios share the
// machine's load (2 shared cores: read ratios, not absolute rates).
//
//   npx tsx bench/engine/id-memory.ts [commands=200000] [runs=5]

import { Engine, type EngineOptions } from '../../engine/index.js';
import { generateWorkloadDetailed } from './workloads.js';

const commands = Number(process.argv[2] ?? 200_000);
const runs = Number(process.argv[3] ?? 5);
const workload = generateWorkloadDetailed('mixed', { commands, seed: 7 });
const instruments = workload.instruments.map((spec) => ({ ...spec }));

const VARIANTS: Array<{ name: string; options: Omit<EngineOptions, 'instruments'> }> = [
  { name: 'memory off (cap 0)', options: { idsRememberedPerInstrumentMax: 0 } },
  { name: 'default (16,384 per instrument)', options: {} },
  { name: 'window 100,000 commands, cap 262,144', options: { idsRememberedPerInstrumentMax: 262_144, idRetentionCommands: 100_000 } },
];

function runOnce(options: Omit<EngineOptions, 'instruments'>): number {
  const engine = new Engine({ instruments, ...options });
  const list = workload.commands;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < list.length; i++) engine.apply(list[i]);
  const ns = Number(process.hrtime.bigint() - t0);
  return list.length / (ns / 1e9);
}

const rates: number[][] = VARIANTS.map(() => []);
for (let r = 0; r < runs + 1; r++) {
  VARIANTS.forEach((v, i) => {
    const rate = runOnce(v.options);
    if (r > 0) rates[i].push(rate); // the first round warms the JIT
  });
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const base = median(rates[0]);
console.log(`mixed workload, ${commands} commands, ${runs} runs each (medians), Engine.apply`);
VARIANTS.forEach((v, i) => {
  const m = median(rates[i]);
  console.log(`${v.name.padEnd(40)} ${(m / 1e6).toFixed(2)} M commands/s   ratio vs off ${(m / base).toFixed(3)}`);
});

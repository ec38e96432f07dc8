// Why this file exists: how much of a workload's cost is the entry point (apply: a command object
// validated and event objects built) rather than matching (execute into a counting sink), and how
// much the id/account variant adds: every path × variant on the SAME seeded stream in one process,
// passes interleaved (fresh engine each), CPU ns per command by process.cpuUsage(), medians.
//
//   npx tsx bench/engine/paths.ts [--workload wide] [--commands 200000] [--passes 5]

import { Command as Cli } from 'commander';
import type { OrderCommand as Command } from '../../engine/index.js';
import { isMainModule } from '../common/main.js';
import { ENGINE_PATHS, timeEnginePass } from './run.js';
import { ID_VARIANTS, type IdVariant, withIdVariant } from './variants.js';
import { createWorkloadEngine, generateWorkloadDetailed, isWorkloadName } from './workloads.js';

const PASSES_MAX = 50;

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function main(): Promise<void> {
  const options = new Cli()
    .option('--workload <name>', 'mixed | deep | wide', 'wide')
    .option('--commands <N>', 'commands per pass', '200000')
    .option('--passes <N>', 'passes per combination', '5')
    .option('--variants <list>', 'comma-separated id variants', 'int-1acct,str-1000acct')
    .parse()
    .opts<{ workload: string; commands: string; passes: string; variants: string }>();
  if (!isWorkloadName(options.workload)) throw new Error(`unknown workload ${options.workload}`);
  const count = Number(options.commands);
  const passes = Number(options.passes);
  if (!Number.isInteger(passes) || passes < 1 || passes > PASSES_MAX) throw new RangeError(`passes must be 1..${PASSES_MAX}`);
  const variants = options.variants.split(',') as IdVariant[];
  for (const v of variants) if (!(ID_VARIANTS as readonly string[]).includes(v)) throw new Error(`unknown variant ${v}`);
  const workload = generateWorkloadDetailed(options.workload, { commands: count, seed: 1 });
  const make = () => createWorkloadEngine(workload);
  const streams = new Map<IdVariant, Command[]>(variants.map((v) => [v, withIdVariant(workload.commands, v)]));
  const combos = variants.flatMap((variant) => ENGINE_PATHS.map((path) => ({ variant, path, ns: [] as number[] })));
  for (const c of combos) timeEnginePass(c.path, streams.get(c.variant)!, Math.min(count, 50_000), make);
  for (let pass = 0; pass < passes; pass++) {
    for (const c of combos) {
      const { cpu_ms } = timeEnginePass(c.path, streams.get(c.variant)!, count, make);
      c.ns.push((cpu_ms * 1e6) / count);
    }
  }
  const { loadavg } = await import('node:os');
  console.log(`${options.workload}, ${count} commands, ${passes} passes, load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  for (const c of combos) {
    const ns = median(c.ns);
    console.log(`  ${c.variant.padEnd(14)} ${c.path.padEnd(8)} ${Math.round(ns).toString().padStart(6)} CPU ns/command  ${(1000 / ns).toFixed(2)} M per CPU-s`);
  }
}

if (isMainModule(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}

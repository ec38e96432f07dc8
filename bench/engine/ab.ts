// Why this file exists: on this shared 2-core machine (load 3–20) the CPU time of the same loop
// moves ±30% between runs and processes, so an engine change of 10–20% cannot be shown by two
// `bench:engine` runs, one before and one after. This driver loads TWO builds of engine/ into ONE
// process — a git ref's (bundled with esbuild from `git archive`) and the working tree's — and
// times them on the same seeded stream in alternating passes (A B B A A B …), each pass on a fresh
// engine, by process.cpuUsage(). Slow phases of the machine hit both alike; the figure that counts
// is the median of the per-pair ratios. The peer and memory are bench:engine's job, not this one's.
//
//   npx tsx bench/engine/ab.ts --base main [--workload mixed] [--variant str-1000acct] [--path apply]
//                              [--commands 100000] [--pairs 9] [--a-options JSON] [--b-options JSON]
//
// --a-options / --b-options merge engine options into one side, e.g. the cost of the id memory:
//   --base HEAD --b-options '{"idsRememberedPerInstrumentMax":0}'
// --memory (under node --expose-gc) prints each build's heap growth per resting order instead.

import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command as Cli } from 'commander';
import { build } from 'esbuild';
import type { Command, Engine, EngineOptions, EventSink } from '../../engine/index.js';
import { isMainModule } from '../common/main.js';
import { CountingSink, ENGINE_PATHS, type EnginePath } from './run.js';
import { ID_VARIANTS, type IdVariant, withIdVariant } from './variants.js';
import { generateWorkloadDetailed, isWorkloadName, type WorkloadName } from './workloads.js';

const PAIRS_MAX = 99;

type EngineClass = new (options: EngineOptions) => Engine;

/** Bundles `entry` (an engine/index.ts) into `outfile` and imports its Engine class. */
async function loadEngine(entry: string, outfile: string): Promise<EngineClass> {
  await build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', outfile, logLevel: 'warning', packages: 'external' });
  const mod = (await import(pathToFileURL(outfile).href)) as { Engine: EngineClass };
  return mod.Engine;
}

function cpuNs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
}

/** CPU ns per command of one pass on a fresh engine. */
function pass(EngineCtor: EngineClass, options: EngineOptions, path: EnginePath, commands: readonly Command[]): number {
  const engine = new EngineCtor(options);
  const t0 = cpuNs();
  if (path === 'apply') {
    for (let i = 0; i < commands.length; i++) engine.apply(commands[i]);
  } else {
    const sink: EventSink = new CountingSink();
    for (let i = 0; i < commands.length; i++) engine.execute(commands[i], sink);
  }
  return (cpuNs() - t0) / commands.length;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export async function main(argv: string[]): Promise<void> {
  const cli = new Cli('ab')
    .requiredOption('--base <ref>', 'git ref whose engine/ is A')
    .option('--workload <name>', 'mixed | deep | wide', 'mixed')
    .option('--variant <name>', ID_VARIANTS.join(' | '), 'str-1000acct')
    .option('--path <name>', ENGINE_PATHS.join(' | '), 'apply')
    .option('--commands <N>', 'commands per pass', '100000')
    .option('--pairs <N>', 'A/B pairs', '9')
    .option('--seed <S>', 'workload seed', '1')
    .option('--a-options <json>', 'engine options merged into A', '{}')
    .option('--b-options <json>', 'engine options merged into B', '{}')
    .option('--memory', 'instead of timing: heap growth per resting order of each build (needs node --expose-gc)', false);
  cli.parse(argv, { from: 'user' });
  const o = cli.opts<{
    base: string;
    workload: string;
    variant: string;
    path: string;
    commands: string;
    pairs: string;
    seed: string;
    aOptions: string;
    bOptions: string;
    memory: boolean;
  }>();
  if (!isWorkloadName(o.workload)) throw new Error(`unknown workload ${o.workload}`);
  if (!(ID_VARIANTS as readonly string[]).includes(o.variant)) throw new Error(`unknown variant ${o.variant}`);
  if (!(ENGINE_PATHS as readonly string[]).includes(o.path)) throw new Error(`unknown path ${o.path}`);
  const commandsCount = Number(o.commands);
  const pairs = Number(o.pairs);
  if (!Number.isSafeInteger(pairs) || pairs < 1 || pairs > PAIRS_MAX) throw new Error(`pairs must be 1..${PAIRS_MAX}`);
  const path = o.path as EnginePath;

  // Inside node_modules so the bundles' external packages (msgpackr, …) resolve as the tree's do.
  mkdirSync(resolve('node_modules/.cache'), { recursive: true });
  const dir = mkdtempSync(resolve('node_modules/.cache/engine-ab-'));
  try {
    execFileSync('sh', ['-c', `git archive ${JSON.stringify(o.base)} engine | tar -x -C ${JSON.stringify(dir)}`]);
    const A = await loadEngine(join(dir, 'engine/index.ts'), join(dir, 'a.mjs'));
    const B = await loadEngine(resolve('engine/index.ts'), join(dir, 'b.mjs'));
    const workload = generateWorkloadDetailed(o.workload as WorkloadName, { commands: commandsCount, seed: Number(o.seed) });
    const instruments = workload.instruments.map((spec) => ({ ...spec }));
    const optionsA: EngineOptions = { instruments, ...(JSON.parse(o.aOptions) as Partial<EngineOptions>) };
    const optionsB: EngineOptions = { instruments, ...(JSON.parse(o.bOptions) as Partial<EngineOptions>) };
    if (o.memory) {
      const gc = (globalThis as { gc?: () => void }).gc;
      if (gc === undefined) throw new Error('--memory needs node --expose-gc (node --expose-gc --import tsx bench/engine/ab.ts ...)');
      const heap = (): number => {
        gc();
        gc();
        const m = process.memoryUsage();
        return m.heapUsed + m.external;
      };
      // As bench:engine measures it: the variant's stream is built after the first reading and
      // dropped before the second, so the id and account strings the engine keeps are counted.
      const measure = (EngineCtor: EngineClass, options: EngineOptions): string => {
        const before = heap();
        let stream: Command[] | null = withIdVariant(workload.commands, o.variant as IdVariant);
        const engine = new EngineCtor(options);
        for (const command of stream) engine.apply(command);
        stream = null;
        const grown = heap() - before;
        const live = engine.liveOrders;
        return `${(grown / live).toFixed(0)} B per resting order (${live.toLocaleString('en-US')} resting, heap growth ${(grown / 2 ** 20).toFixed(1)} MiB)`;
      };
      console.log(`${o.workload} ${o.variant}, ${commandsCount} commands, memory`);
      for (let k = 0; k < 2; k++) {
        console.log(`  A ${o.base}: ${measure(A, optionsA)}`);
        console.log(`  B worktree: ${measure(B, optionsB)}`);
      }
      return;
    }
    const commands = withIdVariant(workload.commands, o.variant as IdVariant);
    // Warm-up: both builds optimised before any timed pass.
    for (let i = 0; i < 2; i++) {
      pass(A, optionsA, path, commands);
      pass(B, optionsB, path, commands);
    }
    const a: number[] = [];
    const b: number[] = [];
    const ratios: number[] = [];
    for (let k = 0; k < pairs; k++) {
      // A B, then B A: neither side always runs second.
      let ta: number;
      let tb: number;
      if (k % 2 === 0) {
        ta = pass(A, optionsA, path, commands);
        tb = pass(B, optionsB, path, commands);
      } else {
        tb = pass(B, optionsB, path, commands);
        ta = pass(A, optionsA, path, commands);
      }
      a.push(ta);
      b.push(tb);
      ratios.push(ta / tb);
    }
    const load = (await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ');
    const title = `${o.workload} ${o.variant} ${path}, ${commandsCount} commands, ${pairs} pairs, load ${load}`;
    console.log(title);
    if (o.aOptions !== '{}' || o.bOptions !== '{}') console.log(`  options: A ${o.aOptions}, B ${o.bOptions}`);
    console.log(`  A ${o.base}: median ${median(a).toFixed(0)} CPU ns/command (${(1e9 / median(a) / 1e6).toFixed(2)} M per CPU-s)`);
    console.log(`  B worktree: median ${median(b).toFixed(0)} CPU ns/command (${(1e9 / median(b) / 1e6).toFixed(2)} M per CPU-s)`);
    console.log(`  A ÷ B (speed-up of B): median of pair ratios ${median(ratios).toFixed(3)}, min ${Math.min(...ratios).toFixed(3)}, max ${Math.max(...ratios).toFixed(3)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (isMainModule(import.meta.url)) await main(process.argv.slice(2));

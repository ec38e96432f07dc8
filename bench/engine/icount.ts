// Why this file exists: on this shared 2-core machine (load 10–20 while four engineers work) wall
// time of the same loop varied 3–5× between runs, and even process CPU time by ±30%, so engine
// changes of 5–20% could not be seen. Instruction counts under callgrind do not depend on the load.
// Subtracting the counts of two whole runs (N and M commands) was tried first and misled: a major
// GC's incremental marking or a JIT compile landing in one run and not the other moved the
// difference 2–4× (one such pair suggested apply had become 4× costlier; per-pass counts showed
// 1.0–1.25×). So this driver brackets every timed pass with process.cpuUsage(), callgrind dumps its
// counters each time libuv's uv_getrusage is entered (--dump-before), and each pass is read from its
// own dump: start-up, generation and warm-up never mix in, and passes of one process can be compared.
// Node runs --single-threaded so compiles and GC happen on the measured thread, inside the passes.
//
//   npx tsx bench/engine/icount.ts mixed str-1000acct apply [commands=20000] [passes=3] [--cache]
//
// prints instructions (and with --cache, D1/LL misses) per command for each pass; the first pass
// still includes optimising compiles. Needs valgrind (Debian package `valgrind`). Slow: ~2–5 min.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMainModule } from '../common/main.js';
import { CountingSink, ENGINE_PATHS, type EnginePath } from './run.js';
import { ID_VARIANTS, type IdVariant, withIdVariant } from './variants.js';
import { createWorkloadEngine, generateWorkloadDetailed, isWorkloadName, WORKLOAD_COMMANDS_MAX } from './workloads.js';

const PASSES_MAX = 20;
/** Warm-up commands on a throwaway engine (untimed, no dump). */
const WARMUP_COMMANDS = 20_000;

interface Args {
  workload: string;
  variant: IdVariant;
  path: EnginePath;
  commands: number;
  passes: number;
  cache: boolean;
}

function parseArgs(argv: string[]): Args {
  const positional = argv.filter((a) => !a.startsWith('--'));
  const [workload = 'mixed', variant = 'str-1000acct', path = 'apply', commands = '20000', passes = '3'] = positional;
  if (!isWorkloadName(workload)) throw new Error(`unknown workload ${workload}`);
  if (!(ID_VARIANTS as readonly string[]).includes(variant)) throw new Error(`unknown variant ${variant}`);
  if (!(ENGINE_PATHS as readonly string[]).includes(path)) throw new Error(`unknown path ${path}`);
  const n = Number(commands);
  const p = Number(passes);
  if (!Number.isInteger(n) || n < 1 || n > WORKLOAD_COMMANDS_MAX) throw new RangeError('bad command count');
  if (!Number.isInteger(p) || p < 1 || p > PASSES_MAX) throw new RangeError(`passes must be 1..${PASSES_MAX}`);
  return { workload, variant: variant as IdVariant, path: path as EnginePath, commands: n, passes: p, cache: argv.includes('--cache') };
}

/** Under callgrind: warm up, then `passes` timed passes, each between two process.cpuUsage() calls. */
function child(args: Args): void {
  const workload = generateWorkloadDetailed(args.workload as 'mixed', { commands: Math.max(args.commands, WARMUP_COMMANDS), seed: 1 });
  const commands = withIdVariant(workload.commands, args.variant);
  const run = (count: number, timed: boolean): void => {
    const engine = createWorkloadEngine(workload);
    const sink = new CountingSink();
    if (timed) process.cpuUsage();
    if (args.path === 'apply') for (let i = 0; i < count; i++) engine.apply(commands[i]);
    else for (let i = 0; i < count; i++) engine.execute(commands[i], sink);
    if (timed) process.cpuUsage();
  };
  run(WARMUP_COMMANDS, false);
  for (let pass = 0; pass < args.passes; pass++) run(args.commands, true);
}

/** Reads the `summary:` line of each dump, in dump order; every second dump is a pass. */
function passTotals(dir: string): { events: string[]; passes: number[][] } {
  const files = readdirSync(dir)
    .filter((f) => /^cg\.out\.\d+$/.test(f))
    .sort((a, b) => Number(a.split('.')[2]) - Number(b.split('.')[2]));
  let events: string[] = [];
  const passes: number[][] = [];
  files.forEach((file, i) => {
    const text = readFileSync(join(dir, file), 'utf8');
    const e = /^events: (.*)$/m.exec(text);
    if (e !== null) events = e[1].trim().split(/\s+/);
    const s = /^summary: (.*)$/m.exec(text);
    // Dump k+1 is taken at the pass's closing cpuUsage(): it holds the pass (odd index from 0).
    if (s !== null && i % 2 === 1) passes.push(s[1].trim().split(/\s+/).map(Number));
  });
  return { events, passes };
}

function parent(args: Args): void {
  const dir = mkdtempSync(join(tmpdir(), 'matchlog-icount-'));
  try {
    const self = fileURLToPath(import.meta.url);
    const flags = ['--tool=callgrind', '--dump-before=uv_getrusage', `--callgrind-out-file=${join(dir, 'cg.out')}`];
    if (args.cache) flags.push('--cache-sim=yes');
    const argv = [args.workload, args.variant, args.path, String(args.commands), String(args.passes), '--child'];
    const result = spawnSync('valgrind', [...flags, process.execPath, '--single-threaded', '--import', 'tsx', self, ...argv], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    if (result.error !== undefined) throw new Error(`valgrind did not start (${result.error.message}); install Debian's valgrind`);
    if (result.status !== 0) throw new Error(`valgrind exited ${result.status}: ${result.stderr.slice(-2000)}`);
    const { events, passes } = passTotals(dir);
    console.log(`${args.workload} ${args.variant} ${args.path}, ${args.commands.toLocaleString('en-US')} commands per pass, per command:`);
    passes.forEach((totals, i) => {
      const cells = events.map((name, k) => `${name} ${(totals[k] / args.commands).toFixed(1)}`);
      console.log(`  pass ${i + 1}: ${cells.join(', ')}`);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (isMainModule(import.meta.url)) {
  const args = parseArgs(process.argv.slice(2));
  if (process.argv.includes('--child')) child(args);
  else parent(args);
}

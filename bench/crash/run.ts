// Why this file exists: the vitest suite runs a few dozen crash seeds of the durable exchange;
// the rare interleavings (a kill inside a checkpoint write, inside a reclaim, inside recovery
// itself) need hundreds or thousands. Same plans, same child, same checks as
// test/exchange/crash*.test.ts (shared code in test/exchange/fixtures/), run as a soak:
//
//   npx tsx bench/crash/run.ts --seeds 1000 [--first-seed 1] [--workers 1|2] [--parallel 2]
//       [--variant all|load|checkpoint|recovery|resume] [--load-ms-max 1300] [--reopen] [--keep]
//
// With --variant all (default) seed n runs variant n mod 4. Exits non-zero if any seed failed;
// a failed seed reruns alone with `--first-seed <seed> --seeds 1 --variant <variant>`.

import { Command } from 'commander';
import { runCrashSeed, type CrashSeedResult } from '../../test/exchange/fixtures/crash-harness.js';
import { CRASH_VARIANTS, crashPlan, TEST_LIMITS, type CrashVariant } from '../../test/exchange/fixtures/crash-plan.js';

const program = new Command()
  .option('--seeds <n>', 'number of seeds', (v) => Number.parseInt(v, 10), 100)
  .option('--first-seed <n>', 'first seed', (v) => Number.parseInt(v, 10), 1)
  .option('--workers <n>', 'matching workers (1 or 2)', (v) => Number.parseInt(v, 10), 1)
  .option('--parallel <n>', 'seeds run at once (mind the cores: each child runs 3-4 threads)', (v) => Number.parseInt(v, 10), 1)
  .option('--variant <name>', 'all, or one of ' + CRASH_VARIANTS.join(', '), 'all')
  .option('--load-ms-max <n>', 'longest load per child, ms', (v) => Number.parseInt(v, 10), TEST_LIMITS.loadMsMax)
  .option('--reopen', 'after the checks, close, reopen and compare the state hash again', false)
  .option('--keep', 'keep the data directory of a failed seed', false);
program.parse();
const opts = program.opts<{
  seeds: number;
  firstSeed: number;
  workers: number;
  parallel: number;
  variant: string;
  loadMsMax: number;
  reopen: boolean;
  keep: boolean;
}>();
if (opts.workers !== 1 && opts.workers !== 2) throw new Error('--workers must be 1 or 2');
if (!Number.isSafeInteger(opts.parallel) || opts.parallel < 1) throw new Error('--parallel must be a positive integer');
if (opts.variant !== 'all' && !CRASH_VARIANTS.includes(opts.variant as CrashVariant)) {
  throw new Error(`--variant must be all or one of ${CRASH_VARIANTS.join(', ')}`);
}
const workers = opts.workers as 1 | 2;
const limits = { loadMsMin: Math.min(TEST_LIMITS.loadMsMin, opts.loadMsMax), loadMsMax: opts.loadMsMax };

function variantOf(seed: number): CrashVariant {
  return opts.variant === 'all' ? CRASH_VARIANTS[seed % CRASH_VARIANTS.length] : (opts.variant as CrashVariant);
}

const results: CrashSeedResult[] = [];
const failures: Array<{ seed: number; variant: CrashVariant; message: string }> = [];
const started = Date.now();
let nextSeed = opts.firstSeed;
const lastSeed = opts.firstSeed + opts.seeds - 1;
let done = 0;

function progress(): void {
  const s = Math.round((Date.now() - started) / 1000);
  process.stdout.write(`${done}/${opts.seeds} seeds, ${failures.length} failed, ${s} s\n`);
}

async function lane(): Promise<void> {
  // Bounded by the number of seeds.
  while (nextSeed <= lastSeed) {
    const seed = nextSeed++;
    const variant = variantOf(seed);
    try {
      results.push(await runCrashSeed(crashPlan(seed, variant, workers, limits), { reopenAfterClose: opts.reopen, keepDirOnFailure: opts.keep }));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      failures.push({ seed, variant, message });
      process.stdout.write(`FAILED seed ${seed} (${variant}): ${message}\n`);
    }
    done++;
    if (done % 10 === 0 || done === opts.seeds) progress();
  }
}

await Promise.all(Array.from({ length: Math.min(opts.parallel, opts.seeds) }, () => lane()));

const median = (values: number[]): number => {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};
const killedBy: Record<string, number> = {};
for (const result of results) for (const round of result.rounds) killedBy[round.killedBy] = (killedBy[round.killedBy] ?? 0) + 1;
const summary = {
  seedsRun: done,
  passed: results.length,
  failed: failures.length,
  failures: failures.map((f) => ({ seed: f.seed, variant: f.variant, message: f.message.slice(0, 2_000) })),
  workers,
  variant: opts.variant,
  killedBy,
  recoveredFromCheckpoint: results.filter((r) => r.recovery.checkpointSeq !== null).length,
  logReclaimed: results.filter((r) => r.firstSeq > 1).length,
  commandsMedian: median(results.map((r) => r.commands)),
  ackedMedian: median(results.map((r) => r.acked)),
  unacknowledgedButRecoveredMedian: median(results.map((r) => r.commands - r.acked)),
  seedMsMedian: median(results.map((r) => r.ms)),
  seconds: Math.round((Date.now() - started) / 1000),
};
process.stdout.write(`\n${JSON.stringify(summary, null, 2)}\n`);
if (failures.length > 0) {
  process.stderr.write(`CRASH CHECK FAILED for seeds ${failures.map((f) => `${f.seed} (${f.variant})`).join(', ')}\n`);
  process.exitCode = 1;
}

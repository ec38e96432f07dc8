// Why this file exists: a handful of crash seeds in the test suite catch regressions; hundreds catch the
// rare interleavings (kill during a segment switch, a reclaim, a burst). Each seed runs
// two kill-and-verify rounds on one log (the second appends to a log that survived a
// kill). Odd seeds run the `sync` log, even seeds the `async` one (a killed process must
// lose nothing in either). Exits non-zero on the first broken promise.
//
//   tsx bench/wal/crash.ts [--seeds 300] [--first-seed 1] [--kill-ms-max 600] [--out dir|file.json]

import { Command } from 'commander';
import { crash_round, type CrashRound } from '../../test/wal/fixtures/crash-harness.js';
import { environment, loadavg_1m, median, scratch_dir, write_json } from './common.js';

const ROUNDS_PER_SEED = 2;

const program = new Command()
  .option('--seeds <n>', 'number of seeds', (v) => Number.parseInt(v, 10), 300)
  .option('--first-seed <n>', 'first seed', (v) => Number.parseInt(v, 10), 1)
  .option('--kill-ms-max <n>', 'kill at a random moment up to this many ms after ready', (v) => Number.parseInt(v, 10), 600)
  .option('--out <path>', 'write JSON to this file or directory');
program.parse();
const opts = program.opts<{ seeds: number; firstSeed: number; killMsMax: number; out?: string }>();

const env = environment();
const rounds: (CrashRound & { seed: number; round: number })[] = [];
const started = Date.now();
let failure: string | undefined;
for (let seed = opts.firstSeed; seed < opts.firstSeed + opts.seeds && failure === undefined; seed++) {
  const dir = scratch_dir('matchlog-wal-crash-');
  try {
    for (let round = 0; round < ROUNDS_PER_SEED; round++) {
      const result = await crash_round(dir.path, seed * 100 + round, opts.killMsMax, seed % 2 === 1 ? 'sync' : 'async');
      rounds.push({ ...result, seed, round });
    }
  } catch (error) {
    failure = error instanceof Error ? error.message : String(error);
  } finally {
    dir.cleanup();
  }
  const done = seed - opts.firstSeed + 1;
  if (done % 10 === 0 || failure !== undefined) {
    process.stdout.write(`${done}/${opts.seeds} seeds, ${rounds.length} kills, ${Math.round((Date.now() - started) / 1000)} s (load ${loadavg_1m()})\n`);
  }
}
const summary = {
  seeds_run: new Set(rounds.map((r) => r.seed)).size,
  kills: rounds.length,
  failure: failure ?? null,
  durable_reported_median: median(rounds.map((r) => r.durable_reported)),
  records_checked_total: rounds.reduce((sum, r) => sum + r.records_checked, 0),
  kills_after_a_reclaim: rounds.filter((r) => r.reclaim_announced > 0).length,
  kills_with_unreported_tail: rounds.filter((r) => r.last_seq > r.durable_reported).length,
  seconds: Math.round((Date.now() - started) / 1000),
};
process.stdout.write(`\n${JSON.stringify(summary, null, 2)}\n`);
write_json(opts.out, 'wal-crash', { benchmark: 'wal-crash', options: opts, environment: env, summary, rounds });
if (failure !== undefined) {
  process.stderr.write(`CRASH CHECK FAILED: ${failure}\n`);
  process.exitCode = 1;
}

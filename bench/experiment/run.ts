// Why this file exists: `npm start` — the headline experiment from the command line. It runs every
// protection mode (progress bars while it does), prints the answer as tables, and writes the
// report folder (markdown, JSON, SVG charts).
//
//   npm start -- [--orders N] [--seed S] [--rate R] [--dir DIR] [--report DIR] [--modes a,b] [--quick]

import { Command as Cli, CommanderError, InvalidArgumentError } from 'commander';
import cliProgress from 'cli-progress';
import Table from 'cli-table3';
import { isMainModule } from '../common/main.js';
import { EXPERIMENT_DEFAULTS, EXPERIMENT_QUICK, runExperiment, type ExperimentOptions, type ExperimentUi } from './experiment.js';
import { MODE_NAMES, type ModeName } from './modes.js';
import { writeReport } from './report.js';
import { crashTable, dumpTable, headlineTable, protectingTable, replicatedTable, type TableData } from './tables.js';
import { runReplicatedExperiment } from './replicated.js';
import { EXPERIMENT_COMMANDS_MAX } from './workload.js';
import { SEED_MAX, SEED_MIN } from '../common/rng.js';

export const REPORT_DIR_DEFAULT = 'matchlog-report';

function integer(name: string, min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}`);
    }
    return n;
  };
}

function modeList(value: string): ModeName[] {
  const modes = value.split(',').map((m) => m.trim());
  for (const mode of modes) {
    if (!(MODE_NAMES as readonly string[]).includes(mode)) throw new InvalidArgumentError(`unknown mode ${mode} (known: ${MODE_NAMES.join(', ')})`);
  }
  return modes as ModeName[];
}

function printTable(table: TableData): void {
  // Colours only on a terminal: logs and files get plain text.
  const tty = process.stdout.isTTY === true;
  const t = new Table({ head: table.head, style: { head: tty ? ['cyan'] : [], border: tty ? ['grey'] : [] } });
  for (const row of table.rows) t.push(row);
  process.stdout.write(`\n${table.title}\n${t.toString()}\n`);
}

/** Progress bars on a terminal; one line per phase otherwise (CI logs). */
function progressUi(options: ExperimentOptions): { ui: ExperimentUi; stop(): void } {
  if (!process.stdout.isTTY) {
    const last = new Map<string, string>();
    return {
      ui: {
        phase: (mode, phase) => {
          if (phase === 'load' && last.get(mode) === 'load') return;
          last.set(mode, phase);
          process.stdout.write(`${mode}: ${phase}\n`);
        },
        done: (result) =>
          process.stdout.write(`${result.plan.name}: done — ${result.loss.acked_orders_lost} acked orders lost, ready in ${result.recovery.ready_ms.toFixed(0)} ms\n`),
      },
      stop: () => undefined,
    };
  }
  const bars = new cliProgress.MultiBar(
    { format: ' {mode} [{bar}] {value}/{total} acked | {phase}', hideCursor: true, clearOnComplete: false, barsize: 30 },
    cliProgress.Presets.shades_classic,
  );
  const byMode = new Map<string, cliProgress.SingleBar>();
  for (const mode of options.modes) byMode.set(mode, bars.create(options.orders, 0, { mode: mode.padEnd(8), phase: 'waiting' }));
  return {
    ui: {
      phase: (mode, phase, acked) => byMode.get(mode)?.update(acked, { phase }),
      done: (result) =>
        byMode.get(result.plan.name)?.update(result.crash.acked, {
          phase: `done: ${result.loss.acked_orders_lost.toLocaleString('en-US')} acked orders lost, ready in ${result.recovery.ready_ms.toFixed(0)} ms`,
        }),
    },
    stop: () => bars.stop(),
  };
}

/** Runs the experiment; bad options throw commander's CommanderError (exit code 1 from the CLI). */
export async function main(argv: string[]): Promise<void> {
  const cli = new Cli()
    .name('npm start --')
    .description('Crash the exchange under each protection mode (cold, warm, hot VM-style snapshots and matchlog) and measure what comes back.')
    .option('--orders <N>', 'commands acknowledged before the crash', integer('--orders', 1_000, EXPERIMENT_COMMANDS_MAX / 2))
    .option('--seed <S>', 'workload seed', integer('--seed', SEED_MIN, SEED_MAX))
    .option('--rate <R>', 'offered load, commands per second', integer('--rate', 100, 10_000_000))
    .option('--dir <DIR>', 'data directory of the runs (emptied first)', EXPERIMENT_DEFAULTS.dir)
    .option('--report <DIR>', 'report folder', REPORT_DIR_DEFAULT)
    .option('--modes <list>', `modes to run, comma-separated (default: ${MODE_NAMES.join(',')})`, modeList)
    .option('--quick', `a small run for CI and first tries (${EXPERIMENT_QUICK.orders.toLocaleString('en-US')} commands)`)
    .option('--no-replicated', 'skip the replicated row (two members on a JetStream cluster; needs nats-server)')
    .exitOverride();
  cli.parse(argv, { from: 'user' });
  const o = cli.opts<{ orders?: number; seed?: number; rate?: number; dir: string; report: string; modes?: ModeName[]; quick?: boolean; replicated: boolean }>();
  const base = o.quick ? { ...EXPERIMENT_DEFAULTS, ...EXPERIMENT_QUICK } : EXPERIMENT_DEFAULTS;
  const options: ExperimentOptions = {
    orders: o.orders ?? base.orders,
    seed: o.seed ?? base.seed,
    rate_per_s: o.rate ?? base.rate_per_s,
    window_ms: base.window_ms,
    warmup_ms: base.warmup_ms,
    dir: o.dir,
    modes: o.modes ?? base.modes,
  };
  process.stdout.write(
    `matchlog experiment: ${options.orders.toLocaleString('en-US')} commands at ${options.rate_per_s.toLocaleString('en-US')}/s, ` +
      `modes ${options.modes.join(', ')}, seed ${options.seed}\n`,
  );
  const progress = progressUi(options);
  let result;
  try {
    result = await runExperiment(options, progress.ui);
  } finally {
    progress.stop();
  }
  if (o.replicated) {
    // A Raft round trip per acknowledgement: the row runs at a rate a loopback R3 stream sustains
    // on this machine (bench:replicated measures its ceiling), on a share of the run's commands.
    const replicated = { commands: Math.min(options.orders, o.quick ? 6_000 : 30_000), rate_per_s: Math.min(options.rate_per_s, o.quick ? 2_000 : 4_000), seed: options.seed, dir: options.dir };
    process.stdout.write(`replicated: ${replicated.commands.toLocaleString('en-US')} commands at ${replicated.rate_per_s.toLocaleString('en-US')}/s over two members\n`);
    result.replicated = await runReplicatedExperiment(replicated, (what) => process.stdout.write(`replicated: ${what}\n`));
  }
  const tables = [headlineTable(result), protectingTable(result), crashTable(result), dumpTable(result)];
  if (result.replicated !== undefined) tables.push(replicatedTable(result.replicated));
  for (const table of tables) printTable(table);
  const written = await writeReport(o.report, result);
  process.stdout.write(`\nReport: ${written.markdown}\nCharts: ${written.charts.join(', ')}\nRaw:    ${written.json}\n`);
  process.stdout.write(`Finished in ${(result.elapsed_ms / 1000).toFixed(0)} s.\n`);
}

if (isMainModule(import.meta.url)) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    // commander has already printed its own usage errors (and --help).
    if (!(error instanceof CommanderError)) process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = error instanceof CommanderError ? error.exitCode : 1;
  });
}

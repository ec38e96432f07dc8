// Why this file exists: the command-line face of the engine throughput/latency harness (issue 2):
// parses options, runs bench/engine/run.ts, prints tables (cli-table3) with the targets,
// and optionally writes DIR/engine-bench.json + DIR/engine-bench.md to compare commits. It also
// re-exports the harness and workload API so other benches import one module.
//
//   npm run bench:engine -- --quick
//   npm run bench:engine -- --workload mixed --runs 7 --out matchlog-report
//   node --expose-gc --import tsx bench/engine/harness.ts   (gc flag: exact heap figures)

import Table from 'cli-table3';
import { Command as Cli, InvalidArgumentError, Option } from 'commander';
import { isMainModule } from '../common/main.js';
import { environmentLine, markdownTable, writeResults } from '../common/results.js';
import { formatInt, formatNs, formatRate, formatRatio } from '../common/stats.js';
import {
  ENGINE_BENCH_DEFAULTS,
  ENGINE_PATHS,
  type EngineBenchOptions,
  type EngineBenchResult,
  type EnginePath,
  runEngineBench,
  RUNS_MAX,
} from './run.js';
import { WORKLOAD_COMMANDS_MAX, WORKLOAD_NAMES, type WorkloadName } from './workloads.js';

export * from './run.js';
export * from './workloads.js';

/** Issue 2's targets. */
export const TARGETS = Object.freeze({
  mixed_commands_per_s_min: 5_000_000,
  latency_ns_p99_max: 2_000,
  mixed_ratio_vs_peer_min: 30,
  deep_ratio_vs_peer_min: 50,
});

/** --quick: a smoke run that finishes in a few seconds. */
const QUICK = Object.freeze({
  commands: 50_000,
  runs: 3,
  peer_runs: 1,
  warmup_commands: 50_000,
  peer_deep_commands: 50_000,
});

export const RESULTS_BASENAME = 'engine-bench';

export interface TargetCheck {
  what: string;
  target: string;
  measured: string;
  met: boolean;
}

export function checkTargets(result: EngineBenchResult): TargetCheck[] {
  const checks: TargetCheck[] = [];
  for (const w of result.workloads) {
    for (const p of w.engine.paths) {
      if (w.workload === 'mixed') {
        const rate = p.throughput.commands_per_s_median;
        checks.push({
          what: `mixed commands/s, one thread (${p.path})`,
          target: `≥ ${formatRate(TARGETS.mixed_commands_per_s_min)}`,
          measured: formatRate(rate),
          met: rate >= TARGETS.mixed_commands_per_s_min,
        });
      }
      if (p.latency !== null) {
        const p99 = p.latency.latency_ns_p99;
        checks.push({
          what: `${w.workload} latency p99 (${p.path})`,
          target: `≤ ${formatNs(TARGETS.latency_ns_p99_max)}`,
          measured: formatNs(p99),
          met: p99 <= TARGETS.latency_ns_p99_max,
        });
      }
      if (p.ratio_vs_peer !== null && w.peer !== null) {
        const wanted = w.workload === 'mixed' ? TARGETS.mixed_ratio_vs_peer_min : TARGETS.deep_ratio_vs_peer_min;
        checks.push({
          what: `${w.workload} vs peer, same ${formatInt(w.peer.commands)} commands (${p.path})`,
          target: `≥ ${wanted}×`,
          measured: formatRatio(p.ratio_vs_peer),
          met: p.ratio_vs_peer >= wanted,
        });
      }
    }
    checks.push({
      what: `${w.workload} verification (0 rejects, trades and live orders as generated)`,
      target: 'ok',
      measured: w.engine.verification.ok ? 'ok' : 'FAILED',
      met: w.engine.verification.ok,
    });
    if (w.peer !== null) {
      const agrees = w.peer.cancel_failures === 0 && w.peer.errors === 0 && w.peer.book_matches_engine;
      checks.push({
        what: `${w.workload} peer agrees (cancels succeed, same final book)`,
        target: 'ok',
        measured: agrees ? 'ok' : `cancel failures ${w.peer.cancel_failures}, errors ${w.peer.errors}, book ${w.peer.book_matches_engine ? 'same' : 'differs'}`,
        met: agrees,
      });
    }
  }
  return checks;
}

interface Tables {
  head: string[];
  rows: string[][];
}

function workloadTable(result: EngineBenchResult): Tables {
  const head = ['workload', 'commands', 'resting orders', 'levels', 'trades', 'commands with trades', 'market remainders', 'fingerprint'];
  const rows = result.workloads.map((w) => [
    w.workload,
    formatInt(w.commands),
    formatInt(w.stats.resting_orders),
    formatInt(w.stats.levels),
    formatInt(w.stats.trades),
    formatInt(w.stats.commands_with_trades),
    formatInt(w.stats.market_remainders),
    w.stats.stream_fingerprint,
  ]);
  return { head, rows };
}

function throughputTable(result: EngineBenchResult): Tables {
  const head = ['workload', 'path', 'commands', 'cmd/s (median)', 'min – max', 'runs', 'peer commands', 'matchlog on same', 'peer cmd/s (median)', 'ratio'];
  const rows: string[][] = [];
  for (const w of result.workloads) {
    for (const p of w.engine.paths) {
      const t = p.throughput;
      const same = p.throughput_on_peer_commands ?? t;
      rows.push([
        w.workload,
        p.path,
        formatInt(w.commands),
        formatRate(t.commands_per_s_median),
        `${formatRate(t.commands_per_s_min)} – ${formatRate(t.commands_per_s_max)}`,
        String(t.runs),
        w.peer === null ? '—' : formatInt(w.peer.commands),
        w.peer === null ? '—' : formatRate(same.commands_per_s_median),
        w.peer === null ? '—' : `${formatRate(w.peer.throughput.commands_per_s_median)} (${w.peer.throughput.runs} runs)`,
        p.ratio_vs_peer === null ? '—' : formatRatio(p.ratio_vs_peer),
      ]);
    }
  }
  return { head, rows };
}

function latencyTable(result: EngineBenchResult): Tables {
  const head = ['workload', 'path', 'p50', 'p90', 'p99', 'p99.9', 'max', 'mean', 'runs'];
  const rows: string[][] = [];
  for (const w of result.workloads) {
    for (const p of w.engine.paths) {
      const l = p.latency;
      if (l === null) continue;
      rows.push([
        w.workload,
        p.path,
        formatNs(l.latency_ns_p50),
        formatNs(l.latency_ns_p90),
        formatNs(l.latency_ns_p99),
        formatNs(l.latency_ns_p999),
        formatNs(l.latency_ns_max),
        formatNs(l.latency_ns_mean),
        String(l.runs.length),
      ]);
    }
  }
  return { head, rows };
}

function memoryTable(result: EngineBenchResult): Tables {
  const head = ['workload', 'resting orders', 'typed arrays', 'B/order typed arrays', 'heap growth', 'B/order heap', 'peer heap growth', 'peer B/order heap'];
  const rows: string[][] = [];
  for (const w of result.workloads) {
    const m = w.engine.memory;
    if (m === null) continue;
    const pm = w.peer?.memory ?? null;
    rows.push([
      w.workload,
      formatInt(m.live_orders),
      formatBytes(m.engine_typed_array_bytes),
      formatInt(m.engine_typed_array_bytes_per_order),
      formatBytes(m.heap_delta_bytes),
      formatInt(m.heap_delta_bytes_per_order),
      pm === null ? '—' : `${formatBytes(pm.heap_delta_bytes)} (${formatInt(pm.live_orders)} resting)`,
      pm === null ? '—' : formatInt(pm.heap_delta_bytes_per_order),
    ]);
  }
  return { head, rows };
}

function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '—';
  return `${(bytes / 1048576).toFixed(1)} MiB`;
}

function notes(result: EngineBenchResult): string[] {
  const lines = [
    `Latency: each command (apply or execute call) timed on its own with performance.now() in a separate pass; samples include the timer's own cost, measured as p50 ${result.timer_overhead.latency_ns_p50} ns / p99 ${result.timer_overhead.latency_ns_p99} ns for an empty pair (nothing subtracted). Percentiles are medians over runs.`,
    'Throughput: one fresh engine per run, the whole loop timed once (no per-command timers); median over runs, paths interleaved. Streams are generated before timing; a warm-up runs first on throwaway engines.',
    'No GC is forced before timed runs: a forced GC deoptimises the hot engine code (V8 "weak objects") and the next ~50k commands run 2–3× slower; forced GCs are confined to the untimed memory pass, which precedes the warm-up.',
    'Paths: execute = engine.execute(cmd, sink) with a sink that only counts events (allocation-free); apply = engine.apply(cmd) returning EngineEvent objects.',
    'Memory: typed arrays = engine.memoryBytes() (allocated capacity) / resting orders; heap = growth of heapUsed + external after full GCs while building the book / resting orders.',
    'Peer: nodejs-order-book, same commands mapped to limit()/market()/cancel() with string ids; ratio = matchlog ÷ peer medians on the same commands.',
  ];
  const deep = result.workloads.find((w) => w.workload === 'deep');
  if (deep?.peer && deep.peer.commands < deep.commands) {
    lines.push(`The peer ran only the first ${formatInt(deep.peer.commands)} of ${formatInt(deep.commands)} deep commands (it slows as the book deepens); the deep ratio compares both on that prefix.`);
  }
  if (result.gc === 'unavailable') lines.push('No gc function was available: heap figures are not measured.');
  return lines;
}

export function formatEngineBenchMarkdown(result: EngineBenchResult): string {
  const parts: string[] = [
    '# Engine bench',
    '',
    environmentLine(result.environment),
    '',
    `Seed ${result.options.seed}, ${result.options.runs} runs (peer ${result.options.peer_runs}), ${formatInt(result.options.commands)} commands per workload.`,
    '',
  ];
  for (const [title, table] of [
    ['Workloads', workloadTable(result)],
    ['Throughput', throughputTable(result)],
    ['Latency per command', latencyTable(result)],
    ['Memory', memoryTable(result)],
  ] as const) {
    parts.push(`## ${title}`, '', markdownTable(table.head, table.rows), '');
  }
  const checks = checkTargets(result);
  parts.push('## Targets (issue 2)', '', markdownTable(['what', 'target', 'measured', 'met'], checks.map((c) => [c.what, c.target, c.measured, c.met ? 'yes' : 'NO'])), '');
  parts.push('## Notes', '', ...notes(result).map((line) => `- ${line}`), '');
  return parts.join('\n');
}

export function printEngineBench(result: EngineBenchResult, write: (text: string) => void = console.log): void {
  const print = (title: string, table: Tables): void => {
    const t = new Table({ head: table.head, style: { head: [], border: [] } });
    for (const row of table.rows) t.push(row);
    write(`\n${title}\n${t.toString()}`);
  };
  write(`\n${environmentLine(result.environment)}`);
  print('Workloads', workloadTable(result));
  print('Throughput', throughputTable(result));
  print('Latency per command', latencyTable(result));
  print('Memory', memoryTable(result));
  const checks = checkTargets(result);
  print('Targets (issue 2)', { head: ['what', 'target', 'measured', 'met'], rows: checks.map((c) => [c.what, c.target, c.measured, c.met ? 'yes' : 'NO']) });
  write(notes(result).map((line) => `* ${line}`).join('\n'));
}

function integerIn(name: string, lowest: number, highest: number): (value: string) => number {
  return (value: string): number => {
    const parsed = Number(value);
    if (!Number.isSafeInteger(parsed) || parsed < lowest || parsed > highest) {
      throw new InvalidArgumentError(`${name} must be an integer in ${lowest}..${highest}`);
    }
    return parsed;
  };
}

interface CliOptions {
  commands?: number;
  seed: number;
  runs?: number;
  peerRuns?: number;
  peerDeepCommands?: number;
  warmup?: number;
  workload: 'all' | WorkloadName;
  path: 'all' | EnginePath;
  out?: string;
  quick: boolean;
  peer: boolean;
  latency: boolean;
  memory: boolean;
}

export async function main(argv: string[] = process.argv): Promise<EngineBenchResult> {
  const cli = new Cli()
    .name('bench:engine')
    .description('matchlog engine throughput / latency / memory on seeded workloads, vs nodejs-order-book')
    .option('--commands <N>', `commands per workload (default ${ENGINE_BENCH_DEFAULTS.commands})`, integerIn('commands', 1, WORKLOAD_COMMANDS_MAX))
    .option('--seed <S>', 'workload seed (32-bit integer)', integerIn('seed', -0x8000_0000, 0x7fff_ffff), ENGINE_BENCH_DEFAULTS.seed)
    .option('--runs <R>', `timed runs per measurement (default ${ENGINE_BENCH_DEFAULTS.runs})`, integerIn('runs', 1, RUNS_MAX))
    .option('--peer-runs <R>', `timed runs of the peer (default ${ENGINE_BENCH_DEFAULTS.peer_runs})`, integerIn('peer-runs', 1, RUNS_MAX))
    .option('--peer-deep-commands <N>', `peer runs deep on this prefix only, 0 = all (default ${ENGINE_BENCH_DEFAULTS.peer_deep_commands})`, integerIn('peer-deep-commands', 0, WORKLOAD_COMMANDS_MAX))
    .option('--warmup <N>', `warm-up commands (default ${ENGINE_BENCH_DEFAULTS.warmup_commands})`, integerIn('warmup', 0, WORKLOAD_COMMANDS_MAX))
    .addOption(new Option('--workload <name>', 'workload').choices(['all', ...WORKLOAD_NAMES]).default('all'))
    .addOption(new Option('--path <name>', 'engine entry point').choices(['all', ...ENGINE_PATHS]).default('all'))
    .option('--out <DIR>', `write DIR/${RESULTS_BASENAME}.json and .md`)
    .option('--quick', `smoke run: ${QUICK.commands} commands, ${QUICK.runs} runs`, false)
    .option('--no-peer', 'skip nodejs-order-book')
    .option('--no-latency', 'skip the per-command latency pass')
    .option('--no-memory', 'skip the memory measurement')
    .parse(argv);
  const o = cli.opts<CliOptions>();
  const base = o.quick ? { ...ENGINE_BENCH_DEFAULTS, ...QUICK } : ENGINE_BENCH_DEFAULTS;
  const options: EngineBenchOptions = {
    ...base,
    workloads: o.workload === 'all' ? [...WORKLOAD_NAMES] : [o.workload],
    paths: o.path === 'all' ? [...ENGINE_PATHS] : [o.path],
    commands: o.commands ?? base.commands,
    seed: o.seed,
    runs: o.runs ?? base.runs,
    peer_runs: o.peerRuns ?? base.peer_runs,
    peer_deep_commands: o.peerDeepCommands ?? base.peer_deep_commands,
    warmup_commands: o.warmup ?? base.warmup_commands,
    peer: o.peer,
    latency: o.latency,
    memory: o.memory,
    log: (line: string) => console.error(line),
  };
  const result = await runEngineBench(options);
  printEngineBench(result);
  if (o.out !== undefined) {
    const written = writeResults(o.out, RESULTS_BASENAME, result, formatEngineBenchMarkdown(result));
    console.log(`\nwrote ${written.json_path} and ${written.markdown_path}`);
  }
  return result;
}

if (isMainModule(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}

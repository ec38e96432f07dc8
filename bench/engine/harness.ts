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
import { ID_VARIANT_TITLES, ID_VARIANTS, type IdVariant } from './variants.js';
import { WORKLOAD_COMMANDS_MAX, WORKLOAD_NAMES, type WorkloadName } from './workloads.js';

export * from './run.js';
export * from './workloads.js';
export * from './variants.js';

/** Issue 2's targets, as issue 11 raised them for string ids and many accounts. */
export const TARGETS = Object.freeze({
  /** execute, integer ids, 1 account. */
  mixed_commands_per_s_min: 5_000_000,
  latency_ns_p99_max: 2_000,
  /** apply, string ids, 1,000 accounts, same commands as the peer. */
  mixed_ratio_vs_peer_min: 30,
  deep_ratio_vs_peer_min: 50,
  /** apply, string ids (1,000 accounts). */
  wide_commands_per_s_min: 2_000_000,
  /** Goal: heap growth per resting order with string ids (1,000 accounts). */
  string_id_bytes_per_order_max: 120,
  /** String ids cost at most this much over integer ids (same workload, path, run). */
  string_id_slowdown_max: 1.2,
});

/** The variant each issue-11 target is stated for. */
const TARGET_VARIANT: IdVariant = 'str-1000acct';

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
      const label = `${p.path}, ${ID_VARIANT_TITLES[p.variant]}`;
      if (w.workload === 'mixed' && p.path === 'execute' && p.variant === 'int-1acct') {
        const rate = p.throughput.cpu_commands_per_s_median;
        checks.push({
          what: `mixed commands per CPU-second, one thread (${label})`,
          target: `≥ ${formatRate(TARGETS.mixed_commands_per_s_min)}`,
          measured: formatRate(rate),
          met: rate >= TARGETS.mixed_commands_per_s_min,
        });
      }
      if (w.workload === 'wide' && p.path === 'apply' && p.variant === TARGET_VARIANT) {
        const rate = p.throughput.cpu_commands_per_s_median;
        checks.push({
          what: `wide commands per CPU-second (${label})`,
          target: `≥ ${formatRate(TARGETS.wide_commands_per_s_min)}`,
          measured: formatRate(rate),
          met: rate >= TARGETS.wide_commands_per_s_min,
        });
      }
      if (p.latency !== null && p.variant === 'int-1acct') {
        const p99 = p.latency.latency_ns_p99;
        checks.push({
          what: `${w.workload} latency p99 (${label})`,
          target: `≤ ${formatNs(TARGETS.latency_ns_p99_max)}`,
          measured: formatNs(p99),
          met: p99 <= TARGETS.latency_ns_p99_max,
        });
      }
      if (p.ratio_vs_peer !== null && w.peer !== null && p.path === 'apply' && p.variant === TARGET_VARIANT) {
        const wanted = w.workload === 'mixed' ? TARGETS.mixed_ratio_vs_peer_min : TARGETS.deep_ratio_vs_peer_min;
        checks.push({
          what: `${w.workload} vs peer, same ${formatInt(w.peer.commands)} commands, CPU time (${label})`,
          target: `≥ ${wanted}×`,
          measured: `${formatRatio(p.ratio_vs_peer)} (wall ${p.ratio_vs_peer_wall === null ? '—' : formatRatio(p.ratio_vs_peer_wall)})`,
          met: p.ratio_vs_peer >= wanted,
        });
      }
      if (p.variant !== 'int-1acct') {
        const base = w.engine.paths.find((q) => q.path === p.path && q.variant === 'int-1acct');
        if (base !== undefined) {
          const slowdown = base.throughput.cpu_commands_per_s_median / p.throughput.cpu_commands_per_s_median;
          checks.push({
            what: `${w.workload} integer ÷ string ids commands per CPU-s (${label})`,
            target: `≤ ${TARGETS.string_id_slowdown_max.toFixed(2)}`,
            measured: slowdown.toFixed(2),
            met: slowdown <= TARGETS.string_id_slowdown_max,
          });
        }
      }
    }
    const m = w.engine.memory.find((x) => x.variant === TARGET_VARIANT);
    if (m !== undefined && Number.isFinite(m.heap_delta_bytes_per_order)) {
      checks.push({
        what: `${w.workload} heap per resting order (${ID_VARIANT_TITLES[TARGET_VARIANT]}; goal)`,
        target: `≤ ${TARGETS.string_id_bytes_per_order_max} B`,
        measured: `${formatInt(m.heap_delta_bytes_per_order)} B`,
        met: m.heap_delta_bytes_per_order <= TARGETS.string_id_bytes_per_order_max,
      });
    }
    checks.push({
      what: `${w.workload} verification, every variant (0 rejects, trades and live orders as generated)`,
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
  const head = ['workload', 'commands', 'resting orders', 'levels', 'trades', 'commands with trades', 'market remainders', 'fingerprint', 'load (1 min) before – after'];
  const rows = result.workloads.map((w) => [
    w.workload,
    formatInt(w.commands),
    formatInt(w.stats.resting_orders),
    formatInt(w.stats.levels),
    formatInt(w.stats.trades),
    formatInt(w.stats.commands_with_trades),
    formatInt(w.stats.market_remainders),
    w.stats.stream_fingerprint,
    `${w.load_average_1m[0]} – ${w.load_average_1m[1]}`,
  ]);
  return { head, rows };
}

function throughputTable(result: EngineBenchResult): Tables {
  const head = [
    'workload',
    'ids, accounts',
    'path',
    'commands',
    'per CPU-s (median)',
    'min – max',
    'cmd/s wall (median)',
    'runs',
    'peer commands',
    'matchlog on same, per CPU-s',
    'peer per CPU-s (median)',
    'ratio CPU (wall)',
  ];
  const rows: string[][] = [];
  for (const w of result.workloads) {
    for (const p of w.engine.paths) {
      const t = p.throughput;
      const same = p.throughput_on_peer_commands ?? t;
      rows.push([
        w.workload,
        ID_VARIANT_TITLES[p.variant],
        p.path,
        formatInt(w.commands),
        formatRate(t.cpu_commands_per_s_median),
        `${formatRate(t.cpu_commands_per_s_min)} – ${formatRate(t.cpu_commands_per_s_max)}`,
        formatRate(t.commands_per_s_median),
        String(t.runs),
        w.peer === null ? '—' : formatInt(w.peer.commands),
        w.peer === null ? '—' : formatRate(same.cpu_commands_per_s_median),
        w.peer === null ? '—' : `${formatRate(w.peer.throughput.cpu_commands_per_s_median)} (${w.peer.throughput.runs} runs)`,
        p.ratio_vs_peer === null ? '—' : `${formatRatio(p.ratio_vs_peer)} (${p.ratio_vs_peer_wall === null ? '—' : formatRatio(p.ratio_vs_peer_wall)})`,
      ]);
    }
  }
  return { head, rows };
}

function latencyTable(result: EngineBenchResult): Tables {
  const head = ['workload', 'ids, accounts', 'path', 'p50', 'p90', 'p99', 'p99.9', 'max', 'mean', 'runs'];
  const rows: string[][] = [];
  for (const w of result.workloads) {
    for (const p of w.engine.paths) {
      const l = p.latency;
      if (l === null) continue;
      rows.push([
        w.workload,
        ID_VARIANT_TITLES[p.variant],
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
  const head = ['workload', 'ids, accounts', 'resting orders', 'typed arrays', 'B/order typed arrays', 'heap growth', 'B/order heap', 'peer heap growth', 'peer B/order heap'];
  const rows: string[][] = [];
  for (const w of result.workloads) {
    for (const m of w.engine.memory) {
    const pm = w.peer?.memory ?? null;
    rows.push([
      w.workload,
      ID_VARIANT_TITLES[m.variant],
      formatInt(m.live_orders),
      formatBytes(m.engine_typed_array_bytes),
      formatInt(m.engine_typed_array_bytes_per_order),
      formatBytes(m.heap_delta_bytes),
      formatInt(m.heap_delta_bytes_per_order),
      pm === null ? '—' : `${formatBytes(pm.heap_delta_bytes)} (${formatInt(pm.live_orders)} resting)`,
      pm === null ? '—' : formatInt(pm.heap_delta_bytes_per_order),
    ]);
    }
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
    'Throughput: one fresh engine per run, the whole loop timed once (no per-command timers); median over runs, paths interleaved. Streams are generated before timing; a warm-up runs first on throwaway engines. Rates are per CPU-second of the whole process (process.cpuUsage over the loop: every thread, GC and compilers included), the figures targets and ratios use: on a shared machine wall time stretches with the load average (the process waits for a core) while CPU time mostly does not; the wall-clock median is shown beside it.',
    'No GC is forced before timed runs: a forced GC deoptimises the hot engine code (V8 "weak objects") and the next ~50k commands run 2–3× slower; forced GCs are confined to the untimed memory pass, which precedes the warm-up.',
    'Paths: execute = engine.execute(cmd, sink) with a sink that only counts events (allocation-free); apply = engine.apply(cmd) returning EngineEvent objects.',
    'Memory: typed arrays = engine.memoryBytes() (allocated capacity) / resting orders; heap = growth of heapUsed + external after full GCs while building the book / resting orders.',
    'Peer: nodejs-order-book, same commands mapped to limit()/market()/cancel() with string ids; ratio = matchlog ÷ peer medians on the same commands. The peer has one book and no modify, so it does not run `wide`.',
    'Variants (bench/engine/variants.ts): the same seeded stream with integer ids and one account, string client ids (13 UTF-16 units, a fresh string object per command as if parsed off the wire) with one account, with 1,000 accounts, and with a new account per order. STP is off, so every variant makes the same trades and book.',
    'wide (bench/engine/wide.ts): 40% of the stream builds passive limits over ±3,000 ticks on 4 instruments (drawn at random), then 30% limits / 35% cancels / 35% modifies of random live orders; nothing crosses.',
    'Memory per variant: heap growth includes the id and account strings the engine keeps (the stream is built after the first reading and dropped before the second).',
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
  parts.push('## Targets (issues 2 and 11)', '', markdownTable(['what', 'target', 'measured', 'met'], checks.map((c) => [c.what, c.target, c.measured, c.met ? 'yes' : 'NO'])), '');
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
  print('Targets (issues 2 and 11)', { head: ['what', 'target', 'measured', 'met'], rows: checks.map((c) => [c.what, c.target, c.measured, c.met ? 'yes' : 'NO']) });
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
  variant: 'all' | IdVariant;
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
    .addOption(new Option('--variant <name>', 'id/account variant of every stream').choices(['all', ...ID_VARIANTS]).default('all'))
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
    variants: o.variant === 'all' ? [...ID_VARIANTS] : [o.variant],
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

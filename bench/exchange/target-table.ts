// Why this file exists: `npm run bench:exchange` prints issue 9's target table: each figure for
// a baseline checkout ("now", e.g. --baseline /work/main) and for this one ("after"), measured in
// one run, alternating, with the 1-minute load average beside each. Medians over --runs.

import { markdownTable } from '../common/results.js';
import { median } from '../common/stats.js';
import { BENCH_INSTRUMENT, generateWorkload } from '../engine/workloads.js';
import {
  exchangeLatencyP99Ms,
  load1m,
  loadExchange,
  rawLmdbLatencyP99Ms,
  rawLmdbThroughput,
  recoveryFloorMs,
  recoveryRun,
  submitManyThroughput,
  submitThroughput,
  type ExchangeClass,
  type ExchangeRun,
} from './targets.js';

export interface TargetOptions {
  /** This checkout and, optionally, a baseline checkout to compare with. */
  root: string;
  baseline: string | null;
  commands: number;
  /**
   * Commands each exchange runs before the measured ones (its fresh worker isolates compile their
   * code meanwhile): throughput and CPU are reported for both phases, latency for the steady one.
   */
  warm: number;
  runs: number;
  rateSeconds: number;
  recoveryResting: number;
  recoveryTail: number;
  /** Only the recovery and replay rows, over `runs` alternating runs. */
  recoveryOnly?: boolean;
  log: (line: string) => void;
}

/** Commands in flight for plain `submit` ("many in flight"). */
const SUBMIT_WINDOW = 50_000;
const MANY_BATCH = 1024;
const MANY_WINDOW = 32_768;

interface Side {
  name: string;
  root: string;
  impl: ExchangeClass;
  figures: Map<string, { value: number; load: number }[]>;
}

function note(side: Side, key: string, value: number): void {
  const list = side.figures.get(key) ?? [];
  list.push({ value, load: load1m() });
  side.figures.set(key, list);
}

function cell(side: Side | null, key: string, digits: number, suffix = ''): string {
  const list = side?.figures.get(key);
  if (list === undefined || list.length === 0) return '—';
  const value = median(list.map((f) => f.value));
  const load = median(list.map((f) => f.load));
  return `${value.toFixed(digits)}${suffix} (load ${load.toFixed(1)})`;
}

/** Two figures of one side in one cell: `a / b (load …)`. */
function pair(side: Side | null, a: string, b: string, digits: number): string {
  const first = side?.figures.get(a);
  const second = side?.figures.get(b);
  if (first === undefined || second === undefined || first.length === 0 || second.length === 0) return '—';
  const load = median([...first, ...second].map((f) => f.load));
  return `${median(first.map((f) => f.value)).toFixed(digits)} / ${median(second.map((f) => f.value)).toFixed(digits)} (load ${load.toFixed(1)})`;
}

export async function runTargetTable(o: TargetOptions): Promise<string> {
  const sides: Side[] = [];
  if (o.baseline !== null) sides.push({ name: 'now', root: o.baseline, impl: await loadExchange(o.baseline), figures: new Map() });
  sides.push({ name: 'after', root: o.root, impl: await loadExchange(o.root), figures: new Map() });
  const floors: Side = { name: 'floor', root: o.root, impl: sides[0].impl, figures: new Map() };
  // One stream: the first o.warm commands are the start phase, the next o.commands the steady phase.
  const stream = o.recoveryOnly === true ? [] : generateWorkload('mixed', { commands: o.warm + o.commands, seed: 1000 });
  const commands = stream.slice(o.warm);
  const show = (r: ExchangeRun): string => `${Math.round(r.commandsPerS).toLocaleString()}/s, ${r.cpuMicrosPerCommand.toFixed(1)} µs CPU/command (main thread ${r.mainCpuMicrosPerCommand.toFixed(1)})`;
  const noteRun = (side: Side, prefix: string, r: ExchangeRun, raw: number): void => {
    note(side, `${prefix}_per_s`, r.commandsPerS);
    note(side, `${prefix}_ratio`, r.commandsPerS / raw);
    note(side, `${prefix}_cpu_us`, r.cpuMicrosPerCommand);
    note(side, `${prefix}_main_cpu_us`, r.mainCpuMicrosPerCommand);
  };
  for (let run = 0; run < (o.recoveryOnly === true ? 0 : o.runs); run++) {
    const raw = await rawLmdbThroughput(commands);
    note(floors, 'raw_per_s', raw);
    o.log(`  run ${run + 1}: raw lmdb-js put+flushed ${Math.round(raw).toLocaleString()} records/s (load ${load1m()})`);
    for (const side of sides) {
      const plain = await submitThroughput(side.impl, stream, SUBMIT_WINDOW, o.warm);
      if (o.warm > 0) noteRun(side, 'start_submit', plain.start, raw);
      const plainSteady = plain.steady ?? plain.start;
      noteRun(side, 'submit', plainSteady, raw);
      o.log(`  run ${run + 1}: ${side.name} submit ${show(plainSteady)}; from open ${show(plain.start)} (load ${load1m()})`);
      const many = await submitManyThroughput(side.impl, stream, MANY_BATCH, MANY_WINDOW, o.warm).catch(() => null);
      if (many !== null) {
        if (o.warm > 0) noteRun(side, 'start_many', many.start, raw);
        const manySteady = many.steady ?? many.start;
        noteRun(side, 'many', manySteady, raw);
        o.log(`  run ${run + 1}: ${side.name} submitMany ${show(manySteady)}; from open ${show(many.start)} (load ${load1m()})`);
      }
    }
  }
  // Latency: medians over the runs too (one run's p99 is one slow fsync away from another figure).
  for (let run = 0; run < (o.recoveryOnly === true ? 0 : o.runs); run++) {
    for (const rate of [5_000, 100_000]) {
      const count = Math.max(1000, Math.round(rate * o.rateSeconds));
      const load = generateWorkload('mixed', { commands: o.warm + count, seed: 77 });
      const raw = await rawLmdbLatencyP99Ms(load.slice(o.warm), rate);
      note(floors, `raw_p99_${rate}`, raw);
      for (const side of sides) {
        const p99 = await exchangeLatencyP99Ms(side.impl, load, rate, o.warm);
        note(side, `p99_${rate}`, p99);
        note(side, `p99_ratio_${rate}`, p99 / raw);
        o.log(`  run ${run + 1}, ${rate}/s: ${side.name} ack p99 ${p99.toFixed(2)} ms vs raw lmdb-js ${raw.toFixed(2)} ms (load ${load1m()})`);
      }
    }
  }
  // The floor is measured beside each recovery run (same load), each ratio against its own floor.
  for (let run = 0; run < (o.recoveryOnly === true ? o.runs : 1); run++) {
    for (const side of sides) {
      const floorMs = recoveryFloorMs(o.recoveryResting, o.recoveryTail);
      note(floors, 'recovery_floor_ms', floorMs);
      const recovered = await recoveryRun(side.root, side.impl, o.recoveryResting, o.recoveryTail);
      note(side, 'recovery_ms', recovered.openMs);
      note(side, 'recovery_ratio', recovered.openMs / floorMs);
      note(side, 'replay_per_s', recovered.replayCommandsPerS);
      note(side, 'checkpoint_load_ms', recovered.checkpointLoadMs);
      note(side, 'replay_ms', recovered.replayMs);
      o.log(
        `  recovery run ${run + 1}: ${side.name} ${recovered.openMs.toFixed(0)} ms, first ack ${recovered.firstAckMs.toFixed(0)} ms (checkpoint ${recovered.checkpointLoadMs.toFixed(0)} ms, replay ${recovered.replayMs.toFixed(0)} ms at ${recovered.replayCommandsPerS.toLocaleString()}/s) vs floor ${floorMs.toFixed(0)} ms, state hash ${recovered.hashEqual ? 'equal' : 'DIFFERS'} (load ${load1m()})`,
      );
    }
  }
  const now = sides.length > 1 ? sides[0] : null;
  const after = sides[sides.length - 1];
  const steady = `steady state, after ${o.warm.toLocaleString()} warm-up commands`;
  const start = `from a fresh open: its first ${o.warm.toLocaleString()} commands`;
  const rows: string[][] = [
    [`durable sync throughput, plain submit, vs bare lmdb-js put+flushed (${steady})`, cell(now, 'submit_ratio', 2, '×'), cell(after, 'submit_ratio', 2, '×'), '≥ 0.5×'],
    ['the same with submitMany', cell(now, 'many_ratio', 2, '×'), cell(after, 'many_ratio', 2, '×'), '≥ 0.8×'],
    ['commands/s, sync, plain submit', cell(now, 'submit_per_s', 0), cell(after, 'submit_per_s', 0), '≥ 500k (idle)'],
    ['commands/s, sync, submitMany', cell(now, 'many_per_s', 0), cell(after, 'many_per_s', 0), '≥ 500k (idle)'],
    ['bare lmdb-js put+flushed, records/s (floor)', cell(floors, 'raw_per_s', 0), cell(floors, 'raw_per_s', 0), '—'],
    [`ack p99 at 100,000/s vs raw lmdb-js p99 at that rate (${steady})`, cell(now, 'p99_ratio_100000', 1, '×'), cell(after, 'p99_ratio_100000', 1, '×'), '≤ 2×'],
    ['ack p99 at 100,000/s, ms (raw: ' + cell(floors, 'raw_p99_100000', 2) + ')', cell(now, 'p99_100000', 2), cell(after, 'p99_100000', 2), '—'],
    ['ack p99 at 5,000/s vs raw lmdb-js p99 at that rate', cell(now, 'p99_ratio_5000', 1, '×'), cell(after, 'p99_ratio_5000', 1, '×'), '≤ 2×'],
    ['ack p99 at 5,000/s, ms (raw: ' + cell(floors, 'raw_p99_5000', 2) + ')', cell(now, 'p99_5000', 2), cell(after, 'p99_5000', 2), '—'],
    [`CPU µs per command, all threads, plain submit (${steady})`, cell(now, 'submit_cpu_us', 1), cell(after, 'submit_cpu_us', 1), '≤ 4'],
    ['CPU µs per command, all threads, submitMany', cell(now, 'many_cpu_us', 1), cell(after, 'many_cpu_us', 1), '≤ 4'],
    ['CPU µs per command, main thread only, plain submit', cell(now, 'submit_main_cpu_us', 1), cell(after, 'submit_main_cpu_us', 1), '—'],
    ['CPU µs per command, main thread only, submitMany', cell(now, 'many_main_cpu_us', 1), cell(after, 'many_main_cpu_us', 1), '—'],
    [`commands/s, plain submit / submitMany (${start})`, pair(now, 'start_submit_per_s', 'start_many_per_s', 0), pair(after, 'start_submit_per_s', 'start_many_per_s', 0), '—'],
    ['CPU µs per command, all threads, plain submit / submitMany (the same)', pair(now, 'start_submit_cpu_us', 'start_many_cpu_us', 1), pair(after, 'start_submit_cpu_us', 'start_many_cpu_us', 1), '—'],
    [`recovery of ${o.recoveryResting.toLocaleString()} resting + ${o.recoveryTail.toLocaleString()} tail vs in-process floor (${cell(floors, 'recovery_floor_ms', 0)} ms)`, cell(now, 'recovery_ratio', 2, '×'), cell(after, 'recovery_ratio', 2, '×'), '≤ 1.5×'],
    ['recovery, ms', cell(now, 'recovery_ms', 0), cell(after, 'recovery_ms', 0), '≤ 1,500 (idle)'],
    ['replay rate, commands/s', cell(now, 'replay_per_s', 0), cell(after, 'replay_per_s', 0), '≥ 1.5M'],
    ['recovery: checkpoint load, ms', cell(now, 'checkpoint_load_ms', 0), cell(after, 'checkpoint_load_ms', 0), '—'],
    ['recovery: replay, ms', cell(now, 'replay_ms', 0), cell(after, 'replay_ms', 0), '—'],
  ];
  if (o.recoveryOnly === true) rows.splice(0, rows.length - 5);
  const title = `## Issue 9 targets (${o.commands.toLocaleString()} commands, ${o.runs} run(s), median; instrument ${BENCH_INSTRUMENT.symbol})`;
  return [title, '', markdownTable(['figure', `now${now === null ? '' : ` (${now.root})`}`, 'after (this checkout)', 'target'], rows), ''].join('\n');
}

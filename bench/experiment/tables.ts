// Why this file exists: the same three tables go to the terminal (cli-table3) and to the markdown
// report, so they are built once, as rows of strings, from the experiment's result.

import { formatInt } from '../common/stats.js';
import type { ExperimentResult, ModeResult } from './experiment.js';
import { REPORT_DUMP, REPORT_VM } from './modes.js';
import type { ReplicatedExperimentResult } from './replicated.js';

export interface TableData {
  title: string;
  head: string[];
  rows: string[][];
}

function ms(value: number): string {
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(value >= 100 ? 0 : 1)} ms`;
}

function bytes(value: number | null): string {
  if (value === null) return '—';
  return value >= 1024 * 1024 ? `${(value / 1024 / 1024).toFixed(1)} MB` : `${(value / 1024).toFixed(0)} KB`;
}

function interval(mode: ModeResult): string {
  if (mode.plan.restartAt !== null) return `one stop, after ${formatInt(mode.plan.restartAt)}`;
  if (mode.plan.intervalCommands === null) return '—';
  return `${formatInt(mode.plan.intervalCommands)} cmds (${mode.interval_s!.toFixed(1)} s)`;
}

/** How far past the snapshot the restart used the crash came, in commands and in intervals. */
function sinceSnapshot(mode: ModeResult): string {
  const after = formatInt(mode.crash_after_snapshot);
  if (mode.plan.name === 'none') return `${after} cmds after start (no snapshot)`;
  if (mode.plan.name === 'matchlog') return `${after} cmds after a checkpoint (replayed)`;
  if (mode.plan.restartAt !== null) return `${after} cmds after the stop's dump`;
  const every = mode.plan.intervalCommands ?? mode.plan.restartAt;
  return every === null ? `${after} cmds after the snapshot` : `${after} cmds after a snapshot (${(mode.crash_after_snapshot / every).toFixed(2)} interval)`;
}

function recoveredFrom(mode: ModeResult): string {
  const r = mode.recovery;
  if (r.checkpoint_seq === null) return r.replayed_commands > 0 ? 'log only' : 'nothing (empty)';
  return r.replayed_commands > 0 ? `checkpoint + ${formatInt(r.replayed_commands)} logged` : 'last snapshot';
}

/** The answer in one table: each measured row with the report's figures under it. */
export function headlineTable(result: ExperimentResult): TableData {
  const rows: string[][] = [];
  for (const mode of result.modes) {
    rows.push([
      `${mode.plan.name}: measured`,
      ms(mode.pause_ms_max),
      interval(mode),
      sinceSnapshot(mode),
      formatInt(mode.loss.acked_orders_lost),
      ms(mode.recovery.ready_ms),
      mode.check.state_hash_equal && mode.check.probe_ok ? 'exact' : 'DIFFERS',
    ]);
    if (mode.plan.report !== null) {
      const r = mode.plan.report;
      rows.push([`${mode.plan.name}: the report`, r.pause, r.interval, r.crashAfter, r.lost, '—', '—']);
    }
  }
  return {
    title: `Crash after ${formatInt(result.options.orders)} acknowledged commands (SIGKILL), then restart ("the report" rows: IBM's ${REPORT_VM})`,
    head: ['mode', 'longest pause', 'snapshot interval', 'crash came', 'acked orders lost', 'restart → ready', 'state vs reference'],
    rows,
  };
}

export function protectingTable(result: ExperimentResult): TableData {
  const none = result.modes.find((m) => m.plan.name === 'none');
  return {
    title: `While protecting (${formatInt(result.options.rate_per_s)} commands/s offered, open loop)`,
    head: ['mode', 'how', 'checkpoints', 'bytes each', 'longest pause', 'latency p50 / p99 / max (after warm-up)', 'p99 vs none', 'acks/s', `slowest ${result.options.window_ms} ms`],
    rows: result.modes.map((mode) => [
      mode.plan.name,
      mode.plan.title,
      String(mode.checkpoints_taken),
      bytes(mode.bytes_per_checkpoint),
      ms(mode.pause_ms_max),
      `${ms(mode.crash.latency_ms_p50)} / ${ms(mode.crash.latency_ms_p99)} / ${ms(mode.crash.latency_ms_max)}`,
      none === undefined ? '—' : `${(mode.crash.latency_ms_p99 / none.crash.latency_ms_p99).toFixed(1)}×`,
      formatInt(mode.crash.commands_per_s),
      `${formatInt(mode.slowest_window_per_s)}/s`,
    ]),
  };
}

export function crashTable(result: ExperimentResult): TableData {
  return {
    title: 'After the crash: what came back, counted against the reference engine',
    head: ['mode', 'recovered from', 'commands held', 'acked cmds lost', 'acked orders lost', 'trades lost', 'resting missing / revived', 'ready (open)', 'ready incl. process start'],
    rows: result.modes.map((mode) => [
      mode.plan.name,
      recoveredFrom(mode),
      formatInt(mode.recovery.recovered_commands),
      formatInt(mode.loss.acked_commands_lost),
      formatInt(mode.loss.acked_orders_lost),
      formatInt(mode.loss.trades_lost),
      `${formatInt(mode.loss.resting_missing)} / ${formatInt(mode.loss.resting_revived)}`,
      ms(mode.recovery.ready_ms),
      ms(mode.recovery.process_ready_ms),
    ]),
  };
}

/** The report's in-application dump (540,000 orders in 115 s) beside our checkpoints. */
export function dumpTable(result: ExperimentResult): TableData {
  const rows: string[][] = [
    ['the report: dump from inside the application', formatInt(REPORT_DUMP.orders), '—', `${REPORT_DUMP.seconds} s`, formatInt(REPORT_DUMP.orders / REPORT_DUMP.seconds)],
  ];
  for (const mode of result.modes) {
    const c = mode.checkpoints[mode.checkpoints.length - 1];
    if (c === undefined) continue;
    const orders = c.orders;
    rows.push([`${mode.plan.name}: last checkpoint`, formatInt(orders), bytes(c.bytes), ms(c.duration_ms), formatInt((orders / c.duration_ms) * 1000)]);
  }
  return {
    title: 'Writing the whole book',
    head: ['what', 'resting orders', 'bytes', 'time', 'orders/s'],
    rows,
  };
}

/** The primary-primary row: two members on one JetStream R3 stream, one SIGKILLed halfway. */
export function replicatedTable(r: ReplicatedExperimentResult): TableData {
  const title = 'replicated (primary-primary): two members on a JetStream R3 stream, member a SIGKILLed halfway through its share';
  if (r.skipped !== null) return { title, head: ['replicated'], rows: [[`skipped: ${r.skipped}`]] };
  const same = r.hash_b === r.hash_reference_at_b && r.hash_a_rejoined === r.hash_reference;
  return {
    title,
    head: ['commands', 'acked by a (killed)', 'acked by b', "b's longest ack gap across the kill", "b's longest gap elsewhere", 'acked lost', 'a rejoins in', 'state hashes = a plain engine fed the stream'],
    rows: [
      [
        `${formatInt(r.commands)} at ${formatInt(r.rate_per_s)}/s`,
        formatInt(r.acked_a),
        formatInt(r.acked_b),
        ms(r.survivor_gap_ms_at_kill),
        ms(r.survivor_gap_ms_max_elsewhere),
        formatInt(r.acked_lost),
        `${ms(r.rejoin_ms)} (checkpoint ${formatInt(r.rejoin_from_checkpoint)} + ${formatInt(r.rejoin_replayed)} records)`,
        same ? `equal (b at seq ${formatInt(r.b_last_seq)}, a at ${formatInt(r.stream_last_seq)})` : 'DIFFER',
      ],
    ],
  };
}

// Why this file exists: the experiment's figures must outlive the terminal — a markdown report a
// person reads (tables, charts, how each mode was built, what is and is not comparable with the
// research report), the raw result as JSON for comparing commits, and the SVG charts.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describeEnvironment, environmentLine, markdownTable } from '../common/results.js';
import { formatInt } from '../common/stats.js';
import { renderCharts, type Chart } from './charts.js';
import type { ExperimentResult } from './experiment.js';
import { EXPERIMENT_MIX } from './workload.js';
import { REPORT_VM } from './modes.js';
import { crashTable, dumpTable, headlineTable, protectingTable, replicatedTable, type TableData } from './tables.js';

export interface WrittenReport {
  dir: string;
  markdown: string;
  json: string;
  charts: string[];
}

function section(table: TableData): string {
  return `### ${table.title}\n\n${markdownTable(table.head, table.rows)}\n`;
}

function markdown(result: ExperimentResult, charts: Chart[]): string {
  const o = result.options;
  const w = result.workload;
  const env = describeEnvironment();
  const plans = result.modes.map((m) => `- **${m.plan.name}** (${m.plan.title}): ${m.plan.how}.`).join('\n');
  const matchlog = result.modes.find((m) => m.plan.name === 'matchlog');
  const replayed = matchlog === undefined ? [] : [matchlog.recovery, ...matchlog.sweep].filter((r) => r.replay_ms > 0);
  const replayRate =
    replayed.length === 0
      ? null
      : Math.round((replayed.reduce((a, r) => a + r.replayed_commands, 0) / replayed.reduce((a, r) => a + r.replay_ms, 0)) * 1000);
  const lines = [
    '# matchlog: recovery against the hypervisor snapshot modes',
    '',
    `${environmentLine(env)}. Total run time ${(result.elapsed_ms / 1000).toFixed(0)} s.`,
    '',
    'The research report asked how fast an exchange comes back after a crash, and how much it loses, when a',
    `hypervisor protects it with cold, warm or hot VM snapshots (${REPORT_VM}). This run reproduces each mode on`,
    'the real `Exchange`, crashes each one with SIGKILL at the same command, restarts it in a new process and counts',
    'what came back against a reference engine fed every acknowledged command.',
    '',
    section(headlineTable(result)),
    '"Longest pause" is the longest time the load generator saw no acknowledgement while commands were due',
    '(or a paused checkpoint or stop, if longer). "Crash came" is how far past the snapshot the restart used the kill',
    "landed: the loss of a no-log mode is that distance, so the report's figures (a whole interval) are its worst case.",
    '"Acked orders lost" counts new orders (resting, filled or IOC) acknowledged before the kill whose acceptance, and',
    'any fills, the restarted exchange no longer reflects. The recovered state is first checked to be exactly the',
    'reference after the number of commands it holds ("exact"), so the count is of a real prefix of the stream.',
    '',
    '## The run',
    '',
    `- Workload: seed ${o.seed}, ${w.instruments} instruments, ${formatInt(o.orders)} commands acknowledged before the crash`,
    `  (${formatInt(w.commands)} generated, fingerprint \`${w.fingerprint}\`): per command ${EXPERIMENT_MIX.passive_limit_percent}% passive limits,`,
    `  ${EXPERIMENT_MIX.marketable_limit_percent}% marketable limits (half IOC), ${EXPERIMENT_MIX.market_percent}% market orders,`,
    `  ${EXPERIMENT_MIX.cancel_percent}% cancels and ${EXPERIMENT_MIX.modify_percent}% modifications of live orders.`,
    `  The books hold about ${formatInt(result.modes[0]?.crash.live_orders ?? 0)} resting orders at the crash.`,
    `- Load: open loop at ${formatInt(o.rate_per_s)} commands/s; latency counts from when each command was due.`,
    `  Windows of ${o.window_ms} ms. Latency percentiles leave out the commands due in the first ${formatInt(o.warmup_ms)} ms`,
    '  (JIT warm-up, the same in every mode); the charts and the longest pause include them.',
    '- Crash: each child SIGKILLs itself the moment the command that makes the acknowledged count reach the crash',
    '  point resolves; the measurements are written synchronously before, so they survive.',
    '- Restart: a new process opens the crashed directory (`Exchange.open`); "ready (open)" is that call,',
    '  "ready incl. process start" counts from the process start (Node, and tsx compiling the modules, included).',
    '- Snapshot intervals are scaled to the run and counted in commands (on a fixed grid: due every N commands,',
    '  taken at the end of the batch that reaches it), so every run checkpoints at the same commands: warm every',
    '  crash/7.5 commands (the crash lands half an interval after a snapshot: the average case), hot every 6 warm',
    "  intervals (the report's ~2 min against ~20 s; its one snapshot leaves the crash a quarter of its interval",
    "  later, so hot's loss here is half its average case), cold stops once, halfway. matchlog checkpoints every 2",
    '  warm intervals; its log makes the interval a matter of recovery time, not of loss.',
    '',
    '### How each mode is built',
    '',
    plans,
    '',
    section(protectingTable(result)),
    section(crashTable(result)),
    section(dumpTable(result)),
    'The report\'s hypervisor snapshots write a whole 6 GB VM; matchlog checkpoints write only the books, which is why a',
    'snapshot here costs milliseconds, not minutes. The comparison that carries over is the shape: a paused snapshot',
    'stops matching for as long as the write takes, a concurrent one does not, and neither keeps what was acknowledged',
    'after it; only the log does.',
    '',
  ];
  if (matchlog !== undefined) {
    const rows = [matchlog.recovery, ...matchlog.sweep].map((r, i) => [
      `${i === 0 ? 'newest' : 'older'} checkpoint ${formatInt(r.checkpoint_seq ?? 0)}`,
      formatInt(r.replayed_records),
      `${r.checkpoint_load_ms.toFixed(0)} ms`,
      `${r.replay_ms.toFixed(0)} ms`,
      `${r.ready_ms.toFixed(0)} ms`,
      `${r.process_ready_ms.toFixed(0)} ms`,
    ]);
    lines.push(
      '### Restart time against log length (matchlog)',
      '',
      'The crashed directory, copied with its newer checkpoints removed, restarted the same way:',
      '',
      markdownTable(['recovered from', 'log records replayed', 'checkpoint load', 'replay', 'ready (open)', 'ready incl. process start'], rows),
      '',
      replayRate === null ? '' : `Replay runs at about ${formatInt(replayRate)} commands/s in a fresh process.`,
      '',
    );
  }
  if (result.replicated !== undefined) lines.push(section(replicatedTable(result.replicated)));
  lines.push('## Charts', '');
  for (const chart of charts) lines.push(`### ${chart.title}`, '', `![${chart.title}](charts/${chart.file})`, '');
  lines.push('Raw figures: `experiment.json` (every window, checkpoint and restart of every mode).', '');
  return lines.join('\n');
}

/** Writes DIR/experiment.md, DIR/experiment.json and DIR/charts/*.svg. */
export async function writeReport(dir: string, result: ExperimentResult): Promise<WrittenReport> {
  const root = resolve(dir);
  const chartsDir = join(root, 'charts');
  mkdirSync(chartsDir, { recursive: true });
  const charts = await renderCharts(result);
  for (const chart of charts) writeFileSync(join(chartsDir, chart.file), chart.svg);
  const md = join(root, 'experiment.md');
  const json = join(root, 'experiment.json');
  writeFileSync(md, markdown(result, charts));
  writeFileSync(json, `${JSON.stringify({ environment: describeEnvironment(), ...result }, null, 2)}\n`);
  return { dir: root, markdown: md, json, charts: charts.map((c) => join(chartsDir, c.file)) };
}

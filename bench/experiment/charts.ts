// Why this file exists: the experiment's answer is easiest to see drawn. Each chart is a
// vega-lite spec (declarative, reviewable as data) rendered to SVG headless by vega — no browser,
// no canvas, nothing native — so `npm start` draws on a fresh clone.

import * as vega from 'vega';
import * as vl from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';
import type { ExperimentResult, ModeResult } from './experiment.js';

export interface Chart {
  /** File name in the report's charts folder. */
  file: string;
  title: string;
  svg: string;
}

const WIDTH = 720;
/** Latency axis starts here (log scale); lower values are drawn at it. */
const LATENCY_MS_FLOOR = 0.1;
const MODE_COLORS = { none: '#7f7f7f', cold: '#1f77b4', warm: '#ff7f0e', hot: '#d62728', matchlog: '#2ca02c' } as const;

function colorScale(modes: readonly ModeResult[]): { domain: string[]; range: string[] } {
  return { domain: modes.map((m) => m.plan.name), range: modes.map((m) => MODE_COLORS[m.plan.name]) };
}

async function render(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

/** p99 and max acknowledgement latency per window, one panel per mode, checkpoints as rules. */
function latencySpec(result: ExperimentResult): TopLevelSpec {
  const rows: Array<Record<string, unknown>> = [];
  for (const mode of result.modes) {
    const name = mode.plan.name;
    for (const w of mode.windows) {
      // A window with no acknowledgement has no latency: null breaks the line there.
      const floor = (ms: number): number | null => (w.acked === 0 ? null : Math.max(LATENCY_MS_FLOOR, ms));
      rows.push({ mode: name, layer: 'latency', t_s: w.t_ms / 1000, series: 'max', latency_ms: floor(w.latency_ms_max) });
      rows.push({ mode: name, layer: 'latency', t_s: w.t_ms / 1000, series: 'p99', latency_ms: floor(w.latency_ms_p99) });
    }
    for (const c of mode.checkpoints) {
      const what = name === 'cold' ? 'stop + dump + restart' : c.pause_ms > 0 ? 'paused checkpoint' : 'backup-thread checkpoint';
      rows.push({ mode: name, layer: 'event', t_s: Math.max(0, c.t_ms) / 1000, event: what });
    }
    rows.push({ mode: name, layer: 'event', t_s: mode.crash.t_ms / 1000, event: 'SIGKILL' });
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: 'Acknowledgement latency over time (p99 and max per window), checkpoints and the crash marked',
      subtitle: `${result.options.rate_per_s.toLocaleString('en-US')} commands/s offered; latency from when each command was due`,
    },
    data: { values: rows },
    facet: { row: { field: 'mode', type: 'nominal', sort: result.modes.map((m) => m.plan.name), title: null } },
    spec: {
      width: WIDTH,
      height: 110,
      layer: [
        {
          transform: [{ filter: "datum.layer === 'latency'" }],
          mark: { type: 'line', strokeWidth: 1.2, interpolate: 'step-after' },
          encoding: {
            x: { field: 't_s', type: 'quantitative', title: 'seconds since load began' },
            y: { field: 'latency_ms', type: 'quantitative', scale: { type: 'log', domainMin: LATENCY_MS_FLOOR }, title: 'latency (ms)' },
            // max first, so p99 is drawn over it.
            color: { field: 'series', type: 'nominal', scale: { domain: ['max', 'p99'], range: ['#c7c7c7', '#1f4e9c'] }, title: 'per window' },
          },
        },
        {
          transform: [{ filter: "datum.layer === 'event'" }],
          mark: { type: 'rule', strokeWidth: 1.5, strokeDash: [4, 3] },
          encoding: {
            x: { field: 't_s', type: 'quantitative' },
            stroke: {
              field: 'event',
              type: 'nominal',
              scale: {
                domain: ['paused checkpoint', 'backup-thread checkpoint', 'stop + dump + restart', 'SIGKILL'],
                range: ['#ff7f0e', '#2ca02c', '#9467bd', '#d62728'],
              },
              title: 'event',
              legend: { labelLimit: 300 },
            },
          },
        },
      ],
    },
    resolve: { scale: { x: 'shared', y: 'shared' } },
  };
}

/** Commands acknowledged per second, per window: a pause is a drop to zero. */
function throughputSpec(result: ExperimentResult): TopLevelSpec {
  const rows = result.modes.flatMap((mode) =>
    mode.windows.map((w) => ({ mode: mode.plan.name, t_s: w.t_ms / 1000, per_s: (w.acked / Math.max(w.duration_ms, 1)) * 1000 })),
  );
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'Commands acknowledged per second', subtitle: `windows of ${result.options.window_ms} ms` },
    data: { values: rows },
    facet: { row: { field: 'mode', type: 'nominal', sort: result.modes.map((m) => m.plan.name), title: null } },
    spec: {
      width: WIDTH,
      height: 70,
      mark: { type: 'area', interpolate: 'step-after', opacity: 0.8 },
      encoding: {
        x: { field: 't_s', type: 'quantitative', title: 'seconds since load began' },
        y: { field: 'per_s', type: 'quantitative', title: 'acks/s' },
        color: { field: 'mode', type: 'nominal', scale: colorScale(result.modes), legend: null },
      },
    },
  };
}

/** Time to come back against the log replayed: restarts of every mode, and matchlog from older checkpoints. */
function recoverySpec(result: ExperimentResult): TopLevelSpec {
  const rows: Array<Record<string, unknown>> = [];
  for (const mode of result.modes) {
    for (const [restart, kind] of [[mode.recovery, 'after the crash'], ...mode.sweep.map((r) => [r, 'from an older checkpoint'] as const)] as const) {
      rows.push({
        mode: mode.plan.name,
        kind,
        log_records: restart.replayed_records,
        seconds: restart.ready_ms / 1000,
        label: restart.replayed_records > 0 ? `${(restart.replay_ms / 1000).toFixed(2)} s of replay` : mode.plan.name,
      });
    }
  }
  const longest = Math.max(1, ...rows.map((row) => row.log_records as number));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: 'Restart to ready (Exchange.open in a new process) against the log replayed',
      subtitle: 'no-log modes replay nothing and lose the tail; matchlog replays it (also timed from older checkpoints)',
    },
    width: WIDTH,
    height: 300,
    data: { values: rows },
    layer: [
      {
        mark: { type: 'point', filled: true, size: 90 },
        encoding: {
          // Room on the right for the labels.
          x: { field: 'log_records', type: 'quantitative', title: 'log records replayed', scale: { domainMax: longest * 1.2 } },
          y: { field: 'seconds', type: 'quantitative', title: 'seconds until ready' },
          color: { field: 'mode', type: 'nominal', scale: colorScale(result.modes), title: 'mode' },
          shape: { field: 'kind', type: 'nominal', title: 'restart', legend: { labelLimit: 300 } },
        },
      },
      {
        mark: { type: 'text', dx: 8, align: 'left', fontSize: 10 },
        encoding: {
          x: { field: 'log_records', type: 'quantitative' },
          y: { field: 'seconds', type: 'quantitative' },
          text: { field: 'label' },
        },
      },
    ],
  };
}

/** Acknowledged orders and trades the crash erased, per mode. */
function lossSpec(result: ExperimentResult): TopLevelSpec {
  const rows = result.modes.flatMap((mode) => [
    { mode: mode.plan.name, what: 'acknowledged orders lost', count: mode.loss.acked_orders_lost },
    { mode: mode.plan.name, what: 'acknowledged trades lost', count: mode.loss.trades_lost },
  ]);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: `What the crash erased (${result.options.orders.toLocaleString('en-US')} commands acknowledged)`,
      subtitle: 'counted against a reference engine fed every acknowledged command',
    },
    data: { values: rows },
    facet: { column: { field: 'what', type: 'nominal', title: null } },
    spec: {
      width: WIDTH / 2 - 40,
      height: 220,
      layer: [
        {
          mark: 'bar',
          encoding: {
            x: { field: 'mode', type: 'nominal', sort: result.modes.map((m) => m.plan.name), title: null, axis: { labelAngle: 0 } },
            y: { field: 'count', type: 'quantitative', title: 'count' },
            color: { field: 'mode', type: 'nominal', scale: colorScale(result.modes), legend: null },
          },
        },
        {
          mark: { type: 'text', dy: -6, fontSize: 11 },
          encoding: {
            x: { field: 'mode', type: 'nominal', sort: result.modes.map((m) => m.plan.name) },
            y: { field: 'count', type: 'quantitative' },
            text: { field: 'count', type: 'quantitative', format: ',' },
          },
        },
      ],
    },
  };
}

export async function renderCharts(result: ExperimentResult): Promise<Chart[]> {
  return [
    { file: 'latency.svg', title: 'Latency over time, checkpoints marked', svg: await render(latencySpec(result)) },
    { file: 'throughput.svg', title: 'Throughput over time', svg: await render(throughputSpec(result)) },
    { file: 'recovery.svg', title: 'Recovery time against log length', svg: await render(recoverySpec(result)) },
    { file: 'loss.svg', title: 'Orders and trades lost per mode', svg: await render(lossSpec(result)) },
  ];
}

// Why this file exists: the headline experiment, as a function the CLI and the test suite share.
// For each protection mode it runs a child on the real Exchange, lets it SIGKILL itself at the
// crash point, restarts the exchange on the same directory in this process (timing it), and
// counts what was lost against a reference engine fed the acknowledged commands. matchlog's
// directory is also recovered from each older checkpoint, which gives recovery time against the
// length of log replayed.

import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CheckpointStore } from '../../replay/checkpoint-store.js';
import { MODE_NAMES, planModes, type ModeName, type ModePlan } from './modes.js';
import type {
  CheckpointLine,
  ChildConfig,
  ChildLine,
  ChildMessage,
  CrashLine,
  RestartCheck,
  RestartConfig,
  RestartLine,
  RestartResult,
  WindowLine,
} from './protocol.js';
import type { LossCount } from './reference.js';
import type { ReplicatedExperimentResult } from './replicated.js';
import { generateExperimentWorkload, type ExperimentWorkload } from './workload.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const CHILD = join(HERE, 'child.ts');
const RESTART_CHILD = join(HERE, 'restart-child.ts');
/** A restart (open, verify, close) that takes longer than this is a failure. */
const RESTART_MS_LIMIT = 120_000;
const DIR_MARKER = '.matchlog-experiment';
/** exchange/dir-lock.ts's file: a copy must not carry the dead child's pid. */
const LOCK_FILE = 'LOCK';
/** A child that has not crashed by then is a failure (generous: the machine is shared). */
const CHILD_MS_MIN_LIMIT = 120_000;
/** Older matchlog checkpoints restarted from for the recovery-vs-log-length curve, at most. */
const SWEEP_CHECKPOINTS_MAX = 4;
const STDERR_KEEP_BYTES = 8_192;

export interface ExperimentOptions {
  /** Commands acknowledged before the crash (the run's length). */
  orders: number;
  seed: number;
  /** Offered load, commands per second (open loop). */
  rate_per_s: number;
  /** Width of a latency/throughput window. */
  window_ms: number;
  /** The first stretch of load (JIT warm-up) is left out of the latency percentiles (not the charts). */
  warmup_ms: number;
  /** Root of the modes' data directories (wiped at start; only if the experiment made it). */
  dir: string;
  modes: readonly ModeName[];
}

export const EXPERIMENT_DEFAULTS = Object.freeze({
  orders: 500_000,
  seed: 1,
  rate_per_s: 50_000,
  window_ms: 100,
  warmup_ms: 1_000,
  dir: 'data/experiment',
  modes: MODE_NAMES,
} satisfies ExperimentOptions);

export const EXPERIMENT_QUICK = Object.freeze({ orders: 40_000, rate_per_s: 20_000, window_ms: 50, warmup_ms: 200 });

export interface ModeResult {
  plan: ModePlan;
  interval_s: number | null;
  windows: WindowLine[];
  checkpoints: CheckpointLine[];
  restarts: RestartLine[];
  crash: CrashLine;
  /** Checkpoints (or dumps) taken before the crash, as the exchange counted them. */
  checkpoints_taken: number;
  /** Commands between the last snapshot the restart used and the crash (0 for none: nothing was). */
  crash_after_snapshot: number;
  /** Acknowledgements per second in the slowest full window (a pause or a stop shows here). */
  slowest_window_per_s: number;
  /** Longest stop of matching the caller saw: acknowledgement gap, paused checkpoint or restart. */
  pause_ms_max: number;
  bytes_per_checkpoint: number | null;
  recovery: RestartResult;
  /** The restart's check against the reference. */
  check: RestartCheck;
  loss: LossCount;
  /** matchlog only: recovery from older checkpoints (longer log tails). */
  /** matchlog only: restarts of copies of the crashed directory without its newer checkpoints. */
  sweep: RestartResult[];
}

export interface ExperimentResult {
  options: ExperimentOptions;
  workload: ExperimentWorkload['stats'] & { instruments: number };
  modes: ModeResult[];
  elapsed_ms: number;
  /** The primary-primary row (two members on JetStream), when it was run; see replicated.ts. */
  replicated?: ReplicatedExperimentResult;
}

export interface ExperimentUi {
  phase(mode: ModeName, phase: string, acked: number): void;
  done(result: ModeResult): void;
}

export class ExperimentError extends Error {
  override readonly name = 'ExperimentError';
}

/** Empties `root` for a run; refuses a non-empty directory the experiment did not make. */
export function prepareDataDir(root: string): void {
  if (existsSync(root) && readdirSync(root).length > 0 && !existsSync(join(root, DIR_MARKER))) {
    throw new ExperimentError(`${root} is not empty and was not made by the experiment; choose another --dir`);
  }
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, DIR_MARKER), 'made by matchlog bench/experiment; emptied at every run\n');
}

interface Exited {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  /** The last STDERR_KEEP_BYTES of it, for error messages. */
  stderr: string;
}

/**
 * Runs `script` under tsx with `config` as its argument; settles when it exits (killed after
 * `limitMs`), or rejects if it cannot be started.
 */
function runTsx(script: string, config: { plan: ModePlan }, limitMs: number, onMessage?: (message: ChildMessage) => void): Promise<Exited> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, JSON.stringify(config)], {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-STDERR_KEEP_BYTES);
    });
    if (onMessage !== undefined) child.on('message', onMessage);
    child.on('error', (error) => reject(new ExperimentError(`${config.plan.name}: ${script} could not run: ${error.message}`)));
    const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr });
    });
  });
}

/** Runs one mode's child to its crash; returns the lines it wrote. */
async function runChild(config: ChildConfig, onMessage: (message: ChildMessage) => void, limitMs: number): Promise<ChildLine[]> {
  const { code, signal, stderr } = await runTsx(CHILD, config, limitMs, onMessage);
  let lines: ChildLine[];
  try {
    lines = existsSync(config.out)
      ? readFileSync(config.out, 'utf8')
          .split('\n')
          .filter((line) => line.length > 0)
          .map((line) => JSON.parse(line) as ChildLine)
      : [];
  } catch (error) {
    throw new ExperimentError(`${config.plan.name}: unreadable measurements in ${config.out}: ${(error as Error).message}`);
  }
  const error = lines.find((line) => line.type === 'error');
  if (error !== undefined || !lines.some((line) => line.type === 'crash') || signal !== 'SIGKILL') {
    const why = error?.type === 'error' ? error.message : `exit code ${code}, signal ${signal}`;
    throw new ExperimentError(`${config.plan.name}: the child did not reach its crash point (${why})\n${stderr}`);
  }
  return lines;
}

/** Runs the restart child once; returns its one JSON line. */
async function runRestart(config: RestartConfig): Promise<RestartResult> {
  const { code, signal, stdout, stderr } = await runTsx(RESTART_CHILD, config, RESTART_MS_LIMIT);
  let parsed: { type: string; message?: string } | null = null;
  try {
    parsed = JSON.parse(stdout.trim().split('\n').pop() ?? '') as { type: string; message?: string };
  } catch {
    parsed = null;
  }
  if (code !== 0 || parsed === null || parsed.type === 'error') {
    const why = parsed?.message ?? `exit code ${code}, signal ${signal}`;
    throw new ExperimentError(`${config.plan.name}: restart failed (${why})\n${stderr}`);
  }
  return parsed as unknown as RestartResult;
}

/** The slowest full window's rate; the first (warm-up) and the last (cut by the kill) are left out. */
function slowestWindow(windows: readonly WindowLine[]): number {
  const full = windows.slice(1, -1);
  return full.length === 0 ? 0 : Math.min(...full.map((w) => (w.acked / w.duration_ms) * 1000));
}

/** Copies `dir` once per older checkpoint (newest first), each keeping no checkpoint newer than it. */
function copyWithOlderCheckpoints(dir: string): string[] {
  const seqs = new CheckpointStore(join(dir, 'checkpoints')).list();
  const copies: string[] = [];
  for (const seq of seqs.slice(1, 1 + SWEEP_CHECKPOINTS_MAX)) {
    const copy = `${dir}-from-${seq}`;
    rmSync(copy, { recursive: true, force: true });
    // The dead child's lock file stays behind: a copy must not look locked by it.
    cpSync(dir, copy, { recursive: true, filter: (source) => basename(source) !== LOCK_FILE });
    const store = new CheckpointStore(join(copy, 'checkpoints'));
    for (const newer of store.list()) if (newer > seq) store.setAside(newer, 'newer-than-sweep');
    copies.push(copy);
  }
  return copies;
}

/** One mode: run it to the crash in a child, restart it (and matchlog from older checkpoints), check it. */
async function runMode(plan: ModePlan, root: string, workload: ExperimentWorkload, options: ExperimentOptions, ui: ExperimentUi): Promise<ModeResult> {
  const dir = plan.usesDir ? join(root, plan.name) : null;
  const stream = { seed: options.seed, commands: workload.commands.length, fingerprint: workload.stats.fingerprint };
  const config: ChildConfig = {
    plan,
    dir,
    ...stream,
    crashAt: options.orders,
    rate_per_s: options.rate_per_s,
    window_ms: options.window_ms,
    warmup_ms: options.warmup_ms,
    out: join(root, `${plan.name}.jsonl`),
  };
  ui.phase(plan.name, 'starting', 0);
  const childMsMax = Math.max(CHILD_MS_MIN_LIMIT, (10 * options.orders * 1000) / options.rate_per_s);
  const lines = await runChild(config, (m) => ui.phase(plan.name, m.phase, m.acked), childMsMax);
  const crash = lines.find((line): line is CrashLine => line.type === 'crash')!;
  if (crash.acked !== options.orders) throw new ExperimentError(`${plan.name}: crashed after ${crash.acked} acks, not ${options.orders}`);
  const restartConfig: RestartConfig = { plan, dir, ...stream, acked: crash.acked, verify: true };
  // Copies of the crashed directory holding only an older checkpoint: the same restart, with
  // a longer log to replay. Copied before the real restart, which checkpoints when it closes.
  const copies = plan.name === 'matchlog' && dir !== null ? copyWithOlderCheckpoints(dir) : [];
  ui.phase(plan.name, 'restarting', crash.acked);
  const restart = await runRestart(restartConfig);
  if (restart.check === null) throw new ExperimentError(`${plan.name}: the restart was not checked`);
  const sweep: RestartResult[] = [];
  for (const copy of copies) {
    ui.phase(plan.name, `restarting from an older checkpoint (${sweep.length + 1}/${copies.length})`, crash.acked);
    sweep.push(await runRestart({ ...restartConfig, dir: copy, verify: false }));
    rmSync(copy, { recursive: true, force: true });
  }
  const windows = lines.filter((line): line is WindowLine => line.type === 'window');
  const checkpoints = lines.filter((line): line is CheckpointLine => line.type === 'checkpoint');
  const restarts = lines.filter((line): line is RestartLine => line.type === 'restart');
  const bytes = checkpoints.map((c) => c.bytes).filter((b) => b > 0);
  return {
    plan,
    interval_s: plan.intervalCommands === null ? null : plan.intervalCommands / options.rate_per_s,
    windows,
    checkpoints,
    restarts,
    crash,
    // A restart's new exchange counts from zero; each restart dumped once before it.
    checkpoints_taken: crash.checkpoints_taken + restarts.length,
    crash_after_snapshot: crash.acked - (restart.recovered_commands - restart.replayed_commands),
    slowest_window_per_s: slowestWindow(windows),
    pause_ms_max: Math.max(crash.ack_gap_ms_max, ...checkpoints.map((c) => c.pause_ms), ...restarts.map((r) => r.downtime_ms)),
    bytes_per_checkpoint: bytes.length === 0 ? null : Math.round(bytes.reduce((sum, b) => sum + b, 0) / bytes.length),
    recovery: restart,
    check: restart.check,
    loss: restart.check.loss,
    sweep,
  };
}

export async function runExperiment(options: ExperimentOptions, ui: ExperimentUi): Promise<ExperimentResult> {
  const started = performance.now();
  const root = resolve(options.dir);
  prepareDataDir(root);
  // Room for the commands still in flight at the kill (about a second of load).
  const extra = Math.max(2_000, Math.ceil(options.rate_per_s));
  const workload = generateExperimentWorkload(options.orders + extra, options.seed);
  const results: ModeResult[] = [];
  for (const plan of planModes(options.orders)) {
    if (!options.modes.includes(plan.name)) continue;
    const result = await runMode(plan, root, workload, options, ui);
    results.push(result);
    ui.done(result);
  }
  return {
    options,
    workload: { ...workload.stats, instruments: workload.specs.length },
    modes: results,
    elapsed_ms: performance.now() - started,
  };
}

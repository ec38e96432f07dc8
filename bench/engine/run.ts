// Why this file exists: the engine throughput/latency/memory harness as a library, so the CLI
// (harness.ts), a later `npm run bench` driver and the issue-5 experiment all measure the same
// way. Per workload: generate the stream (untimed), warm up, then on fresh engines measure
// commands/s (whole-loop timing, several runs, median), per-command latency (a separate pass,
// each call timed with performance.now), memory per resting order, and the same stream through
// nodejs-order-book for a same-run, same-commands ratio. Both engine entry points are measured:
// `execute` (allocation-free, typed sink calls) and `apply` (returns event objects).

import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { OrderCommand as Command, Depth, Engine, EventSink } from '../../engine/index.js';
import { findGc, readHeapAfterGc, type GcFunction, type HeapReading } from '../common/memory.js';
import { describeEnvironment, type BenchEnvironment } from '../common/results.js';
import { type LatencySummary, max, median, medianLatency, min, summarizeLatencies } from '../common/stats.js';
import { buildPeerOps, PEER_NAME, peerLevels, runPeer } from './peer.js';
import { ID_VARIANTS, type IdVariant, withIdVariant } from './variants.js';
import type { WideParams } from './wide.js';
import {
  BENCH_INSTRUMENT,
  createBenchEngine,
  createWorkloadEngine,
  generateWorkloadDetailed,
  type GeneratedWorkload,
  type WorkloadName,
  type WorkloadParams,
  type WorkloadStats,
} from './workloads.js';

/** Makes the fresh engine a pass starts from. */
export type EngineFactory = () => Engine;

/**
 * The two ways to drive the engine: `apply` returns EngineEvent objects (the public API, one
 * allocation per event); `execute` reports events as typed calls to a sink (allocation-free; the
 * worker host's path). The bench's sink only counts events, the least any consumer does.
 */
export const ENGINE_PATHS = ['execute', 'apply'] as const;
export type EnginePath = (typeof ENGINE_PATHS)[number];

export interface EngineBenchOptions {
  workloads: WorkloadName[];
  /** Engine entry points to measure (each gets throughput, latency and a peer ratio). */
  paths: EnginePath[];
  /** Id/account variants of every stream to measure (variants.ts). */
  variants: IdVariant[];
  /** Commands per workload stream. */
  commands: number;
  seed: number;
  /** Timed repetitions of each measurement; medians are reported. */
  runs: number;
  /** Commands applied to a throwaway engine before anything is timed (JIT warm-up). */
  warmup_commands: number;
  latency: boolean;
  memory: boolean;
  peer: boolean;
  peer_runs: number;
  /** The peer runs `deep` on this prefix only (it slows to ~10k/s as the book deepens); 0 = all. */
  peer_deep_commands: number;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

export const ENGINE_BENCH_DEFAULTS: Readonly<Omit<EngineBenchOptions, 'log'>> = Object.freeze({
  workloads: ['mixed', 'deep'] as WorkloadName[],
  paths: ['execute', 'apply'] as EnginePath[],
  variants: [...ID_VARIANTS] as IdVariant[],
  commands: 1_000_000,
  seed: 1,
  runs: 5,
  warmup_commands: 200_000,
  latency: true,
  memory: true,
  peer: true,
  peer_runs: 3,
  peer_deep_commands: 300_000,
});

/** Explicit limits so a typo cannot start an hour-long run. */
export const RUNS_MAX = 50;

export interface ThroughputResult {
  commands: number;
  runs: number;
  /** Wall clock: commands ÷ elapsed time of the timed loop. */
  commands_per_s_runs: number[];
  commands_per_s_median: number;
  commands_per_s_min: number;
  commands_per_s_max: number;
  /**
   * Process CPU time: commands ÷ CPU seconds the whole process (every thread: GC helpers and
   * compilers too) spent during the timed loop. A shared machine at load 10–20 stretches wall time
   * 5–8× (the process waits for a core), CPU time far less: these are the figures to compare.
   */
  cpu_commands_per_s_runs: number[];
  cpu_commands_per_s_median: number;
  cpu_commands_per_s_min: number;
  cpu_commands_per_s_max: number;
}

/** Wall and process CPU time of one timed loop. */
export interface PassTime {
  elapsed_ms: number;
  cpu_ms: number;
}

/** Starts timing a loop: returns a function that gives its wall and process CPU time. */
export function startPassTimer(): () => PassTime {
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  return () => {
    const wall = performance.now() - wall0;
    const cpu = process.cpuUsage(cpu0);
    return { elapsed_ms: wall, cpu_ms: (cpu.user + cpu.system) / 1000 };
  };
}

export interface LatencyResult extends LatencySummary {
  /** Each figure above is the median over runs of that figure. */
  runs: LatencySummary[];
}

export interface MemoryResult {
  variant: IdVariant;
  live_orders: number;
  /** engine.memoryBytes(): bytes of its typed arrays (capacity, not just live slots). */
  engine_typed_array_bytes: number;
  engine_typed_array_bytes_per_order: number;
  /** Growth of heapUsed + external across building the book, after full GCs (engine kept alive). */
  heap_delta_bytes: number;
  heap_delta_bytes_per_order: number;
  heap_used_delta_bytes: number;
  external_delta_bytes: number;
}

export interface VerificationResult {
  /** Must be 0: every workload command is valid. */
  rejected: number;
  trades: number;
  trades_expected: number;
  live_orders: number;
  live_orders_expected: number;
  /** Every timed run ended with the expected number of live orders. */
  runs_consistent: boolean;
  state_hash: string;
  ok: boolean;
}

export interface PeerResult {
  name: string;
  /** Commands of the stream the peer ran (a prefix for `deep` unless peer_deep_commands is 0). */
  commands: number;
  throughput: ThroughputResult;
  /** Cancels the peer refused: 0 means it agreed with us on which orders were live. */
  cancel_failures: number;
  errors: number;
  /** The peer's final book (levels and quantities) equals ours on the same commands. */
  book_matches_engine: boolean;
  memory: { heap_delta_bytes: number; heap_delta_bytes_per_order: number; live_orders: number } | null;
}

export interface EnginePathResult {
  variant: IdVariant;
  path: EnginePath;
  throughput: ThroughputResult;
  /** Our throughput on the peer's prefix (present when the peer ran fewer commands). */
  throughput_on_peer_commands: ThroughputResult | null;
  latency: LatencyResult | null;
  /** matchlog ÷ peer commands per CPU-second medians, same commands, same process. */
  ratio_vs_peer: number | null;
  /** The same ratio on wall-clock medians (distorted by machine load: the two run at different times). */
  ratio_vs_peer_wall: number | null;
}

export interface WorkloadBenchResult {
  workload: WorkloadName;
  seed: number;
  commands: number;
  params: Readonly<WorkloadParams> | Readonly<WideParams>;
  stats: WorkloadStats;
  engine: {
    paths: EnginePathResult[];
    /** One entry per variant (empty when memory is not measured). */
    memory: MemoryResult[];
    verification: VerificationResult;
  };
  peer: PeerResult | null;
  /** 1-minute load average before the warm-up and after the last timed run of this workload. */
  load_average_1m: [number, number];
}

export interface TimerOverhead {
  /** Back-to-back performance.now() pairs: what every latency sample includes on top of apply. */
  latency_ns_p50: number;
  latency_ns_p99: number;
  samples: number;
}

export interface EngineBenchResult {
  bench: 'engine';
  environment: BenchEnvironment;
  options: Omit<EngineBenchOptions, 'log'>;
  instrument: typeof BENCH_INSTRUMENT;
  gc: 'available' | 'unavailable';
  timer_overhead: TimerOverhead;
  workloads: WorkloadBenchResult[];
}

const TIMER_OVERHEAD_SAMPLES = 200_000;
const DEPTH_LEVELS_MAX = 1_000_000;

export function measureTimerOverhead(samples = TIMER_OVERHEAD_SAMPLES): TimerOverhead {
  const values = new Float64Array(samples);
  for (let i = 0; i < samples; i++) {
    const t0 = performance.now();
    const t1 = performance.now();
    values[i] = (t1 - t0) * 1e6;
  }
  const summary = summarizeLatencies(values);
  return { latency_ns_p50: summary.latency_ns_p50, latency_ns_p99: summary.latency_ns_p99, samples };
}

function throughputOf(commands: number, times: readonly PassTime[]): ThroughputResult {
  const rates = times.map((t) => Math.round(commands / (t.elapsed_ms / 1000)));
  // A loop shorter than the CPU clock's resolution would divide by zero: count it as 1 µs.
  const cpuRates = times.map((t) => Math.round(commands / (Math.max(t.cpu_ms, 0.001) / 1000)));
  return {
    commands,
    runs: rates.length,
    commands_per_s_runs: rates,
    commands_per_s_median: Math.round(median(rates)),
    commands_per_s_min: min(rates),
    commands_per_s_max: max(rates),
    cpu_commands_per_s_runs: cpuRates,
    cpu_commands_per_s_median: Math.round(median(cpuRates)),
    cpu_commands_per_s_min: min(cpuRates),
    cpu_commands_per_s_max: max(cpuRates),
  };
}

// Timed passes never force a GC first: a forced (testing) GC makes V8 deoptimise the hot engine
// code ("weak objects"), and the next ~50,000 commands then run 2–3× slower while it re-optimises.
// Forced GCs happen only in the untimed memory passes, which come before the warm-up.

/** Untimed peer commands on a throwaway book before every timed peer run. */
const PEER_WARMUP_COMMANDS = 20_000;

/** A sink that only counts events: the cheapest consumer of `execute`. */
export class CountingSink implements EventSink {
  events = 0;
  trades = 0;
  rejects = 0;

  accepted(): void {
    this.events++;
  }

  rejected(): void {
    this.events++;
    this.rejects++;
  }

  trade(): void {
    this.events++;
    this.trades++;
  }

  cancelled(): void {
    this.events++;
  }

  modified(): void {
    this.events++;
  }

  triggered(): void {
    this.events++;
  }

  rested(): void {
    this.events++;
  }

  instrumentAdded(): void {
    this.events++;
  }

  halted(): void {
    this.events++;
  }

  resumed(): void {
    this.events++;
  }
}

/** A timed pass: wall and CPU time, and the engine's live orders at the end. */
export interface EnginePassResult extends PassTime {
  live_orders: number;
}

function timeApply(commands: readonly Command[], count: number, make: EngineFactory): EnginePassResult {
  const engine = make();
  let events = 0;
  const stop = startPassTimer();
  for (let i = 0; i < count; i++) events += engine.apply(commands[i]).length;
  const time = stop();
  if (events < count) throw new Error('engine returned fewer events than commands');
  return { ...time, live_orders: engine.liveOrders };
}

function timeExecute(commands: readonly Command[], count: number, make: EngineFactory): EnginePassResult {
  const engine = make();
  const sink = new CountingSink();
  const stop = startPassTimer();
  for (let i = 0; i < count; i++) engine.execute(commands[i], sink);
  const time = stop();
  if (sink.events < count) throw new Error('engine reported fewer events than commands');
  return { ...time, live_orders: engine.liveOrders };
}

/** One timed pass over commands[0, count) on a fresh engine; returns its times and the final live count. */
export function timeEnginePass(
  path: EnginePath,
  commands: readonly Command[],
  count: number,
  make: EngineFactory = createBenchEngine,
): EnginePassResult {
  return path === 'apply' ? timeApply(commands, count, make) : timeExecute(commands, count, make);
}

/** One latency pass on a fresh engine: each command timed on its own; returns the percentiles. */
export function latencyEnginePass(
  path: EnginePath,
  commands: readonly Command[],
  count: number,
  make: EngineFactory = createBenchEngine,
): LatencySummary {
  const engine = make();
  const samples = new Float64Array(count);
  if (path === 'apply') {
    for (let i = 0; i < count; i++) {
      const command = commands[i];
      const t0 = performance.now();
      engine.apply(command);
      const t1 = performance.now();
      samples[i] = (t1 - t0) * 1e6;
    }
  } else {
    const sink = new CountingSink();
    for (let i = 0; i < count; i++) {
      const command = commands[i];
      const t0 = performance.now();
      engine.execute(command, sink);
      const t1 = performance.now();
      samples[i] = (t1 - t0) * 1e6;
    }
  }
  return summarizeLatencies(samples);
}

function sameLevels(a: Array<[number, number]>, b: Array<[number, number]>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i][0] !== b[i][0] || a[i][1] !== b[i][1]) return false;
  return true;
}

function ascending(depth: Depth): { bids: Array<[number, number]>; asks: Array<[number, number]> } {
  return { bids: [...depth.bids].reverse(), asks: depth.asks };
}

/**
 * Untimed pass of one variant: checks events against the generator, measures memory, returns the
 * final depth of the first instrument. The variant's stream is built after the first heap reading
 * and dropped before the second, so the heap growth includes the id and account strings the
 * engine keeps (what a resting order with a string id really costs), not the stream's.
 */
function verifyAndMeasureMemory(
  workload: GeneratedWorkload,
  variant: IdVariant,
  gc: GcFunction | null,
  measureMemory: boolean,
): { verification: Omit<VerificationResult, 'runs_consistent' | 'ok'>; memory: MemoryResult | null; depth: Depth } {
  let before: HeapReading | null = null;
  if (measureMemory && gc !== null) before = readHeapAfterGc(gc);
  let commands: Command[] | null = withIdVariant(workload.commands, variant);
  const engine = createWorkloadEngine(workload);
  let rejected = 0;
  let trades = 0;
  for (let i = 0; i < commands.length; i++) {
    const events = engine.apply(commands[i]);
    for (let e = 0; e < events.length; e++) {
      const type = events[e].type;
      if (type === 'trade') trades++;
      else if (type === 'rejected') rejected++;
    }
  }
  commands = null;
  let memory: MemoryResult | null = null;
  const live = engine.liveOrders;
  if (measureMemory) {
    const typed = engine.memoryBytes();
    let heapDelta = Number.NaN;
    let heapUsedDelta = Number.NaN;
    let externalDelta = Number.NaN;
    if (before !== null && gc !== null) {
      const after = readHeapAfterGc(gc);
      heapDelta = after.total_bytes - before.total_bytes;
      heapUsedDelta = after.heap_used_bytes - before.heap_used_bytes;
      externalDelta = after.external_bytes - before.external_bytes;
    }
    memory = {
      variant,
      live_orders: live,
      engine_typed_array_bytes: typed,
      engine_typed_array_bytes_per_order: live > 0 ? typed / live : Number.NaN,
      heap_delta_bytes: heapDelta,
      heap_delta_bytes_per_order: live > 0 ? heapDelta / live : Number.NaN,
      heap_used_delta_bytes: heapUsedDelta,
      external_delta_bytes: externalDelta,
    };
  }
  const depth = engine.depth(workload.instrument.symbol, DEPTH_LEVELS_MAX);
  return {
    verification: {
      rejected,
      trades,
      trades_expected: workload.stats.trades,
      live_orders: live,
      live_orders_expected: workload.stats.resting_orders,
      state_hash: engine.stateHash(),
    },
    memory,
    depth,
  };
}

/** Engine depth after commands[0, count) (the reference for the peer's final book). */
function engineDepthAfter(commands: readonly Command[], count: number): { depth: Depth; live_orders: number } {
  const engine = createBenchEngine();
  for (let i = 0; i < count; i++) engine.apply(commands[i]);
  return { depth: engine.depth(BENCH_INSTRUMENT.symbol, DEPTH_LEVELS_MAX), live_orders: engine.liveOrders };
}

function runPeerBench(
  commands: readonly Command[],
  count: number,
  runs: number,
  gc: GcFunction | null,
  reference: { depth: Depth; live_orders: number },
  log: (line: string) => void,
): PeerResult {
  const elapsed: PassTime[] = [];
  let cancelFailures = 0;
  let errors = 0;
  let bookMatches = true;
  let memory: PeerResult['memory'] = null;
  const warmupOps = buildPeerOps(commands, Math.min(PEER_WARMUP_COMMANDS, count));
  for (let run = 0; run < runs; run++) {
    const ops = buildPeerOps(commands, count);
    // Run 0 also measures memory: forced GC first, then (like every run) an untimed warm-up on a
    // throwaway book so the forced GC's deoptimisation is not timed.
    const before = run === 0 && gc !== null ? readHeapAfterGc(gc) : null;
    runPeer(warmupOps);
    const result = runPeer(ops);
    elapsed.push({ elapsed_ms: result.elapsed_ms, cpu_ms: result.cpu_ms });
    cancelFailures = Math.max(cancelFailures, result.cancel_failures);
    errors = Math.max(errors, result.errors);
    if (run === 0) {
      const levels = peerLevels(result.book);
      const ours = ascending(reference.depth);
      bookMatches = sameLevels(levels.bids, ours.bids) && sameLevels(levels.asks, ours.asks);
      if (before !== null && gc !== null) {
        // The ops array was already referenced at `before`; the warm-up book is garbage by now.
        const after = readHeapAfterGc(gc);
        const delta = after.total_bytes - before.total_bytes;
        memory = {
          heap_delta_bytes: delta,
          heap_delta_bytes_per_order: reference.live_orders > 0 ? delta / reference.live_orders : Number.NaN,
          live_orders: reference.live_orders,
        };
      }
    }
    log(`  peer run ${run + 1}/${runs}: ${Math.round(count / (result.elapsed_ms / 1000)).toLocaleString('en-US')} commands/s, ${Math.round(count / (result.cpu_ms / 1000)).toLocaleString('en-US')} per CPU-s`);
  }
  return {
    name: PEER_NAME,
    commands: count,
    throughput: throughputOf(count, elapsed),
    cancel_failures: cancelFailures,
    errors,
    book_matches_engine: bookMatches,
    memory,
  };
}

function validateOptions(options: EngineBenchOptions): void {
  const positive = (name: string, value: number, maxValue: number): void => {
    if (!Number.isSafeInteger(value) || value < 1 || value > maxValue) {
      throw new RangeError(`${name} must be an integer in 1..${maxValue}, got ${value}`);
    }
  };
  positive('runs', options.runs, RUNS_MAX);
  positive('peer_runs', options.peer_runs, RUNS_MAX);
  if (!Number.isSafeInteger(options.warmup_commands) || options.warmup_commands < 0) {
    throw new RangeError('warmup_commands must be a non-negative integer');
  }
  if (!Number.isSafeInteger(options.peer_deep_commands) || options.peer_deep_commands < 0) {
    throw new RangeError('peer_deep_commands must be a non-negative integer');
  }
  if (options.workloads.length === 0) throw new RangeError('no workload selected');
  if (options.paths.length === 0) throw new RangeError('no engine path selected');
}

/** One measured combination: an id/account variant of the stream through one entry point. */
interface Combo {
  variant: IdVariant;
  path: EnginePath;
  key: string;
}

/** Benchmarks one generated workload (generation is the caller's, so it can be reused). */
export function runWorkloadBench(
  workload: GeneratedWorkload,
  options: EngineBenchOptions,
  gc: GcFunction | null,
): WorkloadBenchResult {
  const log = options.log ?? ((): void => {});
  const count = workload.commands.length;
  const expectedLive = workload.stats.resting_orders;
  const make: EngineFactory = () => createWorkloadEngine(workload);
  const rate = (n: number, t: PassTime): string =>
    `${Math.round(n / (t.elapsed_ms / 1000)).toLocaleString('en-US')} commands/s, ${Math.round(n / (t.cpu_ms / 1000)).toLocaleString('en-US')} per CPU-s`;
  const combos: Combo[] = [];
  for (const variant of options.variants) {
    for (const path of options.paths) combos.push({ variant, path, key: `${variant} ${path}` });
  }

  const loadBefore = loadavg()[0];
  // Memory first (its forced GCs deoptimise; the warm-up below re-optimises before timing).
  const memory: MemoryResult[] = [];
  let checked: ReturnType<typeof verifyAndMeasureMemory> | null = null;
  let verificationOk = true;
  for (const variant of options.variants) {
    log(`  verification + memory pass (${variant}, apply, untimed)`);
    const pass = verifyAndMeasureMemory(workload, variant, gc, options.memory);
    if (pass.memory !== null) memory.push(pass.memory);
    const v = pass.verification;
    if (v.rejected !== 0 || v.trades !== v.trades_expected || v.live_orders !== v.live_orders_expected) verificationOk = false;
    checked ??= pass;
  }
  if (checked === null) throw new RangeError('no variant selected');

  const streams = new Map<IdVariant, Command[]>(options.variants.map((variant) => [variant, withIdVariant(workload.commands, variant)]));
  const streamOf = (variant: IdVariant): Command[] => streams.get(variant) as Command[];

  const warmup = Math.min(options.warmup_commands, count);
  if (warmup > 0) {
    log(`  warm-up: ${warmup.toLocaleString('en-US')} commands per variant and path`);
    for (const c of combos) timeEnginePass(c.path, streamOf(c.variant), warmup, make);
  }

  // Runs of the different combinations are interleaved so slow phases of a noisy machine hit all alike.
  const elapsed = new Map<string, PassTime[]>(combos.map((c) => [c.key, []]));
  let runsConsistent = true;
  for (let run = 0; run < options.runs; run++) {
    for (const c of combos) {
      const pass = timeEnginePass(c.path, streamOf(c.variant), count, make);
      elapsed.get(c.key)?.push(pass);
      if (pass.live_orders !== expectedLive) runsConsistent = false;
      log(`  throughput run ${run + 1}/${options.runs} ${c.key}: ${rate(count, pass)}`);
    }
  }

  const latencies = new Map<string, LatencySummary[]>(combos.map((c) => [c.key, []]));
  if (options.latency) {
    for (let run = 0; run < options.runs; run++) {
      for (const c of combos) {
        const summary = latencyEnginePass(c.path, streamOf(c.variant), count, make);
        latencies.get(c.key)?.push(summary);
        log(`  latency run ${run + 1}/${options.runs} ${c.key}: p50 ${summary.latency_ns_p50} ns, p99 ${summary.latency_ns_p99} ns, p99.9 ${summary.latency_ns_p999} ns`);
      }
    }
  }

  // The peer has one book and no modify: it runs the single-instrument workloads only.
  const peerRuns = options.peer && workload.instruments.length === 1;
  const peerCount =
    workload.name === 'deep' && options.peer_deep_commands > 0 ? Math.min(options.peer_deep_commands, count) : count;
  const prefixElapsed = new Map<string, PassTime[]>(combos.map((c) => [c.key, []]));
  if (peerRuns && peerCount < count) {
    for (let run = 0; run < options.runs; run++) {
      for (const c of combos) {
        const pass = timeEnginePass(c.path, streamOf(c.variant), peerCount, make);
        prefixElapsed.get(c.key)?.push(pass);
        log(`  prefix run ${run + 1}/${options.runs} ${c.key} (first ${peerCount.toLocaleString('en-US')}): ${rate(peerCount, pass)}`);
      }
    }
  }

  let peer: PeerResult | null = null;
  if (peerRuns) {
    const reference =
      peerCount < count
        ? engineDepthAfter(workload.commands, peerCount)
        : { depth: checked.depth, live_orders: checked.verification.live_orders };
    log(`  peer ${PEER_NAME} on ${peerCount.toLocaleString('en-US')} commands`);
    peer = runPeerBench(workload.commands, peerCount, options.peer_runs, gc, reference, log);
  }

  const pathResults: EnginePathResult[] = combos.map((c) => {
    const throughput = throughputOf(count, elapsed.get(c.key) ?? []);
    const prefix = prefixElapsed.get(c.key) ?? [];
    const onPeer = prefix.length > 0 ? throughputOf(peerCount, prefix) : null;
    const runs = latencies.get(c.key) ?? [];
    const same = onPeer ?? throughput;
    return {
      variant: c.variant,
      path: c.path,
      throughput,
      throughput_on_peer_commands: onPeer,
      latency: runs.length > 0 ? { ...medianLatency(runs), runs } : null,
      ratio_vs_peer: peer === null ? null : same.cpu_commands_per_s_median / peer.throughput.cpu_commands_per_s_median,
      ratio_vs_peer_wall: peer === null ? null : same.commands_per_s_median / peer.throughput.commands_per_s_median,
    };
  });

  const verification: VerificationResult = {
    ...checked.verification,
    runs_consistent: runsConsistent,
    ok: verificationOk && runsConsistent,
  };

  return {
    workload: workload.name,
    seed: workload.seed,
    commands: count,
    params: workload.params,
    stats: workload.stats,
    engine: { paths: pathResults, memory, verification },
    peer,
    load_average_1m: [Math.round(loadBefore * 100) / 100, Math.round(loadavg()[0] * 100) / 100],
  };
}

/** The whole engine bench: every selected workload, generated from `seed`, measured in turn. */
export async function runEngineBench(partial: Partial<EngineBenchOptions> = {}): Promise<EngineBenchResult> {
  const options: EngineBenchOptions = { ...ENGINE_BENCH_DEFAULTS, ...partial };
  validateOptions(options);
  const log = options.log ?? ((): void => {});
  const gc = findGc();
  const environment = describeEnvironment();
  const timerOverhead = measureTimerOverhead();
  log(`timer overhead (performance.now pair): p50 ${timerOverhead.latency_ns_p50} ns, p99 ${timerOverhead.latency_ns_p99} ns`);
  const results: WorkloadBenchResult[] = [];
  for (const name of options.workloads) {
    log(`${name}: generating ${options.commands.toLocaleString('en-US')} commands (seed ${options.seed})`);
    const workload = generateWorkloadDetailed(name, { commands: options.commands, seed: options.seed });
    const s = workload.stats;
    log(`  ${s.resting_orders.toLocaleString('en-US')} resting on ${s.levels} levels, ${s.trades.toLocaleString('en-US')} trades, fingerprint ${s.stream_fingerprint} (${s.generation_ms} ms)`);
    results.push(runWorkloadBench(workload, options, gc));
    // Let the stream of this workload be collected before the next one is generated.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  const { log: _omit, ...recorded } = options;
  return {
    bench: 'engine',
    environment,
    options: recorded,
    instrument: BENCH_INSTRUMENT,
    gc: gc === null ? 'unavailable' : 'available',
    timer_overhead: timerOverhead,
    workloads: results,
  };
}

// Why this file exists: the figures issue 4 asks of the durable exchange, measured on the real
// Exchange in `sync` mode: end-to-end throughput with one and two matching workers, acknowledgement
// latency at the report's load (5,000/s), at 100,000/s and at the maximum, the latency cost of a
// checkpoint of a 540,000-order book, and recovery time after SIGKILL with 1,000,000 resting orders
// and a 1,000,000-command log tail. Medians over runs; figures to stdout and (--out) JSON/markdown.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command as Cli } from 'commander';
import { Exchange } from '../../exchange/exchange.js';
import { isMainModule } from '../common/main.js';
import { describeEnvironment, markdownTable, writeResults } from '../common/results.js';
import { median, summarizeLatencies, type LatencySummary } from '../common/stats.js';
import { BENCH_INSTRUMENT, generateWorkload } from '../engine/workloads.js';
import { closedLoop, multiInstrumentMixed, openLoop, passiveBook } from './load.js';
import { runTargetTable } from './target-table.js';

export interface ExchangeBenchOptions {
  commands: number;
  /** Warm-up commands before each target-table measurement (the steady state); 0 times from open. */
  warm: number;
  runs: number;
  rateSeconds: number;
  checkpointBookOrders: number;
  recoveryResting: number;
  recoveryTail: number;
  out: string | null;
  /** Another checkout whose Exchange is measured beside this one ("now" in the target table). */
  baseline: string | null;
  /** Only the issue 9 target table. */
  targetsOnly: boolean;
  /** Only the recovery and replay rows of the target table (implies targetsOnly). */
  recoveryOnly: boolean;
  log: (line: string) => void;
}

const QUICK: Partial<ExchangeBenchOptions> = {
  commands: 50_000,
  warm: 20_000,
  runs: 1,
  rateSeconds: 1,
  checkpointBookOrders: 50_000,
  recoveryResting: 50_000,
  recoveryTail: 40_000,
};

const WINDOW = 50_000;

function ms(ns: number): string {
  return (ns / 1e6).toFixed(2);
}

async function withExchange<T>(
  options: Parameters<typeof Exchange.open>[0] & { dir?: string },
  body: (exchange: Exchange) => Promise<T>,
): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'matchlog-bench-'));
  const exchange = await Exchange.open({ ...options, dir });
  try {
    return await body(exchange);
  } finally {
    await exchange.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function throughput(workers: number, o: ExchangeBenchOptions): Promise<{ commands_per_s: number; latency: LatencySummary }> {
  const rates: number[] = [];
  const latencies: LatencySummary[] = [];
  for (let run = 0; run < o.runs; run++) {
    const { specs, commands } = multiInstrumentMixed(o.commands, 1000 + run, workers);
    const result = await withExchange(
      { instruments: specs, durability: 'sync', workers, checkpointEvery: 10 * o.commands },
      (exchange) => closedLoop(exchange, commands, WINDOW),
    );
    rates.push(result.commands_per_s);
    latencies.push(summarizeLatencies(result.latencies_ns));
    o.log(`  workers=${workers} run ${run + 1}: ${Math.round(result.commands_per_s).toLocaleString()} commands/s`);
  }
  const best = latencies[rates.indexOf(median(rates))] ?? latencies[0];
  return { commands_per_s: median(rates), latency: best };
}

async function atRate(rate: number, o: ExchangeBenchOptions): Promise<LatencySummary> {
  const count = Math.max(1000, Math.round(rate * o.rateSeconds));
  const commands = generateWorkload('mixed', { commands: count, seed: 77 });
  const result = await withExchange(
    { instruments: [{ ...BENCH_INSTRUMENT }], durability: 'sync', checkpointEvery: 10 * count },
    (exchange) => openLoop(exchange, commands, rate),
  );
  return summarizeLatencies(result.latencies_ns);
}

/** p99.9 at 100,000/s over a big book, with checkpoints off and then every second. */
async function checkpointImpact(o: ExchangeBenchOptions): Promise<Record<string, unknown>> {
  const book = passiveBook(o.checkpointBookOrders);
  const count = Math.round(100_000 * o.rateSeconds * 2);
  const load = generateWorkload('mixed', { commands: count, seed: 99 });
  const measure = async (checkpointIntervalMs: number): Promise<{ latency: LatencySummary; stats: ReturnType<Exchange['stats']> }> =>
    withExchange(
      {
        instruments: [{ ...BENCH_INSTRUMENT }],
        durability: 'sync',
        checkpointEvery: 1_000_000_000,
        checkpointIntervalMs,
      },
      async (exchange) => {
        await closedLoop(exchange, book, WINDOW);
        const result = await openLoop(exchange, load, 100_000);
        return { latency: summarizeLatencies(result.latencies_ns), stats: exchange.stats() };
      },
    );
  const without = await measure(2 ** 31 - 1);
  const withCheckpoints = await measure(500);
  return {
    book_orders: o.checkpointBookOrders,
    without_p999_ms: without.latency.latency_ns_p999 / 1e6,
    with_p999_ms: withCheckpoints.latency.latency_ns_p999 / 1e6,
    ratio_p999: withCheckpoints.latency.latency_ns_p999 / without.latency.latency_ns_p999,
    without_p99_ms: without.latency.latency_ns_p99 / 1e6,
    with_p99_ms: withCheckpoints.latency.latency_ns_p99 / 1e6,
    checkpoints_taken: withCheckpoints.stats.checkpoints.taken,
    checkpoint_ms: withCheckpoints.stats.checkpoints.lastDurationMs,
    checkpoint_snapshot_ms: withCheckpoints.stats.checkpoints.lastSnapshotMs,
    checkpoint_bytes: withCheckpoints.stats.checkpoints.lastBytes,
  };
}

/** A child builds the state and is killed; we time Exchange.open on its directory. */
async function recovery(o: ExchangeBenchOptions): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'matchlog-recovery-'));
  try {
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'recovery-child.ts'), dir, String(o.recoveryResting), String(o.recoveryTail)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const ready = await new Promise<{ lastSeq: number; liveOrders: number; stateHash: string; checkpointBytes: number; checkpointMs: number }>(
      (resolve, reject) => {
        let text = '';
        child.stdout.on('data', (chunk: Buffer) => {
          text += chunk.toString();
          const line = text.split('\n').find((l) => l.startsWith('{'));
          if (line !== undefined) resolve(JSON.parse(line));
        });
        child.once('exit', (code) => reject(new Error(`recovery child exited early (${code})`)));
      },
    );
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    const t0 = performance.now();
    const exchange = await Exchange.open({ dir });
    const open_ms = performance.now() - t0;
    const stats = exchange.stats();
    const hashEqual = exchange.stateHash() === ready.stateHash;
    await exchange.close();
    return {
      resting_orders_at_crash: ready.liveOrders,
      log_tail_commands: o.recoveryTail,
      open_ms,
      checkpoint_load_ms: stats.recovery.checkpointLoadMs,
      replay_ms: stats.recovery.replayMs,
      replayed_commands: stats.recovery.replayedCommands,
      replay_commands_per_s: stats.recovery.replayCommandsPerS,
      verify_ms: stats.recovery.verifyMs,
      recovery_ms: stats.recovery.totalMs,
      state_hash_equal: hashEqual,
      checkpoint_bytes: ready.checkpointBytes,
      checkpoint_ms: ready.checkpointMs,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runExchangeBench(o: ExchangeBenchOptions): Promise<Record<string, unknown>> {
  o.log('issue 9 targets:');
  const targets = await runTargetTable({
    root: join(import.meta.dirname, '..', '..'),
    baseline: o.baseline,
    commands: o.commands,
    warm: o.warm,
    runs: o.runs,
    rateSeconds: o.rateSeconds,
    recoveryResting: o.recoveryResting,
    recoveryTail: o.recoveryTail,
    recoveryOnly: o.recoveryOnly,
    log: o.log,
  });
  o.log(targets);
  if (o.targetsOnly || o.recoveryOnly) {
    if (o.out !== null) writeResults(o.out, 'exchange-targets', { environment: describeEnvironment(), options: { ...o, log: undefined } }, targets);
    return { targets };
  }
  o.log('throughput (sync, closed loop, window 50,000):');
  const one = await throughput(1, o);
  const two = await throughput(2, o);
  o.log('latency at fixed rates (sync, open loop):');
  const at5k = await atRate(5_000, o);
  const at100k = await atRate(100_000, o);
  o.log('checkpoint impact:');
  const checkpoint = await checkpointImpact(o);
  o.log('recovery after SIGKILL:');
  const recovered = await recovery(o);
  const result = {
    environment: describeEnvironment(),
    options: { ...o, log: undefined },
    throughput: { workers_1: one, workers_2: two },
    latency: { rate_5000: at5k, rate_100000: at100k, max_workers_1: one.latency },
    checkpoint,
    recovery: recovered,
  };
  const rows = [
    ['1 worker, max', Math.round(one.commands_per_s).toLocaleString(), ms(one.latency.latency_ns_p50), ms(one.latency.latency_ns_p99), ms(one.latency.latency_ns_p999)],
    ['2 workers, max', Math.round(two.commands_per_s).toLocaleString(), ms(two.latency.latency_ns_p50), ms(two.latency.latency_ns_p99), ms(two.latency.latency_ns_p999)],
    ['5,000/s', '5,000', ms(at5k.latency_ns_p50), ms(at5k.latency_ns_p99), ms(at5k.latency_ns_p999)],
    ['100,000/s', '100,000', ms(at100k.latency_ns_p50), ms(at100k.latency_ns_p99), ms(at100k.latency_ns_p999)],
  ];
  const markdown = [
    targets,
    '## Durable exchange (sync)',
    '',
    markdownTable(['load', 'commands/s', 'ack p50 ms', 'ack p99 ms', 'ack p99.9 ms'], rows),
    '',
    '### Checkpoint impact',
    '',
    markdownTable(['figure', 'value'], Object.entries(checkpoint).map(([k, v]) => [k, String(v)])),
    '',
    '### Recovery after SIGKILL',
    '',
    markdownTable(['figure', 'value'], Object.entries(recovered).map(([k, v]) => [k, String(v)])),
    '',
  ].join('\n');
  o.log(markdown);
  if (o.out !== null) writeResults(o.out, 'exchange-bench', result, markdown);
  return result;
}

export async function main(argv: string[] = process.argv): Promise<void> {
  const cli = new Cli('bench:exchange')
    .option('--commands <n>', 'commands per throughput run', '1000000')
    .option('--warm <n>', 'target table: commands each exchange runs before the measured ones (its worker threads compile meanwhile); both phases reported', '200000')
    .option('--runs <n>', 'throughput runs (median reported)', '3')
    .option('--rate-seconds <n>', 'seconds of load per fixed-rate run', '3')
    .option('--checkpoint-book <n>', 'resting orders during the checkpoint test', '540000')
    .option('--recovery-resting <n>', 'resting orders at the crash', '1000000')
    .option('--recovery-tail <n>', 'commands after the last checkpoint', '990000')
    .option('--out <dir>', 'write exchange-bench.json and .md here')
    .option('--baseline <dir>', 'also measure the Exchange of this checkout (e.g. /work/main) as "now"')
    .option('--targets-only', 'only the issue 9 target table')
    .option('--recovery-only', 'only the recovery and replay rows of the target table (--runs alternating runs)')
    .option('--quick', 'small sizes for a smoke run')
    .parse(argv);
  const raw = cli.opts<Record<string, string | boolean | undefined>>();
  const options: ExchangeBenchOptions = {
    commands: Number(raw.commands),
    warm: Number(raw.warm),
    runs: Number(raw.runs),
    rateSeconds: Number(raw.rateSeconds),
    checkpointBookOrders: Number(raw.checkpointBook),
    recoveryResting: Number(raw.recoveryResting),
    recoveryTail: Number(raw.recoveryTail),
    out: typeof raw.out === 'string' ? raw.out : null,
    baseline: typeof raw.baseline === 'string' ? raw.baseline : null,
    targetsOnly: raw.targetsOnly === true,
    recoveryOnly: raw.recoveryOnly === true,
    log: (line) => console.log(line),
    ...(raw.quick === true ? QUICK : {}),
  };
  await runExchangeBench(options);
}

if (isMainModule(import.meta.url)) await main();

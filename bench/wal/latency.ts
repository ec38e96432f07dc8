// Why this file exists: an outcome is released only when its record is durable, so append→durable latency
// at a steady rate is the log's cost on every order. This offers appends at a steady
// rate (default 100,000/s for 5 s) from an event-loop driver and records, per record, the
// time from when it was due to when `durable` resolved (due time, not send time, so a
// stalled loop counts against the log: no coordinated omission). In the same run it
// measures the naive raw lmdb-js loop (one put per record as it comes, db.flushed per
// turn) and a bare fsync probe on the same disk, so figures can be judged against the
// machine of the moment. `wal-sync+reclaim` is the same load while reclaim drops whole
// segments every 250 ms: reclaiming must not stall appends.
//
//   tsx bench/wal/latency.ts [--rate 100000] [--seconds 5] [--runs 3] [--out dir|file.json]

import { Command } from 'commander';
import { open } from 'lmdb';
import { Packr } from 'msgpackr';
import { closeSync, fdatasyncSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { build, type Histogram } from 'hdr-histogram-js';
import { Wal } from '../../wal/index.js';
import { seq_key } from '../../wal/frame.js';
import {
  environment,
  is_main,
  loadavg_1m,
  median,
  order_commands,
  print_table,
  scratch_dir,
  write_json,
  yield_to_loop,
  type OrderCommand,
} from './common.js';

type Variant = 'wal-sync' | 'wal-sync+reclaim' | 'raw-naive' | 'fsync-probe';
/** immediate: a setImmediate loop (precise, one core busy); timer: setTimeout ticks (~1 ms, bursty). */
type Driver = 'immediate' | 'timer';
const VARIANTS: Variant[] = ['wal-sync', 'wal-sync+reclaim', 'raw-naive', 'fsync-probe'];
/** wal-sync+reclaim: segments this small and a reclaim this often, keeping this many records. */
const RECLAIM_SEGMENT_RECORDS = 16_384;
const RECLAIM_EVERY_MS = 250;
const RECLAIM_KEEP_RECORDS = 50_000;
const FSYNC_PROBES = 2000;
/** Records still not durable this long after the offer ends are a failure of the run. */
const DRAIN_MS_MAX = 10_000;

interface Percentiles {
  p50_us: number;
  p99_us: number;
  p999_us: number;
  max_us: number;
  count: number;
}

interface RunResult extends Percentiles {
  variant: Variant;
  /** Same percentiles measured from when each record was due (includes driver lag). */
  due: Percentiles;
  offered_per_s: number;
  commits: number;
}

function histogram(): Histogram {
  return build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
}

function percentiles(h: Histogram): Percentiles {
  return {
    p50_us: h.getValueAtPercentile(50),
    p99_us: h.getValueAtPercentile(99),
    p999_us: h.getValueAtPercentile(99.9),
    max_us: h.maxValue,
    count: h.totalCount,
  };
}

const now_us = (): number => performance.now() * 1000;

/**
 * Offer `commands` at `rate` per second; `offer(i)` appends record i and returns a
 * promise-like for its durability (or undefined when shared with the previous record);
 * `durable_upto()` tells, when a durability promise resolves, how many records are durable.
 */
async function drive(
  commands: OrderCommand[],
  rate: number,
  offer: (i: number) => Promise<unknown> | undefined,
  durable_upto: () => number,
  driver: Driver,
): Promise<{ h: Histogram; h_due: Histogram; commits: number; offered_per_s: number }> {
  const h = histogram();
  const h_due = histogram();
  const due_us = new Float64Array(commands.length);
  const sent_us = new Float64Array(commands.length);
  let recorded = 0;
  let commits = 0;
  const record_durable = (): void => {
    const upto = Math.min(durable_upto(), commands.length);
    const t = now_us();
    for (; recorded < upto; recorded++) {
      h.recordValue(Math.max(1, Math.round(t - sent_us[recorded])));
      h_due.recordValue(Math.max(1, Math.round(t - due_us[recorded])));
    }
  };
  const start_us = now_us();
  let sent = 0;
  while (sent < commands.length) {
    const tick_us = now_us();
    const due = Math.min(commands.length, Math.floor(((tick_us - start_us) * rate) / 1e6));
    while (sent < due) {
      due_us[sent] = start_us + (sent * 1e6) / rate;
      sent_us[sent] = tick_us;
      const durable = offer(sent);
      if (durable !== undefined) {
        commits++;
        void durable.then(record_durable);
      }
      sent++;
    }
    if (driver === 'immediate') await yield_to_loop();
    else await new Promise((resolve) => setTimeout(resolve, 0));
  }
  const offered_per_s = commands.length / ((now_us() - start_us) / 1e6);
  const drain_started = Date.now();
  while (recorded < commands.length) {
    if (Date.now() - drain_started > DRAIN_MS_MAX) throw new Error(`only ${recorded} of ${commands.length} records became durable`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return { h, h_due, commits, offered_per_s };
}

async function run_wal(commands: OrderCommand[], rate: number, driver: Driver, reclaiming: boolean): Promise<RunResult> {
  const dir = scratch_dir('matchlog-bench-lat-');
  let timer: NodeJS.Timeout | undefined;
  try {
    const wal = await Wal.open<OrderCommand>({
      path: dir.path,
      durability: 'sync',
      segmentRecords: reclaiming ? RECLAIM_SEGMENT_RECORDS : undefined,
    });
    // Checkpoints come and go while appends flow: dropping segments must not stall them.
    if (reclaiming) {
      timer = setInterval(() => {
        const upto = wal.durableSeq - RECLAIM_KEEP_RECORDS;
        if (upto > wal.firstSeq) void wal.reclaim(upto);
      }, RECLAIM_EVERY_MS);
    }
    let last_durable: Promise<void> | undefined;
    const { h, h_due, commits, offered_per_s } = await drive(
      commands,
      rate,
      (i) => {
        const { durable } = wal.append(commands[i]);
        if (durable === last_durable) return undefined;
        last_durable = durable;
        return durable;
      },
      () => wal.durableSeq,
      driver,
    );
    clearInterval(timer);
    const reclaimed_records = wal.firstSeq - 1;
    await wal.close();
    if (reclaiming && reclaimed_records === 0) throw new Error('wal-sync+reclaim reclaimed nothing');
    return { variant: reclaiming ? 'wal-sync+reclaim' : 'wal-sync', offered_per_s, commits, ...percentiles(h), due: percentiles(h_due) };
  } finally {
    clearInterval(timer);
    dir.cleanup();
  }
}

async function run_raw(commands: OrderCommand[], rate: number, driver: Driver): Promise<RunResult> {
  const dir = scratch_dir('matchlog-bench-lat-raw-');
  try {
    const packr = new Packr({ structures: [] });
    const encoded = commands.map((command) => Buffer.from(packr.pack(command)));
    const env = open({ path: dir.path, mapSize: 64 * 2 ** 30, maxDbs: 4 });
    const db = env.openDB<Buffer, Buffer>({ name: 'raw', encoding: 'binary', keyEncoding: 'binary' });
    // The naive loop: put each record as it comes; one `flushed` per event turn.
    let turn_last = 0;
    let turn_flushed: Promise<unknown> | undefined;
    let put_in_turn = false;
    const { h, h_due, commits, offered_per_s } = await drive(
      commands,
      rate,
      (i) => {
        void db.put(seq_key(i + 1), encoded[i]);
        turn_last = i + 1;
        if (put_in_turn) return undefined;
        put_in_turn = true;
        const upto_ref = { upto: 0 };
        setImmediate(() => {
          put_in_turn = false;
          upto_ref.upto = turn_last;
        });
        turn_flushed = new Promise((resolve) => {
          void db.flushed.then(() => resolve(undefined));
        }).then(() => {
          durable_upto = Math.max(durable_upto, upto_ref.upto || turn_last);
        });
        return turn_flushed;
      },
      () => durable_upto,
      driver,
    );
    await env.close();
    return { variant: 'raw-naive', offered_per_s, commits, ...percentiles(h), due: percentiles(h_due) };
  } finally {
    dir.cleanup();
  }
}
let durable_upto = 0;

function run_fsync_probe(): RunResult {
  const dir = scratch_dir('matchlog-bench-fsync-');
  try {
    const fd = openSync(join(dir.path, 'probe'), 'w+');
    const block = Buffer.alloc(4096, 7);
    const h = histogram();
    for (let i = 0; i < FSYNC_PROBES; i++) {
      const t = now_us();
      writeSync(fd, block, 0, block.length, (i % 256) * 4096);
      fdatasyncSync(fd);
      h.recordValue(Math.max(1, Math.round(now_us() - t)));
    }
    closeSync(fd);
    return { variant: 'fsync-probe', offered_per_s: 0, commits: FSYNC_PROBES, ...percentiles(h), due: percentiles(h) };
  } finally {
    dir.cleanup();
  }
}

export async function bench_latency(rate: number, seconds: number, runs: number, driver: Driver): Promise<unknown> {
  const commands = order_commands(Math.round(rate * seconds));
  const env = environment();
  const all: (RunResult & { loadavg_1m: number })[] = [];
  for (let run = 0; run < runs; run++) {
    for (const variant of VARIANTS) {
      durable_upto = 0;
      const r =
        variant === 'wal-sync' || variant === 'wal-sync+reclaim'
          ? await run_wal(commands, rate, driver, variant === 'wal-sync+reclaim')
          : variant === 'raw-naive'
            ? await run_raw(commands, rate, driver)
            : run_fsync_probe();
      all.push({ ...r, loadavg_1m: loadavg_1m() });
      process.stdout.write(
        `run ${run + 1}/${runs} ${variant}: p50 ${r.p50_us} us, p99 ${r.p99_us} us, p99.9 ${r.p999_us} us, max ${Math.round(r.max_us)} us; from due p99 ${r.due.p99_us} us; ${r.commits} commits (load ${loadavg_1m()})\n`,
      );
    }
  }
  const med = (variant: Variant, key: keyof Percentiles | 'commits' | 'offered_per_s'): number =>
    median(all.filter((r) => r.variant === variant).map((r) => r[key]));
  const med_due = (variant: Variant, key: keyof Percentiles): number =>
    median(all.filter((r) => r.variant === variant).map((r) => r.due[key]));
  const summary = VARIANTS.map((variant) => ({
    variant,
    p50_us_median: med(variant, 'p50_us'),
    p99_us_median: med(variant, 'p99_us'),
    p999_us_median: med(variant, 'p999_us'),
    max_us_median: med(variant, 'max_us'),
    due_p99_us_median: med_due(variant, 'p99_us'),
    due_p999_us_median: med_due(variant, 'p999_us'),
    commits_median: med(variant, 'commits'),
    offered_per_s_median: med(variant, 'offered_per_s'),
    p99_us_runs: all.filter((r) => r.variant === variant).map((r) => r.p99_us),
  }));
  print_table(
    `append -> durable at ${rate.toLocaleString('en-US')}/s for ${seconds} s (sync, ${driver} driver), medians of ${runs} runs; fsync-probe = one 4 KiB write + fdatasync; "due" = from when the record was due`,
    ['variant', 'p50 us', 'p99 us', 'p99.9 us', 'max us', 'due p99 us', 'due p99.9 us', 'commits', 'p99 us per run'],
    summary.map((s) => [
      s.variant,
      s.p50_us_median,
      s.p99_us_median,
      s.p999_us_median,
      s.max_us_median,
      s.due_p99_us_median,
      s.due_p999_us_median,
      s.commits_median,
      s.p99_us_runs.join(' / '),
    ]),
  );
  return { benchmark: 'wal-latency', rate, seconds, runs, driver, environment: env, loadavg_1m_end: loadavg_1m(), summary, all };
}

if (is_main(import.meta.url)) {
  const program = new Command()
    .option('--rate <n>', 'appends per second', (v) => Number.parseInt(v, 10), 100_000)
    .option('--seconds <n>', 'seconds per run', (v) => Number.parseFloat(v), 5)
    .option('--runs <n>', 'runs per variant', (v) => Number.parseInt(v, 10), 3)
    .option('--driver <kind>', "'immediate' (setImmediate loop) or 'timer' (setTimeout ticks)", 'immediate')
    .option('--out <path>', 'write JSON to this file or directory');
  program.parse();
  const opts = program.opts<{ rate: number; seconds: number; runs: number; driver: string; out?: string }>();
  if (opts.driver !== 'immediate' && opts.driver !== 'timer') throw new Error(`--driver must be 'immediate' or 'timer' (got '${opts.driver}')`);
  write_json(opts.out, 'wal-latency', await bench_latency(opts.rate, opts.seconds, opts.runs, opts.driver));
}

// Why this file exists: replay is how a crashed engine comes back, so reading the log must be fast. This
// writes 1,000,000 order commands, then reads them all from seq 1, decoded and checked
// (checksums, sequence), three ways: `for await` over wal.read(1), the synchronous
// wal.readBatch(seq, 1024) loop recovery can use (1024: decoded records die young;
// 8192 per batch measured 2-3x slower with a large heap), and, for reference, a raw lmdb-js
// getRange over one record per key decoded by lmdb-js's msgpackr with shared structures.
// The first pass of each run is reported apart from the warm passes (page cache, JIT).
//
//   tsx bench/wal/read.ts [--records 1000000] [--runs 3] [--out dir|file.json]

import { Command } from 'commander';
import { open } from 'lmdb';
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

const YIELD_RECORDS = 65_536;
const BATCH_RECORDS = 1024;
const PASSES = 3;

type Variant = 'wal-read-async' | 'wal-readBatch' | 'raw-getRange';
const VARIANTS: Variant[] = ['wal-read-async', 'wal-readBatch', 'raw-getRange'];

interface RunResult {
  variant: Variant;
  first_pass_per_s: number;
  warm_per_s: number;
}

async function pass_async(wal: Wal<OrderCommand>, records: number): Promise<number> {
  const started = performance.now();
  let count = 0;
  let check = 0;
  for await (const record of wal.read(1)) {
    count++;
    check += record.command.id;
  }
  const seconds = (performance.now() - started) / 1000;
  if (count !== records || check !== (records * (records + 1)) / 2) throw new Error(`read ${count} records`);
  return records / seconds;
}

function pass_batch(wal: Wal<OrderCommand>, records: number): number {
  const started = performance.now();
  let count = 0;
  let check = 0;
  let next = 1;
  for (;;) {
    const batch = wal.readBatch(next, BATCH_RECORDS);
    if (batch.length === 0) break;
    for (const record of batch) check += record.command.id;
    count += batch.length;
    next = batch[batch.length - 1].seq + 1;
  }
  const seconds = (performance.now() - started) / 1000;
  if (count !== records || check !== (records * (records + 1)) / 2) throw new Error(`read ${count} records`);
  return records / seconds;
}

async function run_wal(commands: OrderCommand[]): Promise<RunResult[]> {
  const dir = scratch_dir('matchlog-bench-read-');
  try {
    let wal = await Wal.open<OrderCommand>({ path: dir.path, durability: 'async' });
    for (let i = 0; i < commands.length; i++) {
      wal.append(commands[i]);
      if ((i + 1) % YIELD_RECORDS === 0) await yield_to_loop();
    }
    await wal.close();
    // Reopen so the reads start as recovery does: a fresh process view of the file.
    wal = await Wal.open<OrderCommand>({ path: dir.path, durability: 'async' });
    const async_rates: number[] = [];
    const batch_rates: number[] = [];
    for (let pass = 0; pass < PASSES; pass++) {
      async_rates.push(await pass_async(wal, commands.length));
      batch_rates.push(pass_batch(wal, commands.length));
    }
    await wal.close();
    return [
      { variant: 'wal-read-async', first_pass_per_s: async_rates[0], warm_per_s: median(async_rates.slice(1)) },
      { variant: 'wal-readBatch', first_pass_per_s: batch_rates[0], warm_per_s: median(batch_rates.slice(1)) },
    ];
  } finally {
    dir.cleanup();
  }
}

async function run_raw(commands: OrderCommand[]): Promise<RunResult> {
  const dir = scratch_dir('matchlog-bench-read-raw-');
  try {
    const env = open({ path: dir.path, mapSize: 64 * 2 ** 30, maxDbs: 4 });
    const db = env.openDB<OrderCommand, Buffer>({
      name: 'raw',
      encoding: 'msgpack',
      keyEncoding: 'binary',
      sharedStructuresKey: Buffer.from('structures'),
    });
    for (let i = 0; i < commands.length; i++) {
      void db.put(seq_key(i + 1), commands[i]);
      if ((i + 1) % YIELD_RECORDS === 0) await yield_to_loop();
    }
    await db.flushed;
    const rates: number[] = [];
    for (let pass = 0; pass < PASSES; pass++) {
      const started = performance.now();
      let count = 0;
      let check = 0;
      for (const { value } of db.getRange({ start: seq_key(1), end: seq_key(commands.length + 1) })) {
        count++;
        check += value.id;
      }
      const seconds = (performance.now() - started) / 1000;
      if (count !== commands.length || check !== (count * (count + 1)) / 2) throw new Error(`raw read ${count}`);
      rates.push(count / seconds);
    }
    await env.close();
    return { variant: 'raw-getRange', first_pass_per_s: rates[0], warm_per_s: median(rates.slice(1)) };
  } finally {
    dir.cleanup();
  }
}

export async function bench_read(records: number, runs: number): Promise<unknown> {
  const commands = order_commands(records);
  const env = environment();
  const all: RunResult[] = [];
  for (let run = 0; run < runs; run++) {
    const results = [...(await run_wal(commands)), await run_raw(commands)];
    for (const r of results) {
      all.push(r);
      process.stdout.write(
        `run ${run + 1}/${runs} ${r.variant}: first pass ${Math.round(r.first_pass_per_s).toLocaleString('en-US')}/s, warm ${Math.round(r.warm_per_s).toLocaleString('en-US')}/s (load ${loadavg_1m()})\n`,
      );
    }
  }
  const med = (variant: Variant, key: 'first_pass_per_s' | 'warm_per_s'): number =>
    median(all.filter((r) => r.variant === variant).map((r) => r[key]));
  const summary = VARIANTS.map((variant) => ({
    variant,
    first_pass_per_s_median: med(variant, 'first_pass_per_s'),
    warm_per_s_median: med(variant, 'warm_per_s'),
    warm_runs: all.filter((r) => r.variant === variant).map((r) => Math.round(r.warm_per_s)),
  }));
  print_table(
    `read ${records.toLocaleString('en-US')} records from seq 1, decoded and checked; medians of ${runs} runs (warm = median of passes 2..${PASSES})`,
    ['variant', 'first pass records/s', 'warm records/s', 'warm runs'],
    summary.map((s) => [s.variant, s.first_pass_per_s_median, s.warm_per_s_median, s.warm_runs.map((x) => x.toLocaleString('en-US')).join(' / ')]),
  );
  return { benchmark: 'wal-read', records, runs, environment: env, loadavg_1m_end: loadavg_1m(), summary, all };
}

if (is_main(import.meta.url)) {
  const program = new Command()
    .option('--records <n>', 'records to write and read', (v) => Number.parseInt(v, 10), 1_000_000)
    .option('--runs <n>', 'runs', (v) => Number.parseInt(v, 10), 3)
    .option('--out <path>', 'write JSON to this file or directory');
  program.parse();
  const opts = program.opts<{ records: number; runs: number; out?: string }>();
  write_json(opts.out, 'wal-read', await bench_read(opts.records, opts.runs));
}

// Why this file exists: the log must cost almost nothing next to LMDB itself. This appends 1,000,000
// realistic order commands in each durability mode and, in the same run, drives two raw
// lmdb-js loops over the same data: `raw-bytes` puts the very payload bytes the log
// frames (pre-encoded msgpack, one put per record; the brief's yardstick) and
// `raw-msgpack` lets lmdb-js encode the objects itself with shared structures (what a
// plain lmdb-js user would write). Every loop yields to the event loop every
// YIELD_RECORDS records and ends by waiting for its last record to be flushed (sync,
// raw) or committed (async). Throughput is reported as a fraction of raw.
//
//   tsx bench/wal/append.ts [--records 1000000] [--runs 3] [--out dir|file.json]

import { Command } from 'commander';
import { open } from 'lmdb';
import { Packr } from 'msgpackr';
import { join } from 'node:path';
import { Wal, type Durability } from '../../wal/index.js';
import { seq_key } from '../../wal/frame.js';
import {
  environment,
  is_main,
  file_bytes,
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
const MAP_BYTES = 64 * 2 ** 30;

type Variant = `wal-${Durability}` | 'raw-bytes' | 'raw-msgpack';
const VARIANTS: Variant[] = ['wal-sync', 'wal-async', 'wal-memory', 'raw-bytes', 'raw-msgpack'];

interface RunResult {
  variant: Variant;
  records: number;
  seconds: number;
  records_per_s: number;
  payload_mb_per_s: number;
  file_bytes: number;
}

async function run_wal(durability: Durability, commands: OrderCommand[], payload_bytes: number): Promise<RunResult> {
  const dir = scratch_dir('matchlog-bench-wal-');
  try {
    const wal = await Wal.open<OrderCommand>({ path: dir.path, durability });
    const started = performance.now();
    let last = wal.append(commands[0]);
    for (let i = 1; i < commands.length; i++) {
      last = wal.append(commands[i]);
      if (i % YIELD_RECORDS === 0) await yield_to_loop();
    }
    await last.durable;
    const seconds = (performance.now() - started) / 1000;
    await wal.close();
    return result(`wal-${durability}`, commands.length, seconds, payload_bytes, file_bytes(join(dir.path, 'data.mdb')));
  } finally {
    dir.cleanup();
  }
}

async function run_raw(variant: 'raw-bytes' | 'raw-msgpack', commands: OrderCommand[], encoded: Buffer[], payload_bytes: number): Promise<RunResult> {
  const dir = scratch_dir('matchlog-bench-raw-');
  try {
    const env = open({ path: dir.path, mapSize: MAP_BYTES, maxDbs: 4 });
    const started = performance.now();
    if (variant === 'raw-bytes') {
      const db = env.openDB<Buffer, Buffer>({ name: 'raw', encoding: 'binary', keyEncoding: 'binary' });
      for (let i = 0; i < encoded.length; i++) {
        void db.put(seq_key(i + 1), encoded[i]);
        if ((i + 1) % YIELD_RECORDS === 0) await yield_to_loop();
      }
      await db.flushed;
    } else {
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
    }
    const seconds = (performance.now() - started) / 1000;
    await env.close();
    return result(variant, commands.length, seconds, payload_bytes, file_bytes(join(dir.path, 'data.mdb')));
  } finally {
    dir.cleanup();
  }
}

function result(variant: Variant, records: number, seconds: number, payload_bytes: number, bytes: number): RunResult {
  return {
    variant,
    records,
    seconds,
    records_per_s: records / seconds,
    payload_mb_per_s: payload_bytes / seconds / 1e6,
    file_bytes: bytes,
  };
}

export async function bench_append(records: number, runs: number): Promise<unknown> {
  const commands = order_commands(records);
  const packr = new Packr({ structures: [] });
  const encoded = commands.map((command) => Buffer.from(packr.pack(command)));
  const payload_bytes = encoded.reduce((sum, b) => sum + b.length, 0);
  const env = environment();
  const all: RunResult[] = [];
  for (let run = 0; run < runs; run++) {
    // Interleave variants so background load on the shared machine hits all alike.
    for (const variant of VARIANTS) {
      const r =
        variant === 'raw-bytes' || variant === 'raw-msgpack'
          ? await run_raw(variant, commands, encoded, payload_bytes)
          : await run_wal(variant.slice(4) as Durability, commands, payload_bytes);
      all.push(r);
      process.stdout.write(`run ${run + 1}/${runs} ${variant}: ${Math.round(r.records_per_s).toLocaleString('en-US')} records/s (load ${loadavg_1m()})\n`);
    }
  }
  const med = (variant: Variant, key: 'records_per_s' | 'payload_mb_per_s' | 'file_bytes'): number =>
    median(all.filter((r) => r.variant === variant).map((r) => r[key]));
  const raw_bytes = med('raw-bytes', 'records_per_s');
  const raw_msgpack = med('raw-msgpack', 'records_per_s');
  const summary = VARIANTS.map((variant) => ({
    variant,
    records_per_s_median: med(variant, 'records_per_s'),
    payload_mb_per_s_median: med(variant, 'payload_mb_per_s'),
    fraction_of_raw_bytes: med(variant, 'records_per_s') / raw_bytes,
    fraction_of_raw_msgpack: med(variant, 'records_per_s') / raw_msgpack,
    file_bytes_median: med(variant, 'file_bytes'),
    runs: all.filter((r) => r.variant === variant).map((r) => Math.round(r.records_per_s)),
  }));
  print_table(
    `append ${records.toLocaleString('en-US')} order commands (${payload_bytes / records} payload bytes each), medians of ${runs} runs`,
    ['variant', 'records/s', 'payload MB/s', 'x raw-bytes', 'x raw-msgpack', 'file MB', 'runs (records/s)'],
    summary.map((s) => [
      s.variant,
      s.records_per_s_median,
      s.payload_mb_per_s_median,
      s.fraction_of_raw_bytes,
      s.fraction_of_raw_msgpack,
      s.file_bytes_median / 1e6,
      s.runs.map((x) => x.toLocaleString('en-US')).join(' / '),
    ]),
  );
  return { benchmark: 'wal-append', records, runs, payload_bytes_per_record: payload_bytes / records, environment: env, loadavg_1m_end: loadavg_1m(), summary, all };
}

if (is_main(import.meta.url)) {
  const program = new Command()
    .option('--records <n>', 'records per run', (v) => Number.parseInt(v, 10), 1_000_000)
    .option('--runs <n>', 'runs per variant', (v) => Number.parseInt(v, 10), 3)
    .option('--out <path>', 'write JSON to this file or directory');
  program.parse();
  const opts = program.opts<{ records: number; runs: number; out?: string }>();
  write_json(opts.out, 'wal-append', await bench_append(opts.records, opts.runs));
}

// Why this file exists: one command for the log's three headline figures (append throughput vs raw,
// append→durable latency at a steady rate, replay speed), run in sequence so they do not
// disturb each other, with one JSON file each in --out and their tables in --out/wal.md.
//
//   tsx bench/wal/all.ts [--runs 3] [--records 1000000] [--out dir]

import { Command } from 'commander';
import { bench_append } from './append.js';
import { bench_latency } from './latency.js';
import { bench_read } from './read.js';
import { write_json, write_markdown } from './common.js';

const program = new Command()
  .option('--records <n>', 'records for append and read', (v) => Number.parseInt(v, 10), 1_000_000)
  .option('--rate <n>', 'appends per second for latency', (v) => Number.parseInt(v, 10), 100_000)
  .option('--seconds <n>', 'seconds per latency run', (v) => Number.parseFloat(v), 5)
  .option('--runs <n>', 'runs of each benchmark', (v) => Number.parseInt(v, 10), 3)
  .option('--out <dir>', 'write wal-append.json, wal-latency.json, wal-read.json here');
program.parse();
const opts = program.opts<{ records: number; rate: number; seconds: number; runs: number; out?: string }>();
write_json(opts.out, 'wal-append', await bench_append(opts.records, opts.runs));
write_json(opts.out, 'wal-latency', await bench_latency(opts.rate, opts.seconds, opts.runs, 'immediate'));
write_json(opts.out, 'wal-read', await bench_read(opts.records, opts.runs));
write_markdown(opts.out, 'wal', 'Write-ahead log: append, append→durable latency, read');

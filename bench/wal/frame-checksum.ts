// Why this file exists: the exchange's thread checksummed every command's bytes twice — the record's own
// CRC (replay/command-record.ts) and the log frame's CRC over the same payload (wal/frame.ts,
// version 1). Version 2 frames (appendChecksummed) continue the record's CRC over 16 bytes instead.
// This measures both ways in the same run, per record: encode + frame on the writer's side (what
// the exchange's thread pays), and check_chunk on the reader's side (recovery, verify: one pass
// over every byte either way). Old and new alternate in slices of SLICE records so both see the
// same machine; figures are CPU time (process.cpuUsage), medians of --runs, load printed beside.
//
//   tsx bench/wal/frame-checksum.ts [--commands 200000] [--runs 7]

import { Command as Cli } from 'commander';
import type { ParsedCommand } from '../../engine/index.js';
import { CommandRecordEncoder } from '../../replay/index.js';
import { ChunkBuilder, check_chunk } from '../../wal/frame.js';
import { environment, loadavg_1m, median, print_table } from './common.js';
import { cpu_us, parsed_mixed } from './parsed-workload.js';

const SLICE = 5_000;
/** The log's default chunk size (wal/options.ts chunkBytesMax). */
const CHUNK_BYTES = 64 * 1024;

/** A writer as the log runs it: encode, frame into a chunk, start a new chunk when full (sealed chunks kept for the read side). */
class Writer {
  private readonly encoder = new CommandRecordEncoder();
  private readonly builder = new ChunkBuilder(Buffer.allocUnsafeSlow(CHUNK_BYTES));
  private seq = 1;
  readonly chunks: Array<{ seq: number; bytes: Buffer }> = [];

  constructor(private readonly checksummed: boolean) {}

  write(parsed: readonly ParsedCommand[], from: number, to: number, keep: boolean): void {
    const encoder = this.encoder;
    const builder = this.builder;
    for (let i = from; i < to; i++) {
      const end = encoder.encodeCommandInto(this.seq, parsed[i]);
      if (!builder.fits(end)) {
        const sealed = builder.seal();
        if (keep) this.chunks.push({ seq: builder.first_seq, bytes: Buffer.from(sealed) });
        builder.reset(builder.buffer);
      }
      if (this.checksummed) builder.add_checksummed(this.seq, encoder.buffer, 0, end);
      else builder.add(this.seq, encoder.buffer, 0, end);
      this.seq++;
    }
  }
}

function main(): void {
  const cli = new Cli().option('--commands <n>', 'commands', '200000').option('--runs <n>', 'runs', '7');
  cli.parse();
  const opts = cli.opts<{ commands: string; runs: string }>();
  const runs = Number(opts.runs);
  const env = environment();
  const { parsed } = parsed_mixed(Number(opts.commands));
  const n = parsed.length;
  const write: Array<[number, number]> = [];
  const read: Array<[number, number]> = [];
  const loads: number[] = [];
  // The sealed chunks of the first run, both ways, read again by every run.
  let kept: { old: Writer; now: Writer } | null = null;
  for (let run = 0; run < runs; run++) {
    const old = new Writer(false);
    const now = new Writer(true);
    let usOld = 0;
    let usNew = 0;
    for (let from = 0; from < n; from += SLICE) {
      const to = Math.min(n, from + SLICE);
      let t = cpu_us();
      old.write(parsed, from, to, run === 0);
      usOld += cpu_us() - t;
      t = cpu_us();
      now.write(parsed, from, to, run === 0);
      usNew += cpu_us() - t;
    }
    write.push([(usOld * 1000) / n, (usNew * 1000) / n]);
    kept ??= { old, now };
    const ends: number[] = [];
    let readOld = 0;
    let readNew = 0;
    let records = 0;
    const chunks = Math.min(kept.old.chunks.length, kept.now.chunks.length);
    for (let c = 0; c < chunks; c++) {
      const a = kept.old.chunks[c];
      const b = kept.now.chunks[c];
      let t = cpu_us();
      records += check_chunk(a.bytes, a.seq, 'bench', ends);
      readOld += cpu_us() - t;
      t = cpu_us();
      check_chunk(b.bytes, b.seq, 'bench', ends);
      readNew += cpu_us() - t;
    }
    read.push([(readOld * 1000) / Math.max(1, records), (readNew * 1000) / Math.max(1, records)]);
    loads.push(loadavg_1m());
  }
  const row = (name: string, pairs: Array<[number, number]>): string[] => {
    const a = median(pairs.map((p) => p[0]));
    const b = median(pairs.map((p) => p[1]));
    return [name, a.toFixed(0), b.toFixed(0), (a / b).toFixed(2)];
  };
  print_table(
    `${n.toLocaleString()} records of the mixed workload, medians of ${runs} runs; commit ${env.git_commit?.slice(0, 8) ?? "?"}, load at start ${env.loadavg_1m_start}, per run ${loads.map((l) => l.toFixed(1)).join(' ')}`,
    ['per record (CPU ns)', 'v1: two checksums', 'v2: one checksum', 'v1 / v2'], [
    row('encode + frame (exchange thread)', write),
    row('check_chunk (read side)', read),
  ]);
}

main();

// Why this file exists: the exchange's log moved from msgpackr objects (log format 1) to binary command
// records (format 2, replay/command-record.ts); this measures what that buys, both ways in the same
// run: encode and decode per record, replay (decode + engine) from memory, and replay from an LMDB
// log through readBatch — the recovery loop. Old = msgpackr with shared structures (the log's
// PayloadCodec, unpackMultiple per chunk) feeding Replayer.apply (parse + execute); new = the record
// codec feeding Replayer.applyRecord (decode into one ParsedCommand + executeParsed).
// Workload: the engine bench's `mixed` stream, normalized and time-stamped as the exchange logs it.
// Medians of --runs; the 1-minute load average is printed beside each figure. On a shared, loaded
// machine wall time is mostly waiting for a core, so each figure is CPU time (process.cpuUsage,
// which stops while the thread is descheduled), and old and new alternate in slices of SLICE
// records within a run, so both see the same machine.
//
//   tsx bench/wal/record-codec.ts [--commands 200000] [--runs 5]

import { Command as Cli } from 'commander';
import type { OrderCommand as Command } from '../../engine/index.js';
import { CommandRecordDecoder, CommandRecordEncoder, Replayer, initialDigest } from '../../replay/index.js';
import { Wal } from '../../wal/index.js';
import { PayloadCodec } from '../../wal/codec.js';
import { createBenchEngine } from '../engine/workloads.js';
import { environment, loadavg_1m, median, print_table, scratch_dir } from './common.js';
import { cpu_us, parsed_mixed } from './parsed-workload.js';

const SLICE = 5_000;


/**
 * Runs `a` and `b` over [0, count) in alternating slices; returns their CPU ns per item.
 * Each gets (from, to) and must process exactly that range.
 */
function alternate(count: number, a: (from: number, to: number) => void, b: (from: number, to: number) => void): [number, number] {
  let usA = 0;
  let usB = 0;
  for (let from = 0; from < count; from += SLICE) {
    const to = Math.min(count, from + SLICE);
    let t = cpu_us();
    a(from, to);
    usA += cpu_us() - t;
    t = cpu_us();
    b(from, to);
    usB += cpu_us() - t;
  }
  return [(usA * 1000) / count, (usB * 1000) / count];
}

function main(): void {
  const cli = new Cli().option('--commands <n>', 'commands', '200000').option('--runs <n>', 'runs', '5');
  cli.parse();
  const opts = cli.opts<{ commands: string; runs: string }>();
  const runs = Number(opts.runs);
  const env = environment();
  const { objects, parsed, symbols } = parsed_mixed(Number(opts.commands));
  const n = objects.length;

  // Both encodings of the whole stream, back to back, with each record's end offset.
  const packr = new PayloadCodec(undefined);
  const encoder = new CommandRecordEncoder();
  const msgpackParts: Buffer[] = [];
  const msgpackEnds = new Uint32Array(n);
  let msgpackBytes = 0;
  const binaryParts: Buffer[] = [];
  const binaryEnds = new Uint32Array(n);
  let binaryBytes = 0;
  for (let i = 0; i < n; i++) {
    const out = packr.encode_transient(objects[i]);
    msgpackParts.push(Buffer.from(out.subarray(packr.encoded_start, packr.encoded_end)));
    msgpackBytes += packr.encoded_end - packr.encoded_start;
    msgpackEnds[i] = msgpackBytes;
    const record = encoder.encodeCommand(i + 1, parsed[i]);
    binaryParts.push(Buffer.from(record));
    binaryBytes += record.length;
    binaryEnds[i] = binaryBytes;
  }
  const msgpackAll = Buffer.concat(msgpackParts);
  const binaryAll = Buffer.concat(binaryParts);

  const rows: (string | number)[][] = [];
  const figure = (what: string, old: number[], neu: number[], unit: string, higherIsBetter: boolean): void => {
    const o = median(old);
    const b = median(neu);
    rows.push([what, `${Math.round(o).toLocaleString('en-US')} ${unit}`, `${Math.round(b).toLocaleString('en-US')} ${unit}`, `${(higherIsBetter ? b / o : o / b).toFixed(2)}x`, loadavg_1m()]);
  };

  rows.push(['bytes per record (mean)', `${(msgpackAll.length / n).toFixed(1)} B`, `${(binaryAll.length / n).toFixed(1)} B`, '-', loadavg_1m()]);

  const encOld: number[] = [];
  const encNew: number[] = [];
  for (let r = 0; r < runs; r++) {
    const [o, b] = alternate(
      n,
      (from, to) => { for (let i = from; i < to; i++) packr.encode_transient(objects[i]); },
      (from, to) => { for (let i = from; i < to; i++) encoder.encodeCommand(i + 1, parsed[i]); },
    );
    encOld.push(o);
    encNew.push(b);
  }
  figure('encode per record (CPU)', encOld, encNew, 'ns', false);

  const decoder = new CommandRecordDecoder(symbols);
  const decOld: number[] = [];
  const decNew: number[] = [];
  const sliceOf = (all: Buffer, ends: Uint32Array, from: number, to: number): Buffer =>
    all.subarray(from === 0 ? 0 : ends[from - 1], ends[to - 1]);
  for (let r = 0; r < runs; r++) {
    const [o, b] = alternate(
      n,
      // As the log reads a chunk: one unpackMultiple over consecutive records.
      (from, to) => packr.decode_many(sliceOf(msgpackAll, msgpackEnds, from, to), () => true),
      (from, to) => {
        let start = from === 0 ? 0 : binaryEnds[from - 1];
        for (let i = from; i < to; i++) {
          decoder.decode(binaryAll, start, binaryEnds[i], i + 1);
          start = binaryEnds[i];
        }
      },
    );
    decOld.push(o);
    decNew.push(b);
  }
  figure('decode per record (CPU)', decOld, decNew, 'ns', false);

  const start = { seq: 0, commands: 0, digest: initialDigest() };
  const memOld: number[] = [];
  const memNew: number[] = [];
  let hashOld = '';
  let hashNew = '';
  for (let r = 0; r < runs; r++) {
    const a = new Replayer(createBenchEngine(), start);
    const b = new Replayer(createBenchEngine(), start);
    let seq = 0;
    const [o, nb] = alternate(
      n,
      (from, to) => packr.decode_many(sliceOf(msgpackAll, msgpackEnds, from, to), (value) => (a.apply(++seq, value as Command), true)),
      (from, to) => {
        let at = from === 0 ? 0 : binaryEnds[from - 1];
        for (let i = from; i < to; i++) {
          b.applyRecord(i + 1, binaryAll, at, binaryEnds[i]);
          at = binaryEnds[i];
        }
      },
    );
    memOld.push(1e9 / o);
    memNew.push(1e9 / nb);
    hashOld = a.engine.stateHash();
    hashNew = b.engine.stateHash();
  }
  if (hashOld !== hashNew) throw new Error(`replays disagree: ${hashOld} vs ${hashNew}`);
  figure('replay from memory (decode + engine), commands per CPU-s', memOld, memNew, '/s', true);

  void replayFromLog(objects, binaryParts, runs, start).then((log) => {
    figure('replay from LMDB (read + decode + engine), commands per CPU-s', log.old, log.neu, '/s', true);
    print_table(
      `log format 1 (msgpackr) vs 2 (binary record): ${n} commands, mixed workload, medians of ${runs}; load at start ${env.loadavg_1m_start}`,
      ['figure', 'msgpackr (old)', 'binary record (new)', 'new vs old', 'load 1m'],
      rows,
    );
  });
}

async function replayFromLog(
  objects: Command[],
  records: Buffer[],
  runs: number,
  start: { seq: number; commands: number; digest: string },
): Promise<{ old: number[]; neu: number[] }> {
  const dir = scratch_dir('matchlog-record-bench-');
  try {
    const old = await Wal.open<Command>({ path: `${dir.path}/old`, durability: 'async' });
    const neu = await Wal.open<Uint8Array>({ path: `${dir.path}/new`, durability: 'async', records: 'bytes' });
    for (let i = 0; i < objects.length; i++) {
      old.append(objects[i]);
      neu.append(records[i]);
      if (i % 10_000 === 0) await Promise.all([old.flush(), neu.flush()]);
    }
    await Promise.all([old.flush(), neu.flush()]);
    const out = { old: [] as number[], neu: [] as number[] };
    for (let r = 0; r < runs; r++) {
      const a = new Replayer(createBenchEngine(), start);
      const b = new Replayer(createBenchEngine(), start);
      // As recovery reads it: readBytes hands each record as a range of its stored chunk.
      const visit = (seq: number, bytes: Uint8Array, from: number, to: number): void => void b.applyRecord(seq, bytes, from, to);
      const [o, nb] = alternate(
        objects.length,
        (_from, to) => {
          while (a.seq < to) {
            const batch = old.readBatch(a.seq + 1, Math.min(1024, to - a.seq));
            for (const { seq, command } of batch) a.apply(seq, command);
          }
        },
        (_from, to) => {
          while (b.seq < to) neu.readBytes(b.seq + 1, Math.min(1024, to - b.seq), visit);
        },
      );
      out.old.push(1e9 / o);
      out.neu.push(1e9 / nb);
      if (a.engine.stateHash() !== b.engine.stateHash()) throw new Error('log replays disagree');
    }
    await Promise.all([old.close(), neu.close()]);
    return out;
  } finally {
    dir.cleanup();
  }
}

main();

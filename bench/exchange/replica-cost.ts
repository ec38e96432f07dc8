// Why this file exists: a replica's cost per record, without the rest of the Exchange around it.
// `thread-cpu.ts` says how much CPU the matching worker and the backup thread spend per command,
// but `--cpu-prof` does not reach worker threads well, and on two shared cores a whole Exchange's
// figure moves with everything else. This runs each replica's own loop on the main thread over
// real records (the `mixed` stream of thread-cpu.ts, parsed and encoded as admission does), so it
// can be profiled (--profile: node:inspector around the timed part only) and timed alone:
//   worker: the matching worker's module itself (exchange/matching-worker.ts `handle`: init, then
//           one `run` task over an input ring holding every record, STOP set, so it drains them
//           in batches of --batch and returns), the output ring left unread (sized to hold all);
//   replay: Replayer.applyRecord over the same records, each checksum checked (recovery's replay),
//           the event digest as the sink;
//   backup: the same without the checksums (the backup thread's loop over live records, which
//           never left memory; main before this branch checked them: compare with its `replay`);
//   floor:  Engine.executeParsed over the same commands decoded beforehand, events dropped (what
//           matching alone costs; the worker's and the backup's figures minus this is their overhead).
// Each mode first runs --warm records (compiled, steady state), then times --commands records:
// the process's CPU (process.cpuUsage: every thread, GC helpers included) per record, median of
// --runs passes over fresh engines. --root loads a checkout's modules; --vs a second one, and the
// two alternate within each run (same process, same machine): compare the medians' ratio. The
// 1-minute load average is printed beside each figure. --profile FILE writes a .cpuprofile of the
// timed part of the last run per mode and build (bench/common/cpuprofile.ts reads it).
//
//   node --expose-gc --import tsx bench/exchange/replica-cost.ts [--root .] [--vs /work/main] [--mode worker|replay|backup|floor|both|all]
//        [--commands 300000] [--warm 300000] [--runs 3] [--batch 1024] [--profile FILE]

import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Engine, ParsedCommand, parseCommand, type EventSink } from '../../engine/index.js';
import { CommandRecordEncoder } from '../../replay/index.js';
import { BENCH_INSTRUMENT, generateWorkload } from '../engine/workloads.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i < 0 ? fallback : process.argv[i + 1];
}

const root = arg('--root', process.cwd());
const mode = arg('--mode', 'both');
const count = Number(arg('--commands', '300000'));
const warm = Number(arg('--warm', '300000'));
const runs = Number(arg('--runs', '3'));
const batch = Number(arg('--batch', '1024'));
const profileFile = arg('--profile', '');
const session = profileFile === '' ? null : new Session();
if (session !== null) {
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
}
let profiling = false;

/** Starts the profiler around the timed part (synchronous start: the timed loops never yield). */
function profileStart(): void {
  if (session === null || profiling) return;
  profiling = true;
  void session.post('Profiler.start');
}

const load1m = (): string => loadavg()[0].toFixed(1);
const cpuMicros = (): number => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
/** A full collection before a timed part (with --expose-gc), so none lands in it from earlier garbage. */
const settle = (): void => (globalThis as { gc?: () => void }).gc?.();
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[values.length >> 1];

interface Records {
  bytes: Uint8Array;
  /** Record i is bytes[ends[i - 1] (or 0), ends[i]); its seq is i + 1. */
  ends: Uint32Array;
}

/** The stream as the Exchange logs it: parsed (refused commands are not logged), time-stamped, encoded at seq 1, 2, ... */
function encodeStream(): Records {
  const engine = new Engine({ instruments: [{ ...BENCH_INSTRUMENT }] });
  const specs = engine.instruments;
  const p = new ParsedCommand();
  const encoder = new CommandRecordEncoder();
  const parts: Uint8Array[] = [];
  const ends: number[] = [];
  let total = 0;
  let time = 1_700_000_000_000;
  for (const command of generateWorkload('mixed', { commands: warm + count, seed: 1000 })) {
    if (parseCommand({ ...command, time: ++time }, engine.instrumentIndex, specs, p, true) !== null) continue;
    const record = encoder.encodeCommand(ends.length + 1, p);
    parts.push(record.slice());
    total += record.length;
    ends.push(total);
  }
  const bytes = new Uint8Array(total);
  let o = 0;
  for (const part of parts) {
    bytes.set(part, o);
    o += part.length;
  }
  return { bytes, ends: Uint32Array.from(ends) };
}

const records = encodeStream();
const warmRecords = Math.min(warm, records.ends.length);
const timedRecords = records.ends.length - warmRecords;
const engineOptions = { instruments: [{ ...BENCH_INSTRUMENT }] };
type Ring = typeof import('../../exchange/matching-ring.js');
type Worker = typeof import('../../exchange/matching-worker.js');
type Replay = typeof import('../../replay/replayer.js');
type Recovery = typeof import('../../replay/recovery.js');
type EngineModule = typeof import('../../engine/index.js');
type Codec = typeof import('../../replay/command-record.js');

/** One checkout's modules (two checkouts load as two separate module graphs in one process). */
interface Build {
  root: string;
  ring: Ring;
  worker: Worker;
  replayer: Replay;
  recovery: Recovery;
  engine: EngineModule;
  codec: Codec;
}

async function loadBuild(from: string): Promise<Build> {
  const url = (path: string): string => pathToFileURL(join(from, path)).href;
  return {
    root: from,
    ring: (await import(url('exchange/matching-ring.ts'))) as Ring,
    worker: (await import(url('exchange/matching-worker.ts'))) as Worker,
    replayer: (await import(url('replay/replayer.ts'))) as Replay,
    recovery: (await import(url('replay/recovery.ts'))) as Recovery,
    engine: (await import(url('engine/index.ts'))) as EngineModule,
    codec: (await import(url('replay/command-record.ts'))) as Codec,
  };
}

function ringBytesFor(build: Build, bytes: number): number {
  let size = build.ring.RING_BYTES_MIN;
  while (size < bytes) size *= 2;
  return size;
}

/** Runs the worker's `run` task over records [from, to); returns the process CPU it took, µs. */
function workerPass(build: Build, from: number, to: number, timed: boolean): number {
  const { ring, worker } = build;
  const startByte = from === 0 ? 0 : records.ends[from - 1];
  const endByte = records.ends[to - 1];
  // Entries are 8-aligned with an 8-byte header: room for every record, plus slack.
  const input = ring.createRingBuffer(ringBytesFor(build, (endByte - startByte) * 2 + (to - from) * 24));
  const output = ring.createRingBuffer(ringBytesFor(build, (to - from) * 1024));
  // Touched now, so the timed part pays no first-touch page faults for the answers it writes.
  new Uint8Array(output).fill(0xff);
  const writer = new ring.RingWriter(input);
  let start = startByte;
  for (let i = from; i < to; i++) {
    if (!writer.tryWrite(records.bytes, start, records.ends[i])) throw new Error('replica-cost: input ring too small');
    start = records.ends[i];
  }
  writer.publish();
  writer.requestStop();
  if (timed) settle();
  if (timed) profileStart();
  const t0 = cpuMicros();
  const result = worker.default({ type: 'run', input, output, recordsPerBatchMax: batch }) as { records: number };
  const spent = cpuMicros() - t0;
  if (result.records !== to - from) throw new Error(`replica-cost: the worker matched ${result.records} of ${to - from} records`);
  return spent;
}

function workerRun(build: Build): number {
  build.worker.default({ type: 'init', options: engineOptions, snapshot: null, owned: [0] });
  if (warmRecords > 0) workerPass(build, 0, warmRecords, false);
  return workerPass(build, warmRecords, records.ends.length, true);
}

/**
 * Replayer.applyRecord over every record, as recovery's replay (`checked`: each record's checksum
 * computed) or as the backup thread follows live records (its build's choice: `live`); returns
 * the process CPU of the timed part, µs.
 */
function replayRun(build: Build, checked: boolean): number {
  const r = new build.replayer.Replayer(new build.engine.Engine(engineOptions), { seq: 0, commands: 0, digest: build.recovery.initialDigest() });
  r.recordChecksumsChecked = !checked;
  const apply = (from: number, to: number): void => {
    let start = from === 0 ? 0 : records.ends[from - 1];
    for (let i = from; i < to; i++) {
      r.applyRecord(i + 1, records.bytes, start, records.ends[i]);
      start = records.ends[i];
    }
  };
  apply(0, warmRecords);
  settle();
  profileStart();
  const t0 = cpuMicros();
  apply(warmRecords, records.ends.length);
  return cpuMicros() - t0;
}

/** Does nothing with an event (the floor's sink). */
const NULL_SINK: EventSink = {
  accepted() {},
  rejected() {},
  trade() {},
  cancelled() {},
  modified() {},
  triggered() {},
  rested() {},
  instrumentAdded() {},
  halted() {},
  resumed() {},
};

/** The floor: Engine.executeParsed over commands decoded beforehand (no record, no sink work). */
function floorRun(build: Build): number {
  const e = new build.engine.Engine(engineOptions);
  const decoder = new build.codec.CommandRecordDecoder(e.symbols);
  const parsed: ParsedCommand[] = [];
  let start = 0;
  for (let i = 0; i < records.ends.length; i++) {
    decoder.decode(records.bytes, start, records.ends[i], i + 1);
    const copy = Object.assign(new build.engine.ParsedCommand(), decoder.command);
    copy.seq = i + 1;
    parsed.push(copy);
    start = records.ends[i];
  }
  for (let i = 0; i < warmRecords; i++) e.executeParsed(parsed[i], NULL_SINK);
  settle();
  profileStart();
  const t0 = cpuMicros();
  for (let i = warmRecords; i < parsed.length; i++) e.executeParsed(parsed[i], NULL_SINK);
  return cpuMicros() - t0;
}

const builds = [await loadBuild(root)];
const versus = arg('--vs', '');
if (versus !== '') builds.push(await loadBuild(versus));
const modes = mode === 'both' ? ['worker', 'replay'] : mode === 'all' ? ['floor', 'worker', 'backup', 'replay'] : [mode];
const measure = (build: Build, which: string): number => {
  if (which === 'worker') return workerRun(build);
  if (which === 'floor') return floorRun(build);
  if (which === 'replay') return replayRun(build, true);
  if (which === 'backup') return replayRun(build, false);
  throw new Error(`replica-cost: unknown mode ${which}`);
};

console.log(`${timedRecords.toLocaleString()} records after ${warmRecords.toLocaleString()} warm-up (batch ${batch}), ${runs} runs${builds.length > 1 ? ', the builds alternating' : ''}`);
for (const which of modes) {
  const perRecord: number[][] = builds.map(() => []);
  for (let run = 0; run < runs; run++) {
    profiling = run < runs - 1;
    // Alternating which build goes first, so neither always runs on a warmer (or busier) machine.
    for (let k = 0; k < builds.length; k++) {
      const b = (run + k) % builds.length;
      perRecord[b].push(measure(builds[b], which) / timedRecords);
      if (session !== null && run === runs - 1 && profiling) {
        profiling = false;
        const { profile } = await session.post('Profiler.stop');
        writeFileSync(`${profileFile}.${which}.${b}.cpuprofile`, JSON.stringify(profile));
      }
    }
  }
  const medians = perRecord.map(median);
  builds.forEach((build, b) => {
    const m = medians[b];
    console.log(
      `  ${which.padEnd(7)} ${m.toFixed(3)} µs CPU/record (${Math.round(1e6 / m).toLocaleString()} records/CPU-s) [${perRecord[b].map((v) => v.toFixed(3)).join(' ')}] ${build.root}`,
    );
  });
  if (builds.length > 1) {
    const ratios = perRecord[1].map((v, i) => v / perRecord[0][i]);
    console.log(
      `  ${which.padEnd(7)} ratio of medians ${(medians[1] / medians[0]).toFixed(2)}x, median of per-run ratios ${median(ratios).toFixed(2)}x (${builds[1].root} / ${builds[0].root}), load ${load1m()}`,
    );
  }
  else console.log(`  load ${load1m()}`);
}

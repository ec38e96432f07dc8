// Why this file exists: issue 9's target table, every row measured against its floor in the same
// run: the durable Exchange (plain `submit` and `submitMany`) against a bare lmdb-js loop over the
// same record count (put + flushed), acknowledgement p99 at 5,000/s and 100,000/s against raw
// lmdb-js put→flushed p99 at the same rate, CPU per command over every thread of the process, and
// recovery against the in-process floor (Engine.restore of the book + Engine.apply of the tail).
// The Exchange under test can be another checkout's (`--baseline <dir>`), so "now" and "after"
// are measured in one run, alternating, on the same loaded machine. Each row carries the 1-minute
// load average read right after it: on 2 shared cores only ratios from one run mean anything.

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { open } from 'lmdb';
import { Engine, type OrderCommand as Command } from '../../engine/index.js';
import type { Exchange } from '../../exchange/exchange.js';
import { summarizeLatencies } from '../common/stats.js';
import { BENCH_INSTRUMENT, generateWorkload } from '../engine/workloads.js';
import { passiveBook } from './load.js';

/** The Exchange class of one checkout (this one, or a baseline such as /work/main). */
export type ExchangeClass = typeof Exchange;

export async function loadExchange(root: string): Promise<ExchangeClass> {
  const module = (await import(pathToFileURL(join(root, 'exchange', 'exchange.ts')).href)) as { Exchange: ExchangeClass };
  return module.Exchange;
}

export function load1m(): number {
  return Math.round(loadavg()[0] * 10) / 10;
}

function scratch(prefix: string): { path: string; cleanup(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/** CPU of the whole process (every thread: main, workers, lmdb's writer), in µs. */
function cpuMicros(): number {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
}

/**
 * CPU of the main thread alone, in µs, from /proc/self/task/<pid>/stat (the main thread's tid is
 * the pid; Node 20 has no per-thread cpuUsage). utime + stime in clock ticks, 100 per second on
 * Linux: 10 ms resolution, fine over runs of seconds. NaN where /proc is missing.
 */
function mainThreadCpuMicros(): number {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return Number.NaN;
  }
}

// --- floors: bare lmdb-js -----------------------------------------------------------------

/** Bare lmdb-js: put every record (msgpack, as lmdb-js encodes by default), then await flushed. */
export async function rawLmdbThroughput(records: readonly Command[]): Promise<number> {
  const dir = scratch('matchlog-raw-');
  try {
    const env = open({ path: dir.path, mapSize: 64 * 2 ** 30, maxDbs: 4 });
    const db = env.openDB<Command, number>({ name: 'raw', keyEncoding: 'uint32' });
    const t0 = performance.now();
    for (let i = 0; i < records.length; i++) void db.put(i + 1, records[i]);
    await db.flushed;
    const elapsedMs = performance.now() - t0;
    await env.close();
    return (records.length / elapsedMs) * 1000;
  } finally {
    dir.cleanup();
  }
}

/** Paces `count` offers at `rate` with timers (~1 ms ticks, never a spinning setImmediate). */
async function paced(count: number, rate: number, offer: (index: number, dueAt: number) => void): Promise<void> {
  const intervalMs = 1000 / rate;
  const t0 = performance.now();
  let next = 0;
  // Bounded by count.
  while (next < count) {
    const due = Math.min(count, Math.floor((performance.now() - t0) / intervalMs) + 1);
    for (; next < due; next++) offer(next, t0 + next * intervalMs);
    if (next < count) await new Promise((resolve) => setTimeout(resolve, Math.max(1, Math.floor(t0 + next * intervalMs - performance.now()))));
  }
}

/** Raw lmdb-js put → flushed latency (from each record's due time) at a steady rate: p99 in ms. */
export async function rawLmdbLatencyP99Ms(records: readonly Command[], rate: number): Promise<number> {
  const dir = scratch('matchlog-raw-lat-');
  try {
    const env = open({ path: dir.path, mapSize: 64 * 2 ** 30, maxDbs: 4 });
    const db = env.openDB<Command, number>({ name: 'raw', keyEncoding: 'uint32' });
    const latencies = new Float64Array(records.length);
    let done = 0;
    await new Promise<void>((resolve) => {
      void paced(records.length, rate, (index, dueAt) => {
        void db.put(index + 1, records[index]);
        void db.flushed.then(() => {
          latencies[index] = (performance.now() - dueAt) * 1e6;
          if (++done === records.length) resolve();
        });
      });
    });
    await env.close();
    return summarizeLatencies(latencies).latency_ns_p99 / 1e6;
  } finally {
    dir.cleanup();
  }
}

// --- the Exchange -------------------------------------------------------------------------

export interface ExchangeRun {
  commandsPerS: number;
  cpuMicrosPerCommand: number;
  /** The main thread's share (admission, log append, release, the view replica if any). */
  mainCpuMicrosPerCommand: number;
}

async function withExchange<T>(ExchangeImpl: ExchangeClass, body: (exchange: Exchange) => Promise<T>): Promise<T> {
  const dir = scratch('matchlog-target-');
  const exchange = await ExchangeImpl.open({
    dir: dir.path,
    instruments: [{ ...BENCH_INSTRUMENT }],
    durability: 'sync',
    checkpointEvery: 1_000_000_000,
    checkpointIntervalMs: 2 ** 31 - 1,
  });
  try {
    return await body(exchange);
  } finally {
    await exchange.close();
    dir.cleanup();
  }
}

/**
 * The two phases every throughput run times, on ONE exchange: `start` is the first commands after
 * `Exchange.open`, while the matching worker's and the backup thread's fresh V8 isolates still
 * compile their code (measured: ~3 µs per command of a 300,000-command run on V8's helper threads,
 * bench/exchange/thread-cpu.ts); `steady` is the commands after them, what a venue that has been open
 * for a while pays. Both are reported; neither hides the other.
 */
export interface ExchangePhases {
  start: ExchangeRun;
  /** null when the run had no commands after `split`. */
  steady: ExchangeRun | null;
}

type Drive = (exchange: Exchange, commands: readonly Command[]) => Promise<void>;

async function timedPhases(ExchangeImpl: ExchangeClass, commands: readonly Command[], split: number, drive: Drive): Promise<ExchangePhases> {
  return withExchange(ExchangeImpl, async (exchange) => {
    const time = async (part: readonly Command[]): Promise<ExchangeRun> => {
      const cpu0 = cpuMicros();
      const main0 = mainThreadCpuMicros();
      const t0 = performance.now();
      await drive(exchange, part);
      const elapsedMs = performance.now() - t0;
      return {
        commandsPerS: (part.length / elapsedMs) * 1000,
        cpuMicrosPerCommand: (cpuMicros() - cpu0) / part.length,
        mainCpuMicrosPerCommand: (mainThreadCpuMicros() - main0) / part.length,
      };
    };
    const start = await time(commands.slice(0, split));
    const steady = split < commands.length ? await time(commands.slice(split)) : null;
    return { start, steady };
  });
}

/**
 * Plain `submit`, `window` commands in flight (the queue decides how many are admitted); the first
 * `split` commands are the start phase, the rest the steady phase (ExchangePhases).
 */
export async function submitThroughput(ExchangeImpl: ExchangeClass, commands: readonly Command[], window: number, split = commands.length): Promise<ExchangePhases> {
  return timedPhases(ExchangeImpl, commands, split, async (exchange, part) => {
    let next = 0;
    let done = 0;
    await new Promise<void>((resolve, reject) => {
      const pump = (): void => {
        // Bounded by the window.
        while (next < part.length && next - done < window) {
          exchange.submit(part[next++]).then(() => {
            if (++done === part.length) resolve();
            else if (next - done <= window >> 1) pump();
          }, reject);
        }
      };
      pump();
    });
  });
}

/** `submitMany` in batches of `batch`, at most `window` commands in flight; phases as submitThroughput. */
export async function submitManyThroughput(ExchangeImpl: ExchangeClass, commands: readonly Command[], batch: number, window: number, split = commands.length): Promise<ExchangePhases> {
  return timedPhases(ExchangeImpl, commands, split, async (exchange, part) => {
    const submitMany = (exchange as unknown as { submitMany?: (c: readonly unknown[]) => Promise<unknown[]> }).submitMany;
    if (submitMany === undefined) throw new Error('this Exchange has no submitMany');
    let next = 0;
    let done = 0;
    await new Promise<void>((resolve, reject) => {
      const pump = (): void => {
        // Bounded by the window.
        while (next < part.length && next - done < window) {
          const slice = part.slice(next, next + batch);
          next += slice.length;
          submitMany.call(exchange, slice).then(() => {
            done += slice.length;
            if (done === part.length) resolve();
            else if (next - done <= window >> 1) pump();
          }, reject);
        }
      };
      pump();
    });
  });
}

/**
 * Acknowledgement latency (from each command's due time) at a steady rate, paced by timers: p99 in
 * ms. The first `warm` commands are submitted unpaced and not measured (the steady state, as in
 * ExchangePhases); the rest are paced and measured.
 */
export async function exchangeLatencyP99Ms(ExchangeImpl: ExchangeClass, commands: readonly Command[], rate: number, warm = 0): Promise<number> {
  return withExchange(ExchangeImpl, async (exchange) => {
    const inFlight: Array<Promise<unknown>> = [];
    for (let i = 0; i < warm; i += 1024) {
      inFlight.push(exchange.submitMany(commands.slice(i, Math.min(warm, i + 1024))));
      // Bounded: at most 8 batches in flight.
      if (inFlight.length >= 8) await inFlight.shift();
    }
    await Promise.all(inFlight);
    const measured = commands.slice(warm);
    const latencies = new Float64Array(measured.length);
    let done = 0;
    await new Promise<void>((resolve, reject) => {
      void paced(measured.length, rate, (index, dueAt) => {
        exchange.submit(measured[index]).then(() => {
          latencies[index] = (performance.now() - dueAt) * 1e6;
          if (++done === measured.length) resolve();
        }, reject);
      });
    });
    return summarizeLatencies(latencies).latency_ns_p99 / 1e6;
  });
}

// --- recovery -----------------------------------------------------------------------------

export interface RecoveryRun {
  openMs: number;
  /**
   * From the start of Exchange.open to the first acknowledged outcome: acknowledgements wait for
   * the checks recovery deferred to the backup thread (exchange/checkpointing.ts `checked`), so
   * this, not `openMs`, is when the venue is back.
   */
  firstAckMs: number;
  checkpointLoadMs: number;
  replayMs: number;
  replayCommandsPerS: number;
  hashEqual: boolean;
}

/** The in-process floor: Engine.restore of the book's snapshot + Engine.apply of the tail, in ms. */
export function recoveryFloorMs(resting: number, tail: number): number {
  const engine = new Engine({ instruments: [{ ...BENCH_INSTRUMENT }], maxOrders: 4_194_304 });
  for (const command of passiveBook(resting)) engine.apply(command);
  const snapshot = engine.snapshot();
  const tailCommands = generateWorkload('mixed', { commands: tail, seed: 7 });
  const t0 = performance.now();
  const restored = Engine.restore(snapshot);
  for (let i = 0; i < tailCommands.length; i++) restored.apply(tailCommands[i]);
  return performance.now() - t0;
}

/** A child of checkout `root` builds the book and the tail and is SIGKILLed; Exchange.open is timed. */
export async function recoveryRun(root: string, ExchangeImpl: ExchangeClass, resting: number, tail: number): Promise<RecoveryRun> {
  const dir = scratch('matchlog-target-recovery-');
  try {
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'bench', 'exchange', 'recovery-child.ts'), dir.path, String(resting), String(tail)], {
      stdio: ['ignore', 'pipe', 'inherit'],
      cwd: root,
    });
    const ready = await new Promise<{ stateHash: string }>((resolve, reject) => {
      let text = '';
      child.stdout.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        const line = text.split('\n').find((l) => l.startsWith('{'));
        if (line !== undefined) resolve(JSON.parse(line) as { stateHash: string });
      });
      child.once('exit', (code) => reject(new Error(`recovery child exited early (${code})`)));
    });
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    const t0 = performance.now();
    const exchange = await ExchangeImpl.open({ dir: dir.path });
    const openMs = performance.now() - t0;
    // A cancel of an id nobody used: an UNKNOWN_ORDER outcome, released once the checks passed.
    await exchange.submit({ op: 'cancel', id: 'recovery-bench-first-ack', account: 'bench' }).catch(() => undefined);
    const firstAckMs = performance.now() - t0;
    const stats = exchange.stats();
    const hashEqual = exchange.stateHash() === ready.stateHash;
    await exchange.close();
    const { checkpointLoadMs, replayMs, replayCommandsPerS } = stats.recovery;
    return { openMs, firstAckMs, checkpointLoadMs, replayMs, replayCommandsPerS, hashEqual };
  } finally {
    dir.cleanup();
  }
}

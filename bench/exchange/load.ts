// Why this file exists: two ways to load a durable exchange, shared by the exchange benchmark and
// the recovery experiment. Closed loop (a fixed window of submits in flight) finds the maximum
// rate; open loop (submits paced to a target rate, latency measured from when each was *due*, so a
// stall is not hidden by the load generator waiting for it — no coordinated omission) gives the
// acknowledgement latency a venue would see at that rate.

import type { OrderCommand as Command, InstrumentSpec } from '../../engine/index.js';
import type { Exchange } from '../../exchange/exchange.js';
import { generateWorkload, BENCH_INSTRUMENT } from '../engine/workloads.js';

/** Commands of the `mixed` workload spread over `instruments.length` books (ids kept distinct). */
export function multiInstrumentMixed(commands: number, seed: number, instruments: number): {
  specs: InstrumentSpec[];
  commands: Command[];
} {
  const specs: InstrumentSpec[] = [];
  const streams: Command[][] = [];
  const per = Math.ceil(commands / instruments);
  for (let k = 0; k < instruments; k++) {
    const symbol = instruments === 1 ? BENCH_INSTRUMENT.symbol : `${BENCH_INSTRUMENT.symbol}${k}`;
    specs.push({ ...BENCH_INSTRUMENT, symbol });
    const offset = k * 1_000_000_000;
    streams.push(
      generateWorkload('mixed', { commands: per, seed: seed + k }).map((command) => {
        const id = (command.id as number) + offset;
        return command.op === 'new' ? { ...command, id, symbol } : { ...command, id };
      }),
    );
  }
  const out: Command[] = [];
  for (let i = 0; i < per && out.length < commands; i++) {
    for (let k = 0; k < instruments && out.length < commands; k++) out.push(streams[k][i]);
  }
  return { specs, commands: out };
}

/**
 * `orders` passive limits over 5,000 ticks on each side of 10,000 (bids below 5,000, asks above
 * 15,000): nothing crosses, everything rests — the big book of the checkpoint and recovery tests.
 */
export function passiveBook(orders: number): Command[] {
  const book: Command[] = [];
  for (let i = 0; i < orders; i++) {
    const buy = i % 2 === 0;
    const offset = 1 + (i % 5000);
    book.push({
      op: 'new',
      id: 10_000_000_000 + i,
      account: `acct-${i % 100}`,
      symbol: BENCH_INSTRUMENT.symbol,
      side: buy ? 'buy' : 'sell',
      type: 'limit',
      price: buy ? 5_000 - offset : 15_000 + offset,
      qty: 1 + (i % 100),
      time: 0,
    });
  }
  return book;
}

export interface LoadResult {
  commands: number;
  elapsed_ms: number;
  commands_per_s: number;
  /** Acknowledgement latency of each command in ns (from due time to resolution). */
  latencies_ns: Float64Array;
}

/** Submits every command keeping at most `window` unacknowledged; returns the rate achieved. */
export async function closedLoop(exchange: Exchange, commands: readonly Command[], window: number): Promise<LoadResult> {
  const latencies = new Float64Array(commands.length);
  const started = new Float64Array(commands.length);
  const t0 = performance.now();
  let next = 0;
  let done = 0;
  await new Promise<void>((resolve, reject) => {
    const pump = (): void => {
      // Bounded by the window.
      while (next < commands.length && next - done < window) {
        const index = next++;
        started[index] = performance.now();
        exchange.submit(commands[index]).then(() => {
          latencies[index] = (performance.now() - started[index]) * 1e6;
          done++;
          if (done === commands.length) resolve();
          else if (next - done <= window >> 1) pump();
        }, reject);
      }
    };
    pump();
  });
  const elapsed_ms = performance.now() - t0;
  return { commands: commands.length, elapsed_ms, commands_per_s: (commands.length / elapsed_ms) * 1000, latencies_ns: latencies };
}

/** Submits at `rate_per_s` for as many commands as given; latency counts from each due time. */
export async function openLoop(exchange: Exchange, commands: readonly Command[], rate_per_s: number): Promise<LoadResult> {
  const latencies = new Float64Array(commands.length);
  const interval_ms = 1000 / rate_per_s;
  const t0 = performance.now();
  let next = 0;
  let done = 0;
  await new Promise<void>((resolve, reject) => {
    const tick = (): void => {
      const now = performance.now();
      const due = Math.min(commands.length, Math.floor((now - t0) / interval_ms) + 1);
      while (next < due) {
        const index = next++;
        const dueAt = t0 + index * interval_ms;
        exchange.submit(commands[index]).then(() => {
          latencies[index] = (performance.now() - dueAt) * 1e6;
          done++;
          if (done === commands.length) resolve();
        }, reject);
      }
      if (next >= commands.length) return;
      // Paced by timers (~1 ms ticks, submitting what fell due meanwhile), never a spinning
      // setImmediate: a generator that spins takes a core the exchange needs (2 cores here), which
      // distorted the latency it measured (issue 9).
      const wait_ms = t0 + next * interval_ms - performance.now();
      setTimeout(tick, Math.max(1, Math.floor(wait_ms)));
    };
    tick();
  });
  const elapsed_ms = performance.now() - t0;
  return { commands: commands.length, elapsed_ms, commands_per_s: (commands.length / elapsed_ms) * 1000, latencies_ns: latencies };
}

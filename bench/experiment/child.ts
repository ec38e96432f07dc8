// Why this file exists: a crash is only honest when a process really dies. This child runs one
// protection mode of the experiment on the real Exchange: it regenerates the seeded workload,
// offers it at a fixed rate (open loop: latency counts from when each command was due, so a pause
// is not hidden by the load generator waiting for it), records latency and throughput per window
// and every checkpoint, and SIGKILLs itself the moment the crash-point command is acknowledged —
// the same point in every mode. Everything measured is written synchronously to a JSON-lines file
// first, so it survives the kill.
//
//   node --import tsx bench/experiment/child.ts '<ChildConfig as JSON>'

import { closeSync, openSync, readdirSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import * as hdr from 'hdr-histogram-js';
import { Exchange, type SubmitResult } from '../../exchange/exchange.js';
import type { ExchangeOptions } from '../../exchange/options.js';
import type { ChildConfig, ChildLine, ChildMessage } from './protocol.js';
import { regenerateExperimentWorkload } from './workload.js';

const config = JSON.parse(process.argv[2]) as ChildConfig;
const out = openSync(config.out, 'w');
let buffered = '';

function emit(line: ChildLine): void {
  buffered += `${JSON.stringify(line)}\n`;
}

function flushLines(): void {
  if (buffered.length === 0) return;
  writeSync(out, buffered);
  buffered = '';
}

function progress(acked: number, phase: string): void {
  const message: ChildMessage = { type: 'progress', acked, phase };
  process.send?.(message);
}

/** Latencies up to 10 minutes, in µs, 3 significant digits. */
function histogram(): hdr.Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: 3 });
}

function allocatedBytes(dir: string): number {
  let total = 0;
  for (const name of readdirSync(dir)) total += statSync(join(dir, name)).blocks * 512;
  return total;
}

const SUBMITS_PER_TICK_MAX = 4_096;

async function main(): Promise<void> {
  const { plan, crashAt } = config;
  progress(0, 'generating');
  const workload = regenerateExperimentWorkload(config.commands, config.seed, config.fingerprint);
  const commands = workload.commands;
  const options: ExchangeOptions = { ...plan.exchange, instruments: workload.specs, onWarning: () => undefined };
  if (config.dir !== null) options.dir = config.dir;
  progress(0, 'opening');
  const openedAt = performance.now();
  let exchange = await Exchange.open(options);
  const openMs = performance.now() - openedAt;

  const interval_ms = 1000 / config.rate_per_s;
  const warmupCommands = Math.floor(config.warmup_ms / interval_ms);
  const windowHistogram = histogram();
  const overall = histogram();
  let windowIndex = 0;
  let windowAcked = 0;
  let checkpointsSeen = 0;
  let acked = 0;
  let next = 0;
  let stopped = false;
  let lastAckAt = 0;
  let ackGapMax = 0;
  let t0 = 0;

  const pollCheckpoints = (now: number): void => {
    const c = exchange.stats().checkpoints;
    if (c.taken === checkpointsSeen) return;
    checkpointsSeen = c.taken;
    const pause = c.mode === 'pause' ? c.lastPauseMs : 0;
    emit({ type: 'checkpoint', t_ms: now - t0 - c.lastDurationMs, duration_ms: c.lastDurationMs, pause_ms: pause, bytes: c.lastBytes, orders: c.lastOrders, seq: c.lastSeq ?? 0 });
  };

  const closeWindow = (duration_ms = config.window_ms): void => {
    const empty = windowAcked === 0;
    emit({
      type: 'window',
      t_ms: windowIndex * config.window_ms,
      duration_ms,
      acked: windowAcked,
      latency_ms_p50: empty ? 0 : windowHistogram.getValueAtPercentile(50) / 1000,
      latency_ms_p99: empty ? 0 : windowHistogram.getValueAtPercentile(99) / 1000,
      latency_ms_max: empty ? 0 : windowHistogram.maxValue / 1000,
    });
    windowHistogram.reset();
    windowAcked = 0;
  };

  const crash = (now: number): void => {
    // The last window ends at the kill: only part of it was lived.
    closeWindow(now - t0 - windowIndex * config.window_ms);
    pollCheckpoints(now);
    const stats = exchange.stats();
    const elapsed = now - t0;
    emit({
      type: 'crash',
      t_ms: elapsed,
      acked,
      submitted: next,
      ack_gap_ms_max: ackGapMax,
      latency_ms_p50: overall.getValueAtPercentile(50) / 1000,
      latency_ms_p99: overall.getValueAtPercentile(99) / 1000,
      latency_ms_p999: overall.getValueAtPercentile(99.9) / 1000,
      latency_ms_max: overall.maxValue / 1000,
      commands_per_s: (acked / elapsed) * 1000,
      live_orders: stats.liveOrders,
      checkpoints_taken: stats.checkpoints.taken,
      checkpoint_pause_ms_max: stats.checkpoints.pauseMsMax,
      wal_bytes: config.dir !== null && plan.exchange.durability !== 'memory' ? allocatedBytes(join(config.dir, 'wal')) : null,
      open_ms: openMs,
    });
    flushLines();
    closeSync(out);
    process.kill(process.pid, 'SIGKILL');
  };

  const onResult = (result: SubmitResult): void => {
    if (result.seq === null) throw new Error(`command ${acked} was refused before the log: ${JSON.stringify(result.events)}`);
    const index = acked++;
    const now = performance.now();
    if (lastAckAt > 0 && now - lastAckAt > ackGapMax) ackGapMax = now - lastAckAt;
    lastAckAt = now;
    const w = Math.floor((now - t0) / config.window_ms);
    if (w !== windowIndex) {
      closeWindow();
      // Windows with no acknowledgement at all (a pause) are kept: throughput 0.
      for (windowIndex++; windowIndex < w; windowIndex++) closeWindow();
      pollCheckpoints(now);
      flushLines();
      progress(acked, 'load');
    }
    const latency_us = Math.max(1, Math.round((now - (t0 + index * interval_ms)) * 1000));
    windowHistogram.recordValue(latency_us);
    if (index >= warmupCommands) overall.recordValue(latency_us);
    windowAcked++;
    if (acked === crashAt) crash(now);
    if (plan.restartAt !== null && acked === plan.restartAt) void restart();
  };
  const onError = (error: Error): void => fail(error);

  const pump = (): void => {
    if (stopped) return;
    const now = performance.now();
    const due = Math.min(commands.length, Math.floor((now - t0) / interval_ms) + 1);
    // Bounded per tick so acknowledgements are not starved while the generator catches up.
    for (let n = 0; next < due && n < SUBMITS_PER_TICK_MAX; n++) exchange.submit(commands[next++]).then(onResult, onError);
    if (next >= commands.length) return;
    const wait_ms = t0 + next * interval_ms - performance.now();
    // Sleep when the next command is over a millisecond away, so the generator does not spin a
    // core the exchange needs (2 cores here); otherwise yield to I/O and come straight back.
    if (wait_ms > 1) setTimeout(pump, Math.floor(wait_ms));
    else setImmediate(pump);
  };

  // cold: stop, let close() dump the state, start again from the dump; load keeps coming due.
  const restart = async (): Promise<void> => {
    stopped = true;
    const t1 = performance.now();
    await exchange.close();
    const t2 = performance.now();
    const dump = exchange.stats().checkpoints;
    exchange = await Exchange.open({ ...options, instruments: undefined });
    const t3 = performance.now();
    emit({ type: 'restart', t_ms: t1 - t0, downtime_ms: t3 - t1, close_ms: t2 - t1, open_ms: t3 - t2 });
    emit({ type: 'checkpoint', t_ms: t1 - t0, duration_ms: dump.lastDurationMs, pause_ms: t3 - t1, bytes: dump.lastBytes, orders: dump.lastOrders, seq: dump.lastSeq ?? 0 });
    checkpointsSeen = exchange.stats().checkpoints.taken;
    stopped = false;
    pump();
  };

  progress(0, 'load');
  t0 = performance.now();
  pump();
}

function fail(error: unknown): void {
  emit({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  flushLines();
  process.exit(1);
}

process.on('unhandledRejection', fail);
main().catch(fail);

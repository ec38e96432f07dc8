// Why this file exists: a restart after a crash is a new process, with a cold JIT and nothing in
// memory, so that is where recovery is timed. This child restarts the exchange on the crashed
// directory (Exchange.open, timed), then — unless told not to (the extra restarts of the
// recovery-time-against-log-length curve) — checks what came back against a reference engine fed
// the same seeded workload: state hash at the recovered point, every resting order, and the next
// command. It prints one JSON line: RestartResult.
//
//   node --import tsx bench/experiment/restart-child.ts '<RestartConfig as JSON>'

import { Exchange } from '../../exchange/exchange.js';
import type { RestartConfig, RestartResult } from './protocol.js';
import { Reference, type LossCount } from './reference.js';
import { experimentInstruments, regenerateExperimentWorkload } from './workload.js';

const config = JSON.parse(process.argv[2]) as RestartConfig;

async function restart(): Promise<RestartResult> {
  const { plan, dir } = config;
  // performance.now() counts from process start: the process's own start-up is in `process_ready_ms`.
  const t0 = performance.now();
  const exchange = await Exchange.open({
    ...plan.exchange,
    ...(dir === null ? { instruments: experimentInstruments() } : { dir }),
    onWarning: () => undefined,
  });
  const t1 = performance.now();
  try {
    const stats = exchange.stats();
    const recovered = stats.commands;
    const timing = {
      type: 'restart' as const,
      ready_ms: t1 - t0,
      process_ready_ms: t1,
      recovered_commands: recovered,
      checkpoint_seq: stats.recovery.checkpointSeq,
      checkpoint_load_ms: stats.recovery.checkpointLoadMs,
      replayed_commands: stats.recovery.replayedCommands,
      replayed_records: stats.recovery.replayedRecords,
      replay_ms: stats.recovery.replayMs,
      live_orders: stats.liveOrders,
      state_hash: exchange.stateHash(),
    };
    if (!config.verify) return { ...timing, check: null };
    // Checking is not timed: regenerate the stream and feed a plain engine.
    const workload = regenerateExperimentWorkload(config.commands, config.seed, config.fingerprint);
    if (recovered >= workload.commands.length) throw new Error(`recovered ${recovered} commands, more than generated`);
    const reference = new Reference(workload.specs, workload.commands);
    const acked = config.acked;
    const state_hash_equal = timing.state_hash === reference.stateHashAfter(recovered);
    // The reference only moves forward cheaply: count the loss and take the probe's expected
    // events in whichever order keeps it moving forward.
    const count = (): LossCount => reference.loss(acked, recovered, (symbol, levels) => exchange.l3(symbol, levels));
    let loss: LossCount | null = recovered >= acked ? count() : null;
    const expected = reference.eventsOf(recovered);
    loss ??= count();
    // The restarted exchange must take the next command of the stream as the plain engine does.
    const probe = await exchange.submit(workload.commands[recovered]);
    const probe_ok = probe.seq === stats.lastSeq + 1 && JSON.stringify(probe.events) === JSON.stringify(expected);
    return { ...timing, check: { state_hash_equal, probe_ok, loss } };
  } finally {
    await exchange.close();
  }
}

try {
  const result = await restart();
  process.stdout.write(`${JSON.stringify(result)}\n`);
} catch (error) {
  process.stdout.write(`${JSON.stringify({ type: 'error', message: (error as Error).stack ?? String(error) })}\n`);
  process.exitCode = 1;
}

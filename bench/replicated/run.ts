// Why this file exists: a replicated ack costs a Raft round trip instead of an fsync, so what it buys must be
// measured against the embedded LMDB `sync` log on the same machine in the same run (only
// ratios from one run count on this shared 2-core machine). This starts its own three-node
// JetStream cluster on loopback (R3 file streams), unless MATCHLOG_NATS_CLUSTER names one, and
// measures:
//   - publish throughput: the stock client awaiting each ack, against JetStreamLog's bounded
//     async-ack pipeline, against LMDB sync through the same OrderedLog interface;
//   - ack latency p50/p99 at a steady offered rate (due time to ack: a stall counts);
//   - the same two for a member's submit (ReplicatedExchange) against the local Exchange on
//     LMDB sync, over the same seeded commands (member-load.ts);
//   - replay rate of an ordered consumer; a fresh member's join of a stream of --join commands,
//     replaying all of it, and from a checkpoint a member published (join.ts);
//   - failover: the longest time without any ack when the stream leader is SIGKILLed under
//     load, and acknowledged records lost (goal 0).
//
//   - with --soak instead: many seeded fault schedules under load from member processes
//     (soak.ts), one table row per seed: faults, acks, lost, duplicated, diverged, stall max.
//
//   tsx bench/replicated/run.ts [--records 50000] [--rate 5000] [--seconds 3] [--join 200000] [--port 24222] [--out bench/replicated/results]
//   tsx bench/replicated/run.ts --soak [--seeds 10] [--first-seed 1] [--faults 4] [--soak-rate 1000] [--port 24222]

import { Command } from 'commander';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { JetStreamLog, LocalOrderedLog, Wal, type OrderedLog } from '../../wal/index.js';
import {
  findCluster,
  killNode,
  readManifest,
  restartNode,
  startCluster,
  stopCluster,
  CLUSTER_ENV,
  type ClusterManifest,
} from '../../test/support/nats-cluster.js';
import { deleteStream as deleteVenueStream } from '../../test/support/jetstream.js';
import { keptEvidence, runSoak, type SoakRow } from './soak.js';
import { memberJoin } from './join.js';
import { memberLoad } from './member-load.js';
import { memberFailover } from './failover.js';
import { describeEnvironment, environmentLine, markdownTable, writeResults } from '../common/results.js';
import { formatInt, formatNs, formatRate, summarizeLatencies, type LatencySummary } from '../common/stats.js';
import { isMainModule } from '../common/main.js';

interface Options {
  records: number;
  rate: number;
  seconds: number;
  join: number;
  out: string;
  /** Client port of the first node of the cluster this run starts (routes +100, monitoring +200). */
  port: number;
  soak: boolean;
  seeds: number;
  firstSeed: number;
  faults: number;
  soakRate: number;
  /** Comma-separated parts to run (publish, steady, member, failover, join); default all. */
  only: string;
}

interface Row {
  what: string;
  log: string;
  rate_per_s: number | null;
  p50_ns: number | null;
  p99_ns: number | null;
  note: string;
}

/** Default client port of the cluster a run starts: clear of .ci/run's 14222. */
const BASE_PORT = 24_222;
/** Submits a member keeps in flight in the closed-loop run. */
const MEMBER_WINDOW = 2_048;
let streams = 0;

function payload(n: number): Uint8Array {
  // A record the size of the durable path's binary order record (~64 bytes).
  const bytes = new Uint8Array(64);
  new DataView(bytes.buffer).setUint32(0, n);
  return bytes;
}

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

async function openJs(cluster: ClusterManifest, tag: string, inFlightMax = 512): Promise<JetStreamLog> {
  return JetStreamLog.open({ servers: cluster.servers, stream: `BENCH_${tag}_${process.pid}_${streams++}`, inFlightMax });
}

function deleteStream(cluster: ClusterManifest, stream: string): Promise<void> {
  return deleteVenueStream(cluster.servers, stream);
}

/** The stock client: one publish, await its ack, next. */
async function stockPublish(cluster: ClusterManifest, records: number): Promise<{ rate: number; latency: LatencySummary }> {
  const log = await openJs(cluster, 'stock'); // creates the R3 stream
  const stream = log.options.stream;
  await log.close();
  const nc = await connect({ servers: [...cluster.servers] });
  const js = jetstream(nc);
  const samples = new Float64Array(records);
  const began = process.hrtime.bigint();
  for (let n = 0; n < records; n++) {
    const t0 = process.hrtime.bigint();
    await js.publish(`${stream}.log`, payload(n), { msgID: `stock.${n}` });
    samples[n] = Number(process.hrtime.bigint() - t0);
  }
  const seconds = Number(process.hrtime.bigint() - began) / 1e9;
  await nc.close();
  await deleteStream(cluster, stream);
  return { rate: records / seconds, latency: summarizeLatencies(samples) };
}

/** Closed loop through an OrderedLog: append everything, await every ack. */
async function burst(log: OrderedLog<Uint8Array>, records: number): Promise<number> {
  const chunk = 8_192;
  const began = process.hrtime.bigint();
  for (let start = 0; start < records; start += chunk) {
    const acks: Promise<number>[] = [];
    for (let n = start; n < Math.min(records, start + chunk); n++) acks.push(log.append(payload(n)));
    // Keep at most two chunks queued so the queue bound is never the limit measured.
    if (start >= chunk) await acks[0];
    await Promise.all(acks);
  }
  return records / (Number(process.hrtime.bigint() - began) / 1e9);
}

/** Steady offered rate; latency from each record's due time to its ack (no coordinated omission). */
async function steady(
  log: OrderedLog<Uint8Array>,
  rate: number,
  seconds: number,
  onTick?: (elapsedMs: number) => void,
): Promise<{ latency: LatencySummary; ackTimesMs: Float64Array; seqs: Float64Array; count: number; failed: number }> {
  const total = Math.round(rate * seconds);
  const samples = new Float64Array(total);
  const ackTimesMs = new Float64Array(total);
  const seqs = new Float64Array(total);
  const pending: Promise<void>[] = [];
  let failed = 0;
  const began = performance.now();
  let sent = 0;
  while (sent < total) {
    const elapsed = performance.now() - began;
    onTick?.(elapsed);
    const due = Math.min(total, Math.floor((elapsed * rate) / 1000));
    for (; sent < due; sent++) {
      const n = sent;
      const dueAt = began + (n * 1000) / rate;
      pending.push(
        log.append(payload(n)).then(
          (seq) => {
            const now = performance.now();
            samples[n] = (now - dueAt) * 1e6;
            ackTimesMs[n] = now - began;
            seqs[n] = seq;
          },
          () => void failed++,
        ),
      );
    }
    await sleep(1);
  }
  await Promise.all(pending);
  return { latency: summarizeLatencies(samples), ackTimesMs, seqs, count: total, failed };
}

async function replay(log: OrderedLog<Uint8Array>, from: number): Promise<{ rate: number; records: number; seconds: number }> {
  const began = process.hrtime.bigint();
  let records = 0;
  for await (const _ of log.read(from)) records++;
  const seconds = Number(process.hrtime.bigint() - began) / 1e9;
  return { rate: records / seconds, records, seconds };
}

async function openLmdb(dir: string): Promise<LocalOrderedLog<Uint8Array>> {
  return new LocalOrderedLog(await Wal.open<Uint8Array>({ path: dir, durability: 'sync' }));
}

async function failover(cluster: ClusterManifest, rate: number): Promise<{ stallMs: number; lost: number; failed: number; leader: string }> {
  const log = await openJs(cluster, 'failover', 256);
  await log.append(payload(0));
  const nc = await connect({ servers: [...cluster.servers] });
  const leader = (await (await jetstreamManager(nc)).streams.info(log.options.stream)).cluster?.leader ?? '';
  await nc.close();
  let killed = false;
  try {
    const result = await steady(log, rate, 12, (elapsed) => {
      if (!killed && elapsed > 2_000) {
        killed = true;
        void killNode(cluster, leader);
      }
    });
    // Longest time without any ack resolving, over the whole run.
    const times = Array.from(result.ackTimesMs.subarray(0, result.count)).filter((t) => t > 0).sort((a, b) => a - b);
    let stallMs = 0;
    for (let i = 1; i < times.length; i++) stallMs = Math.max(stallMs, times[i] - times[i - 1]);
    // Every acked record must be at the seq its ack named.
    const held = new Map<number, number>();
    for await (const { seq, command } of log.read(1)) held.set(seq, new DataView(command.buffer, command.byteOffset).getUint32(0));
    let lost = 0;
    for (let n = 0; n < result.count; n++) if (result.seqs[n] > 0 && held.get(result.seqs[n]) !== n) lost++;
    const stream = log.options.stream;
    await log.close();
    await restartNode(cluster, leader);
    await deleteStream(cluster, stream);
    return { stallMs, lost, failed: result.failed, leader };
  } finally {
    // Also when the run failed: the next one starts with three nodes.
    if (killed) await restartNode(cluster, leader);
  }
}

async function soakTable(cluster: ClusterManifest, options: Options, env: ReturnType<typeof describeEnvironment>): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), 'matchlog-soak-'));
  process.stdout.write(`${environmentLine(env)}\n`);
  let soaked: SoakRow[];
  try {
    soaked = await runSoak(
      cluster,
      { seeds: options.seeds, firstSeed: options.firstSeed, faults: options.faults, ratePerS: options.soakRate, windowMax: 64, checkpointEveryCommands: 5_000, dir },
      (line) => process.stdout.write(`${line}\n`),
    );
  } finally {
    // SOAK_KEEP=1 keeps the members' journals (with their progress lines) for a closer look; a seed
    // that was not clean keeps its own whatever the setting.
    if (process.env['SOAK_KEEP'] === undefined && !keptEvidence) rmSync(dir, { recursive: true, force: true });
    else process.stdout.write(`kept ${dir}\n`);
  }
  const sum = (f: (r: SoakRow) => number): number => soaked.reduce((t, r) => t + f(r), 0);
  const rows = soaked.map((r) => [
    String(r.seed),
    r.faults.map((f) => `${f.kind} ${f.target}`).join(', '),
    formatInt(r.records),
    formatInt(r.acks),
    String(r.lost),
    String(r.duplicated),
    String(r.diverged),
    String(r.failed),
    `${(r.stallMsMax / 1000).toFixed(1)} s${r.stallAt === '' ? '' : ` (${r.stallAt})`}`,
  ]);
  rows.push([
    `${soaked.length} seeds`,
    `${sum((r) => r.faults.length)} faults`,
    formatInt(sum((r) => r.records)),
    formatInt(sum((r) => r.acks)),
    String(sum((r) => r.lost)),
    String(sum((r) => r.duplicated)),
    String(sum((r) => r.diverged)),
    String(sum((r) => r.failed)),
    `${(Math.max(...soaked.map((r) => r.stallMsMax)) / 1000).toFixed(1)} s`,
  ]);
  const table = markdownTable(['seed', 'faults (in order)', 'records', 'acks', 'lost', 'duplicated', 'diverged', 'failed closed', 'stall max'], rows);
  const written = writeResults(
    options.out,
    'replicated-soak',
    { environment: env, options, seeds: soaked },
    `# Replicated members: seeded fault soak (JetStream R3)\n\n${environmentLine(env)}\n\n${options.soakRate}/s offered per member, 2 members (+1 on a join), load from bench/replicated/soak.ts\n\n${table}\n`,
  );
  process.stdout.write(`\n${table}\n\nwrote ${written.markdown_path}\n`);
  return [];
}

export async function runReplicatedBench(options: Options): Promise<Row[]> {
  const env = describeEnvironment();
  const lookup = process.env[CLUSTER_ENV] ? findCluster() : null;
  const ownDir = lookup?.manifest ? null : mkdtempSync(join(tmpdir(), 'matchlog-bench-nats-'));
  const cluster = lookup?.manifest ?? (await startCluster({ dir: ownDir!, basePort: options.port }));
  if (options.soak) {
    try {
      return await soakTable(cluster, options, env);
    } finally {
      if (ownDir !== null) {
        await stopCluster(readManifest(join(ownDir, 'cluster.json')));
        // The nodes' logs and stores say what the server did to a stream that lost records.
        if (keptEvidence) process.stdout.write(`kept the cluster's logs and stores in ${ownDir}\n`);
        else rmSync(ownDir, { recursive: true, force: true });
      }
    }
  }
  const scratch = mkdtempSync(join(tmpdir(), 'matchlog-bench-lmdb-'));
  const rows: Row[] = [];
  const parts = new Set(options.only === '' ? ['publish', 'steady', 'member', 'failover', 'join'] : options.only.split(','));
  const say = (row: Row): void => {
    rows.push(row);
    const rate = row.rate_per_s === null ? '' : `${formatRate(row.rate_per_s)}/s`;
    const lat = row.p50_ns === null ? '' : ` p50 ${formatNs(row.p50_ns)} p99 ${formatNs(row.p99_ns!)}`;
    process.stdout.write(`${row.what.padEnd(26)} ${row.log.padEnd(22)} ${rate.padEnd(12)}${lat} ${row.note}\n`);
  };
  try {
    process.stdout.write(`${environmentLine(env)}\n`);
    if (parts.has('publish')) {
      const stockRecords = Math.min(options.records, 5_000);
      const stock = await stockPublish(cluster, stockRecords);
      say({ what: 'publish → ack, closed loop', log: 'JetStream R3 stock', rate_per_s: stock.rate, p50_ns: stock.latency.latency_ns_p50, p99_ns: stock.latency.latency_ns_p99, note: `${stockRecords} records, one ack awaited at a time` });

      const js = await openJs(cluster, 'pipeline');
      const jsRate = await burst(js, options.records);
      say({ what: 'publish → ack, closed loop', log: 'JetStreamLog R3', rate_per_s: jsRate, p50_ns: null, p99_ns: null, note: `${options.records} records, inFlightMax ${js.options.inFlightMax}, ${js.stats().retries} retries` });

      const lmdb = await openLmdb(join(scratch, 'burst'));
      const lmdbRate = await burst(lmdb, options.records);
      say({ what: 'publish → ack, closed loop', log: 'LMDB sync', rate_per_s: lmdbRate, p50_ns: null, p99_ns: null, note: `${options.records} records, group commit + flush` });

      const jsReplay = await replay(js, 1);
      say({ what: 'replay (read from seq 1)', log: 'JetStreamLog R3', rate_per_s: jsReplay.rate, p50_ns: null, p99_ns: null, note: `${jsReplay.records} records, ordered consumer` });
      const lmdbReplay = await replay(lmdb, 1);
      say({ what: 'replay (read from seq 1)', log: 'LMDB sync', rate_per_s: lmdbReplay.rate, p50_ns: null, p99_ns: null, note: `${lmdbReplay.records} records` });
      await js.close();
      await deleteStream(cluster, js.options.stream);
      await lmdb.close();
    }

    if (parts.has('steady')) {
      const jsSteady = await openJs(cluster, 'steady');
      const s1 = await steady(jsSteady, options.rate, options.seconds);
      say({ what: `ack at ${formatInt(options.rate)}/s offered`, log: 'JetStreamLog R3', rate_per_s: null, p50_ns: s1.latency.latency_ns_p50, p99_ns: s1.latency.latency_ns_p99, note: `${s1.count} records, due time → ack` });
      await jsSteady.close();
      await deleteStream(cluster, jsSteady.options.stream);
      const lmdbSteady = await openLmdb(join(scratch, 'steady'));
      const s2 = await steady(lmdbSteady, options.rate, options.seconds);
      say({ what: `ack at ${formatInt(options.rate)}/s offered`, log: 'LMDB sync', rate_per_s: null, p50_ns: s2.latency.latency_ns_p50, p99_ns: s2.latency.latency_ns_p99, note: `${s2.count} records, due time → durable` });
      await lmdbSteady.close();
    }

    if (parts.has('member')) {
      const members = await memberLoad(cluster, { commands: options.records, windowMax: MEMBER_WINDOW, ratePerS: options.rate, seconds: options.seconds });
      say({ what: 'member submit → ack, closed loop', log: 'member, JetStream R3', rate_per_s: members.replicated.closedRatePerS, p50_ns: null, p99_ns: null, note: `${options.records} seeded commands, ${MEMBER_WINDOW} in flight, ${members.replicated.refused} refused` });
      say({ what: 'member submit → ack, closed loop', log: 'Exchange, LMDB sync', rate_per_s: members.lmdb.closedRatePerS, p50_ns: null, p99_ns: null, note: `same commands, ${MEMBER_WINDOW} in flight, ${members.lmdb.refused} refused` });
      say({ what: `member ack at ${formatInt(options.rate)}/s offered`, log: 'member, JetStream R3', rate_per_s: null, p50_ns: members.replicated.steady.latency_ns_p50, p99_ns: members.replicated.steady.latency_ns_p99, note: 'due time → ack (stored by a quorum, applied here)' });
      say({ what: `member ack at ${formatInt(options.rate)}/s offered`, log: 'Exchange, LMDB sync', rate_per_s: null, p50_ns: members.lmdb.steady.latency_ns_p50, p99_ns: members.lmdb.steady.latency_ns_p99, note: 'due time → ack (fsynced, applied)' });
    }

    if (parts.has('failover')) {
      const fo = await failover(cluster, options.rate);
      say({ what: 'leader SIGKILL under load', log: 'JetStreamLog R3', rate_per_s: null, p50_ns: null, p99_ns: null, note: `longest gap without an ack ${Math.round(fo.stallMs)} ms; acked lost ${fo.lost}; appends failed ${fo.failed} (killed ${fo.leader})` });
      const mf = await memberFailover(cluster, options.rate);
      say({
        what: 'leader SIGKILL under load',
        log: 'member, JetStream R3',
        rate_per_s: null,
        p50_ns: null,
        p99_ns: null,
        note: `longest gap without an ack ${Math.round(mf.stallMs)} ms; new leader answers ${Math.round(mf.electedMs)} ms after the kill; publish acks gap ${Math.round(mf.storedGapMs)} ms (ends ${Math.round(mf.storedAgainMs)} ms after the kill), applies gap ${Math.round(mf.appliedGapMs)} ms (ends ${Math.round(mf.appliedAgainMs)} ms after); failed ${mf.failed}; ${JSON.stringify(mf.log)} resent ${mf.resent} (killed ${mf.leader})`,
      });
    }

    if (options.join > 0 && parts.has('join')) {
      const tail = Math.max(1, Math.floor(options.join / 100));
      const joined = await memberJoin(cluster, options.join, tail, (line) => process.stdout.write(`${line}\n`));
      say({ what: `fresh member joins ${formatInt(options.join)}`, log: 'member, no checkpoint', rate_per_s: joined.replayRatePerS, p50_ns: null, p99_ns: null, note: `${joined.replaySeconds.toFixed(1)} s from open to resolve: replays every command into its engine (stream filled in ${joined.fillSeconds.toFixed(0)} s)` });
      say({ what: `fresh member joins ${formatInt(options.join)}`, log: 'member, published checkpoint', rate_per_s: null, p50_ns: null, p99_ns: null, note: `${joined.checkpointSeconds.toFixed(1)} s: loads the checkpoint at ${formatInt(joined.checkpointSeq)} (${(joined.checkpointBytes / 1e6).toFixed(1)} MB) from the object store, replays ${formatInt(joined.tailRecords)} after it; hashes equal: ${joined.hashesEqual}` });
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
    if (ownDir !== null) {
      await stopCluster(readManifest(join(ownDir, 'cluster.json')));
      rmSync(ownDir, { recursive: true, force: true });
    }
  }
  const table = markdownTable(
    ['what', 'log', 'rate', 'ack p50', 'ack p99', 'note'],
    rows.map((r) => [
      r.what,
      r.log,
      r.rate_per_s === null ? '' : `${formatRate(r.rate_per_s)}/s`,
      r.p50_ns === null ? '' : formatNs(r.p50_ns),
      r.p99_ns === null ? '' : formatNs(r.p99_ns),
      r.note,
    ]),
  );
  const written = writeResults(options.out, 'replicated', { environment: env, options, rows }, `# Replicated log (JetStream R3) vs LMDB sync\n\n${environmentLine(env)}\n\n${table}\n`);
  process.stdout.write(`\n${table}\n\nwrote ${written.markdown_path}\n`);
  return rows;
}

if (isMainModule(import.meta.url)) {
  const program = new Command()
    .option('--records <n>', 'records per throughput run', (v) => Number(v), 50_000)
    .option('--rate <n>', 'offered records/s for the latency and failover runs', (v) => Number(v), 5_000)
    .option('--seconds <n>', 'seconds of the steady latency runs', (v) => Number(v), 3)
    .option('--join <n>', 'commands in the stream a fresh member joins (0: skip)', (v) => Number(v), 200_000)
    .option('--out <dir>', 'results directory', 'bench/replicated/results')
    .option('--port <n>', 'client port of the first node of the cluster this run starts', (v) => Number(v), BASE_PORT)
    .option('--soak', 'run the seeded fault soak instead of the throughput benchmarks', false)
    .option('--seeds <n>', 'soak: fault schedules (one per seed)', (v) => Number(v), 10)
    .option('--first-seed <n>', 'soak: first seed', (v) => Number(v), 1)
    .option('--faults <n>', 'soak: faults per schedule', (v) => Number(v), 4)
    .option('--soak-rate <n>', 'soak: commands offered per member per second', (v) => Number(v), 1_000)
    .option('--only <parts>', 'comma-separated: publish, steady, member, failover, join (default: all)', '')
    .parse();
  runReplicatedBench(program.opts<Options>()).catch((error: Error) => {
    process.stderr.write(`${error.stack ?? error.message}\n`);
    process.exitCode = 1;
  });
}

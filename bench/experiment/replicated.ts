// Why this file exists: the experiment's `replicated` row — the report's primary-primary answer
// to a lost machine, measured. Two members of one venue (a JetStream R3 stream on a three-node
// cluster on loopback) take the same seeded workload at the same time, half each; member A is
// SIGKILLed halfway through its share. What counts: the longest time the surviving member B went
// without an acknowledgement around the kill (its service gap), acknowledged commands lost (goal
// 0: every seq either member acknowledged is in the stream and holds that member's command), the
// state hash of B, of a plain engine fed the stream and of A after it rejoins, and how long A takes
// to rejoin from its own directory (newest checkpoint + the stream after it). The members are not
// named, so nothing trims the stream: the run is checked against every record it holds.
// Skipped, and said so, when nats-server is not installed.

import { spawn } from 'node:child_process';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Exchange } from '../../exchange/exchange.js';
import { admitMessage, MemberOrder, MemberRecordDecoder } from '../../exchange/index.js';
import { Engine, toCommand } from '../../engine/index.js';
import { JetStreamLog } from '../../wal/index.js';
import { findCluster, natsServerBinary, startCluster, stopCluster, CLUSTER_ENV, type ClusterManifest } from '../../test/support/nats-cluster.js';
import type { ReplicatedChildConfig, ReplicatedChildEnd } from './replicated-child.js';
import { generateExperimentWorkload } from './workload.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const CHILD = join(HERE, 'replicated-child.ts');
/** Loopback ports of the cluster this run starts when none is given (clients, +100 routes, +200 monitoring). */
const BASE_PORT = 34_222;
const CHILD_MS_MAX = 300_000;

export interface ReplicatedExperimentOptions {
  commands: number;
  rate_per_s: number;
  seed: number;
  dir: string;
}

export type ReplicatedExperimentResult =
  | { skipped: string }
  | {
      skipped: null;
      commands: number;
      rate_per_s: number;
      /** Acknowledged to member A before its SIGKILL, and to B over the run. */
      acked_a: number;
      acked_b: number;
      /** Longest interval without an acknowledgement at B whose span includes A's last ack (the kill). */
      survivor_gap_ms_at_kill: number;
      /** B's longest interval without an acknowledgement anywhere else in the run, for scale. */
      survivor_gap_ms_max_elsewhere: number;
      /** Acknowledged seqs (A's or B's) the stream does not hold, or holding another member's command. */
      acked_lost: number;
      stream_last_seq: number;
      /** B's state hash at the last seq it had applied when it finished, and B's that seq. */
      hash_b: string;
      b_last_seq: number;
      /** A plain engine fed the stream: at B's last seq, and at the stream's end. */
      hash_reference_at_b: string;
      hash_reference: string;
      hash_a_rejoined: string;
      rejoin_ms: number;
      /** Records A replayed to rejoin (the stream after its newest checkpoint). */
      rejoin_replayed: number;
      rejoin_from_checkpoint: number;
    };

interface Journal {
  acks: { seq: number; at: number }[];
  end: ReplicatedChildEnd | null;
  error: string | null;
}

function readJournal(file: string): Journal {
  const journal: Journal = { acks: [], end: null, error: null };
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.length === 0) continue;
    if (line.startsWith('{')) {
      const value = JSON.parse(line) as { type: string; message?: string };
      if (value.type === 'end') journal.end = value as ReplicatedChildEnd;
      else if (value.type === 'ready') continue;
      else journal.error = value.message ?? 'error';
      continue;
    }
    const [seq, at] = line.split(' ');
    journal.acks.push({ seq: Number(seq), at: Number(at) });
  }
  return journal;
}

function runChild(config: ReplicatedChildConfig): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(config)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4_096)));
    const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_MS_MAX);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL' || code === 0) resolve(code);
      else reject(new Error(`member ${config.member} exited ${code ?? signal}: ${stderr}`));
    });
  });
}

const READY_MS_MAX = 120_000;

/** Writes the go file once every journal says its member is open (or a child already failed). */
async function startTogether(journals: string[], go: string, children: Promise<unknown>): Promise<void> {
  let failed = false;
  children.catch(() => (failed = true));
  const deadline = performance.now() + READY_MS_MAX;
  const ready = (file: string): boolean => existsSync(file) && readFileSync(file, 'utf8').includes('"ready"');
  while (!failed && !journals.every(ready)) {
    if (performance.now() > deadline) throw new Error(`members did not open within ${READY_MS_MAX} ms`);
    await new Promise((wake) => setTimeout(wake, 20));
  }
  writeFileSync(go, '');
}

/** A cluster to run on: the one MATCHLOG_NATS_CLUSTER names, or one started here; null when nats-server is absent. */
async function cluster(dir: string): Promise<{ manifest: ClusterManifest; ours: boolean } | { skipped: string }> {
  if (process.env[CLUSTER_ENV] !== undefined && process.env[CLUSTER_ENV] !== '') {
    const found = findCluster();
    if (found.manifest !== null) return { manifest: found.manifest, ours: false };
  }
  if (natsServerBinary() === null) return { skipped: 'nats-server is not installed (apt-get install -y nats-server); the replicated row was not run' };
  return { manifest: await startCluster({ dir: join(dir, 'nats'), basePort: BASE_PORT }), ours: true };
}

export async function runReplicatedExperiment(options: ReplicatedExperimentOptions, phase: (what: string) => void = () => undefined): Promise<ReplicatedExperimentResult> {
  const root = join(options.dir, 'replicated');
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  phase('starting a three-node JetStream cluster');
  const found = await cluster(root);
  if ('skipped' in found) return { skipped: found.skipped };
  const { manifest, ours } = found;
  const servers = [...manifest.servers];
  const stream = `EXPERIMENT_${process.pid}_${Date.now()}`;
  try {
    const workload = generateExperimentWorkload(options.commands, options.seed);
    const base = {
      servers,
      stream,
      commands: options.commands,
      seed: options.seed,
      fingerprint: workload.stats.fingerprint,
      members: 2,
      rate_per_s: options.rate_per_s / 2,
      checkpointEveryCommands: Math.max(1_000, Math.floor(options.commands / 5)),
    };
    const shareA = Math.ceil(options.commands / 2);
    const go = join(root, 'go');
    const a: ReplicatedChildConfig = { ...base, member: 'a', dir: join(root, 'a'), part: 0, killAtAcked: Math.floor(shareA / 2), out: join(root, 'a.journal'), go };
    const b: ReplicatedChildConfig = { ...base, member: 'b', dir: join(root, 'b'), part: 1, killAtAcked: null, out: join(root, 'b.journal'), go };
    phase('two members under load; member a is SIGKILLed halfway');
    const children = Promise.all([runChild(a), runChild(b)]);
    // Both members open before either offers load, so the kill lands while both are busy.
    await startTogether([a.out, b.out], go, children);
    await children;
    const ja = readJournal(a.out);
    const jb = readJournal(b.out);
    if (jb.error !== null || jb.end === null) throw new Error(`member b did not finish: ${jb.error ?? 'no end line'}`);

    phase('checking the stream against what was acknowledged');
    const log = await JetStreamLog.open<Uint8Array>({ servers, stream, codec: { encode: (r) => r, decode: (bytes) => bytes } });
    const engine = new Engine({ instruments: workload.specs, ordersMax: options.commands + 1 });
    const decoder = new MemberRecordDecoder(engine.instruments);
    const order = new MemberOrder(); // the members' rule: a batch ahead of its submitter's earlier one is skipped
    const memberOf = new Map<number, string>();
    let last = 0;
    // A's publishes still in flight when it died may be stored after B took its hash (they were
    // sent, never acknowledged): B is compared with the reference at the seq B had reached.
    let atB = jb.end.lastSeq === 0 ? engine.stateHash() : '';
    // A stream message holds a batch of commands; acks carry each command's seq among all commands.
    for await (const { seq: streamSeq, command: message } of log.read(1)) {
      const count = admitMessage(decoder, order, message, streamSeq);
      for (let i = 0; i < count; i++) {
        const seq = last + 1;
        decoder.next(seq);
        memberOf.set(seq, decoder.memberId);
        engine.apply(toCommand(decoder.command));
        if (seq === jb.end.lastSeq) atB = engine.stateHash();
        last = seq;
      }
    }
    await log.close();
    // Each member's records carry one member id per open; an acknowledged seq must hold a record
    // of the member that acknowledged it.
    const idOf = (acks: { seq: number }[]): string | undefined => (acks.length === 0 ? undefined : memberOf.get(acks[0].seq));
    const idA = idOf(ja.acks);
    const idB = idOf(jb.acks);
    let lost = 0;
    for (const ack of ja.acks) if (idA === undefined || memberOf.get(ack.seq) !== idA) lost++;
    for (const ack of jb.acks) if (idB === undefined || memberOf.get(ack.seq) !== idB || idB === idA) lost++;

    const killAt = ja.acks.length === 0 ? 0 : ja.acks[ja.acks.length - 1].at;
    const gaps: number[] = [];
    let gapAtKill = 0;
    for (let i = 1; i < jb.acks.length; i++) {
      const gap = jb.acks[i].at - jb.acks[i - 1].at;
      if (jb.acks[i - 1].at <= killAt && jb.acks[i].at >= killAt) gapAtKill = Math.max(gapAtKill, gap);
      else gaps.push(gap);
    }

    phase('member a rejoins from its directory');
    const t0 = performance.now();
    const rejoined = await Exchange.open({
      dir: a.dir,
      instruments: workload.specs,
      ordersMax: options.commands + 1,
      replication: { servers, stream, replicas: 3 },
    });
    const rejoin_ms = performance.now() - t0;
    const stats = rejoined.stats();
    const hashA = rejoined.stateHash();
    await rejoined.close();
    return {
      skipped: null,
      commands: options.commands,
      rate_per_s: options.rate_per_s,
      acked_a: ja.acks.length,
      acked_b: jb.acks.length,
      survivor_gap_ms_at_kill: gapAtKill,
      survivor_gap_ms_max_elsewhere: gaps.reduce((m, g) => Math.max(m, g), 0),
      acked_lost: lost,
      stream_last_seq: last,
      hash_b: jb.end.stateHash,
      b_last_seq: jb.end.lastSeq,
      hash_reference_at_b: atB,
      hash_reference: engine.stateHash(),
      hash_a_rejoined: hashA,
      rejoin_ms,
      rejoin_replayed: stats.lastSeq - stats.restoredFromSeq,
      rejoin_from_checkpoint: stats.restoredFromSeq,
    };
  } finally {
    if (ours) await stopCluster(manifest);
    else await deleteStream(servers, stream);
  }
}

/** On a cluster someone else runs, the run's stream is removed again (best effort). */
async function deleteStream(servers: string[], stream: string): Promise<void> {
  try {
    const nc = await connect({ servers, timeout: 5_000 });
    try {
      await (await jetstreamManager(nc)).streams.delete(stream);
    } finally {
      await nc.close();
    }
  } catch {
    // Already gone, or the cluster is down: nothing to tidy.
  }
}

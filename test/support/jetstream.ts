// Why this file exists: the replicated tests (through test/replicated/helpers.ts) and the
// replicated benchmark and soak (bench/replicated/) need the same few cluster chores: a manager
// connection, the stream's Raft leader, waiting until every replica is current, deleting a
// stream, and the ground truth of a venue's stream (a plain engine fed its records). They live
// here once, free of vitest, and take the servers explicitly.

import { connect } from '@nats-io/transport-node';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { Engine, toCommand, type InstrumentSpec } from '../../engine/index.js';
import { admitMessage, MemberOrder, MemberRecordDecoder, type MemberRecord } from '../../exchange/index.js';
import { JetStreamLog } from '../../wal/index.js';

export const MEMBER_CODEC = { encode: (r: MemberRecord): Uint8Array => r, decode: (bytes: Uint8Array): MemberRecord => bytes };

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

/** Run `fn` with a manager connection to the cluster. */
export async function withManager<R>(servers: readonly string[], fn: (jsm: JetStreamManager) => Promise<R>): Promise<R> {
  const nc = await connect({ servers: [...servers], maxReconnectAttempts: -1, reconnectTimeWait: 250 });
  try {
    return await fn(await jetstreamManager(nc, { timeout: 20_000 }));
  } finally {
    await nc.close();
  }
}

/** server_name of the stream's Raft leader (waits through an election). */
export async function streamLeader(servers: readonly string[], stream: string, msMax = 20_000): Promise<string> {
  const deadline = Date.now() + msMax;
  for (;;) {
    const leader = await withManager(servers, async (jsm) => (await jsm.streams.info(stream)).cluster?.leader).catch(() => undefined);
    if (leader !== undefined && leader !== '') return leader;
    if (Date.now() > deadline) throw new Error(`stream ${stream} has no leader after ${msMax} ms`);
    await sleep(200);
  }
}

/** Wait until the stream has a leader and every replica is current (caught up). */
export async function waitReplicasCurrent(servers: readonly string[], stream: string, msMax = 30_000): Promise<void> {
  const deadline = Date.now() + msMax;
  for (;;) {
    const ok = await withManager(servers, async (jsm) => {
      const info = await jsm.streams.info(stream);
      const replicas = info.cluster?.replicas ?? [];
      return info.cluster?.leader !== undefined && replicas.length === info.config.num_replicas - 1 && replicas.every((r) => r.current && !r.offline);
    }).catch(() => false);
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`stream ${stream}: replicas not current after ${msMax} ms`);
    await sleep(200);
  }
}

/** The stream's message count and last seq (0, 0 while it does not answer). */
export async function streamState(servers: readonly string[], stream: string): Promise<{ messages: number; lastSeq: number }> {
  return withManager(servers, async (jsm) => {
    const info = await jsm.streams.info(stream);
    return { messages: info.state.messages, lastSeq: info.state.last_seq };
  }).catch(() => ({ messages: 0, lastSeq: 0 }));
}

/** Delete a stream (best effort: already gone is fine). */
export async function deleteStream(servers: readonly string[], stream: string): Promise<void> {
  await withManager(servers, (jsm) => jsm.streams.delete(stream)).catch(() => undefined);
}

/** One record of a venue's stream as the ground truth sees it. */
export interface StreamRecordView {
  seq: number;
  memberId: string;
  /** The submitting member's counter: (memberId, n) names one submit. */
  n: number;
}

/**
 * A plain engine fed the venue's stream from seq 1 (commands rebuilt as objects and applied
 * through full validation: a different path from the members' applyParsed). Returns its state
 * hash at each requested seq and at the end; `each` sees every record as it is applied.
 */
export async function replayVenue(
  servers: readonly string[],
  stream: string,
  instruments: InstrumentSpec[],
  at: readonly number[] = [],
  each?: (record: StreamRecordView, command: ReturnType<typeof toCommand>) => void,
): Promise<{ hashes: Map<number, string>; lastSeq: number; endHash: string }> {
  const log = await JetStreamLog.open<MemberRecord>({ servers, stream, codec: MEMBER_CODEC });
  const engine = new Engine({ instruments });
  const decoder = new MemberRecordDecoder(engine.instruments);
  // The same rule every member applies: a batch ahead of its submitter's earlier one is skipped.
  const order = new MemberOrder();
  const wanted = new Set(at);
  const hashes = new Map<number, string>();
  let lastSeq = 0;
  try {
    // A stream message holds a batch of commands; each command's seq is its place among all
    // commands in stream order (what members number them by).
    for await (const { seq: streamSeq, command: message } of log.read(1)) {
      const count = admitMessage(decoder, order, message, streamSeq);
      for (let i = 0; i < count; i++) {
        const seq = lastSeq + 1;
        decoder.next(seq);
        const rebuilt = toCommand(decoder.command);
        each?.({ seq, memberId: decoder.memberId, n: decoder.n }, rebuilt);
        engine.apply(rebuilt);
        if (wanted.has(seq)) hashes.set(seq, engine.stateHash());
        lastSeq = seq;
      }
    }
  } finally {
    await log.close();
  }
  return { hashes, lastSeq, endHash: engine.stateHash() };
}

// Why this file exists: how long a brand-new member takes to join a venue is what a replacement
// machine costs, and it grows with the stream. The issue asks for the figure at 1,000,000
// commands, both ways a member can join:
//   - replaying the whole stream into its engine (no checkpoint anywhere);
//   - loading the newest checkpoint another member published to the JetStream object store, then
//     replaying only the records after it (the stream trimmed behind that checkpoint).
// The stream is filled with real member batches (seeded load, encoded exactly as a member's
// submits are, FILL_BATCH_COMMANDS a message: what a member sends under load) through
// JetStreamLog's pipeline, not through a member, so the fill costs no engine time; the joins are
// Exchange.open({ replication }) timed from call to resolve.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine, parseCommand, ParsedCommand } from '../../engine/index.js';
import { Exchange } from '../../exchange/exchange.js';
import { MemberBatchEncoder } from '../../exchange/index.js';
import { JetStreamLog } from '../../wal/index.js';
import { MULTI } from '../../test/exchange/fixtures/common.js';
import { LoadGenerator } from '../../test/exchange/fixtures/load.js';
import { deleteStream } from '../../test/support/jetstream.js';
import type { ClusterManifest } from '../../test/support/nats-cluster.js';

export interface JoinResult {
  commands: number;
  /** Seconds to fill the stream (JetStreamLog pipeline, pre-encoded envelopes). */
  fillSeconds: number;
  /** A fresh member replaying every record. */
  replaySeconds: number;
  replayRatePerS: number;
  /** A fresh member loading the published checkpoint, then replaying the tail after it. */
  checkpointSeconds: number;
  checkpointSeq: number;
  checkpointBytes: number;
  tailRecords: number;
  /** Both joiners and the member that published agree. */
  hashesEqual: boolean;
}

/** Orders the joiners may hold: the seeded load rests a good share of what it sends. */
const ORDERS_MAX = 1 << 21;
const FILL_CHUNK = 8_192;
/** Commands a stream message carries (a member's default batchCommandsMax). */
const FILL_BATCH_COMMANDS = 512;

/** Appends `count` commands of a seeded load in member batches, `FILL_CHUNK` commands awaited at a time. */
async function fill(log: JetStreamLog, generator: LoadGenerator, count: number, encoder: MemberBatchEncoder, first: number): Promise<void> {
  const engine = new Engine({ instruments: MULTI });
  const index = new Map(engine.instruments.map((spec, i) => [spec.symbol, i]));
  const parsed = new ParsedCommand();
  for (let start = 0; start < count; start += FILL_CHUNK) {
    const acks: Promise<number>[] = [];
    const end = Math.min(count, start + FILL_CHUNK);
    for (let n = start; n < end; n++) {
      const reason = parseCommand(generator.next(), index, engine.instruments, parsed, false);
      if (reason !== null) throw new Error(`seeded load command ${n} refused: ${reason}`);
      parsed.time = first + n;
      encoder.add(first + n, parsed);
      if (encoder.count === FILL_BATCH_COMMANDS || n === end - 1) acks.push(log.append(encoder.take()));
    }
    await Promise.all(acks);
  }
}

export async function memberJoin(cluster: ClusterManifest, commands: number, tail: number, say: (line: string) => void): Promise<JoinResult> {
  const servers = [...cluster.servers];
  const stream = `JOIN_${process.pid}_${Date.now().toString(36)}`;
  const dir = mkdtempSync(join(tmpdir(), 'matchlog-join-'));
  const generator = new LoadGenerator(7, MULTI);
  const encoder = new MemberBatchEncoder('bench-join-filler');
  try {
    const log = await JetStreamLog.open({ servers, stream });
    let began = performance.now();
    await fill(log, generator, commands, encoder, 0);
    const fillSeconds = (performance.now() - began) / 1000;
    say(`  join: stream filled with ${commands} commands in ${fillSeconds.toFixed(1)} s`);

    // 1. Nothing published: replay everything. This member also has a dir and a name, so at
    //    close it writes a checkpoint at the tail, publishes it and trims the stream behind it.
    began = performance.now();
    const first = await Exchange.open({
      dir: join(dir, 'first'),
      instruments: MULTI,
      ordersMax: ORDERS_MAX,
      checkpointEveryCommands: commands * 2,
      replication: { servers, stream, member: 'first' },
    });
    const replaySeconds = (performance.now() - began) / 1000;
    say(`  join: replayed ${first.lastSeq} commands in ${replaySeconds.toFixed(1)} s`);
    await first.close();
    const checkpointSeq = first.lastSeq;

    // More commands after the checkpoint: the joiner replays these.
    await fill(log, generator, tail, encoder, commands);
    await log.close();
    const reference = await Exchange.open({ dir: join(dir, 'first'), instruments: MULTI, ordersMax: ORDERS_MAX, checkpointEveryCommands: commands * 2, replication: { servers, stream, member: 'first' } });

    // 2. A brand-new member (empty directory) on the trimmed stream.
    began = performance.now();
    const second = await Exchange.open({ dir: join(dir, 'second'), instruments: MULTI, ordersMax: ORDERS_MAX, replication: { servers, stream } });
    const checkpointSeconds = (performance.now() - began) / 1000;
    const stats = second.stats();
    say(`  join: from published checkpoint ${stats.restoredFromSeq} + ${stats.lastSeq - stats.restoredFromSeq} records in ${checkpointSeconds.toFixed(1)} s`);
    const checkpointBytes = (await JetStreamLog.open({ servers, stream }).then(async (l) => {
      const newest = await l.checkpoints().newest();
      await l.close();
      return newest?.bytes.byteLength ?? 0;
    }));
    const hashesEqual = second.lastSeq === reference.lastSeq && second.stateHash() === reference.stateHash();
    await second.close();
    await reference.close();
    return {
      commands,
      fillSeconds,
      replaySeconds,
      replayRatePerS: checkpointSeq / replaySeconds,
      checkpointSeconds,
      checkpointSeq: stats.restoredFromSeq,
      checkpointBytes,
      tailRecords: stats.lastSeq - stats.restoredFromSeq,
      hashesEqual: hashesEqual && stats.restoredFromSeq === checkpointSeq,
    };
  } finally {
    await deleteStream(servers, stream);
    await deleteStream(servers, `${stream}_READERS`);
    await deleteStream(servers, `OBJ_${stream}_CHECKPOINTS`);
    rmSync(dir, { recursive: true, force: true });
  }
}

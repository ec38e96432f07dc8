// Why this file exists: the stall budget is the Raft election (~5–6 s here), and members
// stalled 7–8 s when the stream leader died. To see where the extra seconds go, one member under
// a steady offered load has the stream's leader node SIGKILLed, and the run records, from the
// kill: when the stream stored anything again (the first publish ack: the election is over, as
// this client sees it), when this member applied anything again (its reader resumed), and the
// longest gap between two of the member's acknowledgements. The difference between the last two
// is the member's own overhead (publish timeouts, retry backoff, reader restart).

import type { ExchangeCommand } from '../../engine/index.js';
import { Exchange } from '../../exchange/exchange.js';
import { MULTI } from '../../test/exchange/fixtures/common.js';
import { LoadGenerator } from '../../test/exchange/fixtures/load.js';
import { deleteStream, streamLeader } from '../../test/support/jetstream.js';
import { killNode, restartNode, type ClusterManifest } from '../../test/support/nats-cluster.js';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';

/**
 * Polls the stream's info through the surviving nodes (100 ms apart, 500 ms timeout) until a new
 * leader answers; resolves with the ms from `killedAt`: the election as an outside observer sees it.
 */
async function electionMs(cluster: ClusterManifest, stream: string, killed: string, killedAt: number): Promise<number> {
  const survivors = cluster.nodes.filter((n) => n.name !== killed).map((n) => `nats://127.0.0.1:${n.clientPort}`);
  const nc = await connect({ servers: survivors, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
  try {
    for (let i = 0; i < 300; i++) {
      // The manager itself asks for account info: during the election that can time out too.
      const leader = await jetstreamManager(nc, { timeout: 500 })
        .then((jsm) => jsm.streams.info(stream))
        .then((info) => info.cluster?.leader ?? '', () => '');
      if (leader !== '' && leader !== killed) return performance.now() - killedAt;
      await new Promise((done) => setTimeout(done, 100));
    }
    return -1;
  } finally {
    await nc.close();
  }
}

export interface MemberFailoverResult {
  leader: string;
  /** From the kill to a new leader answering stream info (the election itself). */
  electedMs: number;
  /** Longest time between two acknowledgements of the member (ms). */
  stallMs: number;
  /** Longest gap between two publish acks of the member's log (the stream stored nothing), and when it ended after the kill. */
  storedGapMs: number;
  storedAgainMs: number;
  /** Longest gap between two commands the member applied, and when it ended after the kill. */
  appliedGapMs: number;
  appliedAgainMs: number;
  acked: number;
  refused: number;
  failed: number;
  /** Log counters at the end (retries, readerRestarts, reordered, duplicates). */
  log: Record<string, number>;
  resent: number;
}

export async function memberFailover(cluster: ClusterManifest, ratePerS: number, seconds = 12, killAtMs = 2_000): Promise<MemberFailoverResult> {
  const servers = [...cluster.servers];
  const stream = `MFAIL_${process.pid}_${Date.now().toString(36)}`;
  const member = await Exchange.open({ instruments: MULTI, ordersMax: 1 << 20, replication: { servers, stream } });
  const generator = new LoadGenerator(21, MULTI);
  await member.submit(generator.next());
  const leader = await streamLeader(servers, stream);
  // Watch the log's ack counter and the member's applied counter on a fine timer.
  const log = member.stats;
  let killedAt = 0;
  let elected: Promise<number> = Promise.resolve(-1);
  // Longest gaps (5 ms resolution) between advances of the log's ack counter and the applied counter.
  const gap = { stored: { last: 0, count: 0, max: 0, end: 0 }, applied: { last: 0, count: 0, max: 0, end: 0 } };
  const track = (g: typeof gap.stored, count: number, now: number): void => {
    if (count === g.count) return;
    if (g.last > 0 && now - g.last > g.max) {
      g.max = now - g.last;
      g.end = now;
    }
    g.last = now;
    g.count = count;
  };
  const probe = setInterval(() => {
    const s = log.call(member);
    const now = performance.now();
    track(gap.stored, s.log.acked, now);
    track(gap.applied, s.applied, now);
  }, 5);
  try {
    return await underLoad();
  } finally {
    // Whatever happened, the next run starts with three nodes.
    await restartNode(cluster, leader);
  }

  async function underLoad(): Promise<MemberFailoverResult> {
  const total = Math.round(ratePerS * seconds);
  const ackTimes: number[] = [];
  let refused = 0;
  let failed = 0;
  const pending: Promise<void>[] = [];
  const began = performance.now();
  let sent = 0;
  while (sent < total) {
    const elapsed = performance.now() - began;
    if (killedAt === 0 && elapsed >= killAtMs) {
      killedAt = performance.now();
      void killNode(cluster, leader);
      elected = electionMs(cluster, stream, leader, killedAt).catch(() => -1);
    }
    const due = Math.min(total, Math.floor((elapsed * ratePerS) / 1000));
    for (; sent < due; sent++) {
      const command: ExchangeCommand = generator.next();
      pending.push(
        member.submit(command).then(
          (result) => {
            if (result.seq === null) refused++;
            else ackTimes.push(performance.now());
          },
          () => void failed++,
        ),
      );
    }
    await new Promise((done) => setTimeout(done, 1));
  }
  await Promise.all(pending);
  clearInterval(probe);
  const electedAfterMs = await elected;
  const end = member.stats();
  await member.close().catch(() => undefined);
  await restartNode(cluster, leader);
  await deleteStream(servers, stream);
  ackTimes.sort((a, b) => a - b);
  let stallMs = 0;
  for (let i = 1; i < ackTimes.length; i++) stallMs = Math.max(stallMs, ackTimes[i] - ackTimes[i - 1]);
  return {
    leader,
    electedMs: electedAfterMs,
    stallMs,
    storedGapMs: gap.stored.max,
    storedAgainMs: gap.stored.end - killedAt,
    appliedGapMs: gap.applied.max,
    appliedAgainMs: gap.applied.end - killedAt,
    acked: ackTimes.length,
    refused,
    failed,
    log: { retries: end.log.retries, readerRestarts: end.log.readerRestarts, reordered: end.log.reordered, duplicates: end.log.duplicates },
    resent: end.resent,
  };
  }
}

// Why this file exists: it pins one behaviour: when the server a writer is connected to dies, the
// publishes it had in flight are re-sent as soon as the client reconnects elsewhere, not after
// ackTimeoutMs (a reply published while the client was away is lost for good). The writer's
// ackTimeoutMs here is far longer than the test's timeout, so the appends can only resolve
// through that re-send; each record is then stored exactly once (same message ids), at the seq
// its ack named. The writer knows only the victim's URL and finds the others from the cluster.
// Without the re-send this test times out (checked).

import { afterAll, afterEach, expect, it } from 'vitest';
import { JetStreamLog } from '../../wal/index.js';
import { killNode } from '../support/nats-cluster.js';
import { all_nodes_up, delete_stream, describeCluster, need_cluster, open_log, read_all, record, stream_leader, stream_name, wait_replicas_current } from './helpers.js';

const BATCH = 200;
const BATCHES = 10;
const KILL_AT_BATCH = 4;
const stream = stream_name('reconnect');

afterEach(all_nodes_up);
afterAll(() => delete_stream(stream));

describeCluster('JetStream log: the connected server dies', () => {
  it('re-sends in-flight publishes on reconnect and stores each once', async () => {
    const cluster = need_cluster();
    const setup = await open_log(stream);
    await setup.append(record(0, 0));
    await wait_replicas_current(stream);
    const leader = await stream_leader(stream);
    await setup.close();
    // A follower node: no election, so only the lost connection is tested.
    const victim = cluster.nodes.find((node) => node.name !== leader)!;
    const writer = await JetStreamLog.open({
      servers: [`nats://127.0.0.1:${victim.clientPort}`],
      stream,
      ackTimeoutMs: 90_000,
      quorumWaitMsMax: 110_000, // under the stream's 120 s duplicate window
    });

    const acks: Promise<number>[] = [];
    for (let b = 0; b < BATCHES; b++) {
      const batch = Array.from({ length: BATCH }, (_, i) => writer.append(record(1, b * BATCH + i)));
      acks.push(...batch);
      if (b === KILL_AT_BATCH) await killNode(cluster, victim.name);
      else await Promise.all(batch);
    }
    const seqs = await Promise.all(acks);
    expect(writer.stats().retries).toBeGreaterThan(0);
    await writer.close();

    const stored = (await read_all(stream)).filter((r) => r.writer === 1);
    expect(stored.length).toBe(BATCH * BATCHES);
    expect(new Set(stored.map((r) => r.n)).size).toBe(BATCH * BATCHES);
    const bySeq = new Map(stored.map((r) => [r.seq, r.n]));
    seqs.forEach((seq, n) => expect(bySeq.get(seq)).toBe(n));
  }, 60_000);
});

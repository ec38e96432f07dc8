// Why this file exists: it pins one behaviour: SIGKILL a node that is a follower of the stream under load, then restart it. The
// leader keeps a quorum (itself and the other follower), so appends go on; the restarted node
// catches up from the leader and reports itself current; nothing acked is lost or doubled.

import { afterAll, afterEach, expect, it } from 'vitest';
import { killNode, restartNode } from '../support/nats-cluster.js';
import {
  all_nodes_up,
  delete_stream,
  describeCluster,
  need_cluster,
  open_log,
  read_all,
  record,
  stream_leader,
  stream_name,
  wait_replicas_current,
  with_manager,
} from './helpers.js';

const TOTAL = 4_000;
const BATCH = 100;
const stream = stream_name('follower');

afterEach(all_nodes_up);
afterAll(() => delete_stream(stream));

describeCluster('JetStream log: kill a follower node, restart it', () => {
  it('keeps appending, and the restarted node catches up', async () => {
    const cluster = need_cluster();
    const log = await open_log(stream);
    await log.append(record(1, 0));
    await wait_replicas_current(stream);
    const leader = await stream_leader(stream);
    const victim = cluster.nodes.find((node) => node.name !== leader)!.name;

    const acks: number[] = [0];
    for (let start = 1; start < TOTAL; start += BATCH) {
      if (start === 1 + 10 * BATCH) await killNode(cluster, victim);
      if (start === 1 + 25 * BATCH) await restartNode(cluster, victim);
      const batch = Array.from({ length: Math.min(BATCH, TOTAL - start) }, (_, i) => log.append(record(1, start + i)));
      acks.push(...(await Promise.all(batch)));
    }
    await wait_replicas_current(stream);
    const replica = await with_manager(async (jsm) => (await jsm.streams.info(stream)).cluster?.replicas?.find((r) => r.name === victim));
    expect(replica?.current).toBe(true);

    const stored = await read_all(stream);
    expect(stored.length).toBe(TOTAL);
    acks.slice(1).forEach((seq, i) => expect(stored[seq - 1].n).toBe(i + 1));
    expect(new Set(stored.map((r) => r.n)).size).toBe(TOTAL);
    await log.close();
  });
});

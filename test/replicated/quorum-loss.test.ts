// Why this file exists: it pins one behaviour: a writer cut off from the quorum (two of three nodes killed) never gets an ack for
// what the quorum does not hold: its append fails with WalQuorumError after quorumWaitMsMax,
// every later append is refused with the same error (fail closed), and after the nodes return
// a reopened log finds every record that had been acknowledged.

import { afterAll, afterEach, expect, it } from 'vitest';
import { killNode } from '../support/nats-cluster.js';
import { WalQuorumError } from '../../wal/index.js';
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
} from './helpers.js';

const stream = stream_name('quorum');

afterEach(all_nodes_up);
afterAll(() => delete_stream(stream));

describeCluster('JetStream log: a member cut off from the quorum', () => {
  it('refuses with WalQuorumError and never acknowledges', async () => {
    const cluster = need_cluster();
    const log = await open_log(stream, { ackTimeoutMs: 500, quorumWaitMsMax: 3_000, duplicateWindowMs: 60_000 });
    const acked = await Promise.all(Array.from({ length: 100 }, (_, n) => log.append(record(1, n))));
    await wait_replicas_current(stream);
    const leader = await stream_leader(stream);
    // Keep the node the client may be connected to least relevant: kill both others, so a
    // server stays reachable but has no quorum.
    for (const node of cluster.nodes) if (node.name !== leader) await killNode(cluster, node.name);

    const late = log.append(record(1, 100));
    const later = log.append(record(1, 101));
    await expect(late).rejects.toBeInstanceOf(WalQuorumError);
    await expect(later).rejects.toBeInstanceOf(WalQuorumError);
    await expect(log.append(record(1, 102))).rejects.toThrow(/cut off or a quorum of servers is down/);
    await log.close();

    await all_nodes_up();
    await wait_replicas_current(stream);
    const stored = await read_all(stream);
    // Every acknowledged record is held; an unacknowledged one may or may not be.
    expect(stored.slice(0, 100).map((r) => r.n)).toEqual(acked.map((_, n) => n));
    expect(stored.length).toBeLessThanOrEqual(102);
  });
});

// Why this file exists: it pins one behaviour: a publish whose ack times out is re-sent with the same message id, and the stream
// stores it once. The stream leader is paused (SIGSTOP) with publishes in flight, so they time
// out in the client but are committed when it resumes; the retries then get duplicate acks
// naming the original sequence numbers.

import { afterAll, afterEach, expect, it } from 'vitest';
import { pauseNode } from '../support/nats-cluster.js';
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

const COUNT = 300;
const stream = stream_name('dedupe');

afterEach(async () => {
  for (const node of need_cluster().nodes) {
    try {
      pauseNode(need_cluster(), node.name, false);
    } catch {
      // not running: all_nodes_up restarts it
    }
  }
  await all_nodes_up();
});
afterAll(() => delete_stream(stream));

describeCluster('JetStream log: retries after a timeout are de-duplicated', () => {
  it('stores each record once when acks time out and the same ids are re-sent', async () => {
    const cluster = need_cluster();
    const log = await open_log(stream, { ackTimeoutMs: 250 });
    await log.append(record(1, 0));
    await wait_replicas_current(stream);
    const leader = await stream_leader(stream);
    const appends = Array.from({ length: COUNT - 1 }, (_, i) => log.append(record(1, i + 1)));
    pauseNode(cluster, leader, true);
    await new Promise((done) => setTimeout(done, 1_200));
    pauseNode(cluster, leader, false);
    const seqs = await Promise.all(appends);

    const stats = log.stats();
    process.stdout.write(`paused ${leader}: ${stats.retries} retries, ${stats.duplicates} duplicate acks\n`);
    expect(stats.retries).toBeGreaterThan(0);
    expect(stats.duplicates).toBeGreaterThan(0);
    const stored = await read_all(stream);
    expect(stored.length).toBe(COUNT);
    expect(new Set(stored.map((r) => r.n)).size).toBe(COUNT);
    seqs.forEach((seq, i) => expect(stored[seq - 1].n).toBe(i + 1));
    await log.close();
  });
});

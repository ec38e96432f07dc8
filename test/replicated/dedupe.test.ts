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
/** The scenario needs publishes that reach the leader before it pauses; on a loaded machine the
 * client may not have sent them yet, so it is set up again on a fresh stream (a bounded number of
 * times) until duplicates show. Every attempt must store each record exactly once. */
const ATTEMPTS_MAX = 4;
const streams: string[] = [];

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
afterAll(async () => {
  for (const stream of streams) await delete_stream(stream);
});

describeCluster('JetStream log: retries after a timeout are de-duplicated', () => {
  it('stores each record once when acks time out and the same ids are re-sent', async () => {
    const cluster = need_cluster();
    let duplicates = 0;
    for (let attempt = 1; attempt <= ATTEMPTS_MAX && duplicates === 0; attempt++) {
      const stream = stream_name(`dedupe-${attempt}`);
      streams.push(stream);
      const log = await open_log(stream, { ackTimeoutMs: 250 });
      await log.append(record(1, 0));
      await wait_replicas_current(stream);
      const leader = await stream_leader(stream);
      const appends = Array.from({ length: COUNT - 1 }, (_, i) => log.append(record(1, i + 1)));
      // Later attempts let the client write part of them to its socket before the leader stops.
      if (attempt > 1) await new Promise((done) => setImmediate(done));
      pauseNode(cluster, leader, true);
      await new Promise((done) => setTimeout(done, 1_200));
      pauseNode(cluster, leader, false);
      const seqs = await Promise.all(appends);

      const stats = log.stats();
      process.stdout.write(`attempt ${attempt}, paused ${leader}: ${stats.retries} retries, ${stats.duplicates} duplicate acks\n`);
      const stored = await read_all(stream);
      expect(stored.length).toBe(COUNT);
      expect(new Set(stored.map((r) => r.n)).size).toBe(COUNT);
      seqs.forEach((seq, i) => expect(stored[seq - 1].n).toBe(i + 1));
      await log.close();
      duplicates = stats.duplicates;
    }
    // The de-duplication was exercised: some retries were answered as duplicates of stored records.
    expect(duplicates).toBeGreaterThan(0);
  });
});

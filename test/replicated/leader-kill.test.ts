// Why this file exists: it pins one behaviour: SIGKILL the stream's Raft leader while a writer appends and a reader follows.
// Every append still resolves (after the election), no acknowledged record is lost or stored
// twice, each ack's seq holds that very record, and the following reader sees the same stream
// with no gap or repeat. Retries after the kill carry the same message id, so any record the
// old leader had already committed comes back as a duplicate ack, not a second copy.

import { afterAll, afterEach, expect, it } from 'vitest';
import { killNode } from '../support/nats-cluster.js';
import {
  all_nodes_up,
  delete_stream,
  describeCluster,
  need_cluster,
  open_log,
  parse_record,
  read_all,
  record,
  stream_leader,
  stream_name,
  wait_replicas_current,
} from './helpers.js';

const TOTAL = 6_000;
const KILL_AFTER = 2_000;
const BATCH = 100;
const stream = stream_name('leader');

afterEach(all_nodes_up);
afterAll(() => delete_stream(stream));

describeCluster('JetStream log: kill the stream leader under load', () => {
  it('loses and duplicates no acknowledged record', async () => {
    const cluster = need_cluster();
    const writer = await open_log(stream, { inFlightMax: 128 });
    const follower = await open_log(stream);
    await wait_replicas_current(stream);
    const leader = await stream_leader(stream);

    const abort = new AbortController();
    const followed: number[] = [];
    const following = (async () => {
      const tick = setInterval(() => process.stdout.write(`followed ${followed.length}, writer ${JSON.stringify(writer.stats())}, reader restarts ${follower.stats().readerRestarts}\n`), 2000);
      try {
      for await (const { seq, command } of follower.read(1, { follow: true, signal: abort.signal })) {
        expect(seq).toBe(followed.length + 1);
        followed.push(parse_record(command).n);
        if (followed.length === TOTAL) abort.abort();
      }
      } finally { clearInterval(tick); }
    })();

    // Steady load: batches of BATCH appends, each awaited; the kill lands between two batches,
    // so the batches after it are in flight while the stream has no leader.
    const acks = new Array<number>(TOTAL).fill(0);
    let killed: Promise<void> | null = null;
    let stallMs = 0;
    for (let start = 0; start < TOTAL; start += BATCH) {
      if (killed === null && start >= KILL_AFTER) killed = killNode(cluster, leader);
      const began = Date.now();
      await Promise.all(
        Array.from({ length: BATCH }, (_, i) => writer.append(record(1, start + i)).then((seq) => void (acks[start + i] = seq))),
      );
      stallMs = Math.max(stallMs, Date.now() - began);
    }
    await killed;
    await following;
    const stats = writer.stats();
    process.stdout.write(`leader ${leader} killed: longest batch ${stallMs} ms, ${stats.retries} retries, ${stats.duplicates} duplicate acks\n`);
    expect(stats.retries).toBeGreaterThan(0);

    const stored = await read_all(stream);
    expect(stored.length).toBe(TOTAL);
    expect(new Set(stored.map((r) => r.n)).size).toBe(TOTAL);
    for (let n = 0; n < TOTAL; n++) expect(stored[acks[n] - 1]).toEqual({ seq: acks[n], writer: 1, n });
    expect(followed).toEqual(stored.map((r) => r.n));
    expect(await stream_leader(stream)).not.toBe(leader);
    await writer.close();
    await follower.close();
  });
});

// Why this file exists: it pins one behaviour: SIGKILL the stream's leader node while two members submit. Both keep serving
// after the Raft election, no acknowledged command is lost or applied twice (every acked seq is
// distinct, held by the stream, and the members' hashes equal an engine fed the stream), and a
// member that opens afterwards converges to the same hash.

import { afterAll, afterEach, expect, it } from 'vitest';
import { Exchange } from '../../index.js';
import { MULTI } from '../exchange/fixtures/common.js';
import { killNode } from '../support/nats-cluster.js';
import { referenceHashes, spawnMember } from './fixtures/members.js';
import { all_nodes_up, delete_stream, describeCluster, need_cluster, stream_leader, stream_name, wait_replicas_current, with_manager } from './helpers.js';

const PER_MEMBER = 3_000;
const stream = stream_name('mleader');
afterEach(all_nodes_up);
afterAll(() => delete_stream(stream));

async function streamMessages(): Promise<number> {
  return with_manager(async (jsm) => (await jsm.streams.info(stream)).state.messages).catch(() => 0);
}

describeCluster('replicated members: kill the stream leader under load', () => {
  it('loses nothing acknowledged and every member converges', async () => {
    const cluster = need_cluster();
    const total = 2 * PER_MEMBER;
    const a = spawnMember(stream, 31, PER_MEMBER, total, 32);
    const b = spawnMember(stream, 32, PER_MEMBER, total, 32);
    // Kill once the load is well under way (the stream exists and holds records; a message is a
    // batch of up to 32 commands here).
    while ((await streamMessages()) < 50) await new Promise((done) => setTimeout(done, 100));
    await wait_replicas_current(stream).catch(() => undefined);
    const leader = await stream_leader(stream);
    await killNode(cluster, leader);
    const [ra, rb] = await Promise.all([a.report, b.report]);

    expect(ra.lastSeq).toBe(total);
    expect(rb.lastSeq).toBe(total);
    expect(ra.stateHash).toBe(rb.stateHash);
    const seqs = [...ra.acked, ...rb.acked].sort((x, y) => x - y);
    expect(seqs).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect((await referenceHashes(stream, [total])).get(total)).toBe(ra.stateHash);
    expect(await stream_leader(stream)).not.toBe(leader);

    const fresh = await Exchange.open({ instruments: MULTI, replication: { servers: [...cluster.servers], stream } });
    expect(fresh.stateHash()).toBe(ra.stateHash);
    await fresh.close();
  });
});

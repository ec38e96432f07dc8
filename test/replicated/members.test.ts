// Why this file exists: it pins one behaviour: the report's primary-primary pair on JetStream. Two members in child processes
// submit their own load at the same time to one stream; each applies every command (its own and
// the other's) in stream order. Both reach the same state hash at the same seq, every
// acknowledged seq is distinct and held by the stream, and a fresh member that joins afterwards
// by replaying converges to the same hash, as does a plain engine fed the stream's records.

import { afterAll, expect, it } from 'vitest';
import { Exchange } from '../../index.js';
import { MULTI } from '../exchange/fixtures/common.js';
import { referenceHashes, spawnMember } from './fixtures/members.js';
import { delete_stream, describeCluster, need_cluster, stream_name } from './helpers.js';

const PER_MEMBER = 1_500;
const stream = stream_name('members');
const stream3 = stream_name('members3');
afterAll(async () => {
  await delete_stream(stream);
  await delete_stream(stream3);
});

describeCluster('replicated members (primary-primary on JetStream)', () => {
  it('two members in child processes reach the same state hash; a fresh member converges', async () => {
    const total = 2 * PER_MEMBER;
    const [a, b] = await Promise.all([spawnMember(stream, 11, PER_MEMBER, total).report, spawnMember(stream, 22, PER_MEMBER, total).report]);
    expect(a.lastSeq).toBe(total);
    expect(b.lastSeq).toBe(total);
    expect(a.stateHash).toBe(b.stateHash);
    // Commands travel in batches (several per stream message), yet each has its own contiguous seq.
    expect(a.stats.batches).toBeLessThan(a.stats.submitted);
    const seqs = [...a.acked, ...b.acked].sort((x, y) => x - y);
    expect(seqs).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect((await referenceHashes(stream, [total])).get(total)).toBe(a.stateHash);

    // A brand-new member joins by replaying and holds the same books.
    const fresh = await Exchange.open({ instruments: MULTI, replication: { servers: [...need_cluster().servers], stream } });
    expect(fresh.lastSeq).toBe(total);
    expect(fresh.stateHash()).toBe(a.stateHash);
    await fresh.close();
  });

  it('three members submitting at once agree on every seq and on the state hash', async () => {
    const each = 1_000;
    const total = 3 * each;
    const reports = await Promise.all([33, 44, 55].map((seed) => spawnMember(stream3, seed, each, total).report));
    for (const r of reports) {
      expect(r.lastSeq).toBe(total);
      expect(r.stateHash).toBe(reports[0].stateHash);
      expect(r.acked.length).toBe(each);
    }
    const seqs = reports.flatMap((r) => r.acked).sort((x, y) => x - y);
    expect(seqs).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect((await referenceHashes(stream3, [total])).get(total)).toBe(reports[0].stateHash);
  });
});

// Why this file exists: it pins the experiment's `replicated` row (bench/experiment/replicated.ts):
// two members of one venue under load, member a SIGKILLed halfway through its share. Nothing
// either member acknowledged is missing from the stream or holds another member's command, the
// survivor, a plain engine fed the stream and the killed member after it rejoins hold the same
// state hash, and the row renders. The figures themselves (gap, rejoin time) are not asserted:
// they depend on the machine.

import { afterAll, expect, it } from 'vitest';
import { runReplicatedExperiment } from '../../bench/experiment/replicated.js';
import { replicatedTable } from '../../bench/experiment/tables.js';
import { tempDir } from '../exchange/fixtures/common.js';
import { describeCluster } from './helpers.js';

const dir = tempDir('matchlog-exp-replicated-');
afterAll(() => dir.cleanup());

describeCluster('the experiment: replicated row', () => {
  it('a member killed under load loses nothing acknowledged; it rejoins to the same state hash', async () => {
    const r = await runReplicatedExperiment({ commands: 3_000, rate_per_s: 1_500, seed: 5, dir: dir.path });
    if (r.skipped !== null) throw new Error(`not run: ${r.skipped}`);
    expect(r.acked_a).toBe(Math.floor(1_500 / 2));
    expect(r.acked_b).toBe(1_500);
    expect(r.acked_lost).toBe(0);
    expect(r.stream_last_seq).toBeGreaterThanOrEqual(r.acked_a + r.acked_b);
    expect(r.b_last_seq).toBeGreaterThanOrEqual(r.acked_a + r.acked_b);
    expect(r.hash_b).toBe(r.hash_reference_at_b);
    expect(r.hash_a_rejoined).toBe(r.hash_reference);
    expect(r.rejoin_from_checkpoint + r.rejoin_replayed).toBe(r.stream_last_seq);
    const table = replicatedTable(r);
    expect(table.rows[0][5]).toBe('0');
    expect(table.rows[0][7]).toBe(`equal (b at seq ${r.b_last_seq.toLocaleString('en-US')}, a at ${r.stream_last_seq.toLocaleString('en-US')})`);
  }, 180_000);
});

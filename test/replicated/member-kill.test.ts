// Why this file exists: it pins one behaviour: SIGKILL one member (a process) while both submit. The other keeps serving and
// finishes its load; everything it acknowledged is in the stream; its state at the seq it
// stopped at equals an engine fed the stream up to there. The killed member restarts with its
// directory (its lock was freed by the kill), rejoins by replaying, and converges.

import { afterAll, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Exchange } from '../../index.js';
import { MULTI } from '../exchange/fixtures/common.js';
import { referenceHashes, spawnMember } from './fixtures/members.js';
import { delete_stream, describeCluster, need_cluster, stream_name, with_manager } from './helpers.js';

const stream = stream_name('mkill');
const dir = mkdtempSync(join(tmpdir(), 'matchlog-member-'));
afterAll(async () => {
  await delete_stream(stream);
  rmSync(dir, { recursive: true, force: true });
});

describeCluster('replicated members: kill a member under load', () => {
  it('the survivor serves on; the killed member rejoins and converges', async () => {
    const victim = spawnMember(stream, 41, 1_000_000, 0, 32, join(dir, 'a'));
    const survivor = spawnMember(stream, 42, 4_000, 0, 32, join(dir, 'b'));
    for (;;) {
      const messages = await with_manager(async (jsm) => (await jsm.streams.info(stream)).state.messages).catch(() => 0);
      if (messages >= 100) break; // a message is a batch of up to 32 commands here
      await new Promise((done) => setTimeout(done, 100));
    }
    victim.child.kill('SIGKILL');
    await expect(victim.report).rejects.toThrow(/SIGKILL/);
    const report = await survivor.report;
    expect(report.acked.length).toBe(4_000);
    expect(new Set(report.acked).size).toBe(4_000);
    const reference = await referenceHashes(stream, [report.lastSeq]);
    expect(reference.get(report.lastSeq)).toBe(report.stateHash);

    // The killed member comes back with its own directory and converges to the stream's tail.
    const back = await Exchange.open({ dir: join(dir, 'a'), instruments: MULTI, replication: { servers: [...need_cluster().servers], stream } });
    await back.caughtUp();
    const final = await referenceHashes(stream, [back.lastSeq]);
    expect(back.stateHash()).toBe(final.get(back.lastSeq));
    await back.close();
  });
});

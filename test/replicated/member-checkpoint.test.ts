// Why this file exists: it pins one behaviour: a member with a directory writes checkpoints of its engine (every checkpointEveryCommands
// records and at close) and reopens from the newest one, replaying only the stream after it —
// including what other members appended meanwhile — to the same state as an engine fed the
// whole stream. A corrupt newest checkpoint is skipped for an older one.

import { afterAll, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Exchange } from '../../index.js';
import { MULTI } from '../exchange/fixtures/common.js';
import { LoadGenerator } from '../exchange/fixtures/load.js';
import { referenceHashes } from './fixtures/members.js';
import { delete_stream, describeCluster, need_cluster, stream_name } from './helpers.js';

const stream = stream_name('mckpt');
const dir = mkdtempSync(join(tmpdir(), 'matchlog-member-ckpt-'));
afterAll(async () => {
  await delete_stream(stream);
  rmSync(dir, { recursive: true, force: true });
});

async function submitMany(member: Awaited<ReturnType<typeof openMember>>, generator: LoadGenerator, count: number): Promise<void> {
  for (let i = 0; i < count; i += 50) {
    await Promise.all(Array.from({ length: Math.min(50, count - i) }, () => member.submit(generator.next())));
  }
}

function openMember(memberDir?: string) {
  return Exchange.open({ dir: memberDir, instruments: MULTI, checkpointEveryCommands: 300, replication: { servers: [...need_cluster().servers], stream } });
}

describeCluster('replicated member checkpoints', () => {
  it('reopens from its newest checkpoint and replays only what follows', async () => {
    const mine = new LoadGenerator(51, MULTI);
    const others = new LoadGenerator(52, MULTI);
    const a = await openMember(join(dir, 'a'));
    await submitMany(a, mine, 1_000);
    expect(a.stats().checkpointsWritten).toBeGreaterThanOrEqual(3);
    await a.close(); // checkpoint at 1,000
    const files = readdirSync(join(dir, 'a', 'checkpoints'));
    expect(files.length).toBe(2); // checkpointsKept

    // Another member goes on while `a` is away.
    const b = await openMember();
    await submitMany(b, others, 400);
    await b.close();

    const again = await openMember(join(dir, 'a'));
    expect(again.stats().restoredFromSeq).toBe(1_000);
    expect(again.lastSeq).toBe(1_400);
    await submitMany(again, mine, 100);
    const tail = again.lastSeq;
    expect((await referenceHashes(stream, [tail])).get(tail)).toBe(again.stateHash());
    await again.close();

    // Corrupt the newest checkpoint: the member falls back to the older one and still converges.
    const newest = readdirSync(join(dir, 'a', 'checkpoints')).sort().at(-1)!;
    writeFileSync(join(dir, 'a', 'checkpoints', newest), 'garbage');
    const fallback = await openMember(join(dir, 'a'));
    expect(fallback.stats().restoredFromSeq).toBeLessThan(tail);
    expect(fallback.stats().restoredFromSeq).toBeGreaterThan(0);
    expect(fallback.lastSeq).toBe(tail);
    expect(fallback.stateHash()).toBe((await referenceHashes(stream, [tail])).get(tail));
    await fallback.close();
  });
});

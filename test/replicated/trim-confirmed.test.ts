// Why this file exists: it pins one behaviour: the stream is trimmed only behind the lowest checkpoint every named reader
// confirmed. A dead reader's confirmation holds trimming back until it is forgotten. Members with
// a name and a dir publish each checkpoint to the venue's object store, then confirm it and trim;
// a brand-new member joins from the newest published checkpoint, and one that needs trimmed
// records no published checkpoint covers is refused with a WalRangeError naming the seq.

import { afterAll, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Exchange, PUBLISHED_CHECKPOINTS_KEPT, WalRangeError } from '../../index.js';
import { parseCheckpoint } from '../../replay/index.js';
import { MULTI } from '../exchange/fixtures/common.js';
import { LoadGenerator } from '../exchange/fixtures/load.js';
import { delete_stream, describeCluster, need_cluster, open_log, record, stream_name } from './helpers.js';

const logStream = stream_name('trimlog');
const venue = stream_name('trimvenue');
const dir = mkdtempSync(join(tmpdir(), 'matchlog-member-trim-'));
afterAll(async () => {
  for (const stream of [logStream, `${logStream}_READERS`, venue, `${venue}_READERS`, `OBJ_${venue}_CHECKPOINTS`]) await delete_stream(stream);
  rmSync(dir, { recursive: true, force: true });
});

describeCluster('trim behind confirmed checkpoints', () => {
  it('trims to the lowest confirmation; a forgotten reader no longer holds it back', async () => {
    const log = await open_log(logStream);
    for (let i = 0; i < 60; i += 20) await Promise.all(Array.from({ length: 20 }, (_, n) => log.append(record(1, i + n))));
    expect(await log.trimConfirmed()).toBe(0);
    await log.confirm('a', 30);
    await log.confirm('b', 50);
    await log.confirm('a', 35); // a later checkpoint replaces the earlier confirmation
    expect([...(await log.confirmations())]).toEqual([
      ['a', 35],
      ['b', 50],
    ]);
    expect(await log.trimConfirmed()).toBe(35);
    expect(log.firstSeq).toBe(36);
    await log.forget('a'); // a died: the operator removes it
    expect(await log.trimConfirmed()).toBe(50);
    expect(log.firstSeq).toBe(51);
    await expect(log.confirm('c', 61)).rejects.toBeInstanceOf(WalRangeError);
    await log.close();
  });

  it('named members trim the venue behind their checkpoints; a brand-new member joins from the published one', async () => {
    const servers = [...need_cluster().servers];
    const open = (name: string) =>
      Exchange.open({ dir: join(dir, name), instruments: MULTI, checkpointEveryCommands: 200, replication: { servers, stream: venue, member: name } });
    const a = await open('a');
    const b = await open('b');
    const ga = new LoadGenerator(61, MULTI);
    const gb = new LoadGenerator(62, MULTI);
    for (let i = 0; i < 10; i++) {
      await Promise.all([
        ...Array.from({ length: 50 }, () => a.submit(ga.next())),
        ...Array.from({ length: 50 }, () => b.submit(gb.next())),
      ]);
    }
    await a.close();
    await b.close();
    const final = b.lastSeq;
    const finalHash = b.stateHash();
    const log = await open_log(venue);
    const confirmed = await log.confirmations();
    expect([...confirmed.keys()]).toEqual(['a', 'b']);
    expect(log.firstSeq).toBe(Math.min(...confirmed.values()) + 1);
    expect(log.firstSeq).toBeGreaterThan(1);
    // Every confirmed checkpoint was published first: the newest is at least the stream's head - 1.
    const published = await log.checkpoints().list();
    expect(published.length).toBeGreaterThan(0);
    expect(published.length).toBeLessThanOrEqual(PUBLISHED_CHECKPOINTS_KEPT);
    expect(published[0]).toBeGreaterThanOrEqual(log.firstSeq - 1);
    const newest = (await log.checkpoints().newest())!;
    const publishedCommands = parseCheckpoint(newest.bytes, 'published', newest.seq).header.commands;
    expect(publishedCommands).toBeGreaterThanOrEqual(newest.seq);
    await log.close();

    // A member restarting from its checkpoint replays what follows it and converges.
    const back = await open('a');
    await back.caughtUp();
    expect(back.lastSeq).toBe(final);
    expect(back.stateHash()).toBe(finalHash);
    await back.close();
    // A brand-new member (no directory at all) loads the newest published checkpoint and replays the rest.
    const fresh = await Exchange.open({ instruments: MULTI, replication: { servers, stream: venue } });
    // Published checkpoints are named by stream seq; restoredFromSeq is the command seq they hold.
    expect(fresh.stats().restoredFromSeq).toBe(publishedCommands);
    expect(fresh.lastSeq).toBe(final);
    expect(fresh.stateHash()).toBe(finalHash);
    await fresh.close();
    // A new named member with a directory keeps the published checkpoint as its own.
    const c = await open('c');
    expect(c.stats().restoredFromSeq).toBe(publishedCommands);
    expect(c.stateHash()).toBe(finalHash);
    await c.close();
    const again = await open('c');
    expect(again.stats().restoredFromSeq).toBeGreaterThanOrEqual(publishedCommands);
    expect(again.stateHash()).toBe(finalHash);
    await again.close();
  });

  it('a member that needs trimmed records no published checkpoint covers is refused, naming the seq', async () => {
    const servers = [...need_cluster().servers];
    const stream = `${venue}_BARE`;
    const log = await open_log(stream);
    const g = new LoadGenerator(63, MULTI);
    // One command per stream message, so 100 submits are 100 stream seqs to trim among.
    const writer = await Exchange.open({ instruments: MULTI, replication: { servers, stream, batchCommandsMax: 1 } });
    await Promise.all(Array.from({ length: 100 }, () => writer.submit(g.next())));
    await writer.close();
    // Trimmed by hand (no member published anything): nothing can rebuild seqs 1..50.
    await log.trim(50);
    await log.close();
    await expect(Exchange.open({ instruments: MULTI, replication: { servers, stream } })).rejects.toThrow(
      /starts at seq 51: this member needs seq 1 \(its newest checkpoint is at 0\) and no published checkpoint covers it/,
    );
    await delete_stream(stream);
  });
});

// Why this file exists: it pins one behaviour: the stream is trimmed only behind the lowest checkpoint every named reader
// confirmed. A dead reader's confirmation holds trimming back until it is forgotten. Members with
// a name and a dir confirm each checkpoint and trim; a member that needs what was trimmed (no
// checkpoint) is refused with a WalRangeError that says which seq it needs.

import { afterAll, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Exchange, WalRangeError } from '../../index.js';
import { MULTI } from '../exchange/fixtures/common.js';
import { LoadGenerator } from '../exchange/fixtures/load.js';
import { delete_stream, describeCluster, need_cluster, open_log, record, stream_name } from './helpers.js';

const logStream = stream_name('trimlog');
const venue = stream_name('trimvenue');
const dir = mkdtempSync(join(tmpdir(), 'matchlog-member-trim-'));
afterAll(async () => {
  for (const stream of [logStream, `${logStream}_READERS`, venue, `${venue}_READERS`]) await delete_stream(stream);
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

  it('named members trim the venue behind their checkpoints; a member without one is refused', async () => {
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
    await log.close();

    // A member restarting from its checkpoint replays what follows it and converges.
    const back = await open('a');
    await back.appliedThrough(await back.streamTail());
    expect(back.lastSeq).toBe(final);
    expect(back.stateHash()).toBe(finalHash);
    await back.close();
    // …but a brand-new member without a checkpoint cannot join a trimmed stream.
    await expect(Exchange.open({ instruments: MULTI, replication: { servers, stream: venue } })).rejects.toThrow(
      /starts at seq \d+: this member needs seq 1/,
    );
  });
});

// Why this file exists: `events({ fromSeq })` on a ReplicatedExchange member (issue 12: the feed
// can be resumed, on every kind of exchange). The stream is the log: old events are regenerated
// from the member's own checkpoint (or the empty engine while the stream starts at 1) plus the
// stream — including other members' records — and must equal, field for field, what a live
// subscriber of that member received, then continue live with no gap and no duplicate. After a
// reopen the member regenerates from its checkpoints again; a seq the stream or the member can no
// longer regenerate is a FeedError naming the oldest one it can.

import { afterAll, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Exchange, FeedError, type ExchangeEvent } from '../../index.js';
import { MULTI } from '../exchange/fixtures/common.js';
import { Recorder, reached, take } from '../exchange/fixtures/feed.js';
import { LoadGenerator } from '../exchange/fixtures/load.js';
import { commands_through, delete_stream, describeCluster, need_cluster, open_log, stream_name } from './helpers.js';

const stream = stream_name('feed');
const trimmed = stream_name('feedtrim');
const dir = mkdtempSync(join(tmpdir(), 'matchlog-member-feed-'));
afterAll(async () => {
  await delete_stream(stream);
  await delete_stream(trimmed);
  rmSync(dir, { recursive: true, force: true });
});

function openMember(memberDir?: string) {
  return Exchange.open({ dir: memberDir, instruments: MULTI, checkpointEveryCommands: 300, replication: { servers: [...need_cluster().servers], stream } });
}

type Member = Awaited<ReturnType<typeof openMember>>;

async function submitMany(member: Member, generator: LoadGenerator, count: number): Promise<void> {
  for (let i = 0; i < count; i += 50) {
    await Promise.all(Array.from({ length: Math.min(50, count - i) }, () => member.submit(generator.next())));
  }
}

async function regenerated(member: Member, fromSeq: number, count: number): Promise<ExchangeEvent[]> {
  const feed = member.events({ fromSeq });
  const events = await take(feed, count);
  await feed.return!();
  return events;
}

describeCluster('replicated events({ fromSeq })', () => {
  it('regenerates what a live subscriber got, from the start and from a checkpoint, then goes on live; again after a reopen', async () => {
    const mine = new LoadGenerator(61, MULTI);
    const theirs = new LoadGenerator(62, MULTI);
    const a = await openMember(join(dir, 'a'));
    const recorder = new Recorder(a.events());
    const b = await openMember();
    await Promise.all([submitMany(a, mine, 600), submitMany(b, theirs, 400)]);
    await b.close();
    await a.caughtUp();
    const tail = a.lastSeq;
    expect(tail).toBe(1_000);
    await reached(recorder, tail);
    const live = recorder.events.slice();
    expect(live.some((e) => e.type === 'rested')).toBe(true);

    // From seq 1: the stream still starts there, the empty engine regenerates everything.
    expect(await regenerated(a, 1, live.length)).toEqual(live);
    // From inside: the newest checkpoint at or before 749 (600), then the stream.
    const from750 = live.filter((e) => e.seq >= 750);
    expect(await regenerated(a, 750, from750.length)).toEqual(from750);

    // Catch up, then live: the next submits follow the regenerated events with no gap.
    const feed = a.events({ fromSeq: 990 });
    const old = live.filter((e) => e.seq >= 990);
    expect(await take(feed, old.length)).toEqual(old);
    const more = await a.submit(mine.next());
    const next = await take(feed, more.events.length);
    expect(next).toEqual(more.events.map((e) => ({ ...e, seq: more.seq, time: more.time })));
    await feed.return!();

    expect(() => a.events({ fromSeq: 0 })).toThrow(FeedError);
    await a.close();
    await recorder.done;

    // The venue trims the stream (say behind the members' confirmations) past command 500 or so
    // (a stream message holds a batch of commands): the reopened member regenerates from its
    // checkpoint at 600 or later, and says so for older seqs.
    const log = await open_log(stream);
    let cut = 1;
    while (cut < log.lastSeq && (await commands_through(stream, cut + 1)) <= 500) cut++;
    await log.trim(cut);
    await log.close();
    const trimmedThrough = await commands_through(stream, cut);
    const again = await openMember(join(dir, 'a'));
    const error = (() => {
      try {
        again.events({ fromSeq: 100 });
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(FeedError);
    expect(error).toMatchObject({ code: 'FEED_SEQ_NOT_RETAINED', fromSeq: 100 });
    const oldest = (error as FeedError).oldestSeq;
    expect(oldest).toBeGreaterThan(trimmedThrough);
    expect(oldest).toBeLessThanOrEqual(tail);
    const fromOldest = [...live, ...next].filter((e) => e.seq >= oldest);
    expect(await regenerated(again, oldest, fromOldest.length)).toEqual(fromOldest);
    await again.close();
  }, 120_000);

  it('a named member confirms no checkpoint past what a subscription catching up still reads (trimming cannot pull the stream from under it)', async () => {
    const open = () =>
      Exchange.open({
        dir: join(dir, 'named'),
        instruments: MULTI,
        checkpointEveryCommands: 200,
        // One command per stream message: the confirmations (stream seqs) below equal command seqs.
        replication: { servers: [...need_cluster().servers], stream: trimmed, member: 'named', batchCommandsMax: 1 },
      });
    const generator = new LoadGenerator(63, MULTI);
    const m = await open();
    const recorder = new Recorder(m.events());
    await submitMany(m, generator, 300);
    // The checkpoint at 200 was confirmed and the venue may have trimmed behind it: a slow reader
    // subscribes from 201 (regenerated from that checkpoint) and reads nothing yet.
    const feed = m.events({ fromSeq: 201 });
    await submitMany(m, generator, 700);
    expect(m.stats().checkpointsWritten).toBeGreaterThanOrEqual(4);
    const log = await open_log(trimmed);
    try {
      // The checkpoints are published (then confirmed): wait for the last one, give the confirm a moment.
      // (A listing of the object store can time out under load: that is "not yet", try again.)
      for (let i = 0; i < 200 && ((await log.checkpoints().newest().catch(() => null))?.seq ?? 0) < 1_000; i++) await sleep(100);
      await sleep(500);
      expect((await log.confirmations()).get('named')).toBe(200);
      await reached(recorder, m.lastSeq);
      const expected = recorder.events.filter((e) => e.seq >= 201);
      expect(await take(feed, expected.length)).toEqual(expected);
      await feed.return!();
      // Caught up: the next checkpoint is confirmed in full again, and the venue trims behind it.
      await submitMany(m, generator, 200);
      let confirmed = 0;
      for (let i = 0; i < 100 && confirmed < 1_200; i++) {
        await sleep(50);
        confirmed = (await log.confirmations()).get('named') ?? 0;
      }
      expect(confirmed).toBe(1_200);
    } finally {
      await log.close();
    }
    await m.close();
  }, 120_000);
});

// Why this file exists: it pins one behaviour: records appended to a JetStream log come back from the stream in order, with the
// sequence numbers their acks gave, through a pluggable codec; a following read sees another
// writer's records; a read below the trimmed head is refused.

import { afterAll, expect, it } from 'vitest';
import { pack, unpack } from 'msgpackr';
import { WalRangeError, type RecordCodec } from '../../wal/index.js';
import { delete_stream, describeCluster, open_log, parse_record, record, stream_name } from './helpers.js';

const created: string[] = [];
afterAll(async () => {
  for (const stream of created) await delete_stream(stream);
});

describeCluster('JetStream log round trip', () => {
  it('returns every record in append order with the acked sequence numbers', async () => {
    const stream = stream_name('rt');
    created.push(stream);
    const log = await open_log(stream);
    const seqs = await Promise.all(Array.from({ length: 2_000 }, (_, n) => log.append(record(1, n))));
    expect(seqs).toEqual(Array.from({ length: 2_000 }, (_, n) => n + 1));
    expect(log.lastSeq).toBe(2_000);
    const back: number[] = [];
    for await (const { seq, command } of log.read(1)) {
      expect(seq).toBe(back.length + 1);
      back.push(parse_record(command).n);
    }
    expect(back).toEqual(Array.from({ length: 2_000 }, (_, n) => n));
    expect(log.stats().retries).toBe(0);
    await log.close();
  });

  it('encodes and decodes through the codec option', async () => {
    const stream = stream_name('codec');
    created.push(stream);
    const codec: RecordCodec<{ id: number; side: string }> = {
      encode: (value) => pack(value),
      decode: (bytes) => unpack(bytes) as { id: number; side: string },
    };
    const log = await open_log(stream, { codec });
    await log.append({ id: 7, side: 'buy' });
    await log.append({ id: 8, side: 'sell' });
    const back = [];
    for await (const r of log.read(1)) back.push(r);
    expect(back).toEqual([
      { seq: 1, command: { id: 7, side: 'buy' } },
      { seq: 2, command: { id: 8, side: 'sell' } },
    ]);
    await log.close();
  });

  it('a following read delivers records another writer appends later, in stream order', async () => {
    const stream = stream_name('follow');
    created.push(stream);
    const reader = await open_log(stream);
    const writer = await open_log(stream);
    const abort = new AbortController();
    const seen: { seq: number; writer: number; n: number }[] = [];
    const reading = (async () => {
      for await (const { seq, command } of reader.read(1, { follow: true, signal: abort.signal })) {
        seen.push({ seq, ...parse_record(command) });
        if (seen.length === 300) abort.abort();
      }
    })();
    const mine = [];
    for (let n = 0; n < 150; n++) {
      mine.push(writer.append(record(2, n)));
      mine.push(reader.append(record(1, n)));
    }
    const acked = await Promise.all(mine);
    await reading;
    expect(seen.map((r) => r.seq)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    // Each writer's own records are in its append order, and at the seq its ack named.
    for (const w of [1, 2]) {
      const ns = seen.filter((r) => r.writer === w).map((r) => r.n);
      expect(ns).toEqual(Array.from({ length: 150 }, (_, n) => n));
    }
    for (let i = 0; i < acked.length; i++) {
      const at = seen[acked[i] - 1];
      expect(at).toEqual({ seq: acked[i], writer: i % 2 === 0 ? 2 : 1, n: i >> 1 });
    }
    await reader.close();
    await writer.close();
  });

  it('trims only behind the confirmed seq and refuses reads below the new head', async () => {
    const stream = stream_name('trim');
    created.push(stream);
    const log = await open_log(stream);
    for (let n = 0; n < 50; n++) await log.append(record(1, n));
    await expect(log.trim(51)).rejects.toBeInstanceOf(WalRangeError);
    await log.trim(20);
    expect(log.firstSeq).toBe(21);
    const back = [];
    for await (const r of log.read(21)) back.push(r.seq);
    expect(back[0]).toBe(21);
    expect(back.at(-1)).toBe(50);
    const iterator = log.read(5)[Symbol.asyncIterator]();
    await expect(iterator.next()).rejects.toBeInstanceOf(WalRangeError);
    await log.close();
  });
});

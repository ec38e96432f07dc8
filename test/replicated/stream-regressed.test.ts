// Why this file exists: a JetStream stream that goes backwards — reset by its servers to an older state, or
// deleted and recreated under a running member — no longer holds records the log acknowledged.
// Seen once in 20 soak seeds on nats-server 2.9.10 (a stream leader killed and restarted): the
// stream ended below seqs the members had acknowledged, and the members went on acknowledging. The
// log must fail closed instead: its next new record is stored at or below a seq where one of its
// earlier new records was. (A log that only reads cannot tell a reset from a lagging server's
// answer, so it is not checked.) Recreating the stream is the way to make one go back.

import { afterAll, expect, it } from 'vitest';
import { WalCorruptionError } from '../../wal/index.js';
import { delete_stream, describeCluster, open_log, record, stream_name } from './helpers.js';

const streams: string[] = [];
afterAll(async () => {
  for (const stream of streams) await delete_stream(stream);
});

describeCluster('JetStream log: a stream that went backwards', () => {
  it('refuses the append whose new record lands at a seq already seen, and every one after it', async () => {
    const stream = stream_name('regressed-append');
    streams.push(stream);
    const log = await open_log(stream);
    for (let n = 1; n <= 5; n++) expect(await log.append(record(1, n))).toBe(n);
    await delete_stream(stream);
    const other = await open_log(stream); // recreates it, empty
    expect(await other.append(record(2, 1))).toBe(1);
    expect(await other.append(record(2, 2))).toBe(2);
    await other.close();

    const refused = await log.append(record(1, 6)).then(
      () => null,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(WalCorruptionError);
    expect((refused as WalCorruptionError).message).toMatch(/went backwards: a new record was stored as seq 3, at or below seq 5, where an earlier one was/);
    await expect(log.append(record(1, 7))).rejects.toBeInstanceOf(WalCorruptionError);
    await expect(log.tail()).rejects.toBeInstanceOf(WalCorruptionError);
    const read = async (): Promise<void> => {
      for await (const _ of log.read(1)) void _;
    };
    await expect(read()).rejects.toBeInstanceOf(WalCorruptionError);
    await log.close();
  });
});

// Why this file exists: it pins what one writer's order becomes when a publish is lost while
// later ones in flight succeed (a leader change between them does exactly this): the later
// records are stored first and the lost one, re-sent with its own message id after the
// in-flight ones settle, lands after them, stored once. The stream's order is still the one
// order every member applies, so members agree; but the log does not keep the writer's call
// order. The log counts such acks (`stats().reordered`); a venue member restores its call order
// on apply (exchange/member-order.ts, test/replicated/member-order.test.ts). The loss is made
// deterministic by dropping the first attempt of one publish on the client connection; the
// ack timeout (5 s) is long enough that no other publish times out on a loaded machine.

import { afterAll, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/transport-node';
import { JetStreamLog } from '../../wal/index.js';
import { delete_stream, describeCluster, need_cluster, read_all, record, stream_name } from './helpers.js';

const stream = stream_name('retryorder');
afterAll(() => delete_stream(stream));

/** Drops the first publish whose Nats-Msg-Id ends with `.${order}` (the writer's append number). */
function dropFirstAttempt(log: JetStreamLog, order: number): void {
  const nc = (log as unknown as { nc: NatsConnection }).nc;
  const publish = nc.publish.bind(nc);
  let dropped = false;
  nc.publish = ((subject, payload, options) => {
    const id = options?.headers?.get('Nats-Msg-Id') ?? '';
    if (!dropped && id.endsWith(`.${order}`)) {
      dropped = true;
      return;
    }
    publish(subject, payload, options);
  }) as NatsConnection['publish'];
}

describeCluster('JetStream log: a lost publish among successful later ones', () => {
  it('stores the later ones first, the lost one after them, each once, and counts it', async () => {
    const log = await JetStreamLog.open({ servers: need_cluster().servers, stream, ackTimeoutMs: 5_000, inFlightMax: 64 });
    dropFirstAttempt(log, 2);
    const seqs = await Promise.all(Array.from({ length: 8 }, (_, n) => log.append(record(1, n))));
    const stats = log.stats();
    await log.close();

    // Appends 0, 1 and 3..7 were stored in call order; append 2 after all of them.
    expect(seqs[2]).toBeGreaterThan(Math.max(...seqs.filter((_, n) => n !== 2)));
    const stored = await read_all(stream);
    expect(stored.map((r) => r.n)).toEqual([0, 1, 3, 4, 5, 6, 7, 2]);
    expect(stats.retries).toBe(1);
    expect(stats.reordered).toBe(1);
  });
});

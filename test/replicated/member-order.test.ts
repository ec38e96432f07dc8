// Why this file exists: it pins the guarantee exchange/member-order.ts gives: one member's commands
// are applied in its call order even when the stream stores its publishes out of order (a
// publish lost at a leader change and re-sent after later ones, stats().log.reordered). The loss
// is made deterministic by dropping the first attempt of one batch on the member's connection:
// the later batches are stored first, every member skips them, the submitter re-publishes them
// once the lost one (re-sent after ackTimeoutMs, same message id) was applied. A `new` and its
// `cancel` submitted together are then applied new-first; every seq follows call order; a second
// member and a plain engine fed the stream under the same rule hold the same books.

import { afterAll, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/transport-node';
import { Exchange, type ExchangeCommand } from '../../index.js';
import { MULTI } from '../exchange/fixtures/common.js';
import { referenceHashes } from './fixtures/members.js';
import { delete_stream, describeCluster, need_cluster, stream_name } from './helpers.js';

const stream = stream_name('memberorder');
afterAll(() => delete_stream(stream));

/** Drops the first publish whose Nats-Msg-Id ends with `.${order}` (the member log's append number). */
function dropFirstAttempt(member: object, order: number): void {
  const nc = (member as { log: { nc: NatsConnection } }).log.nc;
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

const order = (id: string, price: number): ExchangeCommand => ({ op: 'new', id, account: 'alice', symbol: 'ACME', side: 'buy', type: 'limit', price, qty: 10 });

describeCluster('one member\'s call order across a lost publish', () => {
  it('skips batches stored ahead of a lost one, re-publishes them after it: applied in call order, once', async () => {
    const servers = [...need_cluster().servers];
    // One command per batch, so each submit is its own stream message and can race the others.
    const open = () => Exchange.open({ instruments: MULTI, replication: { servers, stream, batchCommandsMax: 1, log: { ackTimeoutMs: 2_000 } } });
    const a = await open();
    const b = await open();
    await a.submit(order('warm', 90)); // a's first batch (sent alone), append 0
    dropFirstAttempt(a, 2); // the second of the pipelined appends below is lost once
    const commands: ExchangeCommand[] = [
      order('o1', 100),
      order('o2', 101), // lost, re-sent after ackTimeoutMs
      { op: 'cancel', id: 'o2', account: 'alice' }, // stored before o2: must not be applied before it
      order('o3', 102),
      order('o4', 103),
    ];
    const results = await Promise.all(commands.map((command) => a.submit(command)));
    const seqs = results.map((r) => r.seq!);
    // Applied in call order with contiguous seqs; the cancel found its order.
    expect(seqs).toEqual([2, 3, 4, 5, 6]);
    expect(results[2].events[0]).toMatchObject({ type: 'cancelled', id: 'o2' });
    const stats = a.stats();
    expect(stats.log.retries).toBeGreaterThanOrEqual(1);
    expect(stats.log.reordered).toBeGreaterThanOrEqual(1); // the stream did store them out of order
    expect(stats.resent).toBeGreaterThanOrEqual(3); // cancel o2, o3 and o4 came back skipped
    expect(a.depth('ACME').bids.map(([price]) => price)).toEqual([103, 102, 100, 90]);

    await a.caughtUp();
    await b.caughtUp();
    expect(b.lastSeq).toBe(a.lastSeq);
    expect(b.stateHash()).toBe(a.stateHash());
    expect((await referenceHashes(stream, [a.lastSeq])).get(a.lastSeq)).toBe(a.stateHash());
    // A member joining later replays the same skips.
    const fresh = await open();
    expect(fresh.lastSeq).toBe(a.lastSeq);
    expect(fresh.stateHash()).toBe(a.stateHash());
    await Promise.all([a.close(), b.close(), fresh.close()]);
  }, 30_000);
});

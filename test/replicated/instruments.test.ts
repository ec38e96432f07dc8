// Why this file exists: addInstrument, halt and resume on a replicated venue. They are stream
// records like orders, so every member applies them in the one total order: a member sees an
// instrument another member listed, a halt another member issued rejects its orders, and a fresh
// member that joins by replaying the stream (opened with the initial instruments) converges.

import { afterAll, afterEach, expect, it } from 'vitest';
import { Exchange, RejectCode, type ReplicatedExchange } from '../../index.js';
import { MULTI, eventually } from '../exchange/fixtures/common.js';
import { NEWX } from '../exchange/fixtures/instruments-scenario.js';
import { delete_stream, describeCluster, need_cluster, stream_name } from './helpers.js';

const stream = stream_name('instruments');
afterAll(() => delete_stream(stream));

describeCluster('instrument administration on a replicated venue', () => {
  const members: ReplicatedExchange[] = [];
  const open = async (): Promise<ReplicatedExchange> => {
    const member = await Exchange.open({ instruments: MULTI, replication: { servers: [...need_cluster().servers], stream } });
    members.push(member);
    return member;
  };
  afterEach(async () => {
    for (const member of members.splice(0)) await member.close().catch(() => undefined);
  });

  it('members apply each other’s adds and halts in stream order; a fresh member converges', async () => {
    const a = await open();
    const b = await open();
    const added = await a.addInstrument(NEWX);
    expect(added.events).toEqual([{ type: 'instrument_added', symbol: 'NEWX', index: 4, spec: { ...NEWX, maxQty: 1_000_000_000 } }]);
    expect(await eventually(() => b.lastSeq >= added.seq!, 10_000)).toBe(true);
    const rested = await b.submit({ op: 'new', id: 'b1', account: 'bob', symbol: 'NEWX', side: 'buy', type: 'limit', price: 100, qty: 10 });
    expect(rested.events[0]).toMatchObject({ type: 'accepted', symbol: 'NEWX' });
    const halted = await a.halt('NEWX');
    expect(halted.events).toEqual([{ type: 'halted', symbol: 'NEWX' }]);
    expect(await eventually(() => b.lastSeq >= halted.seq!, 10_000)).toBe(true);
    expect((await b.submit({ op: 'new', id: 'b2', account: 'bob', symbol: 'NEWX', side: 'sell', type: 'limit', price: 100, qty: 10 })).events).toEqual([
      { type: 'rejected', op: 'new', id: 'b2', reason: RejectCode.INSTRUMENT_HALTED },
    ]);
    // A duplicate is refused from what the member applied; a halt of a halted instrument is sequenced.
    expect((await b.addInstrument(NEWX)).events[0]).toMatchObject({ reason: RejectCode.INSTRUMENT_EXISTS });
    expect((await b.halt('NEWX')).events).toEqual([{ type: 'rejected', op: 'halt', id: null, reason: RejectCode.ALREADY_HALTED }]);
    const last = (await a.resume('NEWX')).seq!;
    expect(await eventually(() => b.lastSeq >= last, 10_000)).toBe(true);
    expect(b.stateHash()).toBe(a.stateHash());
    const fresh = await open();
    expect(fresh.lastSeq).toBeGreaterThanOrEqual(last);
    expect(fresh.stateHash()).toBe(a.stateHash());
  }, 60_000);
});

// Why this file exists: `orderStatus(id)` (SEMANTICS.md "Order ids") lets a client that lost an
// acknowledgement find out what happened: every status of the documented set, with the filled
// and remaining quantity, the seq that created the order and the seq of its last change.

import { describe, expect, it } from 'vitest';
import { CancelReason, IMPLS, RejectCode, acmeOptions, cancel, limit, modify, run } from './harness.js';

describe.each(IMPLS)('orderStatus ($name)', (impl) => {
  it('resting, then partially_filled, then filled', () => {
    const e = impl.create(acmeOptions());
    run(e, [limit('m', 'mo', 'sell', 100, 10)]);
    expect(e.orderStatus('m')).toEqual({ id: 'm', symbol: 'ACME', status: 'resting', filledQty: 0, remainingQty: 10, createdSeq: 1, lastSeq: 1 });
    run(e, [limit('t1', 'ta', 'buy', 100, 4)]);
    expect(e.orderStatus('m')).toEqual({ id: 'm', symbol: 'ACME', status: 'partially_filled', filledQty: 4, remainingQty: 6, createdSeq: 1, lastSeq: 2 });
    expect(e.orderStatus('t1')).toEqual({ id: 't1', symbol: 'ACME', status: 'filled', filledQty: 4, remainingQty: 0, createdSeq: 2, lastSeq: 2 });
    run(e, [limit('t2', 'ta', 'buy', 100, 6)]);
    expect(e.orderStatus('m')).toEqual({ id: 'm', symbol: 'ACME', status: 'filled', filledQty: 10, remainingQty: 0, createdSeq: 1, lastSeq: 3 });
  });

  it('cancelled, with the reason', () => {
    const e = impl.create(acmeOptions());
    run(e, [limit('c', 'u', 'buy', 100, 3), modify('c', 'u', 99, 3), cancel('c', 'u'), limit('i', 'u', 'buy', 100, 2, { tif: 'IOC' })]);
    expect(e.orderStatus('c')).toEqual({ id: 'c', symbol: 'ACME', status: 'cancelled', filledQty: 0, remainingQty: 0, createdSeq: 1, lastSeq: 3, reason: CancelReason.USER });
    expect(e.orderStatus('i')).toMatchObject({ status: 'cancelled', reason: CancelReason.IOC_REMAINDER, lastSeq: 4 });
  });

  it('expired (GTT) and pending (a stop not triggered)', () => {
    const e = impl.create(acmeOptions());
    run(e, [
      limit('g', 'u', 'buy', 100, 1, { tif: 'GTT', expireTime: 20, time: 10 }),
      { op: 'new', id: 'st', account: 'u', symbol: 'ACME', side: 'buy', type: 'stop_market', stopPrice: 105, qty: 2, time: 11 },
      limit('later', 'v', 'buy', 90, 1, { time: 30 }),
    ]);
    expect(e.orderStatus('g')).toEqual({ id: 'g', symbol: 'ACME', status: 'expired', filledQty: 0, remainingQty: 0, createdSeq: 1, lastSeq: 3 });
    expect(e.orderStatus('st')).toEqual({ id: 'st', symbol: 'ACME', status: 'pending', filledQty: 0, remainingQty: 2, createdSeq: 2, lastSeq: 2 });
  });

  it('rejected, with the reject code; an id never seen is undefined', () => {
    const e = impl.create(acmeOptions());
    run(e, [limit('s', 'u', 'sell', 101, 1), limit('p', 'v', 'buy', 101, 1, { postOnly: true })]);
    expect(e.orderStatus('p')).toEqual({ id: 'p', symbol: 'ACME', status: 'rejected', filledQty: 0, remainingQty: 0, createdSeq: 2, lastSeq: 2, reason: RejectCode.POST_ONLY_WOULD_TAKE });
    expect(e.orderStatus('nope')).toBeUndefined();
  });

  it('a dead order is reported while remembered, then undefined once out of the window', () => {
    const e = impl.create(acmeOptions({ idRetentionCommands: 2 }));
    run(e, [limit('x', 'u', 'buy', 100, 1), cancel('x', 'u')]);
    expect(e.orderStatus('x')?.status).toBe('cancelled');
    run(e, [limit('y', 'u', 'buy', 90, 1)]);
    expect(e.orderStatus('x')).toBeUndefined();
  });
});

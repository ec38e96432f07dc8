// Why this file exists: cancel removes a live order of the caller's account and reports the open
// quantity it removed (USER); it refuses unknown/dead ids and other accounts' orders without
// touching state, and frees the id for reuse.

import { describe, expect, it } from 'vitest';
import {
  CancelReason,
  IMPLS,
  RejectCode,
  accepted,
  acmeOptions,
  cancel,
  cancelled,
  limit,
  rejected,
  run,
  trade,
  rested,
} from './harness.js';

describe.each(IMPLS)('cancel ($name)', (impl) => {
  it('removes a resting order and reports its open qty', () => {
    const e = impl.create(acmeOptions());
    run(e, [limit('o1', 'alice', 'buy', 100, 10)]);
    expect(run(e, [cancel('o1', 'alice')])).toEqual([[cancelled('o1', 'alice', 'buy', CancelReason.USER, 10)]]);
    expect(e.order('o1')).toBeUndefined();
    expect(e.liveOrders).toBe(0);
    expect(e.depth('ACME')).toEqual({ bids: [], asks: [] });
  });

  it('reports only the open qty of a partially filled order', () => {
    const e = impl.create(acmeOptions());
    run(e, [limit('s', 'bob', 'sell', 100, 10), limit('b', 'alice', 'buy', 100, 4)]);
    expect(run(e, [cancel('s', 'bob')])).toEqual([[cancelled('s', 'bob', 'sell', CancelReason.USER, 6)]]);
  });

  it('cancelling the middle of a FIFO keeps the others in order', () => {
    const e = impl.create(acmeOptions());
    run(e, [limit('a', 'x', 'sell', 100, 1), limit('b', 'y', 'sell', 100, 1), limit('c', 'z', 'sell', 100, 1)]);
    run(e, [cancel('b', 'y')]);
    expect(e.depth('ACME')).toEqual({ bids: [], asks: [[100, 2]] });
    const t = limit('t', 'alice', 'buy', 100, 2);
    expect(run(e, [t])[0]).toEqual([
      accepted(t),
      trade({
        price: 100,
        qty: 1,
        maker: 'a',
        taker: 't',
        makerAccount: 'x',
        takerAccount: 'alice',
        takerSide: 'buy',
        makerRemaining: 0,
        takerRemaining: 1,
      }),
      trade({
        price: 100,
        qty: 1,
        maker: 'c',
        taker: 't',
        makerAccount: 'z',
        takerAccount: 'alice',
        takerSide: 'buy',
        makerRemaining: 0,
        takerRemaining: 0,
      }),
    ]);
  });

  it('a second cancel of the same id is TOO_LATE_TO_CANCEL (the dead id is remembered)', () => {
    const e = impl.create(acmeOptions());
    run(e, [limit('o1', 'alice', 'buy', 100, 10), cancel('o1', 'alice')]);
    expect(e.apply(cancel('o1', 'alice'))).toEqual([rejected('cancel', 'o1', RejectCode.TOO_LATE_TO_CANCEL)]);
  });

  it('a filled order cannot be cancelled: TOO_LATE_TO_CANCEL, for maker and taker', () => {
    const e = impl.create(acmeOptions());
    run(e, [limit('s', 'bob', 'sell', 100, 1), limit('b', 'alice', 'buy', 100, 1)]);
    expect(e.apply(cancel('s', 'bob'))).toEqual([rejected('cancel', 's', RejectCode.TOO_LATE_TO_CANCEL)]);
    expect(e.apply(cancel('b', 'alice'))).toEqual([rejected('cancel', 'b', RejectCode.TOO_LATE_TO_CANCEL)]);
  });

  it('a dead id the engine no longer remembers is UNKNOWN_ORDER', () => {
    const e = impl.create(acmeOptions({ deadIdsPerInstrumentMax: 0 }));
    run(e, [limit('o1', 'alice', 'buy', 100, 10), cancel('o1', 'alice')]);
    expect(e.apply(cancel('o1', 'alice'))).toEqual([rejected('cancel', 'o1', RejectCode.UNKNOWN_ORDER)]);
  });

  it('another account cannot cancel it (NOT_OWNER), state unchanged', () => {
    const e = impl.create(acmeOptions());
    run(e, [limit('o1', 'alice', 'buy', 100, 10)]);
    const before = e.stateHash();
    expect(e.apply(cancel('o1', 'mallory'))).toEqual([rejected('cancel', 'o1', RejectCode.NOT_OWNER)]);
    expect(e.stateHash()).toBe(before);
    expect(e.order('o1')?.qty).toBe(10);
  });

  it('ignores a symbol field, even a wrong one (the order knows its instrument)', () => {
    const e = impl.create(acmeOptions());
    run(e, [limit('o1', 'alice', 'sell', 100, 10)]);
    const cmd = { ...cancel('o1', 'alice'), symbol: 'WIDE', price: 'garbage' };
    expect(e.apply(cmd)).toEqual([cancelled('o1', 'alice', 'sell', CancelReason.USER, 10)]);
  });

  it('a cancelled id can be reused by a new order once it is no longer remembered (SEMANTICS.md "Order ids")', () => {
    const e = impl.create(acmeOptions({ idsRememberedPerInstrumentMax: 0 }));
    run(e, [limit('o1', 'alice', 'buy', 100, 10), cancel('o1', 'alice')]);
    const again = limit('o1', 'bob', 'sell', 200, 3);
    expect(run(e, [again])).toEqual([[accepted(again), rested(again)]]);
    expect(e.order('o1')?.account).toBe('bob');
  });

  it("ids compare with ===: cancelling '1' does not cancel 1", () => {
    const e = impl.create(acmeOptions());
    run(e, [limit(1, 'alice', 'buy', 100, 10)]);
    expect(e.apply(cancel('1', 'alice'))).toEqual([rejected('cancel', '1', RejectCode.UNKNOWN_ORDER)]);
    expect(e.apply(cancel(1, 'alice'))).toEqual([cancelled(1, 'alice', 'buy', CancelReason.USER, 10)]);
  });
});

// Why this file exists: the dead-id memory (SEMANTICS.md "Dead ids"): a cancel or modify of an
// order that already filled, was cancelled or expired answers TOO_LATE_TO_CANCEL (not
// UNKNOWN_ORDER) while its instrument remembers the id; memory is bounded per instrument (oldest
// forgotten first), survives snapshot and restore, and a dead id may be reused.

import { describe, expect, it } from 'vitest';
import {
  CancelReason,
  IMPLS,
  RejectCode,
  acmeOptions,
  cancel,
  cancelled,
  limit,
  modify,
  rejected,
  run,
} from './harness.js';

describe.each(IMPLS)('dead ids ($name)', (impl) => {
  it('are bounded per instrument: the oldest is forgotten first', () => {
    const e = impl.create(acmeOptions({ deadIdsPerInstrumentMax: 2 }));
    for (const id of ['a', 'b', 'c']) run(e, [limit(id, 'u', 'buy', 100, 1), cancel(id, 'u')]);
    run(e, [limit('w', 'u', 'buy', 500, 10, { symbol: 'WIDE' }), cancel('w', 'u')]);
    expect(e.apply(cancel('a', 'u'))).toEqual([rejected('cancel', 'a', RejectCode.UNKNOWN_ORDER)]);
    expect(e.apply(cancel('b', 'u'))).toEqual([rejected('cancel', 'b', RejectCode.TOO_LATE_TO_CANCEL)]);
    expect(e.apply(cancel('c', 'u'))).toEqual([rejected('cancel', 'c', RejectCode.TOO_LATE_TO_CANCEL)]);
    // WIDE's death did not evict ACME's entries, and is remembered in its own ring.
    expect(e.apply(cancel('w', 'u'))).toEqual([rejected('cancel', 'w', RejectCode.TOO_LATE_TO_CANCEL)]);
  });

  it('modify of a dead order is TOO_LATE_TO_CANCEL too', () => {
    const e = impl.create(acmeOptions());
    run(e, [limit('s', 'sid', 'sell', 100, 1), limit('b', 'bo', 'buy', 100, 1)]);
    expect(e.apply(modify('s', 'sid', 101, 1))).toEqual([rejected('modify', 's', RejectCode.TOO_LATE_TO_CANCEL)]);
  });

  it('a dead id may be reused once out of its window; once it dies again it is remembered again', () => {
    const e = impl.create(acmeOptions({ idRetentionCommands: 3 }));
    run(e, [limit('x', 'u', 'buy', 100, 1), cancel('x', 'u'), limit('y', 'u', 'buy', 100, 1), limit('x', 'v', 'sell', 101, 2)]);
    expect(e.apply(cancel('x', 'v'))).toEqual([cancelled('x', 'v', 'sell', CancelReason.USER, 2)]);
    expect(e.apply(cancel('x', 'v'))).toEqual([rejected('cancel', 'x', RejectCode.TOO_LATE_TO_CANCEL)]);
  });

  it('survive snapshot and restore', () => {
    const e = impl.create(acmeOptions());
    run(e, [limit('x', 'u', 'buy', 100, 1), cancel('x', 'u')]);
    const restored = impl.restore(e.snapshot());
    expect(restored.stateHash()).toBe(e.stateHash());
    expect(restored.apply(cancel('x', 'u'))).toEqual([rejected('cancel', 'x', RejectCode.TOO_LATE_TO_CANCEL)]);
  });
});

// Why this file exists: the call-order rule every member applies to a replicated stream
// (exchange/member-order.ts) must be a pure function of the stream: the same batches admitted and
// skipped on every member, after a restore from a checkpoint's saved table too, and bounded.

import { describe, expect, it } from 'vitest';
import { MEMBERS_TRACKED_MAX, MemberOrder } from '../../exchange/index.js';

describe('member order', () => {
  it('admits a submitter\'s batches only in counter order; a gap or an old copy is skipped', () => {
    const order = new MemberOrder();
    expect(order.admit('a', 0, 3, 1)).toBe(true); // unknown submitter: admitted, expects 3
    expect(order.admit('a', 5, 2, 2)).toBe(false); // 3..4 missing: skipped
    expect(order.admit('b', 0, 1, 3)).toBe(true); // another submitter is independent
    expect(order.admit('a', 3, 2, 4)).toBe(true); // the missing batch
    expect(order.admit('a', 5, 2, 5)).toBe(true); // re-published after it
    expect(order.admit('a', 3, 2, 6)).toBe(false); // an old copy
    expect(order.expected('a')).toBe(7);
    expect(order.expected('b')).toBe(1);
  });

  it('a restored table decides exactly as the one it was saved from', () => {
    const order = new MemberOrder();
    order.admit('m2', 0, 4, 1);
    order.admit('m1', 0, 1, 2);
    const saved = order.save();
    expect(saved).toEqual([
      ['m1', 1, 2],
      ['m2', 4, 1],
    ]);
    const restored = MemberOrder.load(saved);
    for (const [id, n] of [['m1', 2], ['m2', 4], ['m1', 1]] as const) {
      expect(restored.admit(id, n, 1, 9)).toBe(order.admit(id, n, 1, 9));
    }
    expect(MemberOrder.load(undefined).size).toBe(0);
  });

  it('keeps MEMBERS_TRACKED_MAX submitters, dropping the least recently active', () => {
    const order = new MemberOrder();
    for (let i = 0; i < MEMBERS_TRACKED_MAX; i++) order.admit(`m${i}`, 0, 1, i + 1);
    order.admit('m0', 1, 1, MEMBERS_TRACKED_MAX + 1); // m0 active again: m1 is now the oldest
    order.admit('new', 0, 1, MEMBERS_TRACKED_MAX + 2);
    expect(order.size).toBe(MEMBERS_TRACKED_MAX);
    expect(order.expected('m1')).toBeUndefined();
    expect(order.expected('m0')).toBe(2);
    // The saved table fits a checkpoint header (64 KiB of JSON) with nuid-long ids.
    const long = new MemberOrder();
    for (let i = 0; i < MEMBERS_TRACKED_MAX; i++) long.admit(`${'X'.repeat(16)}${String(i).padStart(6, '0')}`, 2 ** 40, 1, 2 ** 45 + i);
    expect(JSON.stringify(long.save()).length).toBeLessThan(48 * 1024);
  });
});

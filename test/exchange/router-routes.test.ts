// Why this file exists: the router's id → route table moved from a Map to the engine's typed-array
// id index with routes by slot and a free list of slots (exchange/router.ts). What it answers
// must not change: a live id's worker, a duplicate sent to the original's worker, a route dropped only by
// an outcome at or after its last routed command, string and integer ids alike, slots reused.

import { describe, expect, it } from 'vitest';
import { Router } from '../../exchange/router.js';

const LIMITS = { perInstrumentMax: 1_000, retentionCommands: 0, retentionMs: 0, full: 'reject' as const };

describe('router: the id → route table', () => {
  it('routes live ids to their worker, refuses a live duplicate, forgets dead ids, for string and integer ids', () => {
    const router = new Router([0, 1], LIMITS);
    const ids: Array<string | number> = ['a-1', 7, 'b-22', 2 ** 40 + 3, ''];
    ids.forEach((id, i) => {
      const shard = i % 2;
      expect(router.decide('new', id, shard, i + 1, 1_000, shard)).toBe(shard);
      router.routed('new', id, shard, i + 1, 1_000, shard);
    });
    expect(router.size).toBe(ids.length);
    ids.forEach((id, i) => {
      expect(router.has(id)).toBe(true);
      expect(router.decide('cancel', id, 0, 100, 1_000)).toBe(i % 2);
      // A remembered id goes to its original instrument's worker, which rejects it (logged).
      expect(router.decide('new', id, 0, 100, 1_000, 0)).toBe(i % 2);
    });
    // A cancel of 'a-1' is routed at seq 10: an outcome of seq 5 does not kill the route, 10 does.
    router.routed('cancel', 'a-1', 0, 10, 1_000);
    router.dead('a-1', 5);
    expect(router.has('a-1')).toBe(true);
    router.dead('a-1', 10);
    expect(router.has('a-1')).toBe(false);
    expect(router.decide('cancel', 'a-1', 0, 11, 1_000)).toBe(0);
    for (const id of ids) router.dead(id, 50);
    expect(router.size).toBe(0);
  });

  it('reuses slots: many ids live and dying keep every answer exact', () => {
    const router = new Router([0, 1, 2], { ...LIMITS, perInstrumentMax: 100_000 });
    const live = new Map<string | number, number>();
    let seq = 0;
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < 500; i++) {
        const id = (round * 500 + i) % 3 === 0 ? `s${round}-${i}` : round * 500 + i;
        const shard = i % 3;
        seq++;
        router.routed('new', id, shard, seq, 1_000, shard);
        live.set(id, shard);
      }
      // Kill two thirds of what is live.
      let k = 0;
      for (const id of [...live.keys()]) {
        if (k++ % 3 !== 0) {
          router.dead(id, seq);
          live.delete(id);
        }
      }
      expect(router.size).toBe(live.size);
    }
    for (const [id, shard] of live) expect(router.decide('modify', id, 0, seq + 1, 1_000)).toBe(shard);
  });
});

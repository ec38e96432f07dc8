// Why this file exists: good-till-time orders expire when a command on their instrument carries a
// time at or past their expireTime (the engine has no clock). Checking that must cost nothing for
// the commands of instruments without GTT orders and one comparison for the others, so each
// instrument keeps its GTT ids sorted by (expireTime, id) — the expiry order of SEMANTICS.md — and
// the engine compares the command's time with the head. Entries of orders that died otherwise are
// skipped when they reach the head (lazy deletion) and compacted away when they pile up.

import type { OrderId } from './types.js';

/** SEMANTICS.md tie-break: numbers before strings, numbers ascending, strings by UTF-16 code units. */
export function compareIds(a: OrderId, b: OrderId): number {
  if (typeof a === 'number') return typeof b === 'number' ? a - b : -1;
  if (typeof b === 'number') return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Compaction threshold: stale entries beyond this many (and beyond the live ones) are dropped. */
const STALE_SLACK = 1024;

export class ExpiryQueue {
  private times: number[] = [];
  private ids: OrderId[] = [];
  /** Live GTT orders of this instrument (entries beyond it are stale). */
  live = 0;

  /** Earliest expireTime held (possibly stale), or Infinity. */
  get next(): number {
    return this.times.length > 0 ? this.times[0] : Infinity;
  }

  add(expireTime: number, id: OrderId): void {
    const times = this.times;
    const ids = this.ids;
    let lo = 0;
    let hi = times.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (times[mid] < expireTime || (times[mid] === expireTime && compareIds(ids[mid], id) <= 0)) lo = mid + 1;
      else hi = mid;
    }
    times.splice(lo, 0, expireTime);
    ids.splice(lo, 0, id);
    this.live++;
  }

  /**
   * Removes and returns, in expiry order, the ids whose expireTime is ≤ `time` (possibly stale:
   * the caller checks each is still a live GTT order of this instrument with that expiry).
   */
  takeDue(time: number, outIds: OrderId[], outTimes: number[]): void {
    const times = this.times;
    let n = 0;
    while (n < times.length && times[n] <= time) {
      outIds.push(this.ids[n]);
      outTimes.push(times[n]);
      n++;
    }
    if (n > 0) {
      times.splice(0, n);
      this.ids.splice(0, n);
    }
  }

  /** A GTT order of this instrument died; compacts when stale entries pile up. */
  died(isLive: (id: OrderId, expireTime: number) => boolean): void {
    this.live--;
    if (this.times.length <= 2 * this.live + STALE_SLACK) return;
    const times: number[] = [];
    const ids: OrderId[] = [];
    for (let i = 0; i < this.times.length; i++) {
      if (isLive(this.ids[i], this.times[i])) {
        times.push(this.times[i]);
        ids.push(this.ids[i]);
      }
    }
    this.times = times;
    this.ids = ids;
  }

  clear(): void {
    this.times = [];
    this.ids = [];
    this.live = 0;
  }
}

// Why this file exists: resting orders store their account as a small integer, so account names are
// interned. The table used to only grow: 200,000 one-shot accounts grew an empty book's snapshot
// from 256 B to 2.3 MB (issue 11). Now every entry carries a reference count — the number of
// live orders that hold it — and is released when that reaches zero, so memory and snapshots are
// bounded by the accounts that have live orders, not by every account ever seen.
// Freed indexes go on a LIFO free list and are reused in that order, which is deterministic for
// a given command history; snapshots carry the free list so a restored engine reuses the same
// ones. Indexes are never observable (events and the state hash use names).
// Name → index is a JS Map (fifth pass of issue 11; was the typed-array table of engine/id-index.ts,
// which hashed the name with a JS loop on every `new`: ~5% of `mixed` apply with 1,000 accounts).
// V8 keeps a string's hash in the string itself, so a venue's session table of account strings is
// hashed once, and a fresh string is hashed natively. The Map holds only accounts with live orders
// (entries are deleted on release), so it is bounded like the rest of the table; nothing iterates it.

import { assert } from './assert.js';
import { growI32, NIL } from './order-pool.js';

const INITIAL_ACCOUNTS = 64;

export class AccountTable {
  /** Index → name; null for free indexes. Shared with the lookup table, which compares against it. */
  readonly names: Array<string | null> = [];
  /** Name → index of the accounts with live orders. */
  private readonly lookup = new Map<string, number>();
  /** Index → number of live orders holding it. */
  refs: Int32Array = new Int32Array(INITIAL_ACCOUNTS);
  /** Free indexes chained through `nextFree`, most recently freed first. */
  private nextFree: Int32Array = new Int32Array(INITIAL_ACCOUNTS);
  private freeHead = NIL;
  private live = 0;

  /** The last name resolved and its index: consecutive orders often share an account. */
  private lastName = '';
  private lastIndex = NIL;

  /** Accounts with at least one live order. */
  get size(): number {
    return this.live;
  }

  /** Indexes handed out at least once (the length of `names`). */
  get highWater(): number {
    return this.names.length;
  }

  /** Index of `name` if it has live orders, else -1. Allocation-free. */
  find(name: string): number {
    if (name === this.lastName) return this.lastIndex;
    const index = this.lookup.get(name);
    return index === undefined ? NIL : index;
  }

  /** Index of `name` with one more reference (a new live order), adding it when absent. */
  acquire(name: string): number {
    let index = this.find(name);
    if (index === NIL) index = this.add(name);
    this.lastName = name;
    this.lastIndex = index;
    this.refs[index]++;
    return index;
  }

  /** Drops one reference (a live order died); the entry is freed when none are left. */
  release(index: number): void {
    assert(this.refs[index] > 0, 'releasing an account with no live orders');
    if (--this.refs[index] !== 0) return;
    this.lookup.delete(this.names[index] as string);
    this.names[index] = null;
    if (index === this.lastIndex) {
      this.lastName = '';
      this.lastIndex = NIL;
    }
    this.nextFree[index] = this.freeHead;
    this.freeHead = index;
    this.live--;
  }

  /** Free indexes in reuse order (for snapshots). */
  freeList(): number[] {
    const list: number[] = [];
    // Bounded: the chain holds at most highWater entries.
    for (let i = this.freeHead; i !== NIL && list.length <= this.names.length; i = this.nextFree[i]) list.push(i);
    return list;
  }

  /**
   * Rebuilds the table from a snapshot: `names` (null = free), the free list in reuse order and
   * each index's reference count (counted from the live orders). Returns a reason when they do
   * not fit together, else null.
   */
  load(names: ReadonlyArray<string | null>, free: readonly number[], refs: Int32Array): string | null {
    this.ensure(names.length);
    let live = 0;
    for (let i = 0; i < names.length; i++) {
      const name = names[i];
      if (name === null) {
        this.names[i] = null;
        if (refs[i] !== 0) return `free account index ${i} is held by live orders`;
        continue;
      }
      if (typeof name !== 'string' || name.length === 0 || this.lookup.has(name)) return `bad or repeated account at index ${i}`;
      if (refs[i] === 0) return `account ${i} has no live orders`;
      this.lookup.set(name, i);
      this.names[i] = name;
      this.refs[i] = refs[i];
      live++;
    }
    if (free.length !== names.length - live) return 'free account list does not match the free indexes';
    const seen = new Set<number>();
    for (const index of free) {
      if (!Number.isInteger(index) || index < 0 || index >= names.length || names[index] !== null || seen.has(index)) {
        return 'bad free account list';
      }
      seen.add(index);
    }
    for (let k = free.length - 1; k >= 0; k--) {
      this.nextFree[free[k]] = this.freeHead;
      this.freeHead = free[k];
    }
    this.live = live;
    return null;
  }

  /** Bytes of the typed arrays and (estimated) of the lookup Map. */
  memoryBytes(): number {
    // A Map entry is ~3 words in V8's OrderedHashMap (key, value, chain) plus its bucket.
    return this.refs.byteLength + this.nextFree.byteLength + this.lookup.size * 32 + this.names.length * 8;
  }

  private add(name: string): number {
    let index = this.freeHead;
    if (index !== NIL) {
      this.freeHead = this.nextFree[index];
    } else {
      index = this.names.length;
      this.ensure(index + 1);
    }
    this.lookup.set(name, index);
    this.names[index] = name;
    this.live++;
    return index;
  }

  private ensure(length: number): void {
    if (length <= this.refs.length) return;
    let capacity = this.refs.length;
    while (capacity < length) capacity *= 2;
    this.refs = growI32(this.refs, capacity);
    this.nextFree = growI32(this.nextFree, capacity);
  }
}

// Why this file exists: one member's publishes can land in the stream out of the order it made
// them. A publish lost at a leader change is re-sent (same message id) after later ones, already
// in flight, were stored (measured: test/replicated/retry-order.test.ts; stats().log.reordered).
// The client cannot prevent it (the later ones were sent before the loss was known; nats-server
// 2.9 has no conditional publish that fits many writers with publishes in flight), so the rule
// is enforced where the order is used: on apply, by every member alike.
//
// The rule: each batch carries its submitter's id and the counter n of its first command (its
// commands are n, n+1, ...). A batch is applied only when its first n is the next one expected
// from that submitter; otherwise every member skips it (a gap: an earlier batch of that member
// is missing; or an old copy: already applied). The submitter, applying the same stream, sees its
// batch skipped and re-publishes it (a new message id) once the batch before it was applied. So
// one member's commands are applied in exactly its call order, each once, and a reorder costs a
// re-send, never a reject. Skipped messages use a stream seq but no command seq.
//
// The table is replicated state (a function of the stream alone) and travels in checkpoints. It
// is bounded: MEMBERS_TRACKED_MAX submitters, the least recently active dropped first (by stream
// seq: deterministic). A submitter not in the table is admitted at whatever n it sends; a member
// therefore sends its first batch alone and pipelines only after it was applied, so its entry
// exists before two of its batches can race. Single-command records of earlier builds (no
// batches) are applied as before, without the rule, so old streams replay as they were applied.

import type { MemberRecordDecoder } from './member-record.js';

/**
 * Submitters the table remembers at most (a member id is one open of one member). Bounded by the
 * checkpoint header (64 KiB of JSON): ~55 bytes an entry.
 */
export const MEMBERS_TRACKED_MAX = 512;

/** One submitter's entry: the next counter expected, and the stream seq of its last applied batch. */
export type MemberOrderEntry = [memberId: string, nextN: number, lastStreamSeq: number];

export class MemberOrder {
  private readonly next = new Map<string, number>();
  private readonly last = new Map<string, number>();

  /** Restores a table saved by `save` (a checkpoint's `members`); undefined: an empty table. */
  static load(entries: readonly MemberOrderEntry[] | undefined): MemberOrder {
    const order = new MemberOrder();
    for (const [id, nextN, lastStreamSeq] of entries ?? []) {
      order.next.set(id, nextN);
      order.last.set(id, lastStreamSeq);
    }
    return order;
  }

  /**
   * Whether the batch of `count` commands from `memberId` starting at `firstN`, at `streamSeq`,
   * is applied (and the table advanced) or skipped by every member.
   */
  admit(memberId: string, firstN: number, count: number, streamSeq: number): boolean {
    const expected = this.next.get(memberId);
    if (expected !== undefined && expected !== firstN) return false;
    if (expected === undefined && this.next.size >= MEMBERS_TRACKED_MAX) this.evictOldest();
    this.next.set(memberId, firstN + count);
    this.last.set(memberId, streamSeq);
    return true;
  }

  /** The next counter expected from `memberId` (undefined: not tracked). */
  expected(memberId: string): number | undefined {
    return this.next.get(memberId);
  }

  get size(): number {
    return this.next.size;
  }

  /** The table as plain data, sorted by member id (for a checkpoint header). */
  save(): MemberOrderEntry[] {
    return [...this.next.keys()].sort().map((id) => [id, this.next.get(id)!, this.last.get(id)!]);
  }

  private evictOldest(): void {
    let oldest: string | null = null;
    let oldestSeq = Number.POSITIVE_INFINITY;
    for (const [id, seq] of this.last) {
      if (seq < oldestSeq) {
        oldestSeq = seq;
        oldest = id;
      }
    }
    if (oldest !== null) {
      this.next.delete(oldest);
      this.last.delete(oldest);
    }
  }
}

/**
 * Begins decoding the stream message at `streamSeq` and returns how many of its commands apply:
 * all of them, or 0 when the rule skips the batch. Every reader of a member stream (members,
 * feed regeneration, reference replays) goes through this one function.
 */
export function admitMessage(decoder: MemberRecordDecoder, order: MemberOrder, message: Uint8Array, streamSeq: number): number {
  const count = decoder.begin(message, streamSeq);
  if (!decoder.batched) return count;
  return order.admit(decoder.memberId, decoder.firstN, count, streamSeq) ? count : 0;
}

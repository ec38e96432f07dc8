// Why this file exists: `exchange.events({ fromSeq })`, the replayable execution feed. A drop-copy
// consumer that crashed, or overflowed, resumes from its last seq + 1 and gets exactly the events
// it would have seen live, in order, then the live ones, with no gap and no duplicate at the
// hand-over. Old events are regenerated from a checkpoint plus the log (feed-replay.ts), not stored
// twice. This file owns where regeneration may start (the oldest retained seq), the hand-over
// between catching up and live, and which checkpoints and log records retention keeps.
//
// The hand-over: the subscription joins the live subscribers synchronously, at a moment when every
// command up to the live point L (the last one acknowledged) has been published and none after it.
// Regeneration covers [fromSeq, L] and the live events (seq > L) wait in a buffer meanwhile, bounded
// by `eventsBacklogMax` (past it: EventsOverflowError, as for a live subscriber): the catch-up mode
// of the one bounded EventStream (event-stream.ts). Both run on the one thread that acknowledges,
// so nothing can slip between them.
//
// Limits: FEED_CATCH_UPS_MAX subscriptions catching up at once (each holds an engine and a replay's
// digest ring, ~1 MiB at the default pendingMax, plus the books); FEED_STEP_RECORDS records regenerated per event-loop turn,
// and only while the reader waits for more (a slow reader slows regeneration, it does not buffer it).

import { Engine, type EngineOptions } from '../engine/index.js';
import { CheckpointStore, initialDigest } from '../replay/index.js';
import type { WriteAheadLog } from '../wal/index.js';
import { EventStream } from './event-stream.js';
import { FeedReplay, type FeedStart } from './feed-replay.js';
import type { FeedRetention } from './feed-retention.js';

/** Subscriptions regenerating old events at once; one more is refused with FEED_CATCH_UPS_FULL. */
export const FEED_CATCH_UPS_MAX = 16;
/**
 * Checkpoints kept inside a retention window (besides recovery's newest `checkpointsKept` and the
 * one the window starts from): the window's start moves onto them, so what is kept beyond the
 * window is at most window / 8 plus one checkpoint interval.
 */
export const FEED_WINDOW_CHECKPOINTS_MAX = 16;
/** Records regenerated per event-loop turn (≈1-3 ms of replay): other work is not starved. */
export const FEED_STEP_RECORDS = 4096;

/** A subscription of `events()`: the bounded EventStream, in its catch-up mode when fromSeq is old. */
export type FeedStream = EventStream;

export type FeedErrorCode =
  /** fromSeq is older than the oldest retained seq (`oldestSeq`). */
  | 'FEED_SEQ_NOT_RETAINED'
  /** fromSeq is not an integer ≥ 1. */
  | 'FEED_SEQ_INVALID'
  /** FEED_CATCH_UPS_MAX subscriptions are already regenerating old events. */
  | 'FEED_CATCH_UPS_FULL';

/** `events({ fromSeq })` cannot start there. `oldestSeq` is the oldest seq it can start from now. */
export class FeedError extends Error {
  override readonly name = 'FeedError';
  constructor(
    readonly code: FeedErrorCode,
    readonly fromSeq: unknown,
    readonly oldestSeq: number,
    message: string,
  ) {
    super(message);
  }
}

/** Options of `exchange.events()`. */
export interface EventsOptions {
  /**
   * First seq wanted. Omitted: from now. At or before the live point: its events are
   * regenerated from the log, then the subscription goes on live. Older than retained: FeedError.
   */
  fromSeq?: number;
}

/** What keeps the log and the checkpoints after a checkpoint was written. */
export interface RetentionPlan {
  /** Reclaim the log up to here (0: nothing). */
  reclaimUpto: number;
  /** Checkpoints to delete (retention keeps them otherwise; with no retention bound the backup prunes). */
  remove: number[];
}

export class Feed {
  private readonly catchUps = new Set<EventStream>();

  constructor(
    private readonly wal: WriteAheadLog<Uint8Array>,
    private readonly store: CheckpointStore | null,
    /** The configuration at seq 0 (matchlog.json): replay from the start adds the rest from the log. */
    private readonly engineOptions: EngineOptions,
    readonly retention: FeedRetention | null,
    private readonly checkpointsKept: number,
    private readonly pendingMax: number,
  ) {}

  /** The oldest seq a subscription can start from, when `livePoint` is the last published command. */
  oldestSeq(livePoint: number): number {
    const wal = this.wal;
    if (wal.durability === 'memory') return livePoint + 1;
    const first = wal.firstSeq;
    if (first <= 1) return 1;
    let oldest = livePoint + 1;
    for (const seq of this.store?.list() ?? []) if (seq >= first - 1 && seq < oldest) oldest = seq + 1;
    return oldest;
  }

  /** Lowest seq a catching-up subscription still has to read (the log is not reclaimed past it). */
  get readFloor(): number {
    let floor = Number.POSITIVE_INFINITY;
    for (const stream of this.catchUps) floor = Math.min(floor, stream.readingSeq);
    return floor;
  }

  /** Subscriptions regenerating old events now. */
  get catchingUp(): number {
    return this.catchUps.size;
  }

  /**
   * A subscription from `fromSeq` (omitted: from now). Throws FeedError (nothing subscribed) when
   * fromSeq is invalid, not retained, or too many subscriptions are catching up.
   */
  subscribe(fromSeq: number | undefined, livePoint: number, backlogMax: number, onDetach: (stream: EventStream) => void): FeedStream {
    if (fromSeq === undefined || fromSeq > livePoint) {
      if (fromSeq !== undefined && !Number.isSafeInteger(fromSeq)) throw this.invalid(fromSeq, livePoint);
      return new EventStream(backlogMax, onDetach, null, fromSeq ?? livePoint + 1);
    }
    if (!Number.isSafeInteger(fromSeq) || fromSeq < 1) throw this.invalid(fromSeq, livePoint);
    const oldest = this.oldestSeq(livePoint);
    if (fromSeq < oldest) {
      throw new FeedError(
        'FEED_SEQ_NOT_RETAINED',
        fromSeq,
        oldest,
        `events from seq ${fromSeq} are no longer retained: the oldest retained seq is ${oldest} (raise feedRetentionCommands, feedRetentionBytes or feedRetentionMs to keep more)`,
      );
    }
    if (this.catchUps.size >= FEED_CATCH_UPS_MAX) {
      throw new FeedError(
        'FEED_CATCH_UPS_FULL',
        fromSeq,
        oldest,
        `${FEED_CATCH_UPS_MAX} subscriptions are already regenerating old events (FEED_CATCH_UPS_MAX); retry when one caught up`,
      );
    }
    const replay = new FeedReplay(this.startAt(fromSeq, oldest), fromSeq, livePoint, this.wal, this.pendingMax);
    const catchUp = { source: replay, recordsPerStep: FEED_STEP_RECORDS, onOver: (s: EventStream) => this.catchUps.delete(s) };
    const stream = new EventStream(backlogMax, onDetach, catchUp, fromSeq);
    this.catchUps.add(stream);
    return stream;
  }

  /**
   * After a checkpoint (`kept`: the checkpoints present, newest first): the log is kept back to the
   * oldest of recovery's newest `checkpointsKept` and to the newest checkpoint at or before the
   * retention window's start, and never past what a catching-up subscription still reads.
   */
  plan(kept: readonly number[], lastSeq: number, nowMs: number): RetentionPlan {
    if (kept.length === 0) return { reclaimUpto: 0, remove: [] };
    const recoveryOldest = kept[Math.min(this.checkpointsKept, kept.length) - 1];
    let keepSeq = recoveryOldest;
    const remove: number[] = [];
    const retention = this.retention;
    if (retention !== null) {
      // What the log no longer holds cannot be retained (retention raised on reopen).
      const first = this.wal.firstSeq;
      const windowStart = Math.max(retention.windowStart(lastSeq, nowMs), first);
      // The newest checkpoint to regenerate the window's first seq from. None: a log that still
      // starts at 1 regenerates from the empty engine (keep it all); otherwise keep the oldest.
      let anchor: number | undefined = kept.find((seq) => seq <= windowStart - 1);
      if (anchor === undefined && first > 1) anchor = kept[kept.length - 1];
      keepSeq = anchor === undefined ? 0 : Math.min(keepSeq, anchor);
      // Checkpoints inside the window become the anchor as the window moves on: keep a few, so
      // that consecutive ones kept are at most `spacing` apart where the checkpoints written allow
      // it. One is dropped only if the next still lies within `spacing` of the last one kept, so any
      // two kept in a row span more than `spacing`: at most FEED_WINDOW_CHECKPOINTS_MAX in the
      // window, and what is kept beyond it is at most one spacing (window / 8) plus one interval.
      const spacing = Math.max(1, Math.ceil((lastSeq - windowStart + 1) / (FEED_WINDOW_CHECKPOINTS_MAX / 2)));
      let previous = anchor ?? Number.NEGATIVE_INFINITY;
      // Ascending; the newest checkpointsKept are recovery's and always stay.
      for (let i = kept.length - 1; i >= this.checkpointsKept; i--) {
        const seq = kept[i];
        if (seq === anchor) continue;
        if (anchor !== undefined && seq < anchor) remove.push(seq);
        else if (previous !== Number.NEGATIVE_INFINITY && i > 0 && kept[i - 1] - previous <= spacing) remove.push(seq);
        else previous = seq;
      }
    }
    const reclaimUpto = Math.max(0, Math.min(keepSeq, this.readFloor - 1));
    retention?.forget(reclaimUpto + 1);
    return { reclaimUpto, remove };
  }

  private invalid(fromSeq: unknown, livePoint: number): FeedError {
    return new FeedError('FEED_SEQ_INVALID', fromSeq, this.oldestSeq(livePoint), `events: fromSeq must be an integer >= 1 (got ${String(fromSeq)})`);
  }

  /** The newest readable checkpoint at or before fromSeq - 1 that the log continues, else the empty engine at 0. */
  private startAt(fromSeq: number, oldest: number): FeedStart {
    const first = this.wal.firstSeq;
    for (const seq of this.store?.list() ?? []) {
      if (seq > fromSeq - 1 || seq < first - 1) continue;
      try {
        // Read at once, on the thread that prunes: the backup thread may prune it a moment later.
        const checkpoint = this.store!.read(seq);
        const engine = Engine.restore(checkpoint.snapshot);
        return { engine, seq, commands: checkpoint.header.commands, digest: checkpoint.header.digest };
      } catch {
        // Pruned since it was listed, or damaged: an older one may do.
      }
    }
    if (first <= 1) return { engine: new Engine(this.engineOptions), seq: 0, commands: 0, digest: initialDigest() };
    throw new FeedError('FEED_SEQ_NOT_RETAINED', fromSeq, oldest, `no readable checkpoint at or before seq ${fromSeq - 1} is left to regenerate from`);
  }
}

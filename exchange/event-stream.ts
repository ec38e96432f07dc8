// Why this file exists: `exchange.events()` hands every acknowledged event to a subscriber in
// sequence order. A subscriber that stops reading must not make the exchange grow without limit,
// so each one has a bounded backlog; past it the subscription fails with a typed error (the
// subscriber resumes with `events({ fromSeq: lastSeq + 1 })`, feed.ts) and the exchange carries on.
//
// One implementation for both kinds of subscription: a live one (from now), and one that first
// catches up on regenerated old events (feed.ts). While catching up, the live events published
// meanwhile wait in a second buffer bounded by the same backlog; regeneration runs one step per
// event-loop turn and only while the reader waits and nothing is queued (a slow reader slows the
// regeneration instead of growing a buffer), and when it is done the waiting live events follow
// the last regenerated one: no gap, no duplicate at the hand-over.

import type { EngineEvent } from '../engine/index.js';

/**
 * An acknowledged event with the log sequence number and the stamped time (as logged: ms since
 * epoch, never decreasing) of the command that produced it.
 */
export type ExchangeEvent = EngineEvent & { seq: number; time: number };

export class EventsOverflowError extends Error {
  override readonly name = 'EventsOverflowError';
}

/** Where a catching-up subscription gets its old events (feed-replay.ts). */
export interface CatchUpSource {
  /** The next record it will read (the log must keep it). */
  readonly nextSeq: number;
  /** Every old event was produced. */
  readonly done: boolean;
  /**
   * Appends the events of at most `recordsMax` further records to `out`; throws (or rejects) on a
   * damaged or reclaimed log. A source over a remote log (a replicated member's stream) answers
   * with a promise; the stream then steps again only once it settled.
   */
  step(recordsMax: number, out: ExchangeEvent[]): number | Promise<number>;
}

/** The catch-up mode of a subscription: its source, the records per step, and who to tell when it is over. */
export interface CatchUp {
  source: CatchUpSource;
  recordsPerStep: number;
  /** Called once, when the catch-up ends (done, failed, closed or returned). */
  onOver: (stream: EventStream) => void;
}

type Waiter = { resolve: (r: IteratorResult<ExchangeEvent>) => void; reject: (e: Error) => void };

export class EventStream implements AsyncIterableIterator<ExchangeEvent> {
  private queue: ExchangeEvent[] = [];
  private head = 0;
  /** Live events published while catching up, in order. */
  private live: ExchangeEvent[] = [];
  private waiter: Waiter | null = null;
  private ended = false;
  private error: Error | null = null;
  private stepScheduled = false;

  /**
   * `fromSeq`: events of older seqs are ignored (a live subscription asked from a future seq);
   * `catchUp`: regenerate old events first (null: live from now).
   */
  constructor(
    private readonly backlogMax: number,
    private readonly onDetach: (stream: EventStream) => void,
    private catchUp: CatchUp | null = null,
    private readonly fromSeq = 0,
  ) {}

  /** The next record regeneration reads (the log must keep it); +Infinity once live. */
  get readingSeq(): number {
    return this.catchUp?.source.nextSeq ?? Number.POSITIVE_INFINITY;
  }

  /** Called by the exchange for each released event, in order. */
  push(event: ExchangeEvent): void {
    if (this.ended || event.seq < this.fromSeq) return;
    if (this.catchUp !== null) {
      if (this.live.length >= this.backlogMax) {
        this.fail(new EventsOverflowError(`events subscriber fell ${this.backlogMax} live events behind while catching up; subscription dropped`));
        return;
      }
      this.live.push(event);
      return;
    }
    const waiter = this.waiter;
    if (waiter !== null) {
      this.waiter = null;
      waiter.resolve({ value: event, done: false });
      return;
    }
    if (this.queue.length - this.head >= this.backlogMax) {
      this.fail(new EventsOverflowError(`events subscriber fell ${this.backlogMax} events behind; subscription dropped`));
      return;
    }
    this.queue.push(event);
  }

  /**
   * The exchange closed: deliver what is queued, then end. A subscription still catching up ends
   * where its regeneration got to (the log is closing); resume from the last seq received + 1.
   */
  end(): void {
    this.stopCatchUp();
    this.ended = true;
    this.settleWaiter();
  }

  fail(error: Error): void {
    if (this.ended) return;
    this.error = error;
    this.ended = true;
    this.queue = [];
    this.head = 0;
    this.stopCatchUp();
    this.onDetach(this);
    this.settleWaiter();
  }

  next(): Promise<IteratorResult<ExchangeEvent>> {
    if (this.head < this.queue.length) return Promise.resolve({ value: this.take(), done: false });
    if (this.error !== null) return Promise.reject(this.error);
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    const promise = new Promise<IteratorResult<ExchangeEvent>>((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
    if (this.catchUp !== null) this.scheduleStep();
    return promise;
  }

  return(): Promise<IteratorResult<ExchangeEvent>> {
    this.ended = true;
    this.queue = [];
    this.head = 0;
    this.stopCatchUp();
    this.onDetach(this);
    this.settleWaiter();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<ExchangeEvent> {
    return this;
  }

  private take(): ExchangeEvent {
    const value = this.queue[this.head++];
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    }
    return value;
  }

  /** One regeneration step per event-loop turn, while a reader waits and nothing is queued. */
  private scheduleStep(): void {
    if (this.stepScheduled) return;
    this.stepScheduled = true;
    setImmediate(() => {
      this.stepScheduled = false;
      this.step();
    });
  }

  private step(): void {
    const catchUp = this.catchUp;
    if (catchUp === null || this.ended || this.waiter === null) return;
    let stepped: number | Promise<number>;
    const batch: ExchangeEvent[] = [];
    try {
      stepped = catchUp.source.step(catchUp.recordsPerStep, batch);
    } catch (error) {
      this.fail(error as Error);
      return;
    }
    if (typeof stepped === 'number') {
      for (let i = 0; i < batch.length; i++) this.queue.push(batch[i]);
      this.afterStep(catchUp);
      return;
    }
    // Asynchronous source: no other step starts until this one settled, and what it produced is
    // queued only if the subscription is still catching up (not closed or returned meanwhile).
    this.stepScheduled = true;
    stepped.then(
      () => {
        this.stepScheduled = false;
        if (this.catchUp !== catchUp || this.ended) return;
        for (let i = 0; i < batch.length; i++) this.queue.push(batch[i]);
        this.afterStep(catchUp);
      },
      (error: Error) => {
        this.stepScheduled = false;
        this.fail(error);
      },
    );
  }

  private afterStep(catchUp: CatchUp): void {
    if (this.waiter === null) return;
    if (catchUp.source.done) {
      // Caught up: the live events buffered meanwhile follow the last regenerated one.
      const live = this.live;
      this.live = [];
      this.stopCatchUp();
      for (let i = 0; i < live.length; i++) this.queue.push(live[i]);
    }
    if (this.head < this.queue.length) {
      const waiter = this.waiter;
      this.waiter = null;
      waiter.resolve({ value: this.take(), done: false });
    } else if (this.catchUp !== null) {
      this.scheduleStep();
    }
  }

  private stopCatchUp(): void {
    const catchUp = this.catchUp;
    if (catchUp === null) return;
    this.catchUp = null;
    this.live = [];
    catchUp.onOver(this);
  }

  private settleWaiter(): void {
    const waiter = this.waiter;
    if (waiter === null || this.head < this.queue.length) return;
    this.waiter = null;
    if (this.error !== null) waiter.reject(this.error);
    else waiter.resolve({ value: undefined, done: true });
  }
}

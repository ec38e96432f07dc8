// Why this file exists: `exchange.events()` hands every acknowledged event to a subscriber in
// sequence order. A subscriber that stops reading must not make the exchange grow without limit,
// so each one has a bounded backlog; past it the subscription fails with a typed error (the
// subscriber resumes with `events({ fromSeq: lastSeq + 1 })`, feed.ts) and the exchange carries on.

import type { EngineEvent } from '../engine/index.js';

/**
 * An acknowledged event with the log sequence number and the stamped time (as logged: ms since
 * epoch, never decreasing) of the command that produced it.
 */
export type ExchangeEvent = EngineEvent & { seq: number; time: number };

export class EventsOverflowError extends Error {
  override readonly name = 'EventsOverflowError';
}

export class EventStream implements AsyncIterableIterator<ExchangeEvent> {
  private queue: ExchangeEvent[] = [];
  private head = 0;
  private waiter: { resolve: (r: IteratorResult<ExchangeEvent>) => void; reject: (e: Error) => void } | null = null;
  private ended = false;
  private error: Error | null = null;

  constructor(
    private readonly backlogMax: number,
    private readonly onDetach: (stream: EventStream) => void,
  ) {}

  /** Called by the exchange for each released event, in order. */
  push(event: ExchangeEvent): void {
    if (this.ended) return;
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

  /** The exchange closed: deliver what is buffered, then end. */
  end(): void {
    this.ended = true;
    this.settleWaiter();
  }

  fail(error: Error): void {
    if (this.ended) return;
    this.error = error;
    this.ended = true;
    this.queue = [];
    this.head = 0;
    this.onDetach(this);
    this.settleWaiter();
  }

  next(): Promise<IteratorResult<ExchangeEvent>> {
    if (this.head < this.queue.length) {
      const value = this.queue[this.head++];
      if (this.head === this.queue.length) {
        this.queue = [];
        this.head = 0;
      }
      return Promise.resolve({ value, done: false });
    }
    if (this.error !== null) return Promise.reject(this.error);
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  return(): Promise<IteratorResult<ExchangeEvent>> {
    this.ended = true;
    this.queue = [];
    this.head = 0;
    this.onDetach(this);
    this.settleWaiter();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<ExchangeEvent> {
    return this;
  }

  private settleWaiter(): void {
    const waiter = this.waiter;
    if (waiter === null || this.head < this.queue.length) return;
    this.waiter = null;
    if (this.error !== null) waiter.reject(this.error);
    else waiter.resolve({ value: undefined, done: true });
  }
}

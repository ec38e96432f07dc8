// Why this file exists: one accepted command between the log and its release — its sequence
// number, the record the log holds, where its events are in its worker's answer, and who is told
// the outcome: its own promise (`submit`) or a slot in a batch's one promise (`submitMany`, so a
// batch of N commands makes one promise, not N). Shared by the sequencer (exchange.ts), which
// creates and releases it, and the shards, which say where its events are; kept apart so neither
// imports the other.
//
// Events stay the worker's numeric rows until someone reads them: the digest and the router fold
// the rows (walk), and the objects are built once, for the caller's result, at acknowledgement.
// Not later, on first read of `result.events`: the result must stay a plain object (spread, JSON,
// deep equality), and an own lazy accessor (Object.defineProperty per result) measured 175–350 ns
// per result against 15–40 ns for a plain object — more than decoding the events it would defer.

import { type Command, type EngineEvent, EventCursor, type EventRows, type EventSink, eventsAt, walkEvents } from '../engine/index.js';

/**
 * What `submit` resolves with. `seq` and `time` (the time the exchange stamped on the command,
 * logged with it, ms since epoch, never decreasing) are null when the command was refused before
 * the log.
 */
export interface SubmitResult {
  seq: number | null;
  time: number | null;
  events: EngineEvent[];
}

/** The one promise of a `submitMany` call: settles once every command in it has an outcome. */
export class BatchOutcome {
  readonly results: SubmitResult[];
  private remaining: number;
  private settled = false;
  resolve!: (results: SubmitResult[]) => void;
  reject!: (error: Error) => void;
  readonly promise: Promise<SubmitResult[]>;

  constructor(count: number) {
    this.results = new Array<SubmitResult>(count);
    this.remaining = count;
    this.promise = new Promise<SubmitResult[]>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    if (count === 0) this.finish();
  }

  set(index: number, result: SubmitResult): void {
    this.results[index] = result;
    if (--this.remaining === 0) this.finish();
  }

  fail(error: Error): void {
    if (this.settled) return;
    this.settled = true;
    this.reject(error);
  }

  private finish(): void {
    if (this.settled) return;
    this.settled = true;
    this.resolve(this.results);
  }
}

/** Reused: reading one command's events starts from its recorded offsets. */
const CURSOR = new EventCursor();

export class Pending {
  /** Its worker's answer (set by the shard once matched); null while it is on its way. */
  private rows: EventRows | null = null;
  private numAt = 0;
  private refAt = 0;
  private decoded: EngineEvent[] | null = null;
  /** Set only for a lone `submit` (a batch member reports to its batch instead). */
  readonly promise: Promise<SubmitResult> | null = null;
  private resolveOne: ((result: SubmitResult) => void) | null = null;
  private rejectOne: ((error: Error) => void) | null = null;

  constructor(
    readonly seq: number,
    readonly record: Command,
    private readonly batch: BatchOutcome | null,
    private readonly index: number,
  ) {
    if (batch === null) {
      this.promise = new Promise<SubmitResult>((resolve, reject) => {
        this.resolveOne = resolve;
        this.rejectOne = reject;
      });
    }
  }

  /** The worker answered: its events are in `rows` from these offsets. */
  matchedAt(rows: EventRows, numAt: number, refAt: number): void {
    this.rows = rows;
    this.numAt = numAt;
    this.refAt = refAt;
  }

  get matched(): boolean {
    return this.rows !== null;
  }

  /** The events as objects, built on first read (the same array after that). Only once matched. */
  get events(): EngineEvent[] {
    if (this.decoded === null) {
      CURSOR.p = this.numAt;
      CURSOR.r = this.refAt;
      this.decoded = eventsAt(this.record, this.rows!, CURSOR);
    }
    return this.decoded;
  }

  /** Reports the events to `sink` as typed calls, building no object. Only once matched. */
  walk(sink: EventSink): void {
    CURSOR.p = this.numAt;
    CURSOR.r = this.refAt;
    walkEvents(this.record, this.rows!, CURSOR, sink);
  }

  resolve(result: SubmitResult): void {
    if (this.batch !== null) this.batch.set(this.index, result);
    else this.resolveOne!(result);
  }

  reject(error: Error): void {
    if (this.batch !== null) this.batch.fail(error);
    else this.rejectOne!(error);
  }
}

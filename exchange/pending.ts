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

/**
 * Options of one `submitMany` call.
 *
 * `events: false` is for a caller who does not read the events of accepted commands (a gateway
 * that answers from the subscription, a load generator): each result's `events` is then empty
 * unless the command was rejected, in which case it holds the `rejected` event as usual. The
 * command is matched, logged, digested and published to subscribers exactly the same; only the
 * caller's copy of the event objects is not built. Why: those objects were about a third of the
 * bytes the exchange's thread allocated per command (bench/exchange/alloc-profile.ts, README
 * issue 9), and their garbage is collected on V8's helper threads, which cost as much CPU as the
 * threads that do the work. Default `true` (every event, as `submit`).
 */
export interface SubmitManyOptions {
  events?: boolean;
}

const SUBMIT_MANY_KEYS: ReadonlySet<string> = new Set(['events']);

/** The options of a `submitMany` call, checked: a TypeError saying what it got, never a guess. */
export function resolveSubmitManyOptions(options: unknown): { events: boolean } {
  if (options === undefined) return { events: true };
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`submitMany options must be an object, got ${options === null ? 'null' : Array.isArray(options) ? 'an array' : typeof options}`);
  }
  for (const key of Object.keys(options)) {
    if (!SUBMIT_MANY_KEYS.has(key)) throw new TypeError(`submitMany: unknown option ${JSON.stringify(key)} (known: events)`);
  }
  const events = (options as SubmitManyOptions).events;
  if (events !== undefined && typeof events !== 'boolean') {
    throw new TypeError(`submitMany option events must be a boolean, got ${typeof events} ${JSON.stringify(events)}`);
  }
  return { events: events ?? true };
}

/** The one promise of a `submitMany` call: settles once every command in it has an outcome. */
export class BatchOutcome {
  readonly results: SubmitResult[];
  private remaining: number;
  private settled = false;
  resolve!: (results: SubmitResult[]) => void;
  reject!: (error: Error) => void;
  readonly promise: Promise<SubmitResult[]>;

  /** @param events whether accepted commands' results carry their events (SubmitManyOptions). */
  constructor(
    count: number,
    readonly events = true,
  ) {
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

/** What a pooled entry holds instead of a record (never read: an entry is reused before it is queued). */
const NO_RECORD: Command = Object.freeze({ op: 'halt', symbol: '' }) as Command;

/**
 * Released entries kept for reuse, at most `entriesMax` (the most that can be pending at once).
 * Why: one Pending per command was ~50 bytes of garbage, and with thousands in flight it lived
 * long enough to be promoted before it died; a pooled one is written again instead.
 */
export class PendingPool {
  private readonly free: Pending[] = [];

  constructor(private readonly entriesMax: number) {}

  take(seq: number, record: Command, batch: BatchOutcome | null, index: number): Pending {
    const entry = this.free.pop();
    if (entry === undefined) return new Pending(seq, record, batch, index);
    entry.reuse(seq, record, batch, index);
    return entry;
  }

  /** `entry` was acknowledged and nobody reads it any more. */
  give(entry: Pending): void {
    if (this.free.length >= this.entriesMax) return;
    entry.clear();
    this.free.push(entry);
  }
}

/** Reused: reading one command's events starts from its recorded offsets. */
const CURSOR = new EventCursor();

/**
 * One command in flight. Reused through a PendingPool once acknowledged: nobody holds an entry
 * after its release (the queues shift it, `sent` reads only seqs, the caller gets a separate
 * result object), so its fields are set again rather than a new object made per command.
 */
export class Pending {
  /** Its worker's answer (set by the shard once matched); null while it is on its way. */
  private rows: EventRows | null = null;
  private numAt = 0;
  private refAt = 0;
  private decoded: EngineEvent[] | null = null;
  /** Set only for a lone `submit` (a batch member reports to its batch instead). */
  promise: Promise<SubmitResult> | null = null;
  private resolveOne: ((result: SubmitResult) => void) | null = null;
  private rejectOne: ((error: Error) => void) | null = null;
  seq = 0;
  record: Command = NO_RECORD;
  private batch: BatchOutcome | null = null;
  private index = 0;

  constructor(seq: number, record: Command, batch: BatchOutcome | null, index: number) {
    this.reuse(seq, record, batch, index);
  }

  /** (Re)starts this entry for the command logged at `seq`. */
  reuse(seq: number, record: Command, batch: BatchOutcome | null, index: number): void {
    this.seq = seq;
    this.record = record;
    this.batch = batch;
    this.index = index;
    if (batch === null) {
      this.promise = new Promise<SubmitResult>((resolve, reject) => {
        this.resolveOne = resolve;
        this.rejectOne = reject;
      });
    }
  }

  /** Drops every reference (the record, the rows, the events, the caller) before it is pooled. */
  clear(): void {
    this.rows = null;
    this.decoded = null;
    this.promise = null;
    this.resolveOne = null;
    this.rejectOne = null;
    this.record = NO_RECORD;
    this.batch = null;
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

  /** Whether the caller reads this command's events (false for a `submitMany` with `events: false`). */
  get callerReadsEvents(): boolean {
    return this.batch === null || this.batch.events;
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

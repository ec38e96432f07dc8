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

import {
  type CancelCommand,
  type Command,
  type CommandOp,
  type EngineEvent,
  EventCursor,
  type EventRows,
  type EventSink,
  eventsAt,
  type ModifyCommand,
  type NewOrderCommand,
  type OrderId,
  type OrderType,
  type ParsedCommand,
  SIDE_BUY,
  type Side,
  walkEvents,
} from '../engine/index.js';

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
 * bytes the exchange's thread allocated per command (bench/exchange/alloc-profile.ts,
 * docs/measurements.md, issue 9), and their garbage is collected on V8's helper threads, which cost as much CPU as the
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

/**
 * The command an entry hands the event codec (walkEvents reads op, id, account, and for a `new`
 * symbol, side, type, price and qty): one reused object per kind, filled from the entry's numbers
 * just before a walk. Why: the object `toCommand` built per command (~110 B) was kept on the entry
 * only for those reads; the full command is built now only for an admin command and for the
 * main-thread view (EngineView), which applies it.
 */
const NEW_VIEW = {
  op: 'new',
  id: 0 as OrderId,
  account: '',
  symbol: '',
  side: 'buy' as Side,
  type: 'limit' as OrderType,
  price: 0,
  qty: 0,
  tif: 'GTC',
  postOnly: false,
  time: 0,
} as NewOrderCommand;
const CANCEL_VIEW: CancelCommand = { op: 'cancel', id: 0, account: '', time: 0 };
const MODIFY_VIEW: ModifyCommand = { op: 'modify', id: 0, account: '', time: 0 };

/**
 * Released entries kept for reuse, at most `entriesMax` (the most that can be pending at once).
 * Why: one Pending per command was ~50 bytes of garbage, and with thousands in flight it lived
 * long enough to be promoted before it died; a pooled one is written again instead.
 */
export class PendingPool {
  private readonly free: Pending[] = [];

  constructor(private readonly entriesMax: number) {}

  /** An entry for `p` (validated, time stamped) logged at `seq`; `command` its object form if kept (else null). */
  take(seq: number, p: ParsedCommand, command: Command | null, batch: BatchOutcome | null, index: number): Pending {
    const entry = this.free.pop();
    if (entry === undefined) return new Pending(seq, p, command, batch, index);
    entry.reuse(seq, p, command, batch, index);
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
 * result object), so its fields are set again rather than a new object made per command. The
 * command itself is kept as numbers and the caller's own strings (no object per command).
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
  op: CommandOp = 'new';
  /** The time the exchange stamped on the command (ms since epoch). */
  time = 0;
  /** Instrument index (new, halt, resume, add_instrument); -1 for cancel and modify. */
  instrument = -1;
  /** Order id (new, cancel, modify); 0 for admin commands. */
  id: OrderId = 0;
  private account = '';
  private symbol = '';
  private side: Side = 'buy';
  private orderType: OrderType = 'limit';
  private price = 0;
  private qty = 0;
  /** The command as an object: kept for admin commands and when a view applies commands; else null. */
  private full: Command | null = null;
  private batch: BatchOutcome | null = null;
  private index = 0;
  /**
   * The running event digest just after this command's events, when they were folded in sequence
   * order as its worker answered (one worker: shards.ts InOrderSink); `digested` says whether.
   */
  digested = false;
  digestA = 0;
  digestB = 0;
  /** Whether its events hold a rejection (folded with the digest). */
  digestRejected = false;

  constructor(seq: number, p: ParsedCommand | null, command: Command | null, batch: BatchOutcome | null, index: number) {
    this.reuse(seq, p, command, batch, index);
  }

  /**
   * (Re)starts this entry for the command logged at `seq`: `p` as admitted, or (p null) `command`
   * (an add_instrument's shadow entry on another worker).
   */
  reuse(seq: number, p: ParsedCommand | null, command: Command | null, batch: BatchOutcome | null, index: number): void {
    this.seq = seq;
    this.full = command;
    if (p !== null) {
      const op = p.op as CommandOp;
      this.op = op;
      this.time = p.time;
      this.instrument = op === 'cancel' || op === 'modify' ? -1 : p.instrument;
      this.id = op === 'new' || op === 'cancel' || op === 'modify' ? (p.id as OrderId) : 0;
      this.account = p.account;
      this.symbol = p.symbol;
      this.side = p.side === SIDE_BUY ? 'buy' : 'sell';
      this.orderType = p.orderType;
      this.price = p.price;
      this.qty = p.qty;
    } else if (command !== null) {
      this.op = command.op;
      this.time = command.time;
    }
    this.batch = batch;
    this.index = index;
    this.digested = false;
    if (batch === null) {
      this.promise = new Promise<SubmitResult>((resolve, reject) => {
        this.resolveOne = resolve;
        this.rejectOne = reject;
      });
    }
  }

  /** Drops every reference (the command, the rows, the events, the caller) before it is pooled. */
  clear(): void {
    this.rows = null;
    this.decoded = null;
    this.promise = null;
    this.resolveOne = null;
    this.rejectOne = null;
    this.full = null;
    this.id = 0;
    this.account = '';
    this.symbol = '';
    this.batch = null;
  }

  /**
   * The command as the event codec reads it: the kept object, or a reused one filled from this
   * entry (valid until the next entry's `command`; read it at once, never keep it).
   */
  get command(): Command {
    if (this.full !== null) return this.full;
    if (this.op === 'new') {
      const view = NEW_VIEW as { id: OrderId; account: string; symbol: string; side: Side; type: OrderType; price: number; qty: number; time: number };
      view.id = this.id;
      view.account = this.account;
      view.symbol = this.symbol;
      view.side = this.side;
      view.type = this.orderType;
      view.price = this.price;
      view.qty = this.qty;
      view.time = this.time;
      return NEW_VIEW;
    }
    const view = this.op === 'cancel' ? CANCEL_VIEW : MODIFY_VIEW;
    view.id = this.id;
    view.account = this.account;
    view.time = this.time;
    return view;
  }

  /** The command as an object when one was kept (admin commands; a view that applies commands). */
  get kept(): Command | null {
    return this.full;
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
      this.decoded = eventsAt(this.command, this.rows!, CURSOR);
    }
    return this.decoded;
  }

  /** Reports the events to `sink` as typed calls, building no object. Only once matched. */
  walk(sink: EventSink): void {
    CURSOR.p = this.numAt;
    CURSOR.r = this.refAt;
    walkEvents(this.command, this.rows!, CURSOR, sink);
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

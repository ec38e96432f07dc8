// Why this file exists: the matching stage of the pipeline. Instruments are sharded round-robin
// over matching workers (one engine each); this file decides which worker a logged command goes
// to (through the router), hands the worker the very bytes the log stores (matching-host.ts: a
// SharedArrayBuffer ring per worker), and fills each command's events in when its worker answers.
// It knows nothing of the log or of release: it tells the sequencer "something matched" and
// tells a listener (the backup feed) which commands left for which worker, in the order the
// worker receives them.

import {
  type CancelReason,
  type CommandOp,
  type OrderType,
  RejectCode,
  type StopOrderType,
  type Command,
  type Engine,
  type EngineOptions,
  EventCursor,
  type EventRows,
  type EventSink,
  type Side,
  walkEvents,
  type OrderId,
  TIF_GTC,
  TIF_GTT,
  type ParsedCommand,
  type ResolvedInstrument,
} from '../engine/index.js';
import type { Piscina } from 'piscina';
import { MatchingWorkerError } from './errors.js';
import { Fifo } from './fifo.js';
import { MATCHING_INPUT_RING_BYTES, MATCHING_OUTPUT_RING_BYTES, MatchingHost } from './matching-host.js';
import type { BatchOutput } from './matching-output.js';
import { Pending } from './pending.js';
import { ROUTE_DUPLICATE, Router } from './router.js';

export const ROUTE_REFUSED = -1;

interface ShardQueue {
  /** Commands written to the worker whose answer has not come back, in the order it gets them. */
  inFlight: Fifo<Pending>;
  /** Commands written since the last `send` (what the listener hears about next). */
  unsent: Pending[];
  batches: number;
  commands: number;
  busyMs: number;
}

/**
 * Reads every command's events in sequence order as its worker answers, in the same walk as the
 * router's (see ShardListener.inOrder).
 */
export interface InOrderSink extends EventSink {
  /** Command `entry`'s events follow. */
  beginCommand(entry: Pending): void;
  /** They ended. */
  endCommand(entry: Pending): void;
}

export interface ShardListener {
  /** Some commands got their events: the sequencer may release. */
  onMatched(): void;
  /**
   * With ONE worker its answers come in sequence order, so this sink reads each command's events
   * in the walk the router's bookkeeping makes anyway (the exchange folds its digest there instead
   * of walking the rows a second time at release). Ignored with several workers, whose answers
   * interleave out of sequence order. Null: nobody.
   */
  readonly inOrder?: InOrderSink | null;
  /** A worker failed: the exchange stops. */
  onError(error: Error): void;
  /** Commands left for worker `shard`, in the order it receives them (null when nobody follows); `entries` is valid during the call only. */
  readonly onSent: ((shard: number, entries: readonly Pending[]) => void) | null;
}

export class Shards {
  private readonly queues: ShardQueue[];
  /** Symbol → instrument index (the router remembers where an id lives and dies). */
  private readonly instrumentIndex: Map<string, number>;
  /** Every instrument in index order (events name them by index); grows with add_instrument. */
  private readonly specs: ResolvedInstrument[];
  private listener: ShardListener | null = null;
  /** Set once the workers are being torn down: late answers are dropped. */
  private stopped = false;
  /** Set while a batch of answers is handed over: one onMatched per drain, not per batch. */
  private matched = false;
  private readonly cursor = new EventCursor();
  private readonly outcome: RouteOutcome;

  private constructor(
    private readonly hosts: MatchingHost[],
    /** Worker of each instrument, by index in configuration order (grows with add_instrument). */
    private readonly shardOfInstrument: number[],
    private readonly maxOrders: number,
    recovered: Engine,
    private readonly router: Router,
  ) {
    this.queues = hosts.map(() => ({ inFlight: new Fifo<Pending>(), unsent: [], batches: 0, commands: 0, busyMs: 0 }));
    // A copy, extended as adds are logged: the view learns an instrument only once its add is
    // acknowledged, but orders on it may be routed before that.
    this.instrumentIndex = new Map(recovered.instrumentIndex);
    this.specs = [...recovered.instruments];
    this.outcome = new RouteOutcome(router);
  }

  /**
   * The router of the recovered state. Built while the workers restore theirs (it visits every
   * remembered id and live order: ~0.7 s at 300,000 orders, which used to follow the restores).
   */
  private static recoveredRouter(recovered: Engine, shardOfInstrument: number[]): Router {
    const o = recovered.options;
    // With one worker too: the same rule decides what is refused before the log (router.ts).
    const router = new Router(shardOfInstrument, {
      perInstrumentMax: o.deadIdsPerInstrumentMax,
      retentionCommands: o.idRetentionCommands,
      retentionMs: o.idRetentionMs,
      full: o.idsRememberedFull,
    });
    // The recovered rings, halts, and recovered orders live on the worker that owns their instrument.
    recovered.forEachRememberedId((id, instrument, seq, time, indexed) => router.recoveredId(id, instrument, seq, time, indexed));
    o.instruments.forEach((spec, instrument) => router.setHalted(instrument, recovered.isHalted(spec.symbol)));
    recovered.forEachLiveOrder((id, instrument) => router.recoveredLive(id, shardOfInstrument[instrument]));
    return router;
  }

  /**
   * Starts min(workers, instruments) matching workers from the recovered state; each answers at
   * most `batchMax` records per batch.
   */
  static async start(
    workers: number,
    engineOptions: EngineOptions,
    recovered: Engine,
    snapshot: Uint8Array | null,
    batchMax: number,
    /** Pools spawned before recovery (MatchingHost.spawn; Exchange.open); those not needed are destroyed. */
    spawned: readonly Piscina[] = [],
  ): Promise<Shards> {
    const instruments = engineOptions.instruments.length;
    const count = Math.min(workers, instruments);
    await Promise.allSettled(spawned.slice(count).map((pool) => pool.destroy()));
    const owned = (worker: number): number[] =>
      Array.from({ length: instruments }, (_, index) => index).filter((index) => index % count === worker);
    const limits = { inputRingBytes: MATCHING_INPUT_RING_BYTES, outputRingBytes: MATCHING_OUTPUT_RING_BYTES, recordsPerBatchMax: batchMax };
    const starting = Promise.allSettled(
      Array.from({ length: count }, (_, i) => MatchingHost.start(i, engineOptions, snapshot, owned(i), limits, spawned[i])),
    );
    // The router is built while the workers restore (it is the opening thread's own work).
    const shardOfInstrument = Array.from({ length: instruments }, (_, index) => index % count);
    const router = Shards.recoveredRouter(recovered, shardOfInstrument);
    const started = await starting;
    const hosts = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    const failed = started.find((result) => result.status === 'rejected');
    if (failed !== undefined) {
      await Promise.allSettled(hosts.map((host) => host.destroy()));
      throw (failed as PromiseRejectedResult).reason;
    }
    return new Shards(hosts, shardOfInstrument, engineOptions.maxOrders ?? Number.MAX_SAFE_INTEGER, recovered, router);
  }

  listen(listener: ShardListener): void {
    this.listener = listener;
    this.outcome.inOrder = this.hosts.length === 1 ? (listener.inOrder ?? null) : null;
    this.hosts.forEach((host, s) =>
      host.listen({
        onOutput: (output) => this.onOutput(s, output),
        onDrained: () => this.onDrained(),
        onError: (error) => {
          if (!this.stopped) listener.onError(new MatchingWorkerError(error.message, { cause: error }));
        },
      }),
    );
  }

  /** Why the last `route` returned ROUTE_REFUSED. */
  refusal: RejectCode = RejectCode.DUPLICATE_ORDER_ID;

  /**
   * The worker for a validated command that will be logged at `seq` (its time stamped in `p`), or
   * ROUTE_REFUSED (reason in `refusal`) when it must be refused before the log: a new id whose
   * remembered entry left its window while its order may still be live, or (maxOrders is one
   * limit across all workers, each of which sees only its own orders) an order that can stay live
   * past the router's upper bound of live orders (an OCO counts twice, as in the engine). Same
   * rule for any number of workers. Changes nothing: `enqueue` records the route.
   */
  route(p: ParsedCommand, seq: number): number {
    const op = p.op!;
    // An added instrument goes where round-robin puts its index over the running workers
    // (deterministic; a restart re-shards every instrument the same way). Admin commands have no id.
    if (op === 'add_instrument') return p.instrument % this.hosts.length;
    if (op === 'halt' || op === 'resume') return this.shardOfInstrument[p.instrument];
    const shard = op === 'new' ? this.shardOfInstrument[p.instrument] : 0;
    const router = this.router;
    const id = p.id as OrderId;
    const routed = router.decide(op, id, shard, seq, p.time, p.instrument);
    if (routed === ROUTE_DUPLICATE) {
      this.refusal = RejectCode.DUPLICATE_ORDER_ID;
      return ROUTE_REFUSED;
    }
    // Orders that can stay live: resting limits (GTC, GTT), every stop and OCO.
    const canStay =
      p.orderType === 'stop_limit' ||
      p.orderType === 'stop_market' ||
      p.orderType === 'oco' ||
      (p.orderType === 'limit' && (p.tif === TIF_GTC || p.tif === TIF_GTT));
    // A `new` on a halted instrument is refused INSTRUMENT_HALTED by its worker, whatever the count.
    if (op === 'new' && canStay && !router.isHalted(p.instrument) && !router.has(id) && router.size + (p.orderType === 'oco' ? 1 : 0) >= this.maxOrders) {
      this.refusal = RejectCode.ORDER_CAPACITY;
      return ROUTE_REFUSED;
    }
    return routed;
  }

  /**
   * Queues a logged command for `shard` (as returned by `route`): `bytes[start, end)` is its
   * binary record, exactly as the log took it (valid during the call only: the worker's ring gets
   * a copy).
   */
  enqueue(shard: number, entry: Pending, bytes: Uint8Array, start = 0, end = bytes.length): void {
    const op = entry.op;
    if (op === 'add_instrument') return this.enqueueAdd(shard, entry, bytes, start, end);
    if (op === 'halt' || op === 'resume') this.router.setHalted(entry.instrument, op === 'halt');
    else this.router.routed(op, entry.id, shard, entry.seq, entry.time, entry.instrument);
    this.hosts[shard].write(bytes, start, end);
    const queue = this.queues[shard];
    queue.inFlight.push(entry);
    queue.unsent.push(entry);
  }

  /**
   * add_instrument goes to every worker, in log order with everything else, so each engine gives
   * the instrument the same index (later records name it by index); only `shard`'s events count.
   * The others get a shadow entry whose events nobody reads.
   */
  private enqueueAdd(shard: number, entry: Pending, bytes: Uint8Array, start: number, end: number): void {
    const record = entry.kept;
    if (record === null || record.op !== 'add_instrument') throw new Error('assertion: an add_instrument entry keeps its command');
    // The logged form carries the resolved spec (defaults filled: toCommand).
    const spec = record.spec as ResolvedInstrument;
    this.instrumentIndex.set(spec.symbol, this.shardOfInstrument.length);
    this.specs.push(spec);
    this.shardOfInstrument.push(shard);
    this.router.addInstrument();
    for (let s = 0; s < this.queues.length; s++) {
      const queue = this.queues[s];
      const own = s === shard ? entry : new Pending(entry.seq, null, record, null, 0);
      this.hosts[s].write(bytes, start, end);
      queue.inFlight.push(own);
      queue.unsent.push(own);
    }
  }

  /** Makes what was queued visible to the workers (one notify per worker per flush). */
  send(): void {
    if (this.stopped) return;
    for (let s = 0; s < this.queues.length; s++) {
      const queue = this.queues[s];
      if (queue.unsent.length === 0) continue;
      this.hosts[s].publish();
      // The listener reads the entries during the call only (checkpointing.ts `sent`): the
      // array is emptied and reused, not replaced by a new one per send.
      this.listener?.onSent?.(s, queue.unsent);
      queue.unsent.length = 0;
    }
  }

  /**
   * Worker `s` answered its next `output.count` commands. The rows are kept (copied out of the
   * ring) and each command is told where its events start; the router reads the rows through a
   * sink, so no event object is built here.
   */
  private onOutput(s: number, output: BatchOutput): void {
    if (this.stopped) return;
    const queue = this.queues[s];
    const count = output.count;
    const rows: EventRows = { nums: output.nums.slice(), refs: output.refs, specs: this.specs };
    const cursor = this.cursor;
    cursor.p = 0;
    cursor.r = 0;
    const outcome = this.outcome;
    for (let i = 0; i < count; i++) {
      const entry = queue.inFlight.shift();
      if (entry === undefined) throw new Error(`assertion: worker ${s} answered more commands than it was sent`);
      entry.matchedAt(rows, cursor.p, cursor.r);
      outcome.begin(entry);
      walkEvents(entry.command, rows, cursor, outcome);
      outcome.end(entry, output.live[i] === 1);
    }
    if (cursor.p !== rows.nums.length || cursor.r !== rows.refs.length) throw new Error(`assertion: worker ${s} answered rows of another length`);
    queue.batches++;
    queue.commands += count;
    queue.busyMs += output.workMs;
    this.matched = true;
  }

  private onDrained(): void {
    if (this.stopped || !this.matched) return;
    this.matched = false;
    this.listener?.onMatched();
  }

  /** Live orders over all workers, as of their last answers (matched, maybe not yet acknowledged). */
  get liveOrders(): number {
    let live = 0;
    for (const host of this.hosts) live += host.liveOrders;
    return live;
  }

  stats(): Array<{ batches: number; commands: number; busyMs: number }> {
    return this.queues.map((q) => ({ batches: q.batches, commands: q.commands, busyMs: q.busyMs }));
  }

  async close(): Promise<void> {
    await Promise.all(this.hosts.map((host) => host.close()));
  }

  async destroy(): Promise<void> {
    this.stopped = true;
    await Promise.allSettled(this.hosts.map((host) => host.destroy()));
  }
}

/**
 * Tells the router which ids a command left dead, from its events as sink calls (no objects):
 * makers filled, stops triggered by it that filled, orders it cancelled (SEMANTICS.md "Order ids").
 * Hands every call on to `inOrder` too, when set (one worker: ShardListener.inOrder).
 */
class RouteOutcome implements EventSink {
  inOrder: InOrderSink | null = null;
  private active = false;
  private id: OrderId = 0;
  private seq = 0;
  private op: Command['op'] = 'new';
  private events = 0;
  private haltRejected = false;

  constructor(private readonly router: Router) {}

  begin(entry: Pending): void {
    this.inOrder?.beginCommand(entry);
    const op = entry.op;
    this.active = op === 'new' || op === 'cancel' || op === 'modify';
    this.id = entry.id;
    this.seq = entry.seq;
    this.op = op;
    this.events = 0;
    this.haltRejected = false;
  }

  end(entry: Pending, live: boolean): void {
    this.inOrder?.endCommand(entry);
    if (!this.active) return;
    // A `new` refused by a halt touched nothing: its id may be live on another worker.
    if (this.op === 'new' && this.events === 1 && this.haltRejected) return;
    if (!live) this.router.dead(this.id, this.seq);
  }

  trade(symbol: string, price: number, qty: number, makerId: OrderId, takerId: OrderId, makerAccount: string, takerAccount: string, takerSide: Side, makerRemaining: number, takerRemaining: number): void {
    this.inOrder?.trade(symbol, price, qty, makerId, takerId, makerAccount, takerAccount, takerSide, makerRemaining, takerRemaining);
    this.events++;
    if (!this.active) return;
    if (makerRemaining === 0) this.router.dead(makerId, this.seq);
    // A triggered stop is a taker of another command: it dies when it fills.
    if (takerRemaining === 0 && takerId !== this.id) this.router.dead(takerId, this.seq);
  }

  cancelled(id: OrderId, account: string, symbol: string, side: Side, reason: CancelReason, qty: number): void {
    this.inOrder?.cancelled(id, account, symbol, side, reason, qty);
    this.events++;
    if (this.active && id !== this.id) this.router.dead(id, this.seq);
  }

  rejected(op: CommandOp | null, id: OrderId | null, reason: RejectCode): void {
    this.inOrder?.rejected(op, id, reason);
    this.events++;
    if (reason === RejectCode.INSTRUMENT_HALTED) this.haltRejected = true;
  }

  accepted(id: OrderId, account: string, symbol: string, side: Side, orderType: OrderType, price: number | null, qty: number): void {
    this.inOrder?.accepted(id, account, symbol, side, orderType, price, qty);
    this.events++;
  }

  modified(
    id: OrderId,
    account: string,
    symbol: string,
    side: Side,
    price: number,
    qty: number,
    oldPrice: number,
    oldQty: number,
    priorityKept: boolean,
    stopPrice: number,
    oldStopPrice: number,
  ): void {
    this.inOrder?.modified(id, account, symbol, side, price, qty, oldPrice, oldQty, priorityKept, stopPrice, oldStopPrice);
    this.events++;
  }

  triggered(id: OrderId, account: string, symbol: string, side: Side, orderType: StopOrderType, stopPrice: number, price: number | null, qty: number): void {
    this.inOrder?.triggered(id, account, symbol, side, orderType, stopPrice, price, qty);
    this.events++;
  }

  rested(id: OrderId, account: string, symbol: string, side: Side, price: number, qty: number, hidden: number): void {
    this.inOrder?.rested(id, account, symbol, side, price, qty, hidden);
    this.events++;
  }

  instrumentAdded(index: number, spec: ResolvedInstrument): void {
    this.inOrder?.instrumentAdded(index, spec);
    this.events++;
  }

  halted(symbol: string): void {
    this.inOrder?.halted(symbol);
    this.events++;
  }

  resumed(symbol: string): void {
    this.inOrder?.resumed(symbol);
    this.events++;
  }
}

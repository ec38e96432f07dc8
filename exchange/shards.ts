// Why this file exists: the matching stage of the pipeline. Instruments are sharded round-robin
// over matching workers (one engine each); this file decides which worker a logged command goes
// to (through the router when there are several), queues it, sends bounded batches, and fills
// each command's events in when its worker answers. It knows nothing of the log or of release:
// it tells the sequencer "something matched" and hands each batch it sends to a listener (the
// backup feed), which receives the very numbers the worker received.

import {
  RejectCode,
  type Command,
  type Engine,
  type EngineEvent,
  type EngineOptions,
  type OrderId,
  TIF_GTC,
  TIF_GTT,
  type ParsedCommand,
  type ResolvedInstrument,
  type EncodedCommands,
  ShardHost,
  type ShardBatchResult,
} from '../engine/index.js';
import type { Piscina } from 'piscina';
import { MatchingWorkerError } from './errors.js';
import { Pending } from './pending.js';
import { ROUTE_DUPLICATE, Router } from './router.js';

export const ROUTE_REFUSED = -1;

/** Batches in flight per matching worker: one running, one queued behind it. */
const SHARD_BATCHES_IN_FLIGHT_MAX = 2;

interface ShardQueue {
  records: Command[];
  entries: Pending[];
  inFlight: number;
  batches: number;
  commands: number;
  busyMs: number;
}

export interface ShardListener {
  /** Some commands got their events: the sequencer may release. */
  onMatched(): void;
  /** A worker failed: the exchange stops. */
  onError(error: Error): void;
  /** A batch left for worker `shard` (null when nobody needs to follow batches). */
  readonly onSent: ((shard: number, entries: readonly Pending[], encoded: EncodedCommands) => void) | null;
}

export class Shards {
  private readonly queues: ShardQueue[];
  /** Symbol → instrument index (the router remembers where an id lives and dies). */
  private readonly instrumentIndex: Map<string, number>;
  private listener: ShardListener | null = null;
  /** Set once the workers are being torn down: late answers are dropped. */
  private stopped = false;

  private constructor(
    private readonly hosts: ShardHost[],
    /** Worker of each instrument, by index in configuration order (grows with add_instrument). */
    private readonly shardOfInstrument: number[],
    private readonly batchMax: number,
    private readonly maxOrders: number,
    recovered: Engine,
    private readonly router: Router,
  ) {
    this.queues = hosts.map(() => ({ records: [], entries: [], inFlight: 0, batches: 0, commands: 0, busyMs: 0 }));
    // A copy, extended as adds are logged: the view learns an instrument only once its add is
    // acknowledged, but orders on it may be routed before that.
    this.instrumentIndex = new Map(recovered.instrumentIndex);
  }

  /**
   * The router of the recovered state. Built while the workers restore theirs (it visits every
   * remembered id and live order: ~0.3 s at 300,000 orders, which used to follow the restores).
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

  /** Starts min(workers, instruments) matching workers from the recovered state. */
  static async start(
    workers: number,
    engineOptions: EngineOptions,
    recovered: Engine,
    snapshot: Uint8Array | null,
    batchMax: number,
    /** Pools spawned before recovery (ShardHost.spawn; Exchange.open); those not needed are destroyed. */
    spawned: readonly Piscina[] = [],
  ): Promise<Shards> {
    const instruments = engineOptions.instruments.length;
    const count = Math.min(workers, instruments);
    await Promise.allSettled(spawned.slice(count).map((pool) => pool.destroy()));
    const owned = (worker: number): number[] =>
      Array.from({ length: instruments }, (_, index) => index).filter((index) => index % count === worker);
    const starting = Promise.allSettled(Array.from({ length: count }, (_, i) => ShardHost.start(i, engineOptions, snapshot, owned(i), spawned[i])));
    const shardOfInstrument = Array.from({ length: instruments }, (_, index) => index % count);
    const router = Shards.recoveredRouter(recovered, shardOfInstrument);
    const started = await starting;
    const hosts = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    const failed = started.find((result) => result.status === 'rejected');
    if (failed !== undefined) {
      await Promise.allSettled(hosts.map((host) => host.destroy()));
      throw (failed as PromiseRejectedResult).reason;
    }
    return new Shards(hosts, shardOfInstrument, batchMax, engineOptions.maxOrders ?? Number.MAX_SAFE_INTEGER, recovered, router);
  }

  listen(listener: ShardListener): void {
    this.listener = listener;
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

  /** Queues a logged command for `shard` (as returned by `route`). */
  enqueue(shard: number, entry: Pending): void {
    const record = entry.record;
    if (record.op === 'add_instrument') return this.enqueueAdd(shard, entry);
    if (record.op === 'halt' || record.op === 'resume') {
      this.router.setHalted(this.instrumentIndex.get(record.symbol)!, record.op === 'halt');
    } else {
      const instrument = record.op === 'new' ? (this.instrumentIndex.get(record.symbol) ?? -1) : -1;
      this.router.routed(record.op, record.id, shard, entry.seq, record.time, instrument);
    }
    const queue = this.queues[shard];
    queue.records.push(entry.record);
    queue.entries.push(entry);
  }

  /**
   * add_instrument goes to every worker, in log order with everything else, so each engine gives
   * the instrument the same index (later records name it by index); only `shard`'s events count.
   * The others get a shadow entry whose events nobody reads.
   */
  private enqueueAdd(shard: number, entry: Pending): void {
    const record = entry.record;
    if (record.op !== 'add_instrument') return;
    // The logged form carries the resolved spec (defaults filled: toCommand).
    const spec = record.spec as ResolvedInstrument;
    this.instrumentIndex.set(spec.symbol, this.shardOfInstrument.length);
    this.shardOfInstrument.push(shard);
    this.router.addInstrument();
    for (const host of this.hosts) host.addInstrument(spec);
    for (let s = 0; s < this.queues.length; s++) {
      const queue = this.queues[s];
      queue.records.push(record);
      queue.entries.push(s === shard ? entry : new Pending(entry.seq, record, null, 0));
    }
  }

  /** Sends what is queued, at most SHARD_BATCHES_IN_FLIGHT_MAX batches per worker. */
  send(): void {
    for (let s = 0; s < this.queues.length; s++) this.sendBatches(s);
  }

  private sendBatches(s: number): void {
    const queue = this.queues[s];
    // Bounded by SHARD_BATCHES_IN_FLIGHT_MAX per call.
    while (!this.stopped && queue.records.length > 0 && queue.inFlight < SHARD_BATCHES_IN_FLIGHT_MAX) {
      const take = Math.min(queue.records.length, this.batchMax);
      const records = take === queue.records.length ? queue.records : queue.records.slice(0, take);
      const entries = take === queue.entries.length ? queue.entries : queue.entries.slice(0, take);
      if (take === queue.records.length) {
        queue.records = [];
        queue.entries = [];
      } else {
        queue.records = queue.records.slice(take);
        queue.entries = queue.entries.slice(take);
      }
      queue.inFlight++;
      const seqs = new Float64Array(entries.length);
      for (let i = 0; i < entries.length; i++) seqs[i] = entries[i].seq;
      const { encoded, result } = this.hosts[s].batch(records, seqs);
      this.listener?.onSent?.(s, entries, encoded);
      result.then(
        (outcome) => this.onBatch(s, entries, outcome),
        (error: Error) => this.listener?.onError(new MatchingWorkerError(error.message, { cause: error })),
      );
    }
  }

  private onBatch(s: number, entries: Pending[], outcome: ShardBatchResult): void {
    if (this.stopped) return;
    const queue = this.queues[s];
    queue.inFlight--;
    queue.batches++;
    queue.commands += entries.length;
    queue.busyMs += outcome.workMs;
    const router = this.router;
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i];
      const events = outcome.events[i];
      entry.events = events;
      routeOutcome(router, entry, events, outcome.live[i] === 1);
    }
    this.sendBatches(s);
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

/** Tells the router which ids this command left dead. */
function routeOutcome(router: Router, entry: Pending, events: EngineEvent[], live: boolean): void {
  const seq = entry.seq;
  const record = entry.record;
  if (record.op !== 'new' && record.op !== 'cancel' && record.op !== 'modify') return;
  // A `new` refused by a halt touched nothing: its id may be live on another worker.
  if (record.op === 'new' && events.length === 1 && events[0].type === 'rejected' && events[0].reason === RejectCode.INSTRUMENT_HALTED) return;
  if (!live) router.dead(record.id, seq);
  const id = record.id;
  for (let j = 0; j < events.length; j++) {
    const e = events[j];
    if (e.type === 'trade') {
      if (e.makerRemaining === 0) router.dead(e.makerId, seq);
      // A triggered stop is a taker of another command: it dies when it fills.
      if (e.takerRemaining === 0 && e.takerId !== id) router.dead(e.takerId, seq);
    } else if (e.type === 'cancelled' && e.id !== id) router.dead(e.id, seq);
  }
}

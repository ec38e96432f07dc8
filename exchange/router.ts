// Why this file exists: with several matching workers, a cancel or modify names only an order id,
// so the exchange must know which worker holds that id — and a new order must not reuse an id that
// is live on another worker (one engine would refuse it; two would both accept it). The router
// tracks every id that may be live, by worker, from the outcomes the workers report. Its decisions
// happen before the log, so the log replays exactly whatever the router's timing was:
// - new X while X may be live on another worker: refused before the log (DUPLICATE_ORDER_ID);
//   conservative — X may have just died — but never wrong about a live order;
// - cancel/modify of a recently dead id: sent to the worker where it died, whose engine remembers
//   it and answers TOO_LATE_TO_CANCEL exactly as a single engine would. The router remembers
//   dead ids per instrument like the engines do, with twice their capacity, so it forgets an id
//   only after the engine has (a single command killing more than the engine's capacity on one
//   instrument is the one way to fall short: then the answer is UNKNOWN_ORDER from worker 0);
// - cancel/modify of an id it does not know: sent to worker 0, whose engine refuses it exactly as
//   a single engine would (the id is live nowhere).

import { DeadIds, type OrderId } from '../engine/index.js';

interface Route {
  shard: number;
  /** Instrument of the order (where it will be remembered once dead). */
  instrument: number;
  /** Sequence number of the last command routed for this id. */
  lastSeq: number;
}

export const ROUTE_DUPLICATE = -1;

export class Router {
  private readonly routes = new Map<OrderId, Route>();
  private readonly deadIds: DeadIds;

  constructor(
    /** Worker of each instrument; grows (shared with the shards) as instruments are added. */
    private readonly shardOfInstrument: readonly number[],
    deadIdsPerInstrumentMax: number,
  ) {
    this.deadIds = new DeadIds(shardOfInstrument.length, 2 * deadIdsPerInstrumentMax);
  }

  /** An instrument was added (it took the next index): its dead ids get a ring too. */
  addInstrument(): void {
    this.deadIds.addInstrument();
  }

  /** Remembers an id that was dead in `instrument` when the exchange opened (recovered state). */
  recoveredDead(id: OrderId, instrument: number): void {
    this.deadIds.add(instrument, id, 0);
  }

  /**
   * Worker for a command on `id` (`shard` is the instrument's worker for a new order), or
   * ROUTE_DUPLICATE when a new order must be refused. Changes nothing: see `routed`.
   */
  decide(op: 'new' | 'cancel' | 'modify', id: OrderId, shard: number): number {
    const route = this.routes.get(id);
    if (op === 'new') return route !== undefined && route.shard !== shard ? ROUTE_DUPLICATE : shard;
    if (route !== undefined) return route.shard;
    const instrument = this.deadIds.instrumentOf(id);
    return instrument < 0 ? 0 : this.shardOfInstrument[instrument];
  }

  /** Records that the command at `seq` on `id` was logged and sent to `shard` (`instrument`: new orders). */
  routed(op: 'new' | 'cancel' | 'modify', id: OrderId, shard: number, seq: number, instrument = -1): void {
    const route = this.routes.get(id);
    if (route !== undefined) route.lastSeq = seq;
    else if (op === 'new') this.routes.set(id, { shard, instrument, lastSeq: seq });
  }

  /**
   * `id` is not live after the command at `seq` (its own outcome, or it died as a maker). The
   * route is dropped unless a later command for the id is already on its way; that command's
   * outcome will tell.
   */
  dead(id: OrderId, seq: number): void {
    const route = this.routes.get(id);
    if (route !== undefined && route.lastSeq <= seq) {
      this.routes.delete(id);
      if (route.instrument >= 0) this.deadIds.add(route.instrument, id, 0);
    }
  }

  has(id: OrderId): boolean {
    return this.routes.has(id);
  }

  /** Ids that may be live (an upper bound of the live orders across workers). */
  get size(): number {
    return this.routes.size;
  }
}

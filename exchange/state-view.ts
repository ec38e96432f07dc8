// Why this file exists: the one seam through which the exchange answers queries about the
// acknowledged state (issue 9, "one engine per role"). The process holds the matching workers'
// engines and the backup thread's replica; a third, main-thread replica that applied every
// command again cost ~13% of the main thread (the lead's profile, submitMany, sync). So:
// - with a backup thread (the default: a directory and backup checkpoints), queries are a
//   synchronous request to the backup replica, which is fed records only once they were
//   released and so holds exactly the acknowledged state (BackupThreadView);
// - without one ('memory' without a directory, checkpointMode 'pause'), the main-thread engine
//   stays: it is the only replica, and the paused checkpointer writes it (EngineView).
// `depth` and `top` do not cross threads: a venue polls them, and a query to the backup waits
// behind a checkpoint it is writing (8.4 s for a 500k-order book at load 22). They come from an L2
// view kept from the acknowledged events (DepthFromEvents: `rested` makes depth a function of the
// events), seeded from the replica's L3 book on the first depth/top query, so an exchange whose
// depth nobody reads pays nothing for it.

import { DepthFromEvents, type Command, type Depth, type Engine, type EngineEvent, type L3Book, type OrderId, type OrderStatusView, type OrderView, type ResolvedInstrument, type Top } from '../engine/index.js';
import { BackupQueryError, type BackupQueryMethod } from '../replay/index.js';
import { BackupStuckError, BackupThreadError } from './errors.js';

/** What the exchange's queries read: exact as of the last acknowledged command. */
export interface AcknowledgedView {
  depth(symbol: string, levels: number): Depth;
  top(symbol: string): Top;
  l3(symbol: string, levels: number): L3Book;
  order(id: OrderId): OrderView | undefined;
  orderStatus(id: OrderId): OrderStatusView | undefined;
  stateHash(): string;
  /** Live orders (resting plus pending stops). */
  readonly liveOrders: number;
  /**
   * Command `record` was acknowledged at `seq` with `events` (the engine-backed view applies the
   * command, the L2 view the events). `record` is null unless `readsCommands`.
   */
  acknowledged(record: Command | null, seq: number, events: readonly EngineEvent[]): void;
  /** Whether `acknowledged` reads its events (else it is handed none: they stay rows). */
  readonly readsEvents: boolean;
  /**
   * Whether `acknowledged` needs the command as an object. Why: only the main-thread engine
   * applies commands; for every other view the exchange builds no command object at all.
   */
  readonly readsCommands: boolean;
}

/** Discards events (the view needs the state only). `rested` too: that event is being added (issue 9's L2 view). */
const NULL_SINK = {
  rested(): void {},
  accepted(): void {},
  rejected(): void {},
  trade(): void {},
  cancelled(): void {},
  modified(): void {},
  triggered(): void {},
  instrumentAdded(): void {},
  halted(): void {},
  resumed(): void {},
};

/** A main-thread engine that applies each acknowledged command as it is released. */
export class EngineView implements AcknowledgedView {
  readonly readsEvents = false;
  readonly readsCommands = true;

  constructor(readonly engine: Engine) {}

  depth(symbol: string, levels: number): Depth {
    return this.engine.depth(symbol, levels);
  }

  top(symbol: string): Top {
    return this.engine.top(symbol);
  }

  l3(symbol: string, levels: number): L3Book {
    return this.engine.l3(symbol, levels);
  }

  order(id: OrderId): OrderView | undefined {
    return this.engine.order(id);
  }

  orderStatus(id: OrderId): OrderStatusView | undefined {
    return this.engine.orderStatus(id);
  }

  stateHash(): string {
    return this.engine.stateHash();
  }

  get liveOrders(): number {
    return this.engine.liveOrders;
  }

  acknowledged(record: Command | null, seq: number): void {
    if (record === null) throw new Error('assertion: the engine view is handed every command');
    this.engine.execute(record, NULL_SINK, seq);
  }
}

/** Where the backup-thread view asks (the backup checkpointer). */
export interface ReplicaSource {
  /** Whether the backup thread runs (queries go to it). */
  readonly running: boolean;
  /** Asks the replica synchronously; throws BackupQueryError or EngineError. */
  query(method: BackupQueryMethod, args: unknown[]): unknown;
  /** The replica's state handed back when it stopped at close, or null. */
  readonly finalSnapshot: Uint8Array | null;
}

/** What the backup-thread view needs of the exchange. */
export interface ReplicaViewHost {
  /** Live orders as the matching workers last reported them. */
  readonly liveOrders: number;
  /** The error that stopped the exchange, if any. */
  readonly failure: Error | null;
  /** Stops the exchange (a query found the backup stuck or gone). */
  fail(error: Error): void;
  /** Restores an engine from the final snapshot (queries after close). */
  restore(snapshot: Uint8Array): Engine;
  /** Symbols of the acknowledged instruments, in configuration order (to seed the L2 view). */
  symbols(): readonly string[];
}

/** Levels asked of the replica to seed the L2 view: all of them (an L3 book is bounded by its orders). */
const SEED_LEVELS_ALL = Number.MAX_SAFE_INTEGER;

/**
 * Queries answered by the backup replica. A query waits for the thread's answer: behind the
 * records sent before it and behind a checkpoint the thread is writing (README "Queries").
 * A stuck or dead thread fails the exchange closed with a typed error. After close, the
 * replica's final snapshot is restored here once, on the first query.
 */
export class BackupThreadView implements AcknowledgedView {
  private closed: Engine | null = null;
  /** The L2 view `depth`/`top` read: null until the first of them seeds it. */
  private l2: DepthFromEvents | null = null;

  constructor(
    private readonly source: ReplicaSource,
    private readonly host: ReplicaViewHost,
  ) {}

  depth(symbol: string, levels: number): Depth {
    return this.levels().depth(symbol, levels);
  }

  top(symbol: string): Top {
    return this.levels().top(symbol);
  }

  l3(symbol: string, levels: number): L3Book {
    return this.ask('l3', [symbol, levels]) as L3Book;
  }

  order(id: OrderId): OrderView | undefined {
    return this.ask('order', [id]) as OrderView | undefined;
  }

  orderStatus(id: OrderId): OrderStatusView | undefined {
    return this.ask('orderStatus', [id]) as OrderStatusView | undefined;
  }

  stateHash(): string {
    return this.ask('stateHash', []) as string;
  }

  get liveOrders(): number {
    return this.closed?.liveOrders ?? this.host.liveOrders;
  }

  readonly readsCommands = false;

  acknowledged(_record: Command | null, _seq: number, events: readonly EngineEvent[]): void {
    this.l2?.applyAll(events);
  }

  /** Only once depth/top seeded the L2 view. */
  get readsEvents(): boolean {
    return this.l2 !== null;
  }

  /**
   * The L2 view, seeded on first use with the replica's whole L3 book of every instrument (the
   * acknowledged state: the replica is sent exactly the released commands), then kept by
   * `acknowledged`. Fails like any query while the exchange is failed; after close, a view never
   * seeded is seeded from the final replica, and one already kept stays exact (no command follows).
   */
  private levels(): DepthFromEvents {
    if (this.host.failure !== null && this.closedEngine() === null) throw this.host.failure;
    if (this.l2 !== null) return this.l2;
    const symbols = this.host.symbols();
    const l2 = new DepthFromEvents(symbols);
    for (const symbol of symbols) l2.loadL3(symbol, this.ask('l3', [symbol, SEED_LEVELS_ALL]) as L3Book);
    this.l2 = l2;
    return l2;
  }

  private ask(method: BackupQueryMethod, args: unknown[]): unknown {
    const engine = this.closedEngine();
    if (engine !== null) return (engine[method] as (...a: unknown[]) => unknown).apply(engine, args);
    // A failed exchange answers nothing more: its replica may be gone or behind (fail closed).
    if (this.host.failure !== null) throw this.host.failure;
    const source = this.source;
    if (!source.running) throw new BackupThreadError('not running: no acknowledged state to query');
    try {
      return source.query(method, args);
    } catch (error) {
      if (!(error instanceof BackupQueryError) || error.code === 'BACKUP_QUERY_CLOSING') throw error;
      // Fail closed: a replica nobody can ask is a backup that no longer follows the log either.
      const failure =
        error.code === 'BACKUP_QUERY_TIMEOUT'
          ? new BackupStuckError(error.message, { cause: error })
          : new BackupThreadError(error.message, { cause: error });
      this.host.fail(failure);
      throw failure;
    }
  }

  private closedEngine(): Engine | null {
    if (this.closed !== null) return this.closed;
    const snapshot = this.source.finalSnapshot;
    if (snapshot === null || this.source.running) return null;
    this.closed = this.host.restore(snapshot);
    return this.closed;
  }
}

/** Instruments and halted flags as of the last acknowledged command, kept from admin events. */
export class AcknowledgedInstruments {
  readonly specs: ResolvedInstrument[];
  readonly halted: boolean[];
  private readonly index = new Map<string, number>();

  constructor(specs: readonly ResolvedInstrument[], halted: readonly boolean[]) {
    this.specs = specs.map((spec) => ({ ...spec }));
    this.halted = [...halted];
    this.specs.forEach((spec, i) => this.index.set(spec.symbol, i));
  }

  /** An acknowledged instrument_added, halted or resumed event. */
  added(spec: ResolvedInstrument): void {
    this.index.set(spec.symbol, this.specs.length);
    this.specs.push({ ...spec });
    this.halted.push(false);
  }

  setHalted(symbol: string, halted: boolean): void {
    const i = this.index.get(symbol);
    if (i !== undefined) this.halted[i] = halted;
  }

  list(): Array<ResolvedInstrument & { halted: boolean }> {
    return this.specs.map((spec, i) => ({ ...spec, halted: this.halted[i] }));
  }

  haltedSymbols(): string[] {
    return this.specs.filter((_, i) => this.halted[i]).map((spec) => spec.symbol);
  }
}

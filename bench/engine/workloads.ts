// Why this file exists: throughput and latency figures mean something only for a named, seeded,
// reproducible command stream. This generates the two workloads of issue 2 (`mixed`, `deep`) up
// front, before anything is timed, by driving a generation-time engine and tracking which orders
// are live from its events, so that "cancel a uniformly random live order" is exact. The same
// seed always gives the same stream (checked by `stream_fingerprint`), so results can be compared
// between commits, and the issue-5 experiment and `npm run bench` reuse these generators.

import { createHash } from 'node:crypto';
import { Engine } from '../../engine/index.js';
import type { OrderCommand as Command, Depth, EngineEvent, InstrumentSpec, Side } from '../../engine/index.js';
import { SeededRng } from '../common/rng.js';
import { generateWide, WIDE_INSTRUMENTS, WIDE_PARAMS, type WideParams } from './wide.js';

export const WORKLOAD_NAMES = ['mixed', 'deep', 'wide'] as const;
export type WorkloadName = (typeof WORKLOAD_NAMES)[number];
/** The single-instrument workloads driven through a generation-time engine. */
export type StreamWorkloadName = Exclude<WorkloadName, 'wide'>;

/** The one instrument of both workloads. Prices are in ticks (tickSize 1), quantities in lots. */
export const BENCH_INSTRUMENT: Readonly<Required<Pick<InstrumentSpec, 'symbol' | 'tickSize' | 'lotSize' | 'minPrice' | 'maxPrice'>>> =
  Object.freeze({ symbol: 'BENCH', tickSize: 1, lotSize: 1, minPrice: 1, maxPrice: 20_000 });

/**
 * Every knob of a workload. Percentages are integers. The command mix is drawn per command:
 * `limit_percent` limits, `market_percent` markets, the rest cancels of a uniformly random live
 * order (a cancel drawn while nothing is live becomes a passive limit instead; counted in stats).
 */
export interface WorkloadParams {
  limit_percent: number;
  market_percent: number;
  /** Share of limits that are marketable: priced 1..through_ticks_max ticks through the mid. */
  marketable_percent_of_limits: number;
  through_ticks_max: number;
  /** Passive limits rest passive_ticks_min..passive_ticks_max ticks behind the mid. */
  passive_ticks_min: number;
  passive_ticks_max: number;
  /** Every this many commands the mid moves one tick up or down (50/50); 0 = fixed mid. */
  mid_drift_every_commands: number;
  mid_start_ticks: number;
  qty_lots_min: number;
  qty_lots_max: number;
  /** Orders are spread over this many accounts ("acct-0".."acct-N"); STP is off (`none`). */
  accounts: number;
}

const COMMON_PARAMS = {
  limit_percent: 60,
  market_percent: 10,
  through_ticks_max: 5,
  passive_ticks_min: 1,
  passive_ticks_max: 50,
  mid_start_ticks: 10_000,
  qty_lots_min: 1,
  qty_lots_max: 100,
  accounts: 100,
} as const;

export const WORKLOAD_PARAMS: Readonly<Record<StreamWorkloadName, Readonly<WorkloadParams>>> = Object.freeze({
  /** Trades all the time: a quarter of limits cross, the mid random-walks a tick per 100 commands. */
  mixed: { ...COMMON_PARAMS, marketable_percent_of_limits: 25, mid_drift_every_commands: 100 },
  /** Every limit rests behind a fixed mid; only markets trade, so the book keeps deepening. */
  deep: { ...COMMON_PARAMS, marketable_percent_of_limits: 0, mid_drift_every_commands: 0 },
});

/** Explicit limits: the stream is held in memory (~150 bytes per command). */
export const WORKLOAD_COMMANDS_MAX = 20_000_000;
/** Depth queries for level counts ask for at most this many levels per side. */
const DEPTH_LEVELS_MAX = 1_000_000;
/** Keeps the mid this far inside the price band so every generated price is in range. */
const MID_MARGIN_TICKS = 64;

/** Anything that can stand in for the engine while generating (the engine itself by default). */
export interface WorkloadDriver {
  apply(command: Command): EngineEvent[];
  depth(symbol: string, levels: number): Depth;
  readonly liveOrders: number;
}

export interface WorkloadOptions {
  commands: number;
  seed: number;
  /** Record resting orders and levels every this many commands (default: commands / 10). */
  series_every_commands?: number;
  /** Generation-time engine; default a fresh `Engine` with BENCH_INSTRUMENT. */
  driver?: WorkloadDriver;
  /** Overrides of the named workload's parameters (experiments; the named figures use none). */
  params?: Partial<WorkloadParams>;
}

export interface WorkloadSeriesPoint {
  commands: number;
  resting_orders: number;
  levels: number;
}

export interface WorkloadStats {
  commands: number;
  limit_commands: number;
  marketable_limit_commands: number;
  market_commands: number;
  cancel_commands: number;
  /** Cancels drawn while no order was live, issued as passive limits instead. */
  cancels_replaced_by_limit: number;
  trades: number;
  traded_lots: number;
  /** Commands that produced at least one trade. */
  commands_with_trades: number;
  /** Makers removed because a trade filled them. */
  makers_filled: number;
  /** Market orders with an unfilled remainder (MARKET_REMAINDER), including empty-side ones. */
  market_remainders: number;
  /** Must be 0: every generated command is valid for the engine. */
  rejected: number;
  resting_orders: number;
  resting_orders_max: number;
  levels_bid: number;
  levels_ask: number;
  levels: number;
  best_bid: number | null;
  best_ask: number | null;
  mid_final_ticks: number;
  series: WorkloadSeriesPoint[];
  /** First 16 hex digits of a SHA-256 over the stream: equal fingerprints, equal streams. */
  stream_fingerprint: string;
  generation_ms: number;
}

export interface GeneratedWorkload {
  name: WorkloadName;
  seed: number;
  params: Readonly<WorkloadParams> | Readonly<WideParams>;
  /** The first instrument (the only one of mixed and deep). */
  instrument: Readonly<InstrumentSpec>;
  /** Every instrument the stream trades, in configuration order. */
  instruments: ReadonlyArray<Readonly<InstrumentSpec>>;
  commands: Command[];
  stats: WorkloadStats;
}

export function isWorkloadName(name: string): name is WorkloadName {
  return (WORKLOAD_NAMES as readonly string[]).includes(name);
}

/** A fresh engine holding only the bench instrument (what every bench run starts from). */
export function createBenchEngine(options: { initialOrders?: number } = {}): Engine {
  return new Engine({ instruments: [{ ...BENCH_INSTRUMENT }], ...options });
}

/** A fresh engine for `workload`'s instruments. */
export function createWorkloadEngine(workload: Pick<GeneratedWorkload, 'instruments'>): Engine {
  return new Engine({ instruments: workload.instruments.map((spec) => ({ ...spec })) });
}

/** The command stream alone (see generateWorkloadDetailed for statistics). */
export function generateWorkload(name: WorkloadName, options: WorkloadOptions): Command[] {
  return generateWorkloadDetailed(name, options).commands;
}

/** Live order ids with O(1) insert, O(1) swap-remove and O(1) uniform pick. */
export class LiveSet {
  readonly ids: number[] = [];
  /** Position in `ids` by order id, -1 when not live. Ids are 1..commands. */
  private readonly position: Int32Array;
  readonly account: Uint16Array;

  constructor(idMax: number) {
    this.position = new Int32Array(idMax + 1).fill(-1);
    this.account = new Uint16Array(idMax + 1);
  }

  get size(): number {
    return this.ids.length;
  }

  has(id: number): boolean {
    return this.position[id] >= 0;
  }

  add(id: number, account: number): void {
    this.position[id] = this.ids.length;
    this.ids.push(id);
    this.account[id] = account;
  }

  remove(id: number): void {
    const at = this.position[id];
    if (at < 0) throw new Error(`workload tracker: order ${id} removed but not live`);
    const last = this.ids.pop() as number;
    if (last !== id) {
      this.ids[at] = last;
      this.position[last] = at;
    }
    this.position[id] = -1;
  }
}

function levelCount(depth: Depth): { bid: number; ask: number } {
  return { bid: depth.bids.length, ask: depth.asks.length };
}

/** Generates a workload; throws if the driver disagrees with the tracker (a generator bug). */
export function generateWorkloadDetailed(name: WorkloadName, options: WorkloadOptions): GeneratedWorkload {
  const { commands: total, seed } = options;
  if (!Number.isSafeInteger(total) || total < 1 || total > WORKLOAD_COMMANDS_MAX) {
    throw new RangeError(`commands must be an integer in 1..${WORKLOAD_COMMANDS_MAX}, got ${total}`);
  }
  const started = performance.now();
  if (name === 'wide') return generateWideDetailed(total, seed, started);
  const params: Readonly<WorkloadParams> = { ...WORKLOAD_PARAMS[name], ...options.params };
  const instrument = BENCH_INSTRUMENT;
  const symbol = instrument.symbol;
  const rng = new SeededRng(seed);
  const driver = options.driver ?? createBenchEngine();
  const seriesEvery = options.series_every_commands ?? Math.max(1, Math.floor(total / 10));
  const accounts = Array.from({ length: params.accounts }, (_, i) => `acct-${i}`);
  const live = new LiveSet(total);
  const commands: Command[] = new Array<Command>(total);
  const fingerprint = createHash('sha256');
  const fingerprintRow = new Float64Array(6);

  const midMin = instrument.minPrice + MID_MARGIN_TICKS;
  const midMax = instrument.maxPrice - MID_MARGIN_TICKS;
  let mid = params.mid_start_ticks;
  let nextId = 1;

  const stats: WorkloadStats = {
    commands: total,
    limit_commands: 0,
    marketable_limit_commands: 0,
    market_commands: 0,
    cancel_commands: 0,
    cancels_replaced_by_limit: 0,
    trades: 0,
    traded_lots: 0,
    commands_with_trades: 0,
    makers_filled: 0,
    market_remainders: 0,
    rejected: 0,
    resting_orders: 0,
    resting_orders_max: 0,
    levels_bid: 0,
    levels_ask: 0,
    levels: 0,
    best_bid: null,
    best_ask: null,
    mid_final_ticks: 0,
    series: [],
    stream_fingerprint: '',
    generation_ms: 0,
  };

  for (let i = 0; i < total; i++) {
    if (params.mid_drift_every_commands > 0 && i > 0 && i % params.mid_drift_every_commands === 0) {
      mid += rng.percent(50) ? 1 : -1;
      if (mid < midMin) mid = midMin;
      if (mid > midMax) mid = midMax;
    }
    const time = i + 1;
    const draw = rng.int(0, 99);
    let kind: 'limit' | 'market' | 'cancel' =
      draw < params.limit_percent ? 'limit' : draw < params.limit_percent + params.market_percent ? 'market' : 'cancel';
    if (kind === 'cancel' && live.size === 0) {
      kind = 'limit';
      stats.cancels_replaced_by_limit++;
    }

    let command: Command;
    let accountIndex = 0;
    if (kind === 'cancel') {
      const id = live.ids[rng.index(live.size)];
      command = { op: 'cancel', id, account: accounts[live.account[id]], time };
      stats.cancel_commands++;
      fingerprintRow.set([2, id, 0, 0, 0, live.account[id]]);
    } else {
      const side: Side = rng.percent(50) ? 'buy' : 'sell';
      const qty = rng.int(params.qty_lots_min, params.qty_lots_max) * instrument.lotSize;
      accountIndex = rng.index(params.accounts);
      const id = nextId++;
      const sideCode = side === 'buy' ? 0 : 1;
      if (kind === 'market') {
        command = { op: 'new', id, account: accounts[accountIndex], symbol, side, type: 'market', qty, time };
        stats.market_commands++;
        fingerprintRow.set([1, id, sideCode, 0, qty, accountIndex]);
      } else {
        let offset: number;
        if (params.marketable_percent_of_limits > 0 && rng.percent(params.marketable_percent_of_limits)) {
          offset = rng.int(1, params.through_ticks_max); // through the mid: crosses
          stats.marketable_limit_commands++;
        } else {
          offset = -rng.int(params.passive_ticks_min, params.passive_ticks_max); // behind the mid
        }
        const price = (side === 'buy' ? mid + offset : mid - offset) * instrument.tickSize;
        command = { op: 'new', id, account: accounts[accountIndex], symbol, side, type: 'limit', price, qty, time };
        stats.limit_commands++;
        fingerprintRow.set([0, id, sideCode, price, qty, accountIndex]);
      }
    }
    commands[i] = command;
    fingerprint.update(fingerprintRow);

    // Track live orders from the events (SEMANTICS.md: makers reaching 0 are removed silently).
    const events = driver.apply(command);
    let takerRemaining = command.op === 'new' ? command.qty : 0;
    let takerCancelled = false;
    let traded = false;
    for (const event of events) {
      switch (event.type) {
        case 'trade':
          stats.trades++;
          stats.traded_lots += event.qty;
          traded = true;
          takerRemaining = event.takerRemaining;
          if (event.makerRemaining === 0) {
            live.remove(event.makerId as number);
            stats.makers_filled++;
          }
          break;
        case 'cancelled':
          if (command.op === 'new' && event.id === command.id) {
            takerCancelled = true;
            if (event.reason === 'MARKET_REMAINDER') stats.market_remainders++;
          } else {
            live.remove(event.id as number);
          }
          break;
        case 'rejected':
          stats.rejected++;
          takerCancelled = true;
          break;
        default:
          break;
      }
    }
    if (traded) stats.commands_with_trades++;
    if (command.op === 'new' && command.type === 'limit' && !takerCancelled && takerRemaining > 0) {
      live.add(command.id as number, accountIndex);
    }
    if (live.size > stats.resting_orders_max) stats.resting_orders_max = live.size;
    if ((i + 1) % seriesEvery === 0 || i + 1 === total) {
      const levels = levelCount(driver.depth(symbol, DEPTH_LEVELS_MAX));
      stats.series.push({ commands: i + 1, resting_orders: live.size, levels: levels.bid + levels.ask });
    }
  }

  if (driver.liveOrders !== live.size) {
    throw new Error(`workload tracker: driver has ${driver.liveOrders} live orders, tracker ${live.size}`);
  }
  const depth = driver.depth(symbol, DEPTH_LEVELS_MAX);
  const levels = levelCount(depth);
  stats.resting_orders = live.size;
  stats.levels_bid = levels.bid;
  stats.levels_ask = levels.ask;
  stats.levels = levels.bid + levels.ask;
  stats.best_bid = depth.bids[0]?.[0] ?? null;
  stats.best_ask = depth.asks[0]?.[0] ?? null;
  stats.mid_final_ticks = mid;
  stats.stream_fingerprint = fingerprint.digest('hex').slice(0, 16);
  stats.generation_ms = Math.round(performance.now() - started);
  return { name, seed, params, instrument, instruments: [instrument], commands, stats };
}

function generateWideDetailed(total: number, seed: number, started: number): GeneratedWorkload {
  const { commands, stats: wide } = generateWide(total, seed);
  const stats: WorkloadStats = {
    commands: total,
    limit_commands: wide.limit_commands,
    marketable_limit_commands: 0,
    market_commands: 0,
    cancel_commands: wide.cancel_commands,
    cancels_replaced_by_limit: 0,
    trades: 0,
    traded_lots: 0,
    commands_with_trades: 0,
    makers_filled: 0,
    market_remainders: 0,
    rejected: 0,
    resting_orders: wide.resting_orders,
    resting_orders_max: wide.resting_orders_max,
    levels_bid: 0,
    levels_ask: 0,
    levels: 0,
    best_bid: null,
    best_ask: null,
    mid_final_ticks: 0,
    series: [],
    stream_fingerprint: wide.stream_fingerprint,
    generation_ms: Math.round(performance.now() - started),
  };
  const engine = createWorkloadEngine({ instruments: WIDE_INSTRUMENTS });
  for (const command of commands) engine.apply(command);
  for (const spec of WIDE_INSTRUMENTS) {
    const depth = engine.depth(spec.symbol, DEPTH_LEVELS_MAX);
    stats.levels_bid += depth.bids.length;
    stats.levels_ask += depth.asks.length;
  }
  stats.levels = stats.levels_bid + stats.levels_ask;
  return { name: 'wide', seed, params: WIDE_PARAMS, instrument: WIDE_INSTRUMENTS[0], instruments: WIDE_INSTRUMENTS, commands, stats };
}

// Why this file exists: the recovery experiment needs one seeded command stream that looks like a
// trading day on several instruments — passive orders building deep books, marketable limits and
// market orders trading against them, cancels and modifications of live orders — and that grows
// the books to a few hundred thousand resting orders, so a snapshot is big enough to hurt. It is
// generated up front against a plain Engine (so every cancel or modify names a live order), and
// is the same for every protection mode and in every process that regenerates it from the seed.

import { createHash } from 'node:crypto';
import { Engine, type OrderCommand as Command, type InstrumentSpec, type Side } from '../../engine/index.js';
import { SeededRng } from '../common/rng.js';
import { LiveSet } from '../engine/workloads.js';

/** Percentages of each kind of command, drawn per command (integers summing to 100). */
export const EXPERIMENT_MIX = Object.freeze({
  passive_limit_percent: 66,
  marketable_limit_percent: 6,
  market_percent: 4,
  cancel_percent: 12,
  modify_percent: 12,
});

export const EXPERIMENT_WORKLOAD_DEFAULTS = Object.freeze({
  instruments: 8,
  accounts: 1_000,
  /** Passive limits rest 1..this many ticks behind the mid: deep books, many levels. */
  passive_ticks_max: 300,
  /** Marketable limits are priced 1..this many ticks through the mid. */
  through_ticks_max: 5,
  qty_lots_max: 100,
  /** Each instrument's mid moves a tick up or down every this many of its commands. */
  mid_drift_every_commands: 200,
});

export const EXPERIMENT_COMMANDS_MAX = 20_000_000;

export interface ExperimentWorkload {
  seed: number;
  specs: InstrumentSpec[];
  commands: Command[];
  stats: {
    commands: number;
    passive_limits: number;
    marketable_limits: number;
    markets: number;
    cancels: number;
    modifies: number;
    trades: number;
    /** Resting orders after the last command (all instruments). */
    resting_orders_end: number;
    /** Must be 0: every command is valid when generated in order. */
    rejected: number;
    /** First 16 hex digits of a SHA-256 over the stream (equal fingerprints, equal streams). */
    fingerprint: string;
    generation_ms: number;
  };
}

/** The experiment's instruments (the same for every seed and length). */
export function experimentInstruments(count: number = EXPERIMENT_WORKLOAD_DEFAULTS.instruments): InstrumentSpec[] {
  return Array.from({ length: count }, (_, k) => ({
    symbol: `SYM${String(k).padStart(2, '0')}`,
    tickSize: 1,
    lotSize: 1,
    minPrice: 1,
    maxPrice: 1_000_000,
  }));
}

/** Generates the experiment's stream; throws if any generated command is rejected (a generator bug). */
export function generateExperimentWorkload(commandCount: number, seed: number): ExperimentWorkload {
  if (!Number.isSafeInteger(commandCount) || commandCount < 1 || commandCount > EXPERIMENT_COMMANDS_MAX) {
    throw new RangeError(`commands must be an integer in 1..${EXPERIMENT_COMMANDS_MAX}, got ${commandCount}`);
  }
  const t0 = performance.now();
  const d = EXPERIMENT_WORKLOAD_DEFAULTS;
  const m = EXPERIMENT_MIX;
  const specs = experimentInstruments(d.instruments);
  const engine = new Engine({ instruments: specs, maxOrders: commandCount + 1 });
  const rng = new SeededRng(seed);
  const accounts = Array.from({ length: d.accounts }, (_, i) => `acct-${i}`);
  const live = new LiveSet(commandCount);
  const mids = specs.map((_, k) => 10_000 + 1_000 * k);
  const perInstrument = new Int32Array(specs.length);
  const commands: Command[] = new Array<Command>(commandCount);
  const stats: ExperimentWorkload['stats'] = {
    commands: commandCount,
    passive_limits: 0,
    marketable_limits: 0,
    markets: 0,
    cancels: 0,
    modifies: 0,
    trades: 0,
    resting_orders_end: 0,
    rejected: 0,
    fingerprint: '',
    generation_ms: 0,
  };
  const fingerprint = createHash('sha256');
  const row = new Float64Array(6);
  let nextId = 1;
  const cancelAt = m.passive_limit_percent + m.marketable_limit_percent + m.market_percent;
  const modifyAt = cancelAt + m.cancel_percent;

  for (let i = 0; i < commandCount; i++) {
    const time = i + 1;
    let draw = rng.int(0, 99);
    // With nothing live, a cancel or modify becomes a passive limit.
    if (draw >= cancelAt && live.size === 0) draw = 0;
    let command: Command;
    if (draw >= cancelAt) {
      const id = live.ids[rng.index(live.size)];
      const account = accounts[live.account[id]];
      if (draw < modifyAt) {
        command = { op: 'cancel', id, account, time };
        stats.cancels++;
      } else {
        const order = engine.order(id)!;
        const kind = rng.int(0, 3);
        // Half shrink in place (priority kept), a quarter reprice by a few ticks (may cross),
        // a quarter grow (priority lost).
        const price = kind === 2 ? Math.max(1, order.price + (rng.percent(50) ? 1 : -1) * rng.int(1, 10)) : order.price;
        const qty = kind <= 1 ? Math.max(1, order.qty >> 1) : kind === 2 ? order.qty : order.qty + rng.int(1, d.qty_lots_max);
        command = { op: 'modify', id, account, price, qty, time };
        stats.modifies++;
      }
    } else {
      const k = rng.index(specs.length);
      if (++perInstrument[k] % d.mid_drift_every_commands === 0) mids[k] += rng.percent(50) ? 1 : -1;
      const side: Side = rng.percent(50) ? 'buy' : 'sell';
      const accountIndex = rng.index(d.accounts);
      const qty = rng.int(1, d.qty_lots_max);
      const id = nextId++;
      const account = accounts[accountIndex];
      const symbol = specs[k].symbol;
      // Literal objects of one shape per kind (spreads made the parser's objects megamorphic).
      if (draw < m.passive_limit_percent) {
        const behind = rng.int(1, d.passive_ticks_max);
        const price = side === 'buy' ? mids[k] - behind : mids[k] + behind;
        command = { op: 'new', id, account, symbol, side, type: 'limit', price, qty, tif: 'GTC', time };
        stats.passive_limits++;
      } else if (draw < m.passive_limit_percent + m.marketable_limit_percent) {
        const through = rng.int(1, d.through_ticks_max);
        const price = side === 'buy' ? mids[k] + through : mids[k] - through;
        command = { op: 'new', id, account, symbol, side, type: 'limit', price, qty, tif: rng.percent(50) ? 'IOC' : 'GTC', time };
        stats.marketable_limits++;
      } else {
        command = { op: 'new', id, account, symbol, side, type: 'market', qty, tif: 'IOC', time };
        stats.markets++;
      }
      live.account[id] = accountIndex;
    }
    commands[i] = command;
    const c = command;
    row[0] = c.op === 'new' ? (c.type === 'limit' ? 1 : 2) : c.op === 'cancel' ? 3 : 4;
    row[1] = c.id as number;
    row[2] = c.op === 'new' ? (c.side === 'buy' ? 1 : 2) + 4 * specs.findIndex((spec) => spec.symbol === c.symbol) : 0;
    row[3] = c.op === 'cancel' ? 0 : (c.price ?? 0);
    row[4] = c.op === 'cancel' ? 0 : (c.qty ?? 0);
    row[5] = Number(c.account.slice(5));
    fingerprint.update(row);

    const events = engine.apply(command);
    for (const event of events) {
      if (event.type === 'trade') {
        stats.trades++;
        if (event.makerRemaining === 0) live.remove(event.makerId as number);
      } else if (event.type === 'rejected') {
        stats.rejected++;
      } else if (event.type === 'cancelled' && event.id !== command.id) {
        live.remove(event.id as number);
      }
    }
    // The command's own order: live now or not (a modify may have filled it; a cancel removed it).
    const id = command.id as number;
    const isLive = engine.isLive(id);
    if (isLive && !live.has(id)) live.add(id, live.account[id]);
    else if (!isLive && live.has(id)) live.remove(id);
  }
  if (stats.rejected > 0) throw new Error(`experiment workload: ${stats.rejected} generated commands were rejected`);
  if (engine.liveOrders !== live.size) {
    throw new Error(`experiment workload: engine has ${engine.liveOrders} live orders, tracker ${live.size}`);
  }
  stats.resting_orders_end = live.size;
  stats.fingerprint = fingerprint.digest('hex').slice(0, 16);
  stats.generation_ms = performance.now() - t0;
  return { seed, specs, commands, stats };
}

/** Regenerates the parent's stream in a child; throws if it is not the same stream. */
export function regenerateExperimentWorkload(commandCount: number, seed: number, fingerprint: string): ExperimentWorkload {
  const workload = generateExperimentWorkload(commandCount, seed);
  if (workload.stats.fingerprint !== fingerprint) {
    throw new Error(`workload fingerprint ${workload.stats.fingerprint} differs from the parent's ${fingerprint}`);
  }
  return workload;
}

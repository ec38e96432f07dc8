// Why this file exists: `mixed` and `deep` keep their book within ±50 ticks of one instrument, so
// they never show what a real venue's book costs: thousands of levels per side on several
// instruments (issue 11 measured 400,000 passive limits over ±3,000 ticks at ~300k/s, 3–6× slower
// than the same orders within ±40 ticks). `wide` is that case as a seeded stream: first passive
// limits spread uniformly over ±WIDE_BAND_TICKS around a fixed mid on WIDE_INSTRUMENT_COUNT
// instruments (drawn at random, so consecutive commands hit different books), then a mix of
// cancels and modifies of uniformly random live orders plus more passive limits. Nothing crosses
// (bids below the mid, asks above, modifies stay on their side), so the live set is known exactly
// without reading events, and the stream is checked against the engine like the others.

import { createHash } from 'node:crypto';
import type { OrderCommand as Command, InstrumentSpec, Side } from '../../engine/index.js';
import { SeededRng } from '../common/rng.js';

export const WIDE_INSTRUMENT_COUNT = 4;
export const WIDE_BAND_TICKS = 3_000;
const WIDE_MID_TICKS = 10_000;

export const WIDE_INSTRUMENTS: ReadonlyArray<Readonly<InstrumentSpec>> = Object.freeze(
  Array.from({ length: WIDE_INSTRUMENT_COUNT }, (_, i) =>
    Object.freeze({ symbol: `WIDE${i}`, tickSize: 1, lotSize: 1, minPrice: 1, maxPrice: 20_000 }),
  ),
);

export interface WideParams {
  /** Share of the stream (percent) that is the opening phase of passive limits only. */
  build_percent: number;
  /** After the build phase, each command is a limit / cancel / modify with these weights (percent). */
  later_limit_percent: number;
  later_cancel_percent: number;
  band_ticks: number;
  instruments: number;
  qty_lots_min: number;
  qty_lots_max: number;
}

export const WIDE_PARAMS: Readonly<WideParams> = Object.freeze({
  build_percent: 40,
  later_limit_percent: 30,
  later_cancel_percent: 35,
  band_ticks: WIDE_BAND_TICKS,
  instruments: WIDE_INSTRUMENT_COUNT,
  qty_lots_min: 1,
  qty_lots_max: 100,
});

export interface WideStats {
  limit_commands: number;
  cancel_commands: number;
  modify_commands: number;
  resting_orders: number;
  resting_orders_max: number;
  stream_fingerprint: string;
}

/** Live orders with O(1) add, swap-remove and uniform pick; side and instrument kept per id. */
class WideLive {
  readonly ids: number[] = [];
  private readonly position: Int32Array;
  readonly side: Uint8Array;
  readonly instrument: Uint8Array;

  constructor(idMax: number) {
    this.position = new Int32Array(idMax + 1).fill(-1);
    this.side = new Uint8Array(idMax + 1);
    this.instrument = new Uint8Array(idMax + 1);
  }

  add(id: number, side: number, instrument: number): void {
    this.position[id] = this.ids.length;
    this.ids.push(id);
    this.side[id] = side;
    this.instrument[id] = instrument;
  }

  remove(id: number): void {
    const at = this.position[id];
    const last = this.ids.pop() as number;
    if (last !== id) {
      this.ids[at] = last;
      this.position[last] = at;
    }
    this.position[id] = -1;
  }
}

/** The `wide` stream with integer ids 1.. and account "acct-0" (see variants.ts for the others). */
export function generateWide(total: number, seed: number, params: Readonly<WideParams> = WIDE_PARAMS): { commands: Command[]; stats: WideStats } {
  const rng = new SeededRng(seed);
  const live = new WideLive(total);
  const commands = new Array<Command>(total);
  const fingerprint = createHash('sha256');
  const row = new Float64Array(5);
  const build = Math.floor((total * params.build_percent) / 100);
  const stats: WideStats = { limit_commands: 0, cancel_commands: 0, modify_commands: 0, resting_orders: 0, resting_orders_max: 0, stream_fingerprint: '' };
  let nextId = 1;
  const priceOn = (side: number): number => {
    const offset = rng.int(1, params.band_ticks);
    return side === 0 ? WIDE_MID_TICKS - offset : WIDE_MID_TICKS + offset;
  };
  for (let i = 0; i < total; i++) {
    const time = i + 1;
    const draw = i < build ? 0 : rng.int(0, 99);
    let kind = draw < params.later_limit_percent ? 0 : draw < params.later_limit_percent + params.later_cancel_percent ? 1 : 2;
    if (kind !== 0 && live.ids.length === 0) kind = 0;
    let command: Command;
    if (kind === 0) {
      const instrument = rng.index(params.instruments);
      const side = rng.int(0, 1);
      const price = priceOn(side);
      const qty = rng.int(params.qty_lots_min, params.qty_lots_max);
      const id = nextId++;
      const sideName: Side = side === 0 ? 'buy' : 'sell';
      command = { op: 'new', id, account: 'acct-0', symbol: WIDE_INSTRUMENTS[instrument].symbol, side: sideName, type: 'limit', price, qty, time };
      live.add(id, side, instrument);
      stats.limit_commands++;
      row.set([0, id, instrument * 2 + side, price, qty]);
    } else if (kind === 1) {
      const id = live.ids[rng.index(live.ids.length)];
      command = { op: 'cancel', id, account: 'acct-0', time };
      live.remove(id);
      stats.cancel_commands++;
      row.set([1, id, 0, 0, 0]);
    } else {
      const id = live.ids[rng.index(live.ids.length)];
      const price = priceOn(live.side[id]);
      const qty = rng.int(params.qty_lots_min, params.qty_lots_max);
      command = { op: 'modify', id, account: 'acct-0', price, qty, time };
      stats.modify_commands++;
      row.set([2, id, 0, price, qty]);
    }
    commands[i] = command;
    fingerprint.update(row);
    if (live.ids.length > stats.resting_orders_max) stats.resting_orders_max = live.ids.length;
  }
  stats.resting_orders = live.ids.length;
  stats.stream_fingerprint = fingerprint.digest('hex').slice(0, 16);
  return { commands, stats };
}

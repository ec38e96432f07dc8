// Why this file exists: "orders lost" must be counted, not assumed. The reference is a plain
// Engine fed the workload in order — exactly what the exchange should hold after any prefix of
// it. After a crash and restart, the recovered exchange's state hash must equal the reference at
// the number of commands the exchange says it holds (else the state is not a prefix at all), and
// its resting orders are compared one by one with the reference at the crash point.

import { Engine, type OrderCommand as Command, type EngineEvent, type InstrumentSpec, type L3Book, type OrderId } from '../../engine/index.js';

/** Every level of a book: the comparison reads whole books, never one order at a time. */
const LEVELS_ALL = Number.MAX_SAFE_INTEGER;

/** One resting order as an L3 book shows it (the experiment's workload has limits and markets only, so displayed = open quantity). */
interface Resting {
  side: 'buy' | 'sell';
  price: number;
  qty: number;
}

/** Every resting order of the books `l3` reads, by id. */
export function restingOrders(symbols: readonly string[], l3: (symbol: string, levels: number) => L3Book): Map<OrderId, Resting> {
  const resting = new Map<OrderId, Resting>();
  for (const symbol of symbols) {
    const book = l3(symbol, LEVELS_ALL);
    for (const level of book.bids) for (const order of level.orders) resting.set(order.id, { side: 'buy', price: level.price, qty: order.qty });
    for (const level of book.asks) for (const order of level.orders) resting.set(order.id, { side: 'sell', price: level.price, qty: order.qty });
  }
  return resting;
}

export interface LossCount {
  /** Acknowledged commands whose effect is not in the recovered state. */
  acked_commands_lost: number;
  /** Of those, new orders (every generated order was accepted when acknowledged). */
  acked_orders_lost: number;
  /** Trades acknowledged to both sides that the recovered state does not contain. */
  trades_lost: number;
  /** Logged-but-unacknowledged commands the recovered state holds (allowed, not lost). */
  unacked_kept: number;
  /** Orders resting at the crash that are absent or different after recovery. */
  resting_missing: number;
  /** Orders resting after recovery that were not (or not so) at the crash: cancels and fills undone. */
  resting_revived: number;
  /** Orders the comparison covered (resting in the reference). */
  resting_compared: number;
}

export class Reference {
  /** tradesBefore[i]: trades produced by commands [0, i). */
  private readonly tradesBefore: Int32Array;
  /** newOrdersBefore[i]: new-order commands among [0, i). */
  private readonly newOrdersBefore: Int32Array;
  private engine: Engine;
  private at = 0;

  constructor(
    private readonly specs: InstrumentSpec[],
    private readonly commands: readonly Command[],
  ) {
    this.engine = this.fresh();
    this.tradesBefore = new Int32Array(commands.length + 1);
    this.newOrdersBefore = new Int32Array(commands.length + 1);
    for (let i = 0; i < commands.length; i++) {
      const events = this.engine.apply(commands[i]);
      let trades = 0;
      for (const event of events) if (event.type === 'trade') trades++;
      this.tradesBefore[i + 1] = this.tradesBefore[i] + trades;
      this.newOrdersBefore[i + 1] = this.newOrdersBefore[i] + (commands[i].op === 'new' ? 1 : 0);
    }
    this.at = commands.length;
  }

  private fresh(): Engine {
    return new Engine({ instruments: this.specs, maxOrders: this.commands.length + 1 });
  }

  /** The reference engine after exactly `count` commands (moves forward, or starts over). */
  after(count: number): Engine {
    if (!Number.isSafeInteger(count) || count < 0 || count > this.commands.length) {
      throw new RangeError(`reference: ${count} commands asked, ${this.commands.length} generated`);
    }
    if (count < this.at) {
      this.engine = this.fresh();
      this.at = 0;
    }
    for (; this.at < count; this.at++) this.engine.apply(this.commands[this.at]);
    return this.engine;
  }

  /** Events of command `index` applied after the first `index` (moves the reference past it). */
  eventsOf(index: number): EngineEvent[] {
    const engine = this.after(index);
    const events = engine.apply(this.commands[index]);
    this.at = index + 1;
    return events;
  }

  stateHashAfter(count: number): string {
    return this.after(count).stateHash();
  }

  /**
   * Compares a recovered exchange holding `recovered` commands with the acknowledged `acked`
   * commands. `l3` reads one instrument's whole book from the recovered state: one query per
   * instrument, not one per order (an exchange answers queries from its backup thread, and a
   * round trip per resting order made the check the slowest part of the experiment).
   */
  loss(acked: number, recovered: number, l3: (symbol: string, levels: number) => L3Book): LossCount {
    const lostFrom = Math.min(recovered, acked);
    // The state to compare with: the crash point, or the longer logged prefix the exchange kept.
    const reference = this.after(Math.max(acked, recovered));
    const symbols = this.specs.map((spec) => spec.symbol);
    const expected = restingOrders(symbols, (symbol, levels) => reference.l3(symbol, levels));
    const actual = restingOrders(symbols, l3);
    let same = 0;
    for (const [id, want] of expected) {
      const got = actual.get(id);
      if (got !== undefined && got.price === want.price && got.qty === want.qty && got.side === want.side) same++;
    }
    const compared = expected.size;
    return {
      acked_commands_lost: acked - lostFrom,
      acked_orders_lost: this.newOrdersBefore[acked] - this.newOrdersBefore[lostFrom],
      trades_lost: this.tradesBefore[acked] - this.tradesBefore[lostFrom],
      unacked_kept: Math.max(0, recovered - acked),
      resting_missing: compared - same,
      resting_revived: actual.size - same,
      resting_compared: compared,
    };
  }
}

// Why this file exists: "orders lost" must be counted, not assumed. The reference is a plain
// Engine fed the workload in order — exactly what the exchange should hold after any prefix of
// it. After a crash and restart, the recovered exchange's state hash must equal the reference at
// the number of commands the exchange says it holds (else the state is not a prefix at all), and
// its resting orders are compared one by one with the reference at the crash point.

import { Engine, type OrderCommand as Command, type EngineEvent, type InstrumentSpec, type OrderId, type OrderView } from '../../engine/index.js';

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
   * commands. `lookup` reads one order of the recovered state; `liveRecovered` is its count.
   */
  loss(acked: number, recovered: number, lookup: (id: OrderId) => OrderView | undefined, liveRecovered: number): LossCount {
    const lostFrom = Math.min(recovered, acked);
    // The state to compare with: the crash point, or the longer logged prefix the exchange kept.
    const reference = this.after(Math.max(acked, recovered));
    let compared = 0;
    let same = 0;
    reference.forEachLiveOrder((id) => {
      compared++;
      const expected = reference.order(id)!;
      const actual = lookup(id);
      if (actual !== undefined && actual.price === expected.price && actual.qty === expected.qty && actual.side === expected.side) same++;
    });
    return {
      acked_commands_lost: acked - lostFrom,
      acked_orders_lost: this.newOrdersBefore[acked] - this.newOrdersBefore[lostFrom],
      trades_lost: this.tradesBefore[acked] - this.tradesBefore[lostFrom],
      unacked_kept: Math.max(0, recovered - acked),
      resting_missing: compared - same,
      resting_revived: liveRecovered - same,
      resting_compared: compared,
    };
  }
}

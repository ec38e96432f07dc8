// Why this file exists: the loss count: a recovered state is compared with a plain engine fed the acknowledged
// commands. Checked here on a small stream with known answers, including the revived orders a
// lost cancel brings back and the unacknowledged tail a log may keep.

import { describe, expect, it } from 'vitest';
import { Engine, type OrderCommand as Command } from '../../engine/index.js';
import { Reference } from '../../bench/experiment/reference.js';

const SPECS = [{ symbol: 'X', tickSize: 1, lotSize: 1, minPrice: 1, maxPrice: 1_000 }];
const COMMANDS: Command[] = [
  { op: 'new', id: 1, account: 'a', symbol: 'X', side: 'buy', type: 'limit', price: 100, qty: 10, time: 1 },
  { op: 'new', id: 2, account: 'b', symbol: 'X', side: 'sell', type: 'limit', price: 105, qty: 10, time: 2 },
  { op: 'new', id: 3, account: 'c', symbol: 'X', side: 'sell', type: 'limit', price: 100, qty: 4, time: 3 }, // trades 4 with 1
  { op: 'cancel', id: 2, account: 'b', time: 4 },
  { op: 'new', id: 4, account: 'd', symbol: 'X', side: 'buy', type: 'limit', price: 99, qty: 7, time: 5 },
];

function recoveredAfter(count: number): Engine {
  const engine = new Engine({ instruments: SPECS });
  for (const c of COMMANDS.slice(0, count)) engine.apply(c);
  return engine;
}

describe('Reference.loss', () => {
  const reference = new Reference(SPECS, COMMANDS);

  it('counts nothing lost when the recovered state holds every acknowledged command', () => {
    const recovered = recoveredAfter(5);
    expect(reference.stateHashAfter(5)).toBe(recovered.stateHash());
    expect(reference.loss(5, 5, (symbol, levels) => recovered.l3(symbol, levels))).toEqual({
      acked_commands_lost: 0,
      acked_orders_lost: 0,
      trades_lost: 0,
      unacked_kept: 0,
      resting_missing: 0,
      resting_revived: 0,
      resting_compared: 2,
    });
  });

  it('counts the lost orders, trades and the cancel that is undone', () => {
    // Restarted after 2 commands: order 3 (and its trade), the cancel of 2 and order 4 are gone.
    const recovered = recoveredAfter(2);
    expect(reference.loss(5, 2, (symbol, levels) => recovered.l3(symbol, levels))).toEqual({
      acked_commands_lost: 3,
      acked_orders_lost: 2,
      trades_lost: 1,
      unacked_kept: 0,
      // At the crash: 1 (6 left) and 4 rest. Recovered: 1 (10 left, differs) and 2 (cancelled: revived).
      resting_missing: 2,
      resting_revived: 2,
      resting_compared: 2,
    });
  });

  it('accepts a logged-but-unacknowledged tail as kept, not lost', () => {
    const recovered = recoveredAfter(5);
    expect(reference.loss(3, 5, (symbol, levels) => recovered.l3(symbol, levels))).toMatchObject({
      acked_commands_lost: 0,
      unacked_kept: 2,
      resting_missing: 0,
      resting_revived: 0,
    });
  });

  it('gives the events of one command after a prefix, moving forward or starting over', () => {
    expect(reference.eventsOf(2).map((e) => e.type)).toEqual(['accepted', 'trade']);
    expect(reference.eventsOf(0).map((e) => e.type)).toEqual(['accepted', 'rested']);
    expect(() => reference.after(6)).toThrow(new RangeError('reference: 6 commands asked, 5 generated'));
  });
});

// Why this file exists: every allowed shape of id and account, and extreme prices and quantities, must cross every
// boundary unchanged: the log (msgpack), the binary channels to the matching workers and the
// backup thread, checkpoints and recovery. Events and state must equal a plain engine's.

import { afterEach, describe, expect, it } from 'vitest';
import type { InstrumentSpec, OrderId } from '../../index.js';
import { Reference, Scope, wire } from './fixtures/common.js';

const WIDE: InstrumentSpec[] = [
  { symbol: 'A', tickSize: 1, lotSize: 1, minPrice: 1, maxPrice: 2 ** 48, maxQty: 2 ** 32 - 1 },
  { symbol: 'Ωmega-😀', tickSize: 7, lotSize: 3, minPrice: 7, maxPrice: 7_000_000 },
];

const IDS: OrderId[] = [
  0,
  -0,
  1,
  -1,
  Number.MAX_SAFE_INTEGER,
  -Number.MAX_SAFE_INTEGER,
  '0',
  '1',
  '-0',
  '__proto__',
  'constructor',
  'hasOwnProperty',
  '😀',
  'x'.repeat(64),
  'é\u0000nul',
  ' ',
];
const ACCOUNTS = ['__proto__', 'çarol 😀', 'a'.repeat(64), 'toString', '\u0000'];

function commandsFor(): object[] {
  const commands: object[] = [];
  IDS.forEach((id, i) => {
    const account = ACCOUNTS[i % ACCOUNTS.length];
    const spec = WIDE[i % 2];
    const buy = i % 3 !== 0;
    const price = spec.symbol === 'A' ? (i % 4 === 0 ? 2 ** 48 - i : 1 + i) : spec.tickSize * (1_000 + i);
    const qty = spec.symbol === 'A' ? (i % 5 === 0 ? 2 ** 32 - 1 : 1 + i) : spec.lotSize * (1 + i);
    commands.push({ op: 'new', id, account, symbol: spec.symbol, side: buy ? 'buy' : 'sell', type: 'limit', price, qty, stp: 'cancel_maker' });
  });
  // Cross both books with market orders (trades name makers' ids and accounts), then touch each id.
  commands.push({ op: 'new', id: 'm1', account: 'çarol 😀', symbol: 'A', side: 'sell', type: 'market', qty: 2 ** 32 - 1 });
  commands.push({ op: 'new', id: 'm2', account: '__proto__', symbol: 'Ωmega-😀', side: 'buy', type: 'market', qty: 3 * 40, tif: 'FOK' });
  IDS.forEach((id, i) => {
    const account = ACCOUNTS[i % ACCOUNTS.length];
    if (i % 2 === 0) commands.push({ op: 'cancel', id, account });
    else commands.push({ op: 'modify', id, account, price: WIDE[1].tickSize * 900, qty: WIDE[1].lotSize });
  });
  return commands;
}

describe('edge values', () => {
  const scope = new Scope();
  afterEach(() => scope.dispose());

  it.each([1, 2])('ids, accounts, prices and quantities at their limits round-trip (workers: %i)', async (workers) => {
    const dir = scope.dir();
    const ex = await scope.open({ dir, instruments: WIDE, workers, maxOrders: 1_000, markEvery: 5, checkpointEvery: 7 });
    const reference = new Reference(WIDE, 1_000);
    const commands = commandsFor();
    // Place every order first, then check the live views, then the rest.
    const placed = await Promise.all(commands.slice(0, IDS.length).map((c) => ex.submit(wire(c))));
    placed.forEach((r, i) => expect(r.events, JSON.stringify(commands[i])).toEqual(reference.apply(commands[i])));
    for (const id of IDS) expect(ex.order(id), String(id)).toEqual(reference.engine.order(id));
    const rest = await Promise.all(commands.slice(IDS.length).map((c) => ex.submit(wire(c))));
    rest.forEach((r, i) => expect(r.events, JSON.stringify(commands[IDS.length + i])).toEqual(reference.apply(commands[IDS.length + i])));
    for (const spec of WIDE) expect(ex.depth(spec.symbol, 100)).toEqual(reference.engine.depth(spec.symbol, 100));
    expect(ex.stateHash()).toBe(reference.stateHash());
    await ex.close();
    expect(ex.stats().checkpoints.divergence).toBeNull();
    const warnings: string[] = [];
    const again = await scope.open({ dir, workers, onWarning: (m) => warnings.push(m) });
    expect(again.stateHash()).toBe(reference.stateHash());
    for (const id of IDS) expect(again.order(id), String(id)).toEqual(reference.engine.order(id));
    expect(warnings).toEqual([]);
  });
});

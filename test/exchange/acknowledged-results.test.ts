// Why this file exists: the digest and the router read a command's events as the worker's numeric
// rows; the caller's result is built from the same rows and must stay a plain object: `events` an
// own enumerable property equal to Engine.apply's events, the same array on every read, kept by
// spread and JSON — for `submit` and `submitMany` alike.

import { afterEach, describe, expect, it } from 'vitest';
import { type Command, Engine, type ExchangeCommand } from '../../index.js';
import { ACME, Scope } from './fixtures/common.js';

const ORDERS: ExchangeCommand[] = [
  { op: 'new', id: 'm1', account: 'alice', symbol: 'ACME', side: 'sell', type: 'limit', price: 100, qty: 5 },
  { op: 'new', id: 'm2', account: 'bob', symbol: 'ACME', side: 'sell', type: 'limit', price: 101, qty: 5 },
  { op: 'new', id: 't1', account: 'carol', symbol: 'ACME', side: 'buy', type: 'market', qty: 7 },
  { op: 'cancel', id: 'nobody', account: 'carol' },
];

describe('acknowledged results built from the rows', () => {
  const scope = new Scope();
  afterEach(() => scope.dispose());

  it('submit and submitMany results look like plain objects with the events Engine.apply returns', async () => {
    const ex = await scope.open({ dir: scope.dir(), instruments: [ACME] });
    const reference = new Engine({ instruments: [ACME] });
    const one = await ex.submit(ORDERS[0]);
    const many = await ex.submitMany(ORDERS.slice(1));
    const results = [one, ...many];
    results.forEach((result, i) => {
      expect(Object.keys(result)).toEqual(['seq', 'time', 'events']);
      const events = result.events;
      expect(result.events).toBe(events);
      expect(events).toEqual(reference.apply({ ...ORDERS[i], time: result.time } as Command, result.seq!));
      expect({ ...result }).toEqual({ seq: i + 1, time: result.time, events });
      expect(JSON.parse(JSON.stringify(result))).toEqual(JSON.parse(JSON.stringify({ seq: i + 1, time: result.time, events })));
    });
    expect(many[1].events.filter((e) => e.type === 'trade')).toHaveLength(2);
  });
});

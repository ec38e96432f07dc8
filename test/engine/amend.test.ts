// Why this file exists: size-only and price-only modifies (SEMANTICS.md "modify"): an absent
// `price` keeps the order's price, an absent `qty` keeps its open quantity, and the usual priority
// rule decides whether the order keeps its place.

import { describe, expect, it } from 'vitest';
import type { OrderCommand as Command } from '../../engine/types.js';
import { IMPLS, acmeOptions, limit, modified, run } from './harness.js';

let time = 10_000_000;
function amend(id: string, account: string, fields: { price?: number; qty?: number }): Command {
  return { op: 'modify', id, account, ...fields, time: time++ };
}

describe.each(IMPLS)('size-only and price-only modify ($name)', (impl) => {
  it('qty only keeps the price; a decrease keeps priority', () => {
    const e = impl.create(acmeOptions());
    run(e, [limit('a', 'ann', 'buy', 100, 10), limit('b', 'bob', 'buy', 100, 10)]);
    expect(e.apply(amend('a', 'ann', { qty: 4 }))).toEqual([
      modified({ id: 'a', account: 'ann', side: 'buy', price: 100, qty: 4, oldPrice: 100, oldQty: 10, priorityKept: true }),
    ]);
    expect(e.order('a')).toMatchObject({ price: 100, qty: 4 });
  });

  it('qty only, larger: keeps the price and goes to the back of the queue', () => {
    const e = impl.create(acmeOptions());
    run(e, [limit('a', 'ann', 'sell', 100, 1), limit('b', 'bob', 'sell', 100, 1)]);
    expect(e.apply(amend('a', 'ann', { qty: 5 }))[0]).toMatchObject({ priorityKept: false, price: 100, qty: 5 });
    const t = run(e, [limit('t', 'tom', 'buy', 100, 1)])[0];
    expect(t[1]).toMatchObject({ type: 'trade', makerId: 'b' });
  });

  it('price only keeps the open qty (after a partial fill) and may trade at once', () => {
    const e = impl.create(acmeOptions());
    run(e, [limit('a', 'ann', 'buy', 100, 10), limit('s', 'sid', 'sell', 100, 4), limit('x', 'xan', 'sell', 102, 2)]);
    const events = e.apply(amend('a', 'ann', { price: 102 }));
    expect(events[0]).toEqual(
      modified({ id: 'a', account: 'ann', side: 'buy', price: 102, qty: 6, oldPrice: 100, oldQty: 6, priorityKept: false }),
    );
    expect(events[1]).toMatchObject({ type: 'trade', makerId: 'x', qty: 2, takerRemaining: 4 });
    expect(e.order('a')).toMatchObject({ price: 102, qty: 4 });
  });
});

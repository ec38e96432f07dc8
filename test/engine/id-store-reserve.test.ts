// Why this file exists: Engine.restore presizes the id memory from the snapshot's entry count
// (IdStore.reserve, OrderIds.reserve) instead of growing it by doubling. A reserved store must
// keep what it held, hold the reserved count without growing, and find every id; a restored
// engine must be the same state as before.

import { describe, expect, it } from 'vitest';
import { Engine } from '../../engine/index.js';
import { hashId } from '../../engine/id-index.js';
import { IdStore } from '../../engine/id-store.js';

describe('IdStore.reserve', () => {
  it('keeps the entries it held and finds every id after filling the reserved room', () => {
    const store = new IdStore(4);
    const ids: Array<string | number> = ['a', 7, 'a-much-longer-id-than-the-inline-bytes'];
    ids.forEach((id, entry) => {
      store.write(entry, id, hashId(id));
      store.insert(entry);
    });
    store.reserve(5000);
    expect(store.capacity).toBeGreaterThanOrEqual(5000);
    const capacity = store.capacity;
    for (let entry = ids.length; entry < 5000; entry++) {
      const id = entry % 2 === 0 ? `o-${entry}` : entry * 1000;
      ids.push(id);
      store.write(entry, id, hashId(id));
      store.insert(entry);
    }
    expect(store.capacity).toBe(capacity);
    ids.forEach((id, entry) => {
      expect(store.find(id, hashId(id))).toBe(entry);
      expect(store.idAt(entry)).toBe(id);
    });
    expect(store.find('absent', hashId('absent'))).toBe(-1);
  });

  it('a smaller reserve than held changes nothing', () => {
    const store = new IdStore(64);
    store.write(0, 'x', hashId('x'));
    store.insert(0);
    store.reserve(10);
    expect(store.capacity).toBe(64);
    expect(store.find('x', hashId('x'))).toBe(0);
  });
});

describe('Engine.restore with a presized id memory', () => {
  it('restores the same state hash and answers every order and remembered id', () => {
    const engine = new Engine({ instruments: [{ symbol: 'X', tickSize: 1, lotSize: 1, minPrice: 1, maxPrice: 1000 }] });
    for (let i = 0; i < 3000; i++) {
      engine.apply({ op: 'new', id: `o${i}`, account: `a${i % 7}`, symbol: 'X', side: i % 2 === 0 ? 'buy' : 'sell', type: 'limit', price: i % 2 === 0 ? 100 + (i % 50) : 200 + (i % 50), qty: 5, time: i * 2 });
      if (i % 3 === 0) engine.apply({ op: 'cancel', id: `o${i}`, account: `a${i % 7}`, time: i * 2 + 1 });
    }
    const restored = Engine.restore(engine.snapshot());
    expect(restored.stateHash()).toBe(engine.stateHash());
    expect(restored.order('o1')).toEqual(engine.order('o1'));
    expect(restored.orderStatus('o0')).toEqual(engine.orderStatus('o0'));
    expect(restored.liveOrders).toBe(engine.liveOrders);
  });
});

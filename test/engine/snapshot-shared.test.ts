// Why this file exists: Exchange.open hands the recovered state's snapshot to the matching workers
// and the backup thread in shared memory (Engine.snapshot({ shared: true })) so that none of them is
// sent a copy. The shared bytes must be the same bytes and restore the same state.

import { describe, expect, it } from 'vitest';
import { Engine } from '../../engine/index.js';

describe('Engine.snapshot({ shared: true })', () => {
  it('puts the same bytes in a SharedArrayBuffer, and they restore the same state', () => {
    const engine = new Engine({ instruments: [{ symbol: 'X', tickSize: 1, lotSize: 1, minPrice: 1, maxPrice: 1000 }] });
    for (let i = 0; i < 200; i++) {
      engine.apply({ op: 'new', id: `o${i}`, account: `a${i % 3}`, symbol: 'X', side: i % 2 === 0 ? 'buy' : 'sell', type: 'limit', price: i % 2 === 0 ? 100 + (i % 9) : 120 - (i % 9), qty: 3, time: i });
    }
    const plain = engine.snapshot();
    const shared = engine.snapshot({ shared: true });
    // A Buffer view at an offset, as CheckpointStore.read(seq, true) hands it.
    const inFile = Buffer.from(new SharedArrayBuffer(shared.length + 16)).subarray(16);
    inFile.set(shared);
    expect(Engine.restore(inFile).stateHash()).toBe(engine.stateHash());
    expect(plain.buffer).toBeInstanceOf(ArrayBuffer);
    expect(shared.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(Buffer.compare(Buffer.from(shared), Buffer.from(plain))).toBe(0);
    expect(Engine.restore(shared).stateHash()).toBe(engine.stateHash());
  });
});

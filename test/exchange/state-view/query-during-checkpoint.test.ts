// Why this file exists: the backup thread answers queries in order with everything else it is sent, so a query
// that arrives while it writes a checkpoint waits for that checkpoint (README "Queries": how long, measured on a
// 500,000-order book). It must then answer exactly, and the checkpoint must be complete and usable.

import { afterEach, describe, expect, it } from 'vitest';
import type { ExchangeCommand } from '../../../index.js';
import { ACME, Reference, Scope } from '../fixtures/common.js';

interface Parts {
  checkpointer: { host: { checkpointNow(): Promise<void> } };
}

function resting(i: number): ExchangeCommand {
  const side = i % 2 === 0 ? 'buy' : 'sell';
  // Bids 1..10000 and asks above them never cross: every order rests.
  return { op: 'new', id: i, account: `a${i % 8}`, symbol: 'ACME', side, type: 'limit', price: side === 'buy' ? 1 + (i % 10_000) : 20_000 + (i % 10_000), qty: 1 + (i % 5) };
}

describe('a query while the backup writes a checkpoint', () => {
  const scope = new Scope();
  afterEach(() => scope.dispose());

  it('waits for the checkpoint, then answers exactly; the checkpoint is written', async () => {
    const dir = scope.dir();
    const ex = await scope.open({ dir, instruments: [ACME], checkpointEvery: 10_000_000, checkpointIntervalMs: 3_600_000 });
    const commands = Array.from({ length: 30_000 }, (_, i) => resting(i));
    for (let i = 0; i < commands.length; i += 5_000) await ex.submitMany(commands.slice(i, i + 5_000));
    const reference = new Reference([ACME]);
    for (const command of commands) reference.apply(command);
    const before = ex.stateHash();
    expect(before).toBe(reference.stateHash());
    const taken = ex.stats().checkpoints.taken;
    // The checkpoint request is posted first: the query below is handled after it.
    const written = (ex as unknown as Parts).checkpointer.host.checkpointNow();
    expect(ex.stateHash()).toBe(before);
    expect(ex.depth('ACME', 20)).toEqual(reference.engine.depth('ACME', 20));
    await written;
    expect(ex.stats().checkpoints.taken).toBe(taken + 1);
    expect(ex.stats().checkpoints.lastOrders).toBe(30_000);
    expect(ex.stats().liveOrders).toBe(30_000);
    await ex.close();
    const again = await scope.open({ dir });
    expect(again.stateHash()).toBe(before);
  });
});

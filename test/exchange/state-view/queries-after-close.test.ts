// Why this file exists: after close() the backup thread is gone, yet queries keep working (tests and venues read
// stateHash() after close): the backup hands its replica's final snapshot back when it stops, and the exchange
// restores it once, on the first query after close. The answers equal those before close and a reopen's.

import { afterEach, describe, expect, it } from 'vitest';
import { BackupQueryError } from '../../../index.js';
import { MULTI, Scope } from '../fixtures/common.js';
import { generate } from '../fixtures/load.js';

describe('queries after close', () => {
  const scope = new Scope();
  afterEach(() => scope.dispose());

  it('answer from the state the backup handed back, equal to before close and to a reopen', async () => {
    const dir = scope.dir();
    const ex = await scope.open({ dir, instruments: MULTI, workers: 2 });
    const commands = generate(5, MULTI, 1_500);
    await ex.submitMany(commands);
    const hash = ex.stateHash();
    const depths = MULTI.map((spec) => ex.depth(spec.symbol, 20));
    const live = ex.stats().liveOrders;
    const someId = commands[commands.length - 1].id;
    const status = ex.orderStatus(someId);
    await ex.close();
    expect(ex.stats().backup.running).toBe(false);
    expect(ex.stateHash()).toBe(hash);
    expect(MULTI.map((spec) => ex.depth(spec.symbol, 20))).toEqual(depths);
    expect(ex.orderStatus(someId)).toEqual(status);
    expect(ex.stats().liveOrders).toBe(live);
    const again = await scope.open({ dir });
    expect(again.stateHash()).toBe(hash);
    expect(MULTI.map((spec) => again.depth(spec.symbol, 20))).toEqual(depths);
  });

  it('a query while close() stops the backup answers or says BACKUP_QUERY_CLOSING, and fails nothing', async () => {
    const ex = await scope.open({ dir: scope.dir(), instruments: MULTI });
    await ex.submitMany(generate(6, MULTI, 500));
    const hash = ex.stateHash();
    let closed = false;
    const closing = ex.close().then(() => (closed = true));
    const outcomes = new Set<string>();
    // Bounded by close(), which the test's timeout bounds.
    while (!closed) {
      try {
        expect(ex.stateHash()).toBe(hash);
        outcomes.add('answered');
      } catch (error) {
        expect(error).toBeInstanceOf(BackupQueryError);
        expect((error as BackupQueryError).code).toBe('BACKUP_QUERY_CLOSING');
        outcomes.add('closing');
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    await closing;
    expect(ex.stats().failed).toBeNull();
    expect(outcomes.has('answered')).toBe(true);
    expect(ex.stateHash()).toBe(hash);
  });

  it('an exchange closed with nothing submitted still answers', async () => {
    const ex = await scope.open({ dir: scope.dir(), instruments: MULTI });
    const hash = ex.stateHash();
    await ex.close();
    expect(ex.stateHash()).toBe(hash);
    expect(ex.depth('ACME')).toEqual({ bids: [], asks: [] });
  });
});

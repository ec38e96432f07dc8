// Why this file exists: worker threads run from TypeScript sources in two ways (engine/worker/location.ts):
// through the tsx shim (npm start, benchmarks, a developer's script) or, in the test suite, from
// bundles of the current sources (test/support/worker-bundles.ts). The suite would otherwise never
// start a thread through the shim, so this file does, end to end, and checks which file each way runs.

import { afterEach, describe, expect, it } from 'vitest';
import { workerEntry } from '../../engine/worker/location.js';
import { ACME, Reference, Scope } from './fixtures/common.js';

const HOST = new URL('../../exchange/matching-host.ts', import.meta.url).href;

describe('worker entry from TypeScript sources', () => {
  const scope = new Scope();
  const saved = process.env.MATCHLOG_WORKER_BUNDLES;
  afterEach(() => {
    scope.dispose();
    process.env.MATCHLOG_WORKER_BUNDLES = saved;
  });

  it('is the bundle of the current sources when the suite made one', () => {
    expect(saved).toBeTruthy();
    expect(workerEntry(HOST, 'matching-worker')).toEqual({ filename: `${saved}/matching-worker.mjs`, argv: [] });
  });

  it('is the tsx shim, with the worker module as its argument, without bundles (or without that bundle)', () => {
    delete process.env.MATCHLOG_WORKER_BUNDLES;
    const shim = workerEntry(HOST, 'matching-worker');
    expect(shim.filename.endsWith('/engine/worker/ts-worker.mjs')).toBe(true);
    expect(shim.argv).toEqual([new URL('./matching-worker.ts', HOST).href]);
    process.env.MATCHLOG_WORKER_BUNDLES = saved;
    expect(workerEntry(HOST, 'no-such-worker').filename.endsWith('/engine/worker/ts-worker.mjs')).toBe(true);
  });

  it('through the tsx shim: a durable exchange with a matching worker and a backup thread matches as one engine', async () => {
    delete process.env.MATCHLOG_WORKER_BUNDLES;
    const ex = await scope.open({ dir: scope.dir(), instruments: [ACME], durability: 'sync' });
    const reference = new Reference([ACME]);
    const commands = [
      { op: 'new', id: 'a', account: 'x', symbol: 'ACME', side: 'sell', type: 'limit', price: 100, qty: 5 },
      { op: 'new', id: 'b', account: 'y', symbol: 'ACME', side: 'buy', type: 'limit', price: 100, qty: 3 },
    ] as const;
    for (const command of commands) {
      const result = await ex.submit(command);
      expect(result.events).toEqual(reference.apply(command));
    }
    expect(ex.stateHash()).toBe(reference.stateHash());
  });
});

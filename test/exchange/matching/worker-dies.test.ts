// Why this file exists: a matching worker that dies — killed while a batch is in its ring, or
// failing mid-batch on a record it cannot read (unknown kind or version, truncated) — is reported to the host's listener as an error
// (the exchange turns it into MatchingWorkerError and fails closed: test/exchange/fail-closed),
// never silently re-created with empty books, and nothing more is answered after it.

import { describe, expect, it } from 'vitest';
import { ParsedCommand, parseCommand, type EngineOptions } from '../../../engine/index.js';
import { MatchingHost } from '../../../exchange/matching-host.js';
import { CommandRecordEncoder } from '../../../replay/index.js';
import { DEFAULT_LIMITS } from './fixtures.js';

const OPTIONS: EngineOptions = { instruments: [{ symbol: 'ACME', tickSize: 1, lotSize: 1, minPrice: 1, maxPrice: 10_000 }] };

function records(count: number): Uint8Array[] {
  const encoder = new CommandRecordEncoder();
  const p = new ParsedCommand();
  const out: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const command = { op: 'new', id: i + 1, account: 'alice', symbol: 'ACME', side: i % 2 === 0 ? 'buy' : 'sell', type: 'limit', price: 100 + (i % 5), qty: 1 };
    if (parseCommand(command, new Map([['ACME', 0]]), [{ symbol: 'ACME', tickSize: 1, lotSize: 1, minPrice: 1, maxPrice: 10_000, maxQty: Number.MAX_SAFE_INTEGER }], p, false) !== null) throw new Error('bad fixture');
    p.time = 1_000 + i;
    out.push(encoder.encodeCommand(i + 1, p).slice());
  }
  return out;
}

/** A host whose errors and answers are recorded. */
async function start(): Promise<{ host: MatchingHost; errors: Error[]; answered: () => number; failed: Promise<Error> }> {
  const host = await MatchingHost.start(0, OPTIONS, null, [0], DEFAULT_LIMITS);
  const errors: Error[] = [];
  let answered = 0;
  let report!: (error: Error) => void;
  const failed = new Promise<Error>((resolve) => (report = resolve));
  host.listen({
    onOutput: (output) => void (answered += output.count),
    onDrained: () => undefined,
    onError: (error) => {
      errors.push(error);
      report(error);
    },
  });
  return { host, errors, answered: () => answered, failed };
}

describe('matching worker death', () => {
  it('a damaged record fails the worker mid-batch: the error names the record, later records are not answered', async () => {
    const { host, errors, answered, failed } = await start();
    try {
      const good = records(50);
      const bad = good[10].slice();
      // An unknown kind: a record the worker cannot read. (Not a flipped bit alone: the worker does
      // not re-check the checksum of bytes that never left memory; recovery and verify, reading the
      // log, do: test/record/command-record-damage, test/exchange/log-format.)
      bad[1] = 0x7f;
      for (let i = 0; i < 10; i++) host.write(good[i]);
      host.write(bad);
      for (let i = 11; i < 50; i++) host.write(good[i]);
      host.publish();
      const error = await failed;
      expect(error.message).toMatch(/matching worker 0 failed: .*seq 11/);
      expect(errors).toHaveLength(1);
      expect(answered()).toBe(0);
      expect(host.failedWith).toBe(error);
    } finally {
      await host.destroy();
    }
  });

  it('a worker killed while records wait in its ring is an error, not a silent restart', async () => {
    const { host, errors, failed } = await start();
    for (const bytes of records(2_000)) host.write(bytes);
    host.publish();
    await host.destroy();
    const error = await failed;
    expect(error.message).toMatch(/matching worker 0 failed/);
    expect(errors).toHaveLength(1);
    // Writing to a dead worker changes nothing and reports nothing more.
    for (const bytes of records(10)) host.write(bytes);
    host.publish();
    expect(errors).toHaveLength(1);
  });
});

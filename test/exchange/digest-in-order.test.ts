// Why this file exists: with one matching worker the exchange folds its event digest as the worker
// answers, in the walk the router makes of the rows anyway, and acknowledgement takes the value
// each command left (shards.ts InOrderSink, exchange.ts MatchedDigest); with several workers it
// folds at acknowledgement. Either way every mark in the log must carry the digest of exactly the
// acknowledged events before it: checked here against an EventDigest folded from the results, over
// trades, rejects (before and after the log), cancels, modifies, halts and an added instrument.

import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EventDigest, type ExchangeCommand } from '../../index.js';
import { CommandRecordDecoder, KIND_MARK, initialDigest } from '../../replay/index.js';
import { Wal } from '../../wal/index.js';
import type { SubmitResult } from '../../exchange/index.js';
import { MULTI, Scope } from './fixtures/common.js';

const SYMBOLS = MULTI.map((spec) => spec.symbol);

/** Command n of the workload: orders that rest, cross, get cancelled and modified, and some refused. */
function command(n: number): ExchangeCommand {
  const symbol = SYMBOLS[n % SYMBOLS.length];
  const spec = MULTI[n % MULTI.length];
  const k = n % 11;
  if (k === 7) return { op: 'cancel', id: `o${n - 5}`, account: 'a' };
  if (k === 9) return { op: 'modify', id: `o${n - 3}`, account: 'a', qty: spec.lotSize * 2 };
  if (k === 10) return { op: 'new', id: `o${n - 1}`, account: 'b', symbol, side: 'buy', type: 'limit', price: spec.tickSize * 100, qty: spec.lotSize }; // duplicate id
  const side = n % 2 === 0 ? 'buy' : 'sell';
  const price = spec.tickSize * (100 + ((n * 7) % 5) - 2);
  return { op: 'new', id: `o${n}`, account: n % 3 === 0 ? 'a' : 'b', symbol, side, type: 'limit', price, qty: spec.lotSize * (1 + (n % 4)) };
}

describe('event digest marks', () => {
  const scope = new Scope();
  afterEach(() => scope.dispose());

  for (const workers of [1, 2]) {
    it(`carry the digest of the acknowledged events, mark by mark (workers: ${workers})`, async () => {
      const dir = scope.dir();
      const ex = await scope.open({ dir, instruments: MULTI, workers, markEveryCommands: 7, feedRetentionCommands: 100_000 });
      const results = new Map<number, SubmitResult>();
      const keep = (result: SubmitResult): void => {
        if (result.seq !== null) results.set(result.seq, result);
      };
      for (let n = 1; n <= 120; n++) {
        if (n === 40) keep(await ex.halt('BETA'));
        if (n === 60) keep(await ex.resume('BETA'));
        if (n === 80) keep(await ex.addInstrument({ symbol: 'ZETA', tickSize: 1, lotSize: 1, minPrice: 1, maxPrice: 1_000_000 }));
        if (n % 20 === 0) keep(await ex.submit(command(n)));
        else if (n % 20 === 1) for (const result of await ex.submitMany(Array.from({ length: 19 }, (_, i) => command(n + i)))) keep(result);
      }
      // A command refused before the log changes no digest.
      expect((await ex.submit({ op: 'new', id: 'x', account: 'a', symbol: 'NOPE', side: 'buy', type: 'limit', price: 1, qty: 1 })).seq).toBeNull();
      await ex.close();

      const wal = await Wal.open<Uint8Array>({ path: join(dir, 'wal'), durability: 'async', records: 'bytes' });
      const decoder = new CommandRecordDecoder([...SYMBOLS, 'ZETA']);
      const marks: Array<{ seq: number; upto: number; digest: string }> = [];
      const commandSeqs: number[] = [];
      for (const { seq, command: bytes } of wal.readBatch(1, 10_000)) {
        if (decoder.decode(bytes, 0, bytes.length, seq) === KIND_MARK) marks.push({ seq, upto: decoder.mark!.upto, digest: decoder.mark!.digest });
        else commandSeqs.push(seq);
      }
      await wal.close();
      // The digest after each command, folded from the results in sequence order.
      const reference = EventDigest.from(initialDigest());
      const after = new Map<number, string>();
      for (const seq of commandSeqs) {
        const result = results.get(seq);
        expect(result, `the result of seq ${seq}`).toBeDefined();
        reference.command(seq);
        for (const event of result!.events) reference.event(event);
        after.set(seq, reference.value);
      }
      for (const mark of marks) expect(mark.digest, `mark at seq ${mark.seq} (upto ${mark.upto})`).toBe(after.get(mark.upto));
      expect(marks.length).toBeGreaterThan(15);
      expect(results.size).toBeGreaterThan(100);
    });
  }
});

// Why this file exists: the id-memory options decide which `new`s are duplicates, so they are fixed
// when a data directory is created (matchlog.json) and every replay of its log decides the same.
// Reopening with another value used to be silently overridden by the stored one; now it is refused
// with a StoredOptionError naming the option, the stored value and the given one — one test per
// option, each for a value stored explicitly and for one left to the default — while reopening with
// the stored value (or without the option) works and keeps the stored behaviour.

import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, Exchange, ExchangeOptionsError, StoredOptionError, type ExchangeOptions } from '../../index.js';
import { ACME, Scope } from './fixtures/common.js';

type IdOption = 'idsRememberedPerInstrumentMax' | 'idRetentionCommands' | 'idRetentionMs' | 'idsRememberedFull';

const CASES: Array<{ option: IdOption; created: Partial<ExchangeOptions>; stored: number | string; other: number | string }> = [
  { option: 'idsRememberedPerInstrumentMax', created: { idsRememberedPerInstrumentMax: 100 }, stored: 100, other: 200 },
  { option: 'idRetentionCommands', created: { idRetentionCommands: 1000 }, stored: 1000, other: 10 },
  { option: 'idRetentionMs', created: { idRetentionMs: 60_000 }, stored: 60_000, other: 1 },
  { option: 'idsRememberedFull', created: { idsRememberedFull: 'reject', idRetentionCommands: 1000 }, stored: 'reject', other: 'forget-oldest' },
];

const DEFAULTS: Record<IdOption, number | string> = {
  idsRememberedPerInstrumentMax: 16_384,
  idRetentionCommands: 0,
  idRetentionMs: 0,
  idsRememberedFull: 'forget-oldest',
};

const show = (v: number | string): string => (typeof v === 'string' ? `'${v}'` : String(v));

describe('reopening with other id-memory options', () => {
  const scope = new Scope();
  afterEach(() => scope.dispose());

  for (const { option, created, stored, other } of CASES) {
    it(`${option}: another value is refused naming the option, stored and given value; the stored one reopens`, async () => {
      const dir = scope.dir();
      await (await Exchange.open({ dir, instruments: [ACME], ...created })).close();
      const error = await Exchange.open({ dir, [option]: other }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoredOptionError);
      expect(error).toBeInstanceOf(ExchangeOptionsError);
      expect(error).toMatchObject({ option, stored, given: other });
      expect((error as Error).message).toBe(
        `options.${option} is ${show(stored)} in ${join(dir, 'matchlog.json')} (got ${show(other)}): the id memory decides which orders ` +
          'are duplicates, and every replay of this log must decide the same, so it is fixed when the directory is created. Open ' +
          'without it, or with the stored value; a venue that needs another id memory starts a new data directory (e.g. at the next trading day)',
      );
      // The stored value spelled out, or nothing, reopens.
      await (await scope.open({ dir, [option]: stored })).close();
      await scope.open({ dir });
    });

    it(`${option}: a directory created without it keeps the default, and refuses another value`, async () => {
      const dir = scope.dir();
      await (await Exchange.open({ dir, instruments: [ACME] })).close();
      if (option === 'idsRememberedFull') {
        // 'reject' needs a window, and this directory stores none: refused as a configuration first.
        await expect(Exchange.open({ dir, idsRememberedFull: 'reject' })).rejects.toThrow(ConfigError);
        await scope.open({ dir, idsRememberedFull: 'forget-oldest' });
        return;
      }
      const error = await Exchange.open({ dir, [option]: other }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoredOptionError);
      expect(error).toMatchObject({ option, stored: DEFAULTS[option] });
      expect((error as Error).message).toContain('(the default: the directory was created without it)');
      await scope.open({ dir, [option]: DEFAULTS[option] });
    });
  }

  it('the stored id memory is the one that decides after reopening (a window by commands)', async () => {
    const dir = scope.dir();
    const ex = await Exchange.open({ dir, instruments: [ACME], idRetentionCommands: 2 });
    await ex.submit({ op: 'new', id: 'x', account: 'a', symbol: 'ACME', side: 'buy', type: 'limit', price: 100, qty: 1, tif: 'IOC' });
    await ex.close();
    const again = await scope.open({ dir, idRetentionCommands: 2 });
    await again.submit({ op: 'cancel', id: 'nothing', account: 'a' });
    // Two commands later the id left the window: the same `new` is accepted again.
    const retry = await again.submit({ op: 'new', id: 'x', account: 'a', symbol: 'ACME', side: 'buy', type: 'limit', price: 100, qty: 1, tif: 'IOC' });
    expect(retry.events[0]).toMatchObject({ type: 'accepted', id: 'x' });
  });
});

// Why this file exists: the id-memory options decide which `new`s are duplicates, so they are fixed
// when a data directory is created (matchlog.json) and every replay of its log decides the same.
// Reopening with another value used to be silently overridden by the stored one; now it is refused
// with a StoredOptionError naming the option, the stored value and the given one — one test per
// option, each for a value stored explicitly and for one left to the default — while reopening with
// the stored values (or without them) works and keeps the stored behaviour. Two directories are
// created once (opening is the slow part); a refused open fails before anything starts.

import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, Exchange, ExchangeOptionsError, StoredOptionError } from '../../index.js';
import { ACME, Scope } from './fixtures/common.js';

type IdOption = 'idsRememberedPerInstrumentMax' | 'idRetentionCommands' | 'idRetentionMs' | 'idsRememberedFull';

const STORED = { idsRememberedPerInstrumentMax: 100, idRetentionCommands: 2, idRetentionMs: 60_000, idsRememberedFull: 'reject' } as const;
const OTHER: Record<IdOption, number | string> = { idsRememberedPerInstrumentMax: 200, idRetentionCommands: 10, idRetentionMs: 1, idsRememberedFull: 'forget-oldest' };
const DEFAULTS = { idsRememberedPerInstrumentMax: 16_384, idRetentionCommands: 0, idRetentionMs: 0, idsRememberedFull: 'forget-oldest' } as const;
const OPTIONS = Object.keys(STORED) as IdOption[];

const show = (v: number | string): string => (typeof v === 'string' ? `'${v}'` : String(v));

describe('reopening with other id-memory options', () => {
  const scope = new Scope();
  let pinned = '';
  let plain = '';
  beforeAll(async () => {
    pinned = scope.dir();
    plain = scope.dir();
    await (await Exchange.open({ dir: pinned, instruments: [ACME], ...STORED })).close();
    await (await Exchange.open({ dir: plain, instruments: [ACME] })).close();
  });
  afterAll(() => scope.dispose());

  for (const option of OPTIONS) {
    it(`${option}: another value is refused naming the option, the stored and the given value`, async () => {
      const error = await Exchange.open({ dir: pinned, [option]: OTHER[option] }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoredOptionError);
      expect(error).toBeInstanceOf(ExchangeOptionsError);
      expect(error).toMatchObject({ option, stored: STORED[option], given: OTHER[option] });
      expect((error as Error).message).toBe(
        `options.${option} is ${show(STORED[option])} in ${join(pinned, 'matchlog.json')} (got ${show(OTHER[option])}): the id memory decides which orders ` +
          'are duplicates, and every replay of this log must decide the same, so it is fixed when the directory is created. Open ' +
          'without it, or with the stored value; a venue that needs another id memory starts a new data directory (e.g. at the next trading day)',
      );
    });

    it(`${option}: a directory created without it keeps the default and refuses another value`, async () => {
      if (option === 'idsRememberedFull') {
        // 'reject' needs a window, and this directory stores none: refused as a configuration first.
        await expect(Exchange.open({ dir: plain, idsRememberedFull: 'reject' })).rejects.toThrow(ConfigError);
        return;
      }
      const error = await Exchange.open({ dir: plain, [option]: OTHER[option] }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoredOptionError);
      expect(error).toMatchObject({ option, stored: DEFAULTS[option], given: OTHER[option] });
      expect((error as Error).message).toContain('(the default: the directory was created without it)');
    });
  }

  it('the stored values spelled out (each alone, or all), or none, reopen; the defaults spelled out reopen a plain directory', async () => {
    // 'reject' alone is checked together with the directory's stored window.
    await (await scope.open({ dir: pinned, idsRememberedFull: 'reject' })).close();
    await (await scope.open({ dir: pinned, ...STORED })).close();
    await (await scope.open({ dir: plain, ...DEFAULTS })).close();
  });

  it('the stored id memory is the one that decides after reopening (a window of 2 commands)', async () => {
    const ex = await scope.open({ dir: pinned });
    const first = await ex.submit({ op: 'new', id: 'x', account: 'a', symbol: 'ACME', side: 'buy', type: 'limit', price: 100, qty: 1, tif: 'IOC' });
    const again = await ex.submit({ op: 'new', id: 'x', account: 'a', symbol: 'ACME', side: 'buy', type: 'limit', price: 100, qty: 1, tif: 'IOC' });
    expect(again.events[0]).toMatchObject({ type: 'rejected', reason: 'DUPLICATE_ID', detail: { originalSeq: first.seq } });
    await ex.submit({ op: 'cancel', id: 'nothing', account: 'a' });
    // Two commands later the id left the window: the same `new` is accepted again.
    const later = await ex.submit({ op: 'new', id: 'x', account: 'a', symbol: 'ACME', side: 'buy', type: 'limit', price: 100, qty: 1, tif: 'IOC' });
    expect(later.events[0]).toMatchObject({ type: 'accepted', id: 'x' });
  });
});

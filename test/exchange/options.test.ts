// Why this file exists: Exchange.open validates every option up front with an exact message (ExchangeOptionsError),
// before it creates or touches anything on disk; a data directory remembers its instruments.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, Exchange, ExchangeOptionsError, type ExchangeOptions } from '../../index.js';
import { ACME, MULTI, Scope } from './fixtures/common.js';

const KNOWN =
  'dir, instruments, durability, workers, ordersMax, pendingMax, onFull, waitingMax, batchMax, markEveryCommands, checkpointMode, ' +
  'checkpointEveryCommands, checkpointIntervalMs, checkpointsKept, eventsBacklogMax, walMapSizeBytes, feedRetentionCommands, ' +
  'feedRetentionBytes, feedRetentionMs, instrumentsMax, idsRememberedPerInstrumentMax, idRetentionCommands, idRetentionMs, idsRememberedFull, onWarning';

const REJECTED: Array<[string, Record<string, unknown>, string]> = [
  ['an unknown key (a typo)', { checkpointEvry: 10 }, `unknown option 'checkpointEvry' (known: ${KNOWN})`],
  ['durability', { durability: 'fsync' }, "options.durability must be one of 'sync', 'async', 'memory' (got 'fsync')"],
  ['dir (empty)', { dir: '' }, "options.dir must be a non-empty string (got '')"],
  ['dir (not a string)', { dir: 42 }, 'options.dir must be a non-empty string (got 42)'],
  ['dir (missing)', { dir: undefined }, "options.dir is required unless durability is 'memory' (got durability 'sync')"],
  ['instruments', { instruments: { symbol: 'ACME' } }, 'options.instruments must be an array (got object)'],
  ['onFull', { onFull: 'drop' }, "options.onFull must be one of 'wait', 'reject' (got 'drop')"],
  ['onWarning', { onWarning: 'console' }, "options.onWarning must be a function (got 'console')"],
  ['workers (0)', { workers: 0 }, 'options.workers must be an integer from 1 to 64 (got 0)'],
  ['workers (65)', { workers: 65 }, 'options.workers must be an integer from 1 to 64 (got 65)'],
  ['workers (1.5)', { workers: 1.5 }, 'options.workers must be an integer from 1 to 64 (got 1.5)'],
  ['workers (string)', { workers: '2' }, "options.workers must be an integer from 1 to 64 (got '2')"],
  ['workers (NaN)', { workers: Number.NaN }, 'options.workers must be an integer from 1 to 64 (got NaN)'],
  ['ordersMax', { ordersMax: 2 ** 30 + 1 }, 'options.ordersMax must be an integer from 1 to 1073741824 (got 1073741825)'],
  ['maxOrders (alias of ordersMax)', { maxOrders: 0 }, 'options.maxOrders (ordersMax) must be an integer from 1 to 1073741824 (got 0)'],
  ['pendingMax (0)', { pendingMax: 0 }, 'options.pendingMax must be an integer from 1 to 1048575 (got 0)'],
  ['maxPending (digest ring, alias)', { maxPending: 2 ** 20 }, 'options.maxPending (pendingMax) must be an integer from 1 to 1048575 (got 1048576)'],
  ['waitingMax', { waitingMax: -1 }, 'options.waitingMax must be an integer from 0 to 67108864 (got -1)'],
  ['maxWaiting (alias)', { maxWaiting: -1 }, 'options.maxWaiting (waitingMax) must be an integer from 0 to 67108864 (got -1)'],
  ['batchMax', { batchMax: 65_537 }, 'options.batchMax must be an integer from 1 to 65536 (got 65537)'],
  ['markEveryCommands', { markEveryCommands: 0 }, 'options.markEveryCommands must be an integer from 1 to 1099511627776 (got 0)'],
  ['markEvery (alias)', { markEvery: 0 }, 'options.markEvery (markEveryCommands) must be an integer from 1 to 1099511627776 (got 0)'],
  ['checkpointMode', { checkpointMode: 'hot' }, "options.checkpointMode must be one of 'backup', 'pause' (got 'hot')"],
  ['checkpointEveryCommands', { checkpointEveryCommands: 0 }, 'options.checkpointEveryCommands must be an integer from 1 to 1099511627776 (got 0)'],
  ['checkpointEvery (alias)', { checkpointEvery: 0 }, 'options.checkpointEvery (checkpointEveryCommands) must be an integer from 1 to 1099511627776 (got 0)'],
  ['checkpointIntervalMs', { checkpointIntervalMs: 2 ** 31 }, 'options.checkpointIntervalMs must be an integer from 1 to 2147483647 (got 2147483648)'],
  ['checkpointsKept (0)', { checkpointsKept: 0 }, 'options.checkpointsKept must be an integer from 1 to 100 (got 0)'],
  ['checkpointsKept (101)', { checkpointsKept: 101 }, 'options.checkpointsKept must be an integer from 1 to 100 (got 101)'],
  ['eventsBacklogMax', { eventsBacklogMax: 0 }, 'options.eventsBacklogMax must be an integer from 1 to 1073741824 (got 0)'],
  ['walMapSizeBytes', { walMapSizeBytes: 1024 }, 'options.walMapSizeBytes must be an integer from 1048576 to 17592186044416 (got 1024)'],
  ['instrumentsMax (0)', { instrumentsMax: 0 }, 'options.instrumentsMax must be an integer from 1 to 4096 (got 0)'],
  ['instrumentsMax (4097)', { instrumentsMax: 4097 }, 'options.instrumentsMax must be an integer from 1 to 4096 (got 4097)'],
  ['instrumentsMax (a string)', { instrumentsMax: '8' }, "options.instrumentsMax must be an integer from 1 to 4096 (got '8')"],
  ['instrumentsMax below the instruments given', { instruments: MULTI, instrumentsMax: 3 }, 'options.instruments holds 4 instruments, more than options.instrumentsMax 3'],
  ['feedRetentionCommands (-1)', { feedRetentionCommands: -1 }, 'options.feedRetentionCommands must be an integer from 0 to 1099511627776 (got -1)'],
  ['feedRetentionCommands (1.5)', { feedRetentionCommands: 1.5 }, 'options.feedRetentionCommands must be an integer from 0 to 1099511627776 (got 1.5)'],
  ['feedRetentionBytes', { feedRetentionBytes: 2 ** 50 + 1 }, 'options.feedRetentionBytes must be an integer from 0 to 1125899906842624 (got 1125899906842625)'],
  ['feedRetentionMs', { feedRetentionMs: '1d' }, "options.feedRetentionMs must be an integer from 0 to 1099511627776 (got '1d')"],
  ['an alias and its name disagreeing', { maxOrders: 10, ordersMax: 20 }, 'options.maxOrders is the earlier name of options.ordersMax; give one (got 10 and 20)'],
];

describe('Exchange.open options', () => {
  const scope = new Scope();
  afterEach(() => scope.dispose());

  it.each(REJECTED)('rejects %s with its exact message, creating nothing', async (_what, bad, message) => {
    const dir = join(scope.dir(), 'never-created');
    const options = { dir, instruments: [ACME], ...bad } as ExchangeOptions;
    const error = await Exchange.open(options).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ExchangeOptionsError);
    expect((error as Error).message).toBe(message);
    expect(existsSync(dir)).toBe(false);
  });

  it('instrumentsMax is stored with a new directory; reopening with another value is refused', async () => {
    const dir = scope.dir();
    const ex = await scope.open({ dir, instruments: [ACME], instrumentsMax: 2 });
    await ex.close();
    const error = await Exchange.open({ dir, instrumentsMax: 3 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExchangeOptionsError);
    expect((error as Error).message).toBe(`options.instrumentsMax is 2 in ${join(dir, 'matchlog.json')} (got 3): open without it, or with the stored value`);
    const again = await scope.open({ dir });
    expect(again.stats().instruments.instrumentsMax).toBe(2);
  });

  it('rejects a non-object options argument', async () => {
    await expect(Exchange.open(null as unknown as ExchangeOptions)).rejects.toThrow(new ExchangeOptionsError('options must be an object (got null)'));
  });

  it('accepts the earlier names as aliases of the units-last ones, and both when they agree', async () => {
    const ex = await scope.open({ dir: scope.dir(), instruments: [ACME], maxOrders: 1, ordersMax: 1, checkpointEvery: 5, markEvery: 5 });
    await ex.submit({ op: 'new', id: 1, account: 'a', symbol: 'ACME', side: 'buy', type: 'limit', price: 100, qty: 10 });
    const second = await ex.submit({ op: 'new', id: 2, account: 'a', symbol: 'ACME', side: 'buy', type: 'limit', price: 100, qty: 10 });
    // ordersMax 1 (given as maxOrders) is in force: the second resting order does not fit.
    expect(second.events[0].type).toBe('rejected');
  });

  it("requires instruments for 'memory'", async () => {
    const error = await Exchange.open({ durability: 'memory' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExchangeOptionsError);
    expect((error as Error).message).toBe('instruments are required');
  });

  it('refuses a new directory without instruments, and leaves it reusable', async () => {
    const dir = scope.dir();
    const error = await Exchange.open({ dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExchangeOptionsError);
    expect((error as Error).message).toBe(`instruments are required for a new data directory (${dir})`);
    const ex = await scope.open({ dir, instruments: [ACME] });
    expect(ex.lastSeq).toBe(0);
  });

  it('refuses to reopen a directory with different instruments, saying which differs and how to add one; same or none is fine', async () => {
    const dir = scope.dir();
    const ex = await scope.open({ dir, instruments: MULTI });
    await ex.submit({ op: 'new', id: 1, account: 'a', symbol: 'BETA', side: 'buy', type: 'limit', price: 100, qty: 10 });
    await ex.close();
    const changed = [MULTI[0], { ...MULTI[1], tickSize: 1 }, MULTI[2], MULTI[3]];
    const added = [...MULTI, { ...ACME, symbol: 'NEWX' }];
    const cases: Array<[typeof MULTI, string]> = [
      [[ACME], 'venue instruments BETA, GAMA, DELT missing from the given list'],
      [changed, 'BETA changed tickSize 5 → 1'],
      [[...MULTI].reverse(), 'instrument 0 is ACME on the venue but DELT in the given list (the order is part of the configuration)'],
      [added, 'instrument NEWX not listed on the venue (added: list it with addInstrument)'],
    ];
    for (const [instruments, which] of cases) {
      const error = await Exchange.open({ dir, instruments }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ExchangeOptionsError);
      const message = (error as Error).message;
      expect(message).toContain(`instruments differ from those of ${join(dir, 'matchlog.json')} plus instruments added at run time: ${which}.`);
      expect(message).toContain("Open without instruments (the directory remembers them) or with exactly the venue's list.");
      expect(message).toContain('To list a new instrument, call exchange.addInstrument(spec) on the running exchange');
    }
    const same = await scope.open({ dir, instruments: MULTI.map((s) => ({ ...s })) });
    expect(same.order(1)?.symbol).toBe('BETA');
  });

  // Regression (fixed in 3d71eca): the instruments were written to matchlog.json before `new
  // Engine` validated them, so a typo poisoned the directory: every later open with the right
  // instruments was refused ("instruments differ"), and one without them failed.
  it('an invalid instrument is refused (ConfigError) without poisoning the directory', async () => {
    const dir = scope.dir();
    const bad = [{ ...ACME, minPrice: 0 }];
    await expect(Exchange.open({ dir, instruments: bad })).rejects.toThrow(ConfigError);
    // The directory holds nothing yet: opening it properly must work.
    const ex = await scope.open({ dir, instruments: [ACME] });
    expect(ex.lastSeq).toBe(0);
  });
});

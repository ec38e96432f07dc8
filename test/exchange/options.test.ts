// Exchange.open validates every option up front with an exact message (ExchangeOptionsError),
// before it creates or touches anything on disk; a data directory remembers its instruments.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, Exchange, ExchangeOptionsError, type ExchangeOptions } from '../../index.js';
import { ACME, MULTI, Scope } from './fixtures/common.js';

const REJECTED: Array<[string, Record<string, unknown>, string]> = [
  ['durability', { durability: 'fsync' }, 'durability must be one of sync, async, memory'],
  ['dir (empty)', { dir: '' }, 'dir must be a non-empty string'],
  ['dir (not a string)', { dir: 42 }, 'dir must be a non-empty string'],
  ['dir (missing)', { dir: undefined }, 'dir is required unless durability is memory'],
  ['instruments', { instruments: { symbol: 'ACME' } }, 'instruments must be an array'],
  ['onFull', { onFull: 'drop' }, 'onFull must be wait or reject'],
  ['onWarning', { onWarning: 'console' }, 'onWarning must be a function'],
  ['workers (0)', { workers: 0 }, 'workers must be an integer from 1 to 64'],
  ['workers (65)', { workers: 65 }, 'workers must be an integer from 1 to 64'],
  ['workers (1.5)', { workers: 1.5 }, 'workers must be an integer from 1 to 64'],
  ['workers (string)', { workers: '2' }, 'workers must be an integer from 1 to 64'],
  ['maxOrders', { maxOrders: 2 ** 30 + 1 }, 'maxOrders must be an integer from 1 to 1073741824'],
  ['maxPending (0)', { maxPending: 0 }, 'maxPending must be an integer from 1 to 16777216'],
  ['maxPending (digest ring)', { maxPending: 2 ** 20 }, 'maxPending must be below 1048576'],
  ['maxWaiting', { maxWaiting: -1 }, 'maxWaiting must be an integer from 0 to 67108864'],
  ['batchMax', { batchMax: 65_537 }, 'batchMax must be an integer from 1 to 65536'],
  ['markEvery', { markEvery: 0 }, 'markEvery must be an integer from 1 to 1099511627776'],
  ['checkpointMode', { checkpointMode: 'hot' }, 'checkpointMode must be backup or pause'],
  ['checkpointEvery', { checkpointEvery: 0 }, 'checkpointEvery must be an integer from 1 to 1099511627776'],
  ['checkpointIntervalMs', { checkpointIntervalMs: 2 ** 31 }, 'checkpointIntervalMs must be an integer from 1 to 2147483647'],
  ['checkpointsKept (0)', { checkpointsKept: 0 }, 'checkpointsKept must be an integer from 1 to 100'],
  ['checkpointsKept (101)', { checkpointsKept: 101 }, 'checkpointsKept must be an integer from 1 to 100'],
  ['eventsBacklogMax', { eventsBacklogMax: 0 }, 'eventsBacklogMax must be an integer from 1 to 1073741824'],
  ['walMapSizeBytes', { walMapSizeBytes: 1024 }, 'walMapSizeBytes must be an integer from 1048576 to 17592186044416'],
  ['workers (NaN)', { workers: Number.NaN }, 'workers must be an integer from 1 to 64'],
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

  it('rejects a non-object options argument', async () => {
    await expect(Exchange.open(null as unknown as ExchangeOptions)).rejects.toThrow(new ExchangeOptionsError('options must be an object'));
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

  it('refuses to reopen a directory with different instruments; same or none is fine', async () => {
    const dir = scope.dir();
    const ex = await scope.open({ dir, instruments: MULTI });
    await ex.submit({ op: 'new', id: 1, account: 'a', symbol: 'BETA', side: 'buy', type: 'limit', price: 100, qty: 10 });
    await ex.close();
    const changed = [MULTI[0], { ...MULTI[1], tickSize: 1 }, MULTI[2], MULTI[3]];
    for (const instruments of [[ACME], changed, [...MULTI].reverse()]) {
      const error = await Exchange.open({ dir, instruments }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ExchangeOptionsError);
      expect((error as Error).message).toBe(`instruments differ from those stored in ${join(dir, 'matchlog.json')}`);
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

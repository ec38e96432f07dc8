// Why this file exists: matchlog.json must not silently change instrument limits (issue 10 item 6).
// matchlog.json (issue 10 item 6): it had no checksum, so a changed digit silently changed
// instrument limits. Now it carries a CRC-32C: a damaged or hand-edited file is refused with
// RecoveryError STATE_FILE_DAMAGED; and one edited with a recomputed checksum is still refused when
// a valid checkpoint was written with other instruments. Files written before the checksum open.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RecoveryError, type ExchangeCommand } from '../../index.js';
import { crc32c } from '../../wal/crc32c.js';
import { MULTI, Scope } from '../exchange/fixtures/common.js';
import { generate } from '../exchange/fixtures/load.js';

const order: ExchangeCommand = { op: 'new', id: 'x', account: 'a', symbol: 'ACME', side: 'buy', type: 'limit', price: 5, qty: 1 };

describe('stored configuration', () => {
  const scope = new Scope();
  afterEach(() => scope.dispose());

  async function made(): Promise<{ dir: string; file: string; config: Record<string, unknown> }> {
    const dir = scope.dir();
    const ex = await scope.open({ dir, instruments: MULTI, checkpointEvery: 50 });
    await Promise.all(generate(9, MULTI, 120).map((c) => ex.submit(c)));
    await ex.close();
    const file = join(dir, 'matchlog.json');
    return { dir, file, config: JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown> };
  }

  it('a changed digit is refused with STATE_FILE_DAMAGED', async () => {
    const { dir, file } = await made();
    writeFileSync(file, readFileSync(file, 'utf8').replace('"maxPrice": 1000000', '"maxPrice": 1000009'));
    const error = await scope.open({ dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RecoveryError);
    expect((error as RecoveryError).code).toBe('STATE_FILE_DAMAGED');
  });

  it('an edit with a recomputed checksum is refused by the checkpoints it contradicts', async () => {
    const { dir, file, config } = await made();
    const instruments = config.instruments as Array<Record<string, unknown>>;
    instruments[0].maxPrice = 999_999;
    const { checksum: _old, ...rest } = config;
    const checksum = (crc32c(Buffer.from(JSON.stringify(rest), 'utf8')) >>> 0).toString(16).padStart(8, '0');
    writeFileSync(file, JSON.stringify({ ...rest, checksum }, null, 2));
    const error = await scope.open({ dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RecoveryError);
    expect((error as RecoveryError).code).toBe('STATE_FILE_DAMAGED');
    expect((error as Error).message).toMatch(/other instruments/);
  });

  it('a file written before the checksum existed still opens', async () => {
    const { dir, file, config } = await made();
    const { checksum: _old, ...rest } = config;
    writeFileSync(file, JSON.stringify(rest, null, 2));
    const ex = await scope.open({ dir });
    expect((await ex.submit(order)).seq).not.toBeNull();
  });
});

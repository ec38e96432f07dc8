// Why this file exists: abandon() is the fail-closed shutdown: records appended but not yet committing are
// dropped (their promises reject with WalClosedError and reopening does not find them), while what
// was already committed stays.

import { afterEach, describe, expect, it } from 'vitest';
import { Wal, WalClosedError } from '../../wal/index.js';
import { order_command, temp_dir, type TempDir } from './helpers.js';

describe('abandon', () => {
  let dir: TempDir | undefined;
  afterEach(() => dir?.cleanup());

  it('drops the records not yet committing and keeps the committed ones', async () => {
    dir = temp_dir();
    const wal = await Wal.open({ path: dir.path, durability: 'sync' });
    for (let n = 1; n <= 5; n++) wal.append(order_command(n));
    await wal.flush();
    const dropped = [6, 7, 8].map((n) => wal.append(order_command(n)));
    await wal.abandon();
    for (const { durable, visible } of dropped) {
      await expect(durable).rejects.toBeInstanceOf(WalClosedError);
      await expect(visible).rejects.toBeInstanceOf(WalClosedError);
    }
    const again = await Wal.open({ path: dir.path, durability: 'sync' });
    expect(again.lastSeq).toBe(5);
    expect(again.readBatch(1, 10).map((r) => r.command)).toEqual([1, 2, 3, 4, 5].map(order_command));
    await again.close();
  });

  it('is close() when nothing waits, and idempotent', async () => {
    dir = temp_dir();
    const wal = await Wal.open({ path: dir.path, durability: 'async' });
    wal.append(order_command(1));
    await wal.flush();
    await wal.abandon();
    await wal.abandon();
    const again = await Wal.open({ path: dir.path, durability: 'async' });
    expect(again.lastSeq).toBe(1);
    await again.close();
  });
});

// Why this file exists: an exchange's log is format 2 (binary command records). A directory whose log
// an older matchlog wrote (msgpack records, format 1) is refused at open with a typed error that
// changes nothing and releases the lock; a record damaged inside its own checksum (the log's frame
// intact) stops recovery with a typed error naming its seq.

import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Exchange } from '../../exchange/exchange.js';
import { settleConfig } from '../../exchange/stored-config.js';
import { ParsedCommand, parseCommand, type OrderCommand as Command } from '../../engine/index.js';
import { CommandRecordEncoder, CommandRecordError } from '../../replay/index.js';
import { Wal, WalFormatError } from '../../wal/index.js';
import { ACME, Scope } from './fixtures/common.js';

function order(n: number): Command {
  return { op: 'new', id: n, account: 'a', symbol: 'ACME', side: n % 2 === 0 ? 'buy' : 'sell', type: 'limit', price: 100 + (n % 5), qty: 1, time: n };
}

describe('exchange log format', () => {
  const scope = new Scope();
  afterEach(() => scope.dispose());

  it('refuses a directory whose log holds msgpack records (format 1), changing nothing and releasing the lock', async () => {
    const dir = scope.dir();
    settleConfig(dir, [ACME], 10_000, true);
    const old = await Wal.open({ path: join(dir, 'wal'), durability: 'async' });
    old.append(order(1));
    await old.close();
    for (let attempt = 0; attempt < 2; attempt++) {
      const error = await Exchange.open({ dir }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(WalFormatError);
      expect(error).toMatchObject({ code: 'WAL_FORMAT', stored: 1, expected: 2 });
      expect((error as Error).message).toMatch(/written by matchlog before binary command records/);
    }
    const still = await Wal.open({ path: join(dir, 'wal'), durability: 'async' });
    expect(still.readBatch(1, 1)[0].command).toEqual(order(1));
    await still.close();
  });

  it('stops recovery at a record damaged inside its own checksum, naming its seq', async () => {
    const dir = scope.dir();
    settleConfig(dir, [ACME], 10_000, true);
    const wal = await Wal.open<Uint8Array>({ path: join(dir, 'wal'), durability: 'async', records: 'bytes' });
    const encoder = new CommandRecordEncoder();
    const parsed = new ParsedCommand();
    const index = new Map([['ACME', 0]]);
    for (let n = 1; n <= 5; n++) {
      expect(parseCommand(order(n), index, [{ ...ACME, maxQty: 1_000_000_000 }], parsed, true)).toBeNull();
      const bytes = encoder.encodeCommand(n, parsed);
      if (n === 3) bytes[20] ^= 0x04; // inside `time`; the log frames (and checksums) the damaged bytes
      wal.append(bytes);
    }
    await wal.close();
    const error = await Exchange.open({ dir }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CommandRecordError);
    expect(error).toMatchObject({ code: 'RECORD_DAMAGED', seq: 3 });
    expect((error as Error).message).toMatch(/command record at seq 3: checksum mismatch/);
  });
});

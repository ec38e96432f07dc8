// Why this file exists: a reopened log must carry on exactly: it finds its tail across segments and still decodes every
// record, including msgpack shapes beyond those msgpackr shares.

import { afterEach, describe, expect, it } from 'vitest';
import { Wal, type WalRecord } from '../../wal/index.js';
import { order_command, temp_dir, type OrderCommand, type TempDir } from './helpers.js';

describe.each(['sync', 'async'] as const)('Wal reopen (%s)', (durability) => {
  let dir: TempDir | undefined;
  afterEach(() => dir?.cleanup());

  it('finds the tail and goes on at lastSeq + 1, across segments', async () => {
    dir = temp_dir();
    const options = { path: dir.path, durability, segmentRecords: 300, chunkBytesMax: 4096 };
    let wal = await Wal.open<OrderCommand>(options);
    for (let n = 1; n <= 1000; n++) wal.append(order_command(n));
    await wal.close();

    wal = await Wal.open<OrderCommand>(options);
    expect([wal.firstSeq, wal.lastSeq, wal.visibleSeq, wal.durableSeq]).toEqual([1, 1000, 1000, 1000]);
    expect(wal.append(order_command(1001)).seq).toBe(1001);
    const last = wal.append(order_command(1002));
    await last.durable;
    await wal.close();

    // Third open with a different segment size: layout is self-describing.
    wal = await Wal.open<OrderCommand>({ ...options, segmentRecords: 128 });
    expect(wal.lastSeq).toBe(1002);
    for (let n = 1003; n <= 1500; n++) wal.append(order_command(n));
    await wal.flush();
    const records: WalRecord<OrderCommand>[] = [];
    for await (const record of wal.read()) records.push(record);
    expect(records.length).toBe(1500);
    records.forEach((record, i) => expect(record.command).toEqual(order_command(i + 1)));
    await wal.close();
  });

  it('decodes records after reopen (msgpack shapes are persisted with the records)', async () => {
    dir = temp_dir();
    let wal = await Wal.open<unknown>({ path: dir.path, durability });
    wal.append({ kind: 'a', x: 1 });
    wal.append({ kind: 'b', y: 2, z: [3] });
    await wal.close();
    wal = await Wal.open<unknown>({ path: dir.path, durability });
    wal.append({ kind: 'c', w: 'new shape after reopen' });
    wal.append({ kind: 'a', x: 4 });
    await wal.flush();
    expect(wal.readBatch(1, 10).map((r) => r.command)).toEqual([
      { kind: 'a', x: 1 },
      { kind: 'b', y: 2, z: [3] },
      { kind: 'c', w: 'new shape after reopen' },
      { kind: 'a', x: 4 },
    ]);
    await wal.close();
    wal = await Wal.open<unknown>({ path: dir.path, durability });
    expect(wal.readBatch(3, 10).map((r) => r.command)).toEqual([
      { kind: 'c', w: 'new shape after reopen' },
      { kind: 'a', x: 4 },
    ]);
    await wal.close();
  });

  it('keeps decoding when there are more shapes than msgpackr shares (inline shapes), across reopens', async () => {
    dir = temp_dir();
    const shape = (k: number, i: number): unknown => ({ ['k' + k]: i, ['x' + (k % 7)]: 'v' + i, n: { ['inner' + (k % 5)]: k } });
    const expected: unknown[] = [];
    let wal = await Wal.open<unknown>({ path: dir.path, durability });
    for (let i = 0; i < 1500; i++) {
      expected.push(shape(i % 60, i));
      wal.append(expected[i]);
      if (i % 500 === 0) await wal.flush();
    }
    await wal.close();
    wal = await Wal.open<unknown>({ path: dir.path, durability });
    for (let i = 1500; i < 2000; i++) {
      expected.push(shape((i * 7) % 90, i));
      wal.append(expected[i]);
    }
    await wal.close();
    wal = await Wal.open<unknown>({ path: dir.path, durability });
    const got: unknown[] = [];
    for await (const record of wal.read(1)) got.push(record.command);
    expect(got).toEqual(expected);
    await wal.close();
  });
});

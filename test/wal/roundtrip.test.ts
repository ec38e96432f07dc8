// Why this file exists: the basic contract of the log: sequence numbers 1, 2, 3 … at once, every record read back in
// order, visible before durable, any msgpack shape, range and closed-log refusals.

import { afterEach, describe, expect, it } from 'vitest';
import { Wal, type Durability, type WalRecord } from '../../wal/index.js';
import { order_command, temp_dir, type OrderCommand, type TempDir } from './helpers.js';

async function read_all<T>(wal: Wal<T>, from?: number): Promise<WalRecord<T>[]> {
  const out: WalRecord<T>[] = [];
  for await (const record of wal.read(from)) out.push(record);
  return out;
}

describe.each<Durability>(['sync', 'async', 'memory'])('Wal round trip (%s)', (durability) => {
  let dir: TempDir | undefined;
  afterEach(() => dir?.cleanup());

  async function open(options: { chunkBytesMax?: number; segmentRecords?: number } = {}): Promise<Wal<OrderCommand>> {
    dir = temp_dir();
    return Wal.open<OrderCommand>({ path: dir.path, durability, ...options });
  }

  it('starts empty at seq 1', async () => {
    const wal = await open();
    expect([wal.firstSeq, wal.lastSeq, wal.visibleSeq, wal.durableSeq]).toEqual([1, 0, 0, 0]);
    expect(await read_all(wal)).toEqual([]);
    expect(wal.readBatch(1, 10)).toEqual([]);
    await wal.close();
  });

  it('assigns 1, 2, 3 … at once and reads every record back in order', async () => {
    // Small chunks and segments so the records span many of each.
    const wal = await open({ chunkBytesMax: 4096, segmentRecords: 700 });
    const count = 5_000;
    const results = [];
    for (let n = 1; n <= count; n++) {
      const result = wal.append(order_command(n));
      expect(result.seq).toBe(n);
      results.push(result);
      if (n % 1000 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    expect(wal.lastSeq).toBe(count);
    await Promise.all(results.map((r) => r.durable));
    await Promise.all(results.map((r) => r.visible));
    expect(wal.durableSeq).toBe(count);
    expect(wal.visibleSeq).toBe(count);
    const records = await read_all(wal);
    expect(records.length).toBe(count);
    records.forEach((record, i) => {
      expect(record.seq).toBe(i + 1);
      expect(record.command).toEqual(order_command(i + 1));
    });
    // From the middle, and batches that stop inside a chunk.
    expect((await read_all(wal, 1234)).map((r) => r.seq)).toEqual(Array.from({ length: count - 1233 }, (_, i) => 1234 + i));
    let next = 17;
    let seen = 0;
    for (;;) {
      const batch = wal.readBatch(next, 333);
      if (batch.length === 0) break;
      expect(batch.length).toBeLessThanOrEqual(333);
      for (const record of batch) {
        expect(record.seq).toBe(next);
        expect(record.command.id).toBe(next);
        next++;
        seen++;
      }
    }
    expect(seen).toBe(count - 16);
    await wal.close();
  });

  it('resolves visible no later than durable, in append order', async () => {
    const wal = await open();
    const order: string[] = [];
    const a = wal.append(order_command(1));
    const b = wal.append(order_command(2));
    void a.visible.then(() => order.push('a.visible'));
    void a.durable.then(() => order.push('a.durable'));
    await new Promise((resolve) => setImmediate(resolve));
    const c = wal.append(order_command(3));
    void c.durable.then(() => order.push('c.durable'));
    await Promise.all([b.durable, c.durable]);
    expect(order.indexOf('a.visible')).toBeLessThan(order.indexOf('a.durable'));
    expect(order.indexOf('a.durable')).toBeLessThan(order.indexOf('c.durable'));
    await wal.close();
  });

  it('reads payloads of any msgpack shape, including kinds other than orders', async () => {
    const wal = await Wal.open<unknown>({ path: (dir = temp_dir()).path, durability });
    const values: unknown[] = [
      { kind: 'mark', seq: 10, hash: 'abc123' },
      [1, 2, 3],
      'a string',
      42,
      null,
      { nested: { deep: [{ a: 1 }, { b: 'two' }] } },
      { kind: 'mark', seq: 20, hash: 'def456' },
    ];
    for (const value of values) wal.append(value);
    await wal.flush();
    expect((await read_all(wal)).map((r) => r.command)).toEqual(values);
    await wal.close();
  });

  it('refuses reads outside [firstSeq, lastSeq + 1]', async () => {
    const wal = await open();
    wal.append(order_command(1));
    await wal.flush();
    expect(() => wal.read(0)).toThrow('read from seq 0: a sequence number is an integer >= 1');
    expect(() => wal.read(3)).toThrow('read from seq 3: past the end of the log, last seq is 1');
    expect(() => wal.readBatch(1, 0)).toThrow('readBatch maxRecords must be a positive integer (got 0)');
    expect(await read_all(wal, 2)).toEqual([]);
    await wal.close();
  });

  it('refuses appends after close', async () => {
    const wal = await open();
    wal.append(order_command(1));
    await wal.close();
    await wal.close();
    expect(() => wal.append(order_command(2))).toThrow(/append on a closed WAL/);
  });
});

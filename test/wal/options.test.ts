// Why this file exists: the log's options are the model of the option idiom: a frozen, fully filled WAL_DEFAULTS,
// defaults filled for what is not given, and an exact message for every bad option.

import { afterEach, describe, expect, it } from 'vitest';
import { Wal, WAL_DEFAULTS, WalOptionsError } from '../../wal/index.js';
import { temp_dir, type TempDir } from './helpers.js';

describe('Wal options', () => {
  let dir: TempDir | undefined;
  afterEach(() => dir?.cleanup());

  it('has a fully filled, frozen WAL_DEFAULTS', () => {
    expect(WAL_DEFAULTS).toEqual({
      path: 'data/wal',
      durability: 'sync',
      mapSize: 64 * 2 ** 30,
      segmentRecords: 65_536,
      segmentsMax: 4_096,
      chunkBytesMax: 32 * 1024,
      recordBytesMax: 1024 * 1024,
      queueBytesMax: 256 * 1024 * 1024,
      startSeq: 1,
      commitMsMax: 5_000,
      records: 'msgpack',
    });
    expect(Object.isFrozen(WAL_DEFAULTS)).toBe(true);
  });

  it('fills defaults for what is not given', async () => {
    dir = temp_dir();
    const wal = await Wal.open({ path: dir.path, durability: 'async' });
    expect(wal.options).toEqual({ ...WAL_DEFAULTS, path: dir.path, durability: 'async' });
    await wal.close();
  });

  const rejected: [string, unknown, string][] = [
    ['options', 42, 'options must be an object (got 42)'],
    ['options', null, 'options must be an object (got null)'],
    ['unknown', { pathh: 'x' }, "unknown option 'pathh' (known: path, durability, mapSize, segmentRecords, segmentsMax, chunkBytesMax, recordBytesMax, queueBytesMax, startSeq, commitMsMax, records)"],
    ['path', { path: '' }, "options.path must be a non-empty string (got '')"],
    ['path', { path: 7 }, 'options.path must be a non-empty string (got 7)'],
    ['durability', { durability: 'fast' }, "options.durability must be one of 'sync', 'async', 'memory' (got 'fast')"],
    ['mapSize', { mapSize: 1000 }, 'options.mapSize must be an integer from 1048576 to 140737488355328 (got 1000)'],
    ['mapSize', { mapSize: 1.5 * 2 ** 20 + 0.5 }, 'options.mapSize must be an integer from 1048576 to 140737488355328 (got 1572864.5)'],
    ['segmentRecords', { segmentRecords: 0 }, 'options.segmentRecords must be an integer from 1 to 1073741824 (got 0)'],
    ['segmentsMax', { segmentsMax: 10_001 }, 'options.segmentsMax must be an integer from 1 to 10000 (got 10001)'],
    ['chunkBytesMax', { chunkBytesMax: 100 }, 'options.chunkBytesMax must be an integer from 4096 to 16777216 (got 100)'],
    ['recordBytesMax', { recordBytesMax: 2 ** 24 }, 'options.recordBytesMax must be an integer from 1 to 16777215 (got 16777216)'],
    ['queueBytesMax', { queueBytesMax: '1mb' }, "options.queueBytesMax must be an integer from 1048576 to 4294967296 (got '1mb')"],
    ['startSeq', { durability: 'memory', startSeq: 0 }, 'options.startSeq must be an integer from 1 to 9007199254740991 (got 0)'],
    ['commitMsMax', { commitMsMax: 0 }, 'options.commitMsMax must be an integer from 1 to 3600000 (got 0)'],
    ['records', { records: 'json' }, "options.records must be one of 'msgpack', 'bytes' (got 'json')"],
    ['startSeq on disk', { startSeq: 5 }, "options.startSeq applies only to durability 'memory' (got 5 for 'sync')"],
    [
      'recordBytesMax > queueBytesMax',
      { recordBytesMax: 2 * 2 ** 20, queueBytesMax: 2 ** 20 },
      'options.recordBytesMax (2097152) must not exceed options.queueBytesMax (1048576)',
    ],
  ];
  it('starts a memory log at startSeq: nothing before it, appends continue from it', async () => {
    const wal = await Wal.open<string>({ durability: 'memory', startSeq: 1001 });
    expect([wal.firstSeq, wal.lastSeq, wal.durableSeq]).toEqual([1001, 1000, 1000]);
    expect(wal.append('a').seq).toBe(1001);
    expect(wal.append('b').seq).toBe(1002);
    expect(wal.readBatch(1001, 10)).toEqual([
      { seq: 1001, command: 'a' },
      { seq: 1002, command: 'b' },
    ]);
    expect(() => wal.readBatch(1000, 10)).toThrow();
    await wal.close();
  });

  for (const [name, options, message] of rejected) {
    it(`rejects a bad ${name}: ${message}`, async () => {
      const opening = Wal.open(options as never);
      await expect(opening).rejects.toBeInstanceOf(WalOptionsError);
      await expect(opening).rejects.toThrow(message);
      await opening.catch((error: WalOptionsError) => {
        expect(error.message).toBe(message);
        expect(error.code).toBe('WAL_OPTIONS');
      });
    });
  }
});

// Why this file exists: it pins one behaviour: the embedded LMDB log behind the OrderedLog interface (the replicated member's
// view of a log): an append resolves with its seq once durable, a read stops at the tail, a
// following read wakes for later appends, trim refuses to pass the tail and reads below the
// trimmed head are refused, as for the JetStream log.

import { afterEach, describe, expect, it } from 'vitest';
import { LocalOrderedLog, Wal, WalRangeError } from '../../wal/index.js';
import { temp_dir, type TempDir } from './helpers.js';

describe('LocalOrderedLog over the LMDB log', () => {
  let dir: TempDir | undefined;
  afterEach(() => dir?.cleanup());

  async function open(): Promise<LocalOrderedLog<string>> {
    dir = temp_dir();
    return new LocalOrderedLog(await Wal.open<string>({ path: dir.path, durability: 'sync', segmentRecords: 16 }));
  }

  it('resolves appends with their seq in call order and reads to the tail', async () => {
    const log = await open();
    expect(await Promise.all(['a', 'b', 'c'].map((c) => log.append(c)))).toEqual([1, 2, 3]);
    expect(await log.tail()).toBe(3);
    const back = [];
    for await (const r of log.read(1)) back.push(r);
    expect(back).toEqual([
      { seq: 1, command: 'a' },
      { seq: 2, command: 'b' },
      { seq: 3, command: 'c' },
    ]);
    await log.close();
  });

  it('a following read delivers later appends until aborted', async () => {
    const log = await open();
    await log.append('first');
    const abort = new AbortController();
    const seen: string[] = [];
    const reading = (async () => {
      for await (const { command } of log.read(1, { follow: true, signal: abort.signal })) {
        seen.push(command);
        if (seen.length === 40) abort.abort();
      }
    })();
    for (let i = 1; i < 40; i++) await log.append(`r${i}`);
    await reading;
    expect(seen).toEqual(['first', ...Array.from({ length: 39 }, (_, i) => `r${i + 1}`)]);
    await log.close();
  });

  it('trims behind a confirmed seq only', async () => {
    const log = await open();
    for (let i = 0; i < 40; i++) await log.append(`r${i}`);
    await expect(log.trim(41)).rejects.toBeInstanceOf(WalRangeError);
    await log.trim(32);
    expect(log.firstSeq).toBe(33);
    await expect(log.read(3)[Symbol.asyncIterator]().next()).rejects.toBeInstanceOf(WalRangeError);
    await log.close();
  });
});

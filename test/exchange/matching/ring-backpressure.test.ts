// Why this file exists: a full ring is backpressure, never an overwrite. The writer's tryWrite
// refuses (writing nothing) until the reader releases room; a worker whose input ring is tiny gets
// the records that did not fit from the host's spill queue, in order, as it frees room; a worker
// whose output ring is tiny blocks on it (bounded waits) until the exchange's thread drains.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRingBuffer, RingReader, RingWriter } from '../../../exchange/matching-ring.js';
import { optionsArb, resolveStream, streamArb } from '../../engine/generators.js';
import { driveWorker, SMALL_LIMITS } from './fixtures.js';

describe('matching ring: backpressure', () => {
  it('a full ring refuses the next entry and keeps every unread one intact', () => {
    const buffer = createRingBuffer(4096);
    const writer = new RingWriter(buffer);
    const reader = new RingReader(buffer);
    const bytes = (n: number): Uint8Array => new Uint8Array(100).fill(n);
    let written = 0;
    // 112 bytes per entry with its header, padded to 8: 36 fit in 4096.
    while (writer.tryWrite(bytes(written + 1))) written++;
    expect(written).toBe(36);
    expect(writer.tryWrite(bytes(99))).toBe(false);
    writer.publish();
    // Unpublished refusals wrote nothing: the reader sees exactly the 36, each whole.
    for (let n = 1; n <= written; n++) {
      const start = reader.next();
      expect(start).toBeGreaterThanOrEqual(0);
      expect(reader.source.subarray(start, reader.end).every((b) => b === n)).toBe(true);
      expect(reader.end - start).toBe(100);
    }
    expect(reader.next()).toBe(-1);
    // Until the reader releases, the room is still taken.
    expect(writer.tryWrite(bytes(99))).toBe(false);
    reader.release();
    expect(writer.tryWrite(bytes(99))).toBe(true);
  });

  it('a worker behind a 4 KiB input and output ring answers every record, in order, as one engine would', async () => {
    const [[options, plans]] = fc.sample(fc.tuple(optionsArb, streamArb(600, 600)), { numRuns: 1, seed: 21 });
    const commands = resolveStream(plans, options);
    // Everything is published at once: most records wait in the spill queue, most answers wait
    // for the exchange's thread to drain the output ring.
    const { worker, reference, batches } = await driveWorker(options, commands, SMALL_LIMITS, Number.MAX_SAFE_INTEGER);
    expect(worker.length).toBeGreaterThan(400);
    expect(batches).toBeGreaterThan(1);
    expect(worker).toEqual(reference);
  });
});

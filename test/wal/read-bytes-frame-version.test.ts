// Why this file exists: readBytes tells its visitor, per record, whether the frame it just checked
// was a version 2 frame (whose CRC covers the payload's own checksum, so recovery skips that
// second pass) or a version 1 frame (the caller must still check the payload's checksum). Chunks
// may mix both versions; the flag follows each record's own header, also across batch boundaries.

import { afterEach, describe, expect, it } from 'vitest';
import { Wal } from '../../wal/index.js';
import { crc32c } from '../../wal/crc32c.js';
import { temp_dir, type TempDir } from './helpers.js';

/** A payload carrying its own checksum at [4, 8) (little-endian), as command records do. */
function record(n: number): Uint8Array {
  const bytes = new Uint8Array(16 + (n % 40));
  for (let i = 0; i < bytes.length; i++) bytes[i] = (n * 37 + i * 11) & 0xff;
  const crc = crc32c(bytes, 8, bytes.length, crc32c(bytes, 0, 4));
  bytes[4] = crc & 0xff;
  bytes[5] = (crc >>> 8) & 0xff;
  bytes[6] = (crc >>> 16) & 0xff;
  bytes[7] = crc >>> 24;
  return bytes;
}

describe('readBytes payloadChecksumChecked', () => {
  let dir: TempDir | null = null;
  afterEach(() => {
    dir?.cleanup();
    dir = null;
  });

  it('is true for version 2 frames and false for version 1 frames, record by record', async () => {
    dir = temp_dir();
    const wal = await Wal.open<Uint8Array>({ path: dir.path, durability: 'async', records: 'bytes', chunkBytesMax: 4096 });
    const checksummed = (n: number): boolean => n % 3 !== 0;
    for (let n = 1; n <= 300; n++) {
      const bytes = record(n);
      if (checksummed(n)) wal.appendChecksummed(bytes, 0, bytes.length);
      else wal.appendBytes(bytes, 0, bytes.length);
    }
    await wal.flush();
    const seen: boolean[] = [];
    // Batches of 7 end inside chunks: each batch starts mid-chunk.
    while (wal.readBytes(seen.length + 1, 7, (seq, bytes, start, end, checked) => {
      expect(Array.from(bytes.subarray(start, end))).toEqual(Array.from(record(seq)));
      seen[seq - 1] = checked;
    }) > 0);
    expect(seen).toEqual(Array.from({ length: 300 }, (_, i) => checksummed(i + 1)));
    await wal.close();
  });
});

// Why this file exists: readBytes tells its visitor, per record, whether the frame it just checked
// was a version 2 frame (whose CRC covers the payload's own checksum, so recovery skips that
// second pass) or a version 1 frame (the caller must still check the payload's checksum). Chunks
// may mix both versions; the flag follows each record's own header, also across batch boundaries.

import { afterEach, describe, expect, it } from 'vitest';
import { Wal } from '../../wal/index.js';
import { checksummed_record, temp_dir, type TempDir } from './helpers.js';

const record = (n: number): Uint8Array => checksummed_record(n, 40);

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

// Why this file exists: recovery reads the checkpoint into shared memory (CheckpointStore.read
// with `shared`) so that the backup thread is handed its snapshot without a copy. The checks stay
// the same: the same header and bytes as a plain read, and a damaged file is still refused.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CheckpointCorruptError, CheckpointStore } from '../../replay/index.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function store(): CheckpointStore {
  const dir = mkdtempSync(join(tmpdir(), 'matchlog-shared-read-'));
  dirs.push(dir);
  return new CheckpointStore(join(dir, 'checkpoints'));
}

describe('CheckpointStore.read(seq, shared)', () => {
  it('gives the header and the snapshot of a plain read, in a SharedArrayBuffer', () => {
    const s = store();
    const snapshot = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 31) & 0xff);
    s.write({ seq: 42, commands: 40, digest: 'd', stateHash: 'h', writtenAtMs: 0 }, snapshot);
    const plain = s.read(42);
    const shared = s.read(42, true);
    expect(shared.snapshot.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(shared.header).toEqual(plain.header);
    expect(Buffer.compare(Buffer.from(shared.snapshot), Buffer.from(snapshot))).toBe(0);
  });

  it('refuses a damaged or truncated file like a plain read', () => {
    const s = store();
    s.write({ seq: 7, commands: 7, digest: 'd', stateHash: 'h', writtenAtMs: 0 }, new Uint8Array(5000).fill(9));
    const file = join(s.dir, 'checkpoint-0000000000000007.bin');
    const bytes = readFileSync(file);
    bytes[bytes.length - 10] ^= 0xff;
    writeFileSync(file, bytes);
    expect(() => s.read(7, true)).toThrow(CheckpointCorruptError);
    writeFileSync(file, bytes.subarray(0, bytes.length - 100));
    expect(() => s.read(7, true)).toThrow(CheckpointCorruptError);
  });
});

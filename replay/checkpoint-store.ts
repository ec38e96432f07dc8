// Why this file exists: checkpoints live apart from the log, one file each, written so a crash at
// any instant leaves either the old set or the new file whole: write to a temporary name, fsync,
// rename, fsync the directory. Each file carries a checksum over header and body; a file that
// fails it is skipped (with a warning) and recovery falls back to an older one.
// File format 2 ("MLCKPT02") checks a CRC-32 computed natively by zlib (Node ≥ 20.15): the
// JavaScript CRC-32C of format 1 ran at ~90 MB/s, 0.22 s of a 20 MB checkpoint's load on the
// recovery path, where zlib's crc32 does ~1.4 GB/s (measured on this machine, docs/measurements.md, issue 9).
// Format 1 files ("MLCKPT01", CRC-32C) still load.

import { closeSync, fstatSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as zlib from 'node:zlib';
import { crc32c } from '../wal/index.js';
import { fsyncDirectory } from './durable-file.js';

const MAGIC_V1 = 'MLCKPT01';
const MAGIC = 'MLCKPT02';

/** zlib's native CRC-32 where the runtime has it (Node ≥ 20.15), else the same sum in JavaScript. */
const crc32: (data: Uint8Array, value?: number) => number =
  typeof (zlib as { crc32?: unknown }).crc32 === 'function' ? zlib.crc32 : crc32Js;

let crcTable: Int32Array | null = null;

function crc32Js(data: Uint8Array, value = 0): number {
  if (crcTable === null) {
    crcTable = new Int32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c;
    }
  }
  let crc = ~value;
  for (let i = 0; i < data.length; i++) crc = crcTable[(crc ^ data[i]) & 0xff] ^ (crc >>> 8);
  return ~crc >>> 0;
}

/** The checksum of a file's header and snapshot in the given file format. */
function checksum(magic: string, headerBytes: Uint8Array, snapshot: Uint8Array): number {
  if (magic === MAGIC_V1) return crc32c(snapshot, 0, snapshot.length, crc32c(headerBytes)) >>> 0;
  return crc32(snapshot, crc32(headerBytes)) >>> 0;
}
const PREFIX = 'checkpoint-';
const SUFFIX = '.bin';
const TEMP_SUFFIX = '.tmp';
/** magic(8) + header length(4) + crc(4) */
const FIXED_BYTES = 16;
const HEADER_BYTES_MAX = 64 * 1024;

/** What a checkpoint says about itself. */
export interface CheckpointHeader {
  /** Last log sequence number applied to the state. */
  seq: number;
  /** Commands applied since the log began (marks excluded). */
  commands: number;
  /** Event digest after `seq` (engine/event-digest.ts). */
  digest: string;
  /** Engine state hash of the snapshot. */
  stateHash: string;
  /** Bytes of the engine snapshot. */
  snapshotBytes: number;
  /** Wall-clock time it was written (information only; never used for state). */
  writtenAtMs: number;
}

export interface Checkpoint {
  header: CheckpointHeader;
  snapshot: Uint8Array;
  file: string;
}

/**
 * Checkpoints fall due every `every` commands from the start (`due`, `due + every`, ...), not
 * from whenever the last one landed, so a schedule does not drift by a batch per checkpoint.
 * Returns the first due point after `commands`.
 */
export function nextCheckpointDue(due: number, commands: number, every: number): number {
  return due > commands ? due : due + (Math.floor((commands - due) / every) + 1) * every;
}

/** Writing a checkpoint failed (disk full, I/O error): the exchange stops rather than go on unprotected. */
export class CheckpointWriteError extends Error {
  override readonly name = 'CheckpointWriteError';
}

export class CheckpointCorruptError extends Error {
  override readonly name = 'CheckpointCorruptError';
}

function fileName(seq: number): string {
  return `${PREFIX}${String(seq).padStart(16, '0')}${SUFFIX}`;
}

export class CheckpointStore {
  constructor(readonly dir: string) {
    // A new checkpoints directory's entry must outlive a power loss like the files in it: the
    // log is reclaimed behind the checkpoints. Only on creation (mkdirSync returns the first
    // directory it made).
    if (mkdirSync(dir, { recursive: true }) !== undefined) fsyncDirectory(dirname(dir));
  }

  /** Sequence numbers of the checkpoint files present, newest first. */
  list(): number[] {
    const seqs: number[] = [];
    for (const name of readdirSync(this.dir)) {
      if (!name.startsWith(PREFIX) || !name.endsWith(SUFFIX)) continue;
      const seq = Number(name.slice(PREFIX.length, -SUFFIX.length));
      if (Number.isSafeInteger(seq) && seq >= 0) seqs.push(seq);
    }
    return seqs.sort((a, b) => b - a);
  }

  /** Writes a checkpoint durably; returns its size in bytes. Crash-safe at every step. */
  write(header: Omit<CheckpointHeader, 'snapshotBytes'>, snapshot: Uint8Array): number {
    const full: CheckpointHeader = { ...header, snapshotBytes: snapshot.length };
    const headerBytes = Buffer.from(JSON.stringify(full), 'utf8');
    if (headerBytes.length > HEADER_BYTES_MAX) throw new Error('checkpoint header too large');
    const fixed = Buffer.alloc(FIXED_BYTES);
    fixed.write(MAGIC, 0, 'latin1');
    fixed.writeUInt32LE(headerBytes.length, 8);
    fixed.writeUInt32LE(checksum(MAGIC, headerBytes, snapshot), 12);
    const final = join(this.dir, fileName(header.seq));
    const temp = final + TEMP_SUFFIX;
    try {
      const fd = openSync(temp, 'w');
      try {
        writeAll(fd, fixed);
        writeAll(fd, headerBytes);
        writeAll(fd, snapshot);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(temp, final);
      fsyncDirectory(this.dir);
    } catch (error) {
      // A full disk must not also leave a half-written temporary file behind.
      rmSync(temp, { force: true });
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      throw new CheckpointWriteError(`checkpoint ${header.seq} could not be written to ${this.dir} (${code}): ${(error as Error).message}`, {
        cause: error,
      });
    }
    return FIXED_BYTES + headerBytes.length + snapshot.length;
  }

  /**
   * Reads and verifies one checkpoint; throws CheckpointCorruptError naming the file. `shared`:
   * read into a SharedArrayBuffer, so that the snapshot reaches other threads without a copy
   * (recovery hands it to the backup thread: ~60 ms of the opening thread per 74 MB copy).
   */
  read(seq: number, shared = false): Checkpoint {
    const file = join(this.dir, fileName(seq));
    return { ...parseCheckpoint(shared ? readFileShared(file) : readFileSync(file), file, seq), file };
  }

  /** The checkpoint file's bytes exactly as written (to publish it elsewhere, e.g. an object store). */
  bytes(seq: number): Uint8Array {
    return readFileSync(join(this.dir, fileName(seq)));
  }

  /**
   * Moves one checkpoint into the subdirectory `aside` (kept for the operator, never read by
   * recovery again); returns its new path. Recovery deletes nothing it has not proven obsolete.
   */
  setAside(seq: number, aside: string): string {
    const dir = join(this.dir, aside);
    mkdirSync(dir, { recursive: true });
    const to = join(dir, fileName(seq));
    renameSync(join(this.dir, fileName(seq)), to);
    fsyncDirectory(dir);
    fsyncDirectory(this.dir);
    return to;
  }

  /** Keeps the newest `keep` checkpoints; removes older ones and stray temporary files. */
  prune(keep: number): void {
    const seqs = this.list();
    for (const seq of seqs.slice(keep)) rmSync(join(this.dir, fileName(seq)), { force: true });
    for (const name of readdirSync(this.dir)) {
      if (name.endsWith(TEMP_SUFFIX)) rmSync(join(this.dir, name), { force: true });
    }
  }

  /**
   * Removes one checkpoint (no-op if already gone). Leaves temporary files alone: another thread
   * may be writing one.
   */
  remove(seq: number): void {
    rmSync(join(this.dir, fileName(seq)), { force: true });
  }

  /** Bytes on disk of each checkpoint, newest first (for tools). */
  sizes(): Array<{ seq: number; bytes: number }> {
    return this.list().map((seq) => ({ seq, bytes: statSync(join(this.dir, fileName(seq))).size }));
  }
}

/** The whole file in a SharedArrayBuffer (its size when opened; a shorter read fails the checksum). */
function readFileShared(file: string): Uint8Array {
  const fd = openSync(file, 'r');
  try {
    const bytes = Buffer.from(new SharedArrayBuffer(fstatSync(fd).size));
    let offset = 0;
    // Bounded: each read makes progress or ends at the end of the file.
    while (offset < bytes.length) {
      const read = readSync(fd, bytes, offset, bytes.length - offset, offset);
      if (read === 0) break;
      offset += read;
    }
    return bytes.subarray(0, offset);
  } finally {
    closeSync(fd);
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let offset = 0;
  // Bounded: each write makes progress or throws.
  while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
}

/**
 * Verifies the bytes of one checkpoint file (magic, lengths, CRC, header) wherever they came from;
 * `label` names them in the CheckpointCorruptError; `seq`, when given, must be the header's.
 */
export function parseCheckpoint(bytes: Uint8Array, label: string, seq?: number): { header: CheckpointHeader; snapshot: Uint8Array } {
  const fail = (why: string): never => {
    throw new CheckpointCorruptError(`checkpoint ${label} is unusable: ${why}`);
  };
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = b.length < FIXED_BYTES ? '' : b.toString('latin1', 0, 8);
  if (magic !== MAGIC && magic !== MAGIC_V1) fail('bad magic');
  const headerLength = b.readUInt32LE(8);
  if (headerLength > HEADER_BYTES_MAX || FIXED_BYTES + headerLength > b.length) fail('truncated header');
  const headerBytes = b.subarray(FIXED_BYTES, FIXED_BYTES + headerLength);
  const snapshot = b.subarray(FIXED_BYTES + headerLength);
  if (checksum(magic, headerBytes, snapshot) !== b.readUInt32LE(12)) fail('checksum mismatch');
  let header: CheckpointHeader;
  try {
    header = JSON.parse(headerBytes.toString('utf8')) as CheckpointHeader;
  } catch {
    return fail('unreadable header');
  }
  if (seq !== undefined && header.seq !== seq) fail(`header says seq ${header.seq}`);
  if (header.snapshotBytes !== snapshot.length) fail('truncated snapshot');
  return { header, snapshot };
}

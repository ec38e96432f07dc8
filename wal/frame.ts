// Why this file exists: the on-disk envelope of records, owned by the log rather than by a serializer, so
// the checksum covers the exact stored bytes and the format is checked before any payload
// is decoded. Many records are packed into one LMDB value (a "chunk", keyed by the seq of
// its first record): one B-tree entry per chunk instead of one per record is what lets
// appends beat a raw per-record LMDB loop. Payloads are stored back to back and the
// headers after them, so a reader decodes a whole chunk with one msgpackr unpackMultiple
// call (measured 2.5x faster than one unpack per record: strings are extracted once).
//
// Chunk layout (all integers big-endian):
//   [payload 0][payload 1]…[payload n-1]        msgpack values, back to back
//   [header 0][header 1]…[header n-1]           16 bytes each, see below
//   [n: u32]                                    number of records
// Header i:
//   [0, 4)   frame checksum (below, by version)
//   [4]      frame version: FRAME_VERSION (1) or FRAME_VERSION_CHECKSUMMED (2), per record
//   [5, 8)   payload length in bytes (24 bits)
//   [8, 12)  seq, high 32 bits
//   [12, 16) seq, low 32 bits
// Record i's seq must be the chunk key + i; the chunk key must follow the previous chunk.
// Frame checksums (every byte of the frame but the checksum itself is covered, in both versions):
//   version 1: crc32c of header bytes [4, 16) followed by payload i
//   version 2, a checksummed payload (one that carries its own checksum: bytes [4, 8) hold, little-
//   endian, the crc32c of payload bytes [0, 4) followed by [8, end), as replay/command-record.ts
//   writes it): crc32c of payload [0, 4), payload [8, end), header [4, 16), payload [4, 8) — one
//   CRC-32C over a fixed order of every byte, so the writer continues the payload's own checksum
//   over 16 bytes instead of checksumming the payload a second time (the exchange's thread spent
//   ~0.5 µs per command on that second pass, measured: docs/measurements.md), and the reader
//   still makes one pass over all of it. Logs of version 1 frames read as before; both versions
//   may share a chunk.

import { crc32c, crc32c_copy, crc32c_u32be } from './crc32c.js';
import { WalCorruptionError } from './errors.js';

export const FRAME_VERSION = 1;
/** A frame whose checksum continues its payload's own (see the header comment). */
export const FRAME_VERSION_CHECKSUMMED = 2;
/** A checksummed payload holds at least its first 4 bytes and its 4-byte checksum. */
export const CHECKSUMMED_PAYLOAD_BYTES_MIN = 8;
export const FRAME_HEADER_BYTES = 16;
export const CHUNK_TRAILER_BYTES = 4;
export const FRAME_PAYLOAD_BYTES_MAX = 2 ** 24 - 1;
const TWO_32 = 2 ** 32;
/** Payloads up to this size are copied by the checksum loop, larger ones with set(). */
const COPY_LOOP_BYTES_MAX = 256;

/** Bytes a chunk of `records` records with `payload_bytes` of payload occupies. */
export function chunk_bytes(records: number, payload_bytes: number): number {
  return payload_bytes + records * FRAME_HEADER_BYTES + CHUNK_TRAILER_BYTES;
}

/**
 * Builds one chunk in a caller-provided buffer: payloads are copied in as records are
 * appended, headers are kept aside and written behind the payloads by `seal`.
 */
export class ChunkBuilder {
  buffer: Buffer;
  records = 0;
  payload_bytes = 0;
  first_seq = 0;
  private headers: Uint8Array;

  constructor(buffer: Buffer) {
    this.buffer = buffer;
    this.headers = new Uint8Array(Math.max(FRAME_HEADER_BYTES * 64, buffer.length));
  }

  /** Start a new chunk in `buffer` (which may be the previous, now unused, buffer). */
  reset(buffer: Buffer): void {
    this.buffer = buffer;
    this.records = 0;
    this.payload_bytes = 0;
    if (this.headers.length < buffer.length) this.headers = new Uint8Array(buffer.length);
  }

  /** Bytes of the chunk sealed now. */
  sealed_bytes(): number {
    return chunk_bytes(this.records, this.payload_bytes);
  }

  /** Whether one more record with `payload_length` bytes fits. */
  fits(payload_length: number): boolean {
    return chunk_bytes(this.records + 1, this.payload_bytes + payload_length) <= this.buffer.length;
  }

  /** Append record `seq` whose payload is source[start, end) (a version 1 frame). */
  add(seq: number, source: Uint8Array, source_start: number, source_end: number): void {
    const length = source_end - source_start;
    const o = this.place(seq, length, FRAME_VERSION);
    const h = this.headers;
    const start = this.payload_bytes;
    const header_crc = crc32c(h, o + 4, o + FRAME_HEADER_BYTES);
    let crc: number;
    if (length <= COPY_LOOP_BYTES_MAX) {
      // One pass copies and checksums; set() on a subarray would allocate a view per record.
      crc = crc32c_copy(source, source_start, source_end, this.buffer, start, header_crc);
    } else {
      this.buffer.set(source.subarray(source_start, source_end), start);
      crc = crc32c(this.buffer, start, start + length, header_crc);
    }
    this.finish(o, crc, start + length);
  }

  /**
   * Append record `seq` whose payload source[start, end) carries its own checksum (see the
   * header comment): a version 2 frame. Its checksum continues the payload's stored one over 16
   * bytes; the payload is copied, not read a second time for a checksum. The stored checksum is
   * trusted here: a wrong one makes the frame fail its check on every read (never data).
   */
  add_checksummed(seq: number, source: Uint8Array, source_start: number, source_end: number): void {
    const length = source_end - source_start;
    if (!(length >= CHECKSUMMED_PAYLOAD_BYTES_MIN)) throw new RangeError(`a checksummed record of ${length} bytes is shorter than ${CHECKSUMMED_PAYLOAD_BYTES_MIN}`);
    const o = this.place(seq, length, FRAME_VERSION_CHECKSUMMED);
    const start = this.payload_bytes;
    const s = source_start;
    // The payload's checksum field as stored (little-endian), and the same 4 bytes read in order.
    const payload_crc = (source[s + 4] | (source[s + 5] << 8) | (source[s + 6] << 16) | (source[s + 7] << 24)) >>> 0;
    const field_bytes = ((source[s + 4] << 24) | (source[s + 5] << 16) | (source[s + 6] << 8) | source[s + 7]) >>> 0;
    // Header bytes [4, 16) as place() wrote them: version and length, seq high, seq low.
    let crc = crc32c_u32be(payload_crc, ((FRAME_VERSION_CHECKSUMMED << 24) | length) >>> 0);
    crc = crc32c_u32be(crc, seq > 0xffffffff ? Math.floor(seq / TWO_32) : 0);
    crc = crc32c_u32be(crc, seq >>> 0);
    crc = crc32c_u32be(crc, field_bytes);
    if (length <= COPY_LOOP_BYTES_MAX) {
      // set() on a subarray would allocate a view per record.
      copy_short(source, source_start, source_end, this.buffer, start);
    } else {
      this.buffer.set(source.subarray(source_start, source_end), start);
    }
    this.finish(o, crc, start + length);
  }

  /** Checks that record `seq` of `length` bytes fits, writes its header but the checksum; returns the header's offset. */
  private place(seq: number, length: number, version: number): number {
    if (!(length <= FRAME_PAYLOAD_BYTES_MAX)) throw new RangeError(`record payload of ${length} bytes is too large`);
    const records = this.records;
    if (!(this.payload_bytes + length + (records + 1) * FRAME_HEADER_BYTES + CHUNK_TRAILER_BYTES <= this.buffer.length)) {
      throw new Error('assertion: record fits the chunk');
    }
    if (records === 0) this.first_seq = seq;
    else if (seq !== this.first_seq + records) throw new Error('assertion: records of a chunk are consecutive');
    const o = records * FRAME_HEADER_BYTES;
    if (o + FRAME_HEADER_BYTES > this.headers.length) {
      const grown = new Uint8Array(this.headers.length * 2);
      grown.set(this.headers);
      this.headers = grown;
    }
    const h = this.headers;
    const hi = seq > 0xffffffff ? Math.floor(seq / TWO_32) : 0;
    const lo = seq >>> 0;
    h[o + 4] = version;
    h[o + 5] = length >>> 16;
    h[o + 6] = (length >>> 8) & 0xff;
    h[o + 7] = length & 0xff;
    h[o + 8] = hi >>> 24;
    h[o + 9] = (hi >>> 16) & 0xff;
    h[o + 10] = (hi >>> 8) & 0xff;
    h[o + 11] = hi & 0xff;
    h[o + 12] = lo >>> 24;
    h[o + 13] = (lo >>> 16) & 0xff;
    h[o + 14] = (lo >>> 8) & 0xff;
    h[o + 15] = lo & 0xff;
    return o;
  }

  /** Writes the checksum of the header at `o` and counts its record, whose payload ends at `payload_end`. */
  private finish(o: number, crc: number, payload_end: number): void {
    const h = this.headers;
    h[o] = crc >>> 24;
    h[o + 1] = (crc >>> 16) & 0xff;
    h[o + 2] = (crc >>> 8) & 0xff;
    h[o + 3] = crc & 0xff;
    this.payload_bytes = payload_end;
    this.records++;
  }

  /** Write headers and trailer behind the payloads; returns the chunk's bytes. */
  seal(): Buffer {
    if (!(this.records > 0)) throw new Error('assertion: sealing a chunk with records');
    const headers_bytes = this.records * FRAME_HEADER_BYTES;
    const end = this.payload_bytes + headers_bytes;
    this.buffer.set(this.headers.subarray(0, headers_bytes), this.payload_bytes);
    this.buffer.writeUInt32BE(this.records, end);
    return this.buffer.subarray(0, end + CHUNK_TRAILER_BYTES);
  }
}

/**
 * Check every header of a chunk: trailer, version, seq (chunk_seq + i), lengths and
 * checksums. Fills `payload_ends[i]` with the end offset of payload i (payload i starts
 * at payload_ends[i - 1], or 0). Returns the record count. Throws WalCorruptionError
 * naming the first bad record's seq and the file.
 */
export function check_chunk(chunk: Uint8Array, chunk_seq: number, file: string, payload_ends: number[]): number {
  if (chunk.length < CHUNK_TRAILER_BYTES + FRAME_HEADER_BYTES) {
    throw new WalCorruptionError(chunk_seq, file, `chunk of ${chunk.length} bytes is too short`);
  }
  const t = chunk.length - CHUNK_TRAILER_BYTES;
  const records = ((chunk[t] << 24) | (chunk[t + 1] << 16) | (chunk[t + 2] << 8) | chunk[t + 3]) >>> 0;
  const headers_start = t - records * FRAME_HEADER_BYTES;
  if (records === 0 || headers_start < 0) {
    throw new WalCorruptionError(chunk_seq, file, `chunk trailer claims ${records} records in ${chunk.length} bytes`);
  }
  payload_ends.length = records;
  let payload_start = 0;
  for (let i = 0; i < records; i++) {
    const o = headers_start + i * FRAME_HEADER_BYTES;
    const seq = chunk_seq + i;
    const version = chunk[o + 4];
    if (version !== FRAME_VERSION && version !== FRAME_VERSION_CHECKSUMMED) {
      throw new WalCorruptionError(
        seq,
        file,
        `unknown record format version ${version} (expected ${FRAME_VERSION} or ${FRAME_VERSION_CHECKSUMMED})`,
      );
    }
    const length = (chunk[o + 5] << 16) | (chunk[o + 6] << 8) | chunk[o + 7];
    const payload_end = payload_start + length;
    if (payload_end > headers_start) {
      throw new WalCorruptionError(seq, file, `record length ${length} runs past the payloads of its chunk`);
    }
    if (version === FRAME_VERSION_CHECKSUMMED && length < CHECKSUMMED_PAYLOAD_BYTES_MIN) {
      throw new WalCorruptionError(seq, file, `checksummed record of ${length} bytes is shorter than ${CHECKSUMMED_PAYLOAD_BYTES_MIN}`);
    }
    const stored_crc = ((chunk[o] << 24) | (chunk[o + 1] << 16) | (chunk[o + 2] << 8) | chunk[o + 3]) >>> 0;
    const crc =
      version === FRAME_VERSION
        ? crc32c(chunk, payload_start, payload_end, crc32c(chunk, o + 4, o + FRAME_HEADER_BYTES))
        : checksummed_frame_crc(chunk, payload_start, payload_end, o);
    if (crc !== stored_crc) {
      throw new WalCorruptionError(
        seq,
        file,
        `checksum mismatch (stored 0x${stored_crc.toString(16).padStart(8, '0')}, computed 0x${crc.toString(16).padStart(8, '0')})`,
      );
    }
    const hi = ((chunk[o + 8] << 24) | (chunk[o + 9] << 16) | (chunk[o + 10] << 8) | chunk[o + 11]) >>> 0;
    const lo = ((chunk[o + 12] << 24) | (chunk[o + 13] << 16) | (chunk[o + 14] << 8) | chunk[o + 15]) >>> 0;
    const stored_seq = hi * TWO_32 + lo;
    if (stored_seq !== seq) {
      throw new WalCorruptionError(seq, file, `record carries seq ${stored_seq} (sequence gap or misplaced record)`);
    }
    payload_ends[i] = payload_end;
    payload_start = payload_end;
  }
  if (payload_start !== headers_start) {
    throw new WalCorruptionError(
      chunk_seq + records - 1,
      file,
      `chunk has ${headers_start - payload_start} unaccounted bytes between payloads and headers`,
    );
  }
  return records;
}

/**
 * Copies source[start, end) to target[offset, …), 8 bytes a step. Why its own function, called
 * from add_checksummed only: V8 keeps one set of type feedback per function, and a copy loop that
 * also saw other array types (crc32c's callers pass Buffers and Uint8Arrays) ran 3x slower per
 * byte; unrolled, it took ~45 ns for an 80-byte record against ~80 for a plain loop and ~70 for
 * set() of a subarray (bench/wal/frame-checksum.ts, docs/measurements.md).
 */
function copy_short(source: Uint8Array, start: number, end: number, target: Uint8Array, offset: number): void {
  let i = start;
  let o = offset;
  const end8 = end - ((end - start) & 7);
  for (; i < end8; i += 8, o += 8) {
    target[o] = source[i];
    target[o + 1] = source[i + 1];
    target[o + 2] = source[i + 2];
    target[o + 3] = source[i + 3];
    target[o + 4] = source[i + 4];
    target[o + 5] = source[i + 5];
    target[o + 6] = source[i + 6];
    target[o + 7] = source[i + 7];
  }
  for (; i < end; i++, o++) target[o] = source[i];
}

/** The version 2 checksum of the frame whose payload is chunk[start, end) and header is at `o`. */
function checksummed_frame_crc(chunk: Uint8Array, start: number, end: number, o: number): number {
  let crc = crc32c(chunk, start + 8, end, crc32c_u32be(0, be_u32(chunk, start)));
  crc = crc32c_u32be(crc, be_u32(chunk, o + 4));
  crc = crc32c_u32be(crc, be_u32(chunk, o + 8));
  crc = crc32c_u32be(crc, be_u32(chunk, o + 12));
  return crc32c_u32be(crc, be_u32(chunk, start + 4));
}

/** The 4 bytes at `o`, in order, as a big-endian u32. */
function be_u32(bytes: Uint8Array, o: number): number {
  return ((bytes[o] << 24) | (bytes[o + 1] << 16) | (bytes[o + 2] << 8) | bytes[o + 3]) >>> 0;
}

/** 8-byte big-endian key of a sequence number: byte order equals numeric order. */
export function seq_key(seq: number): Buffer {
  const key = Buffer.allocUnsafe(8);
  key.writeUInt32BE(Math.floor(seq / TWO_32), 0);
  key.writeUInt32BE(seq >>> 0, 4);
  return key;
}

export function key_seq(key: Uint8Array): number {
  if (key.length !== 8) return -1;
  const hi = ((key[0] << 24) | (key[1] << 16) | (key[2] << 8) | key[3]) >>> 0;
  const lo = ((key[4] << 24) | (key[5] << 16) | (key[6] << 8) | key[7]) >>> 0;
  return hi * TWO_32 + lo;
}

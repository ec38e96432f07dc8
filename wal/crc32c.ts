// Why this file exists: every WAL record carries a checksum over its exact bytes, so a flipped bit on
// disk, a torn page or a stray write is caught on replay instead of silently changing
// the rebuilt state. CRC-32C (Castagnoli) is used because it has better error-detection
// properties than the IEEE CRC-32 for short messages and is the checksum most logs use
// (iSCSI, ext4, RocksDB, Kafka). No maintained CRC-32C package is installed and Node's
// zlib.crc32 is the IEEE polynomial, so this is a table-driven slicing-by-8
// implementation: 8 table look-ups per 8 input bytes, no allocation per call.

const POLYNOMIAL_REFLECTED = 0x82f63b78;
const TABLES_COUNT = 8;

/** 8 tables of 256 entries, table t maps a byte to its CRC contribution t bytes ahead. */
const tables: Uint32Array = build_tables();

function build_tables(): Uint32Array {
  const t = new Uint32Array(256 * TABLES_COUNT);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLYNOMIAL_REFLECTED : c >>> 1;
    t[n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++) {
    let c = t[n];
    for (let s = 1; s < TABLES_COUNT; s++) {
      c = t[c & 0xff] ^ (c >>> 8);
      t[s * 256 + n] = c >>> 0;
    }
  }
  return t;
}

/**
 * CRC-32C of bytes[start, end). Pass a previous result as `crc` to continue a checksum
 * over several ranges (crc32c(b, 0, n) === crc32c(b, k, n, crc32c(b, 0, k))).
 */
export function crc32c(bytes: Uint8Array, start = 0, end: number = bytes.length, crc = 0): number {
  if (!(start >= 0 && start <= end && end <= bytes.length)) {
    throw new RangeError(`crc32c: range [${start}, ${end}) outside buffer of ${bytes.length} bytes`);
  }
  const t = tables;
  let c = ~crc;
  let i = start;
  // Bytes until the 8-byte loop; no alignment is needed since we read single bytes.
  const end8 = end - ((end - i) & 7);
  while (i < end8) {
    const lo = c ^ (bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24));
    c =
      t[1792 + (lo & 0xff)] ^
      t[1536 + ((lo >>> 8) & 0xff)] ^
      t[1280 + ((lo >>> 16) & 0xff)] ^
      t[1024 + (lo >>> 24)] ^
      t[768 + bytes[i + 4]] ^
      t[512 + bytes[i + 5]] ^
      t[256 + bytes[i + 6]] ^
      t[bytes[i + 7]];
    i += 8;
  }
  while (i < end) {
    c = t[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
    i++;
  }
  return ~c >>> 0;
}

/**
 * Copy source[start, end) to target[offset, …) and return the CRC-32C of the copied bytes
 * (continuing `crc`): one pass over the bytes instead of a copy and a checksum.
 */
export function crc32c_copy(
  source: Uint8Array,
  start: number,
  end: number,
  target: Uint8Array,
  offset: number,
  crc = 0,
): number {
  if (!(start >= 0 && start <= end && end <= source.length && offset >= 0 && offset + (end - start) <= target.length)) {
    throw new RangeError(`crc32c_copy: range [${start}, ${end}) to offset ${offset} is outside a buffer`);
  }
  const t = tables;
  let c = ~crc;
  let i = start;
  let o = offset;
  const end8 = end - ((end - i) & 7);
  while (i < end8) {
    const b0 = source[i];
    const b1 = source[i + 1];
    const b2 = source[i + 2];
    const b3 = source[i + 3];
    const b4 = source[i + 4];
    const b5 = source[i + 5];
    const b6 = source[i + 6];
    const b7 = source[i + 7];
    target[o] = b0;
    target[o + 1] = b1;
    target[o + 2] = b2;
    target[o + 3] = b3;
    target[o + 4] = b4;
    target[o + 5] = b5;
    target[o + 6] = b6;
    target[o + 7] = b7;
    const lo = c ^ (b0 | (b1 << 8) | (b2 << 16) | (b3 << 24));
    c =
      t[1792 + (lo & 0xff)] ^
      t[1536 + ((lo >>> 8) & 0xff)] ^
      t[1280 + ((lo >>> 16) & 0xff)] ^
      t[1024 + (lo >>> 24)] ^
      t[768 + b4] ^
      t[512 + b5] ^
      t[256 + b6] ^
      t[b7];
    i += 8;
    o += 8;
  }
  while (i < end) {
    const b = source[i++];
    target[o++] = b;
    c = t[(c ^ b) & 0xff] ^ (c >>> 8);
  }
  return ~c >>> 0;
}

/**
 * Continues `crc` over the 4 bytes of `value`, most significant first (a big-endian u32 in the
 * checksummed bytes). Reads no array but the table: the log's version 2 frames continue a
 * record's checksum over its header's fields this way, numbers straight from the header being
 * written (wal/frame.ts), with no call that sees other array types.
 */
export function crc32c_u32be(crc: number, value: number): number {
  const t = tables;
  let c = ~crc;
  c = t[(c ^ (value >>> 24)) & 0xff] ^ (c >>> 8);
  c = t[(c ^ (value >>> 16)) & 0xff] ^ (c >>> 8);
  c = t[(c ^ (value >>> 8)) & 0xff] ^ (c >>> 8);
  c = t[(c ^ value) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

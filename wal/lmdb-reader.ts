// Why this file exists: replay is the recovery path, so reading must be fast and must refuse to hand back
// anything it cannot vouch for. Chunks are walked in key order segment by segment; every
// record's checksum, version and sequence number are checked before its chunk is decoded,
// chunk keys must continue the sequence exactly, and a scan that ends before the committed
// tail reports the missing records. Reads are synchronous and hold no LMDB cursor between
// calls, so a reclaim that drops a segment can never pull pages from under a reader.

import type { RawRecordVisitor, WalRecord } from './types.js';
import type { LmdbStore, Segment } from './lmdb-store.js';
import type { RecordCodec } from './codec.js';
import { WalCorruptionError } from './errors.js';
import { CHUNK_TRAILER_BYTES, FRAME_HEADER_BYTES, FRAME_VERSION_CHECKSUMMED, check_chunk, key_seq, seq_key } from './frame.js';

/** Index of the last segment whose first_seq <= seq, or -1. */
function find_segment(segments: readonly Segment[], seq: number): number {
  let lo = 0;
  let hi = segments.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (segments[mid].first_seq <= seq) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}


/** Reused between calls: payload end offsets of the chunk being decoded. */
const payload_ends: number[] = [];

/**
 * Append to `out` the committed records from `from_seq`, in order: at most `records_max`
 * of them, or, with `whole_chunks`, up to the end of the chunk where records_max is
 * reached (no chunk is decoded twice by a streaming reader). Stops early at the committed
 * tail; `tail_seq` is the highest seq known committed, and ending below it means records
 * are missing, which is corruption. Returns the next seq to read.
 */
export function read_records<T>(
  store: LmdbStore,
  codec: RecordCodec,
  out: WalRecord<T>[],
  from_seq: number,
  records_max: number,
  tail_seq: number,
  whole_chunks: boolean,
  visit: RawRecordVisitor | null = null,
): number {
  if (!(records_max > 0)) return from_seq;
  const file = store.file;
  const segments = store.segments;
  let expected = from_seq;
  let index = find_segment(segments, from_seq);
  if (index < 0) {
    if (from_seq <= tail_seq) throw new WalCorruptionError(from_seq, file, 'no segment holds this record');
    return from_seq;
  }
  // Records taken: pushed to `out`, or handed to `visit` (raw records, no object per record).
  let taken = out.length;
  const stop = taken + records_max;
  let first_chunk = true;
  for (; index < segments.length; index++) {
    const segment = segments[index];
    if (!first_chunk && segment.first_seq !== expected) {
      throw new WalCorruptionError(
        expected,
        file,
        `segment ${segment.name} starts at seq ${segment.first_seq}, records ${expected}..${segment.first_seq - 1} are missing`,
      );
    }
    let start_key = seq_key(expected);
    if (first_chunk) {
      // The chunk holding `expected` is the last one whose key is <= expected.
      let holder: Uint8Array | undefined;
      for (const key of segment.db.getKeys({ start: start_key, reverse: true, limit: 1 })) holder = key;
      if (holder === undefined) {
        if (expected > tail_seq) return expected;
        throw new WalCorruptionError(expected, file, `no chunk in segment ${segment.name} holds this record`);
      }
      start_key = Buffer.from(holder);
    }
    for (const { key, value } of segment.db.getRange({ start: start_key })) {
      const chunk_seq = key_seq(key);
      if (first_chunk) {
        if (chunk_seq > expected || chunk_seq < segment.first_seq) {
          throw new WalCorruptionError(expected, file, `chunk key ${chunk_seq} does not hold this record`);
        }
      } else if (chunk_seq !== expected) {
        throw new WalCorruptionError(
          expected,
          file,
          chunk_seq > expected
            ? `records ${expected}..${chunk_seq - 1} are missing (next chunk starts at ${chunk_seq})`
            : `chunk key ${chunk_seq} overlaps records already read`,
        );
      }
      const records = check_chunk(value, chunk_seq, file, payload_ends);
      const chunk_end_seq = chunk_seq + records;
      if (first_chunk && chunk_end_seq < expected) {
        throw new WalCorruptionError(expected, file, `records ${chunk_end_seq}..${expected} are missing`);
      }
      // Decode only the records wanted, [first, end), with one unpackMultiple call over
      // their payloads (contiguous): no record is decoded twice by consecutive batch reads.
      const first = Math.max(0, expected - chunk_seq);
      const wanted = whole_chunks ? records - first : Math.min(records - first, stop - taken);
      const end = first + wanted;
      const base = first === 0 ? 0 : payload_ends[first - 1];
      let i = first;
      if (visit !== null) {
        // Each record's frame version (checked by check_chunk) sits at byte 4 of its header.
        const versions = value.length - CHUNK_TRAILER_BYTES - records * FRAME_HEADER_BYTES + 4;
        for (; i < end; i++) {
          const checked = value[versions + i * FRAME_HEADER_BYTES] === FRAME_VERSION_CHECKSUMMED;
          visit(chunk_seq + i, value, i === 0 ? 0 : payload_ends[i - 1], payload_ends[i], checked);
        }
      } else if (codec.raw) {
        // Views of the chunk (lmdb-js hands back a fresh buffer per value): no copy, no decode.
        for (; i < end; i++) {
          out.push({ seq: chunk_seq + i, command: value.subarray(i === 0 ? 0 : payload_ends[i - 1], payload_ends[i]) as T });
        }
      } else if (wanted > 0) codec.decode_many(value.subarray(base, payload_ends[end - 1]), (command, start, stop_offset) => {
        const seq = chunk_seq + i;
        if (stop_offset + base !== payload_ends[i] || start + base !== (i === 0 ? 0 : payload_ends[i - 1])) {
          throw new WalCorruptionError(
            seq,
            file,
            `payload decodes to [${start + base}, ${stop_offset + base}), header says it ends at ${payload_ends[i]}`,
          );
        }
        out.push({ seq, command: command as T });
        i++;
        return true;
      });
      if (i !== end) {
        throw new WalCorruptionError(chunk_seq + i, file, `chunk decodes to ${i - first} of ${wanted} records`);
      }
      taken += end - first;
      expected = chunk_seq + end;
      const stopped = end < records;
      if (stopped) return expected;
      first_chunk = false;
      expected = chunk_end_seq;
      if (taken >= stop) return expected;
    }
    if (first_chunk) {
      throw new WalCorruptionError(expected, file, `segment ${segment.name} lost the chunk holding this record`);
    }
  }
  if (expected <= tail_seq) {
    throw new WalCorruptionError(expected, file, `records ${expected}..${tail_seq} are committed but missing`);
  }
  return expected;
}

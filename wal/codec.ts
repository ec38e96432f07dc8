// Why this file exists: payloads are opaque msgpack values. msgpackr "shared structures" write an object's
// keys once per shape instead of once per record, which halves an order record and makes
// decoding several times faster. The shapes must be on disk before any record that uses
// them is durable, so the codec reports new shapes and the group commit writes them into
// the same transaction as the records that first use them (LMDB commits are atomic and
// ordered, so a record is never durable without its shape).

import { Packr, REUSE_BUFFER_MODE, RESET_BUFFER_MODE } from 'msgpackr';

/** Shapes are arrays of keys; msgpackr tags the array with how many are shared. */
type Structures = string[][] & { sharedLength?: number };

/** msgpackr's default number of shared shapes; more shapes are written inline. */
const SHARED_STRUCTURES_MAX = 32;

/**
 * How the log turns a record into the bytes it frames and back. `raw` codecs store the caller's
 * bytes as they are and hand back views of the stored chunk (the reader skips decode_many).
 */
export interface RecordCodec {
  readonly raw: boolean;
  encoded_start: number;
  encoded_end: number;
  encode_transient(value: unknown): Uint8Array;
  decode_many(bytes: Uint8Array, each: (value: unknown, start: number, end: number) => boolean): void;
  take_structures(): string[][] | undefined;
  restore_structures_dirty(): void;
}

/**
 * Records that are already bytes (log format 2: e.g. the exchange's binary command records,
 * encoded once by admission). The log copies them into its chunk and checksums them; nothing
 * is serialized here.
 */
export class BytesCodec implements RecordCodec {
  readonly raw = true;
  encoded_start = 0;
  encoded_end = 0;

  encode_transient(value: unknown): Uint8Array {
    if (!(value instanceof Uint8Array)) {
      throw new TypeError(`a log of records: 'bytes' appends Uint8Arrays (got ${value === null ? 'null' : typeof value})`);
    }
    this.encoded_start = 0;
    this.encoded_end = value.length;
    return value;
  }

  decode_many(): void {
    throw new Error('assertion: raw records are read as views, not decoded');
  }

  take_structures(): undefined {
    return undefined;
  }

  restore_structures_dirty(): void {}
}

export class PayloadCodec implements RecordCodec {
  readonly raw = false;
  private readonly packr: Packr;
  private structures: Structures;
  private structures_dirty = false;
  /** Reused options object for unpack, so decoding allocates nothing per record. */
  private readonly range: { start: number; end: number } = { start: 0, end: 0 };

  constructor(loaded: string[][] | undefined) {
    this.structures = (loaded ?? []).map((keys) => keys.slice());
    this.packr = new Packr({
      structures: this.structures,
      maxSharedStructures: SHARED_STRUCTURES_MAX,
      // Called synchronously at the end of pack() when a new shared shape was made; the
      // log is the only writer, so it is always compatible: remember to persist it.
      saveStructures: (structures: {}[]) => {
        this.structures = structures as Structures;
        this.structures_dirty = true;
        return true;
      },
    });
  }

  /** Bytes of the last `encode_transient`: [encoded_start, encoded_end) of its result. */
  encoded_start = 0;
  encoded_end = 0;

  /**
   * Encode into msgpackr's own buffer, reused by the next call: no allocation per record
   * (the bytes are copied into a chunk at once). Returns the buffer; the value occupies
   * [encoded_start, encoded_end).
   */
  encode_transient(value: unknown): Uint8Array {
    const out = this.packr.pack(value, REUSE_BUFFER_MODE | RESET_BUFFER_MODE) as Uint8Array & {
      start?: number;
      end?: number;
    };
    // After saving new shapes msgpackr returns a fresh subarray (no start/end) instead of
    // its own buffer (start/end set by REUSE_BUFFER_MODE).
    if (typeof out.start === 'number' && typeof out.end === 'number') {
      this.encoded_start = out.start;
      this.encoded_end = out.end;
    } else {
      this.encoded_start = 0;
      this.encoded_end = out.length;
    }
    return out;
  }

  decode(bytes: Uint8Array, start: number, end: number): unknown {
    this.range.start = start;
    this.range.end = end;
    return this.packr.unpack(bytes, this.range);
  }

  /**
   * Decode consecutive msgpack values filling `bytes` exactly, in one call (strings of all
   * values are extracted at once). `each` gets every value with its [start, end) offsets
   * and may return false to stop.
   */
  decode_many(bytes: Uint8Array, each: (value: unknown, start: number, end: number) => boolean): void {
    this.packr.unpackMultiple(bytes, (value: unknown, start?: number, end?: number) =>
      each(value, start ?? -1, end ?? -1),
    );
  }

  /** New shared shapes since the last call (a plain copy to persist), or undefined. */
  take_structures(): string[][] | undefined {
    if (!this.structures_dirty) return undefined;
    this.structures_dirty = false;
    const shared = this.structures.sharedLength ?? this.structures.length;
    const out: string[][] = [];
    for (let i = 0; i < shared; i++) {
      const keys = this.structures[i];
      out.push(keys === undefined ? [] : Array.from(keys, String));
    }
    return out;
  }

  /** The batch that carried the shapes failed: persist them with the next one. */
  restore_structures_dirty(): void {
    this.structures_dirty = true;
  }
}

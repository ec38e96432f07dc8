// Why this file exists: the engine and recovery code depend on these interfaces only, never on
// LMDB or NATS. WriteAheadLog is the single-writer log (the sequencer assigns seq at append);
// OrderedLog is the many-writer log of a replicated venue, where the log (a JetStream stream,
// replicated by Raft) assigns the one total order and a writer learns its seq from the ack. Keep
// them small and free of storage types: sequence numbers, opaque payloads, promises for
// "visible" and "durable".

/** How long the caller waits before an outcome may be released (see DESIGN.md). */
export type Durability = 'sync' | 'async' | 'memory';

/** What `append` hands back at once. */
export interface AppendResult {
  /** The record's sequence number: 1, 2, 3 … with no gaps. Assigned synchronously. */
  readonly seq: number;
  /** Resolves once the record is committed (readable by `read`, other processes). */
  readonly visible: Promise<void>;
  /**
   * Resolves once the record is safe under the log's durability mode:
   * `sync` flushed to disk, `async` committed (the OS has it), `memory` at once.
   * Rejects (like `visible`) with a WalError if the batch holding it could not be
   * written; no record after it is kept either, so the log never has a gap.
   */
  readonly durable: Promise<void>;
}

/**
 * Gets one raw record: bytes[start, end) at `seq`. `payloadChecksumChecked`: true when the record's
 * stored frame was a version 2 frame (FRAME_VERSION_CHECKSUMMED), whose CRC the log just checked
 * continues the payload's own stored checksum: a payload that no longer matches its own checksum
 * (damaged before or after framing) fails that check, so the caller need not compute the payload's
 * checksum again. False for version 1 frames and for logs without frames (the memory log).
 */
export type RawRecordVisitor = (seq: number, bytes: Uint8Array, start: number, end: number, payloadChecksumChecked: boolean) => void;

/** One record as read back. */
export interface WalRecord<T> {
  readonly seq: number;
  readonly command: T;
}

/**
 * The write-ahead log as the rest of matchlog sees it. Records are opaque values that
 * the implementation can serialise (msgpack for the LMDB log); sequence numbers are
 * assigned by the log, start at 1 and increase by one.
 */
export interface WriteAheadLog<T = unknown> {
  /** Oldest record still held (lastSeq + 1 when the log holds none). */
  readonly firstSeq: number;
  /** Last sequence number handed out by `append` (0 for a new, empty log). */
  readonly lastSeq: number;
  /** Last sequence number known committed (visible to readers). */
  readonly visibleSeq: number;
  /** Last sequence number known durable under this log's durability mode. */
  readonly durableSeq: number;
  readonly durability: Durability;

  /**
   * Append one record. Synchronous: assigns the next sequence number and queues the
   * record for the next group commit. Throws WalFullError (nothing is assigned) when the
   * log has no room, WalOverloadError when too many bytes wait for a commit, and
   * WalClosedError after close().
   */
  append(command: T): AppendResult;

  /**
   * `append` of the bytes [start, end) of `bytes`, for a log of records: 'bytes', returning only
   * the sequence number (the bytes are copied before it returns; the caller may reuse them). Why:
   * the exchange appends one record per command, and the AppendResult object was garbage on its
   * thread; only the batch's `durable` matters to it, and that is `lastDurable`. Same errors as
   * `append`. Optional: a log without it is appended through `append`.
   */
  appendBytes?(bytes: Uint8Array, start: number, end: number): number;

  /**
   * `appendBytes` of a record that carries its own checksum: bytes [start + 4, start + 8) hold,
   * little-endian, the CRC-32C of bytes [start, start + 4) followed by [start + 8, end) (the
   * layout of replay/command-record.ts). The log's frame continues that checksum instead of
   * computing a second one over the same bytes (wal/frame.ts, version 2 frames); a read still
   * checks every byte and refuses a damaged record with WalCorruptionError. The checksum is
   * trusted when appending: a wrong one makes the record unreadable, never misread. A log that
   * frames records refuses fewer than 8 bytes (RangeError). Optional: a log without it is appended through `appendBytes`.
   */
  appendChecksummed?(bytes: Uint8Array, start: number, end: number): number;

  /**
   * The `durable` promise `append` would have returned for the last record appended (the one of
   * the group commit holding it); undefined before the first append. Goes with `appendBytes`.
   */
  readonly lastDurable?: Promise<void> | undefined;

  /** Resolves when every record appended so far is durable. */
  flush(): Promise<void>;

  /**
   * Stream committed records in order from `fromSeq` (default firstSeq) to the committed
   * tail. Throws WalRangeError for a `fromSeq` below firstSeq or above lastSeq + 1, and
   * WalCorruptionError for a record that fails its checksum or breaks the sequence.
   */
  read(fromSeq?: number): AsyncIterable<WalRecord<T>>;

  /**
   * Synchronous batch read for recovery: at most `maxRecords` committed records from
   * `fromSeq`, in order. An empty array means `fromSeq` is past the committed tail.
   */
  readBatch(fromSeq: number, maxRecords: number): WalRecord<T>[];

  /**
   * Recovery's read for a log of raw records (`records: 'bytes'`): hands at most `maxRecords`
   * committed records from `fromSeq`, in order, to `visit` as bytes[start, end) of the stored
   * chunk — valid only during the call; no object is made per record. Returns how many it
   * visited (0 past the committed tail). Same errors as readBatch; a TypeError on a log of
   * msgpack records. Optional: callers fall back to readBatch.
   */
  readBytes?(fromSeq: number, maxRecords: number, visit: RawRecordVisitor): number;

  /**
   * Records at or below `uptoSeq` (a checkpoint's sequence) are no longer needed.
   * firstSeq becomes uptoSeq + 1 at once; storage is freed in whole segments.
   */
  reclaim(uptoSeq: number): Promise<void>;

  /** Flush everything appended, then release the storage. Idempotent. */
  close(): Promise<void>;

  /**
   * Fail-closed shutdown: records appended but not yet handed to the store are dropped (their
   * `visible` and `durable` reject with WalClosedError; their numbers were never durable), a
   * commit already under way finishes, then the storage is released. For a caller that stops
   * acknowledging and has refused those records' submits, so none of them reappears on reopen.
   * Optional: callers fall back to close().
   */
  abandon?(): Promise<void>;
}

/**
 * How records become bytes for a log that ships them elsewhere (the JetStream stream). The
 * log never looks inside: the binary command record of the durable path plugs in here.
 */
export interface RecordCodec<T> {
  encode(value: T): Uint8Array;
  decode(bytes: Uint8Array): T;
}

export interface OrderedReadOptions {
  /**
   * false (default): stop at the tail the log held when the read began. true: keep waiting
   * for records other writers append, until `signal` aborts or the log closes.
   */
  follow?: boolean;
  signal?: AbortSignal;
}

/**
 * The log as a member of a replicated venue sees it: many writers, one total order. Unlike
 * WriteAheadLog, a writer learns its record's sequence number only when the log has stored
 * it, because the order is assigned by the log (the JetStream stream), not by the writer.
 * Implemented by JetStreamLog (replicated by Raft) and by LocalOrderedLog over the embedded
 * LMDB log, so code written against this interface runs on either.
 */
export interface OrderedLog<T = unknown> {
  /** Oldest record held, as last learned (lastSeq + 1 when empty). */
  readonly firstSeq: number;
  /** Highest sequence number known stored, by this writer's acks or by reads. */
  readonly lastSeq: number;
  /**
   * Append one record. Resolves with its sequence number once it is safe under the log's
   * meaning of durable (JetStream: stored by a quorum of replicas; LMDB: flushed). One
   * writer's records enter the log in the order of its append calls. Rejects with a
   * WalError (WalQuorumError, WalOverloadError, WalClosedError …); never resolves for a
   * record the log does not hold.
   */
  append(record: T): Promise<number>;
  /** Records in log order from `fromSeq` (every writer's). WalRangeError below firstSeq. */
  read(fromSeq: number, options?: OrderedReadOptions): AsyncIterable<WalRecord<T>>;
  /** Ask the log for its current tail (a round trip for a replicated log). */
  tail(): Promise<number>;
  /**
   * The caller confirms records at or below `uptoSeq` are no longer needed (every reader
   * holds a checkpoint at or past it): they may be removed. Never trims past the tail.
   */
  trim(uptoSeq: number): Promise<void>;
  /** Resolves when every append made so far has settled. */
  flush(): Promise<void>;
  /** Settle pending appends, stop readers, release the connection. Idempotent. */
  close(): Promise<void>;
}

// Why this file exists: the engine and recovery code depend on this interface only, never on LMDB. A
// replicated log (e.g. NATS JetStream streams, replicated by Raft) can implement the same
// interface later, and nothing outside wal/ changes. Keep it small and free of storage
// types: sequence numbers, opaque payloads, promises for "visible" and "durable".

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

/** Gets one raw record: bytes[start, end) at `seq`. */
export type RawRecordVisitor = (seq: number, bytes: Uint8Array, start: number, end: number) => void;

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
}

// Why this file exists: callers must be able to tell "the log is full, reclaim and retry" from "the log
// is corrupt, stop" from "you passed a bad option" without parsing messages. Each error
// is a class with a stable `code`; messages name the sequence number and the file.

export type WalErrorCode =
  | 'WAL_OPTIONS'
  | 'WAL_CORRUPTION'
  | 'WAL_FULL'
  | 'WAL_OVERLOAD'
  | 'WAL_RANGE'
  | 'WAL_CLOSED'
  | 'WAL_IO'
  | 'WAL_FORMAT'
  | 'WAL_QUORUM';

export class WalError extends Error {
  readonly code: WalErrorCode;
  constructor(code: WalErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** An option passed to Wal.open is missing, of the wrong type or out of range. */
export class WalOptionsError extends WalError {
  constructor(message: string) {
    super('WAL_OPTIONS', message);
  }
}

/**
 * A stored record fails its checksum, carries the wrong sequence number, has an unknown
 * format version, or the sequence has a gap. `seq` is the sequence number expected at
 * that place in the log.
 */
export class WalCorruptionError extends WalError {
  readonly seq: number;
  readonly file: string;
  constructor(seq: number, file: string, detail: string) {
    super('WAL_CORRUPTION', `WAL corruption at seq ${seq} in ${file}: ${detail}`);
    this.seq = seq;
    this.file = file;
  }
}

/**
 * The log has no room: its mapSize (bytes) or segment limit is reached, or the disk is
 * full. Records already durable are intact; appends work again after reclaim() or after
 * reopening with a larger mapSize / on a disk with space.
 */
export class WalFullError extends WalError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('WAL_FULL', message, options);
  }
}

/** Too many appended bytes wait for a commit; await `durable` of earlier appends first. */
export class WalOverloadError extends WalError {
  constructor(message: string) {
    super('WAL_OVERLOAD', message);
  }
}

/** A sequence number outside what the log holds (below firstSeq, past the tail). */
export class WalRangeError extends WalError {
  readonly seq: number;
  constructor(seq: number, message: string) {
    super('WAL_RANGE', message);
    this.seq = seq;
  }
}

/** The log is closed (or closing). */
export class WalClosedError extends WalError {
  constructor(message: string) {
    super('WAL_CLOSED', message);
  }
}

/** The storage failed a write for a reason other than space. */
export class WalIoError extends WalError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('WAL_IO', message, options);
  }
}

/**
 * The log on disk was written in another format than the one it is opened as (e.g. a format 1
 * log of msgpack records, written by an older matchlog, opened for binary records). Nothing
 * was changed; `stored` and `expected` are the format numbers.
 */
export class WalFormatError extends WalError {
  readonly stored: number;
  readonly expected: number;
  constructor(file: string, stored: number, expected: number, detail: string) {
    super('WAL_FORMAT', `WAL at ${file} is in log format ${stored}, this log reads format ${expected}: ${detail}`);
    this.stored = stored;
    this.expected = expected;
  }
}

/**
 * A replicated log could not get a record stored by a quorum of the stream's replicas within
 * its bound (the member is cut off, or a quorum of servers is down). The record may or may
 * not be in the stream: it was never acknowledged. The log stops acknowledging (fail closed):
 * every later append is refused with this error until the log is reopened, which re-reads
 * the stream to learn what it holds.
 */
export class WalQuorumError extends WalError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('WAL_QUORUM', message, options);
  }
}

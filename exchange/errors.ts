// Why this file exists: the exchange fails closed. When it can no longer promise that what it
// acknowledges survives and is right, it stops acknowledging: every pending and later submit
// rejects with the one error that stopped it, close() still resolves and releases the lock, and
// stats().failed says why. Errors raised below the exchange are already typed (WalIoError,
// WalFullError, CheckpointWriteError); these are the causes only the exchange can see. Each has
// a stable `code` to switch on; messages name the sequence number where there is one.

export type ExchangeFailureCode =
  | 'EXCHANGE_DIVERGENCE'
  | 'EXCHANGE_RECLAIM'
  | 'EXCHANGE_BACKUP_DIED'
  | 'EXCHANGE_BACKUP_STUCK'
  | 'EXCHANGE_WORKER_DIED';

export class ExchangeFailedError extends Error {
  readonly code: ExchangeFailureCode;
  constructor(code: ExchangeFailureCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/**
 * The backup replica, fed the same durable records, did not reproduce the primary's digest at a
 * mark: one of the two computed something else. Acknowledging more would build on a state nobody
 * can vouch for; reopening recovers from the newest checkpoint and the log, and checks again.
 */
export class DivergenceError extends ExchangeFailedError {
  constructor(message: string) {
    super('EXCHANGE_DIVERGENCE', `divergence: ${message}`);
  }
}

/** The log could not drop records behind the oldest checkpoint kept: it would grow without bound. */
export class ReclaimError extends ExchangeFailedError {
  constructor(uptoSeq: number, cause: unknown) {
    super('EXCHANGE_RECLAIM', `reclaim of the log up to seq ${uptoSeq} failed: ${(cause as Error)?.message ?? String(cause)}`, { cause });
  }
}

/** The backup thread exited or threw: no more checkpoints would be written. */
export class BackupThreadError extends ExchangeFailedError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('EXCHANGE_BACKUP_DIED', `backup thread: ${message}`, options);
  }
}

/**
 * The backup thread did not answer a query within BACKUP_QUERY_WAIT_MS_MAX: it holds the
 * acknowledged state the queries read and writes the checkpoints, and neither can be trusted now.
 */
export class BackupStuckError extends ExchangeFailedError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('EXCHANGE_BACKUP_STUCK', `backup thread: ${message}`, options);
  }
}

/** A matching worker died or was replaced: the books it held are gone from memory. */
export class MatchingWorkerError extends ExchangeFailedError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('EXCHANGE_WORKER_DIED', message, options);
  }
}

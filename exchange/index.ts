// Why this file exists: the public face of exchange/ for the package and the CLI: the Exchange,
// its options, events, stats and errors, and the directory lock and stored configuration the CLI
// reads a data directory with. Nothing else in this folder is imported from outside it.

export { Exchange, type SubmitResult } from './exchange.js';
export {
  EXCHANGE_ALIASES,
  EXCHANGE_DEFAULTS,
  EXCHANGE_LIMITS,
  ExchangeOptionsError,
  StoredOptionError,
  type CheckpointMode,
  type ExchangeOptions,
  type OnFull,
} from './options.js';
export { EventsOverflowError, type ExchangeEvent } from './event-stream.js';
export { FEED_CATCH_UPS_MAX, FEED_STEP_RECORDS, FeedError, type EventsOptions, type FeedErrorCode } from './feed.js';
export { LEDGER_SAMPLES_MAX, LEDGER_SAMPLE_SEQS } from './feed-retention.js';
export { DirLock, ExchangeLockedError, type ExchangeLockedCode } from './dir-lock.js';
export type { ExchangeStats } from './stats.js';
export { readStoredConfig, type StoredConfig } from './stored-config.js';
export {
  BackupStuckError,
  BackupThreadError,
  DivergenceError,
  ExchangeFailedError,
  MatchingWorkerError,
  ReclaimError,
  type ExchangeFailureCode,
} from './errors.js';
export {
  ReplicatedExchange,
  type MemberRecord,
  type ReplicatedExchangeOptions,
  type ReplicatedExchangeStats,
  type ReplicationOptions,
} from './replicated-member.js';
export { MemberBatchEncoder, MemberRecordDecoder, MemberRecordEncoder, MemberRecordError, BATCH_COMMANDS_MAX } from './member-record.js';
export { MemberOrder, admitMessage, MEMBERS_TRACKED_MAX, type MemberOrderEntry } from './member-order.js';

// Why this file exists: the public face of wal/: the Wal class, its interface and types, its options and
// its errors, and the CRC-32C the checkpoints share. Nothing else in this folder is imported from outside it.

export { Wal } from './wal.js';
export { crc32c } from './crc32c.js';
export type {
  AppendResult,
  Durability,
  OrderedLog,
  OrderedReadOptions,
  RawRecordVisitor,
  RecordCodec,
  WalRecord,
  WriteAheadLog,
} from './types.js';
export { JetStreamLog, type JetStreamLogStats } from './jetstream-log.js';
export { JetStreamCheckpoints, PUBLISHED_CHECKPOINTS_KEPT, type JetStreamCheckpointsOptions, type PublishedCheckpoint } from './jetstream-checkpoints.js';
export { LocalOrderedLog } from './local-ordered-log.js';
export {
  BYTES_CODEC,
  JETSTREAM_LOG_DEFAULTS,
  JETSTREAM_LOG_LIMITS,
  type JetStreamLogOptions,
  type JetStreamLogResolvedOptions,
} from './jetstream-options.js';
export { WAL_DEFAULTS, WAL_LIMITS, type WalOptions, type WalRecordFormat, type WalResolvedOptions } from './options.js';
export {
  WalError,
  WalOptionsError,
  WalCorruptionError,
  WalFullError,
  WalOverloadError,
  WalRangeError,
  WalClosedError,
  WalIoError,
  WalFormatError,
  WalQuorumError,
  type WalErrorCode,
} from './errors.js';

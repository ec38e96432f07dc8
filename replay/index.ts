// Why this file exists: the public face of replay/ for the other folders (the exchange and the
// CLI): checkpoints, the backup thread's host, the log's record shapes, recovery and the replayer.
// Nothing else in this folder is imported from outside it.

export {
  BACKUP_QUERY_WAIT_MS_MAX,
  BackupHost,
  type BackupSpawn,
  BackupQueryError,
  type BackupListener,
  type BackupQueryErrorCode,
  type BackupQueryMethod,
  type CheckpointInfo,
} from './backup.js';
export { BackupFollower, BackupPrecheck } from './backup-follow.js';
export {
  CheckpointCorruptError,
  CheckpointStore,
  CheckpointWriteError,
  nextCheckpointDue,
  parseCheckpoint,
  type Checkpoint,
  type CheckpointHeader,
} from './checkpoint-store.js';
export {
  CommandRecordDecoder,
  CommandRecordEncoder,
  CommandRecordError,
  COMMAND_RECORD_BYTES_MAX,
  KIND_MARK,
  RECORD_VERSION,
  SEQ_BY_LOG,
  type CommandRecordErrorCode,
} from './command-record.js';
export { fsyncDirectory, writeFileDurably } from './durable-file.js';
export { isMark, type LogRecord, type MarkRecord } from './records.js';
export {
  AHEAD_OF_LOG_DIR,
  findLogBehindCheckpoint,
  initialDigest,
  noPhases,
  recover,
  recoverFromCheckpoint,
  RecoveryError,
  refuseLostLog,
  setAsideCheckpointsAheadOfLog,
  type LogBehindCheckpoint,
  type RecoverOptions,
  type RecoveryFollower,
  type Recovered,
  type DeferredChecks,
  type RecoveryErrorCode,
  type RecoveryStats,
  type OpenPhases,
} from './recovery.js';
export { DIGEST_RING_SIZE, LogGapError, Replayer, ReplayDivergenceError } from './replayer.js';

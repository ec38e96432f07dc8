// Why this file exists: the package's public surface. Re-exports only.
export * from './engine/index.js';
export * from './wal/index.js';
export { Exchange, type SubmitResult } from './exchange/exchange.js';
export { EXCHANGE_DEFAULTS, ExchangeOptionsError, type CheckpointMode, type ExchangeOptions, type OnFull } from './exchange/options.js';
export { EventsOverflowError, type ExchangeEvent } from './exchange/event-stream.js';
export { ExchangeLockedError } from './exchange/dir-lock.js';
export type { ExchangeStats } from './exchange/stats.js';
export { RecoveryError, type RecoveryStats } from './replay/recovery.js';
export { CheckpointCorruptError, CheckpointWriteError } from './replay/checkpoint-store.js';
export { ReplayDivergenceError, LogGapError } from './replay/replayer.js';
export {
  ReplicatedExchange,
  type MemberRecord,
  type ReplicatedExchangeOptions,
  type ReplicatedExchangeStats,
  type ReplicationOptions,
} from './exchange/replicated-member.js';

// Why this file exists: the shape of `exchange.stats()`, so operators and benchmarks read one
// typed object (counters, checkpoint and backup progress, and the time of each recovery phase).

import type { Durability } from '../wal/index.js';
import type { RecoveryStats } from '../replay/index.js';
import type { CheckpointMode } from './options.js';

export interface ExchangeStats {
  /** Last durable sequence number. */
  lastSeq: number;
  /** Last sequence number handed out (may not be durable yet). */
  appendedSeq: number;
  /** Oldest record the log still holds. */
  firstSeq: number;
  /** Commands logged since the log began. */
  commands: number;
  /** Commands logged but not yet acknowledged. */
  pending: number;
  /** Submits waiting for room in the queue. */
  waiting: number;
  liveOrders: number;
  /**
   * Instruments as of the last acknowledged command: how many (configured plus added, at most
   * `instrumentsMax`) and which are halted, in configuration order.
   */
  instruments: { count: number; instrumentsMax: number; halted: string[] };
  /** Per matching worker: batches and commands matched, and time spent matching them. */
  workers: Array<{ batches: number; commands: number; busyMs: number }>;
  durability: Durability;
  submitted: number;
  acknowledged: number;
  rejectedBeforeLog: number;
  queueFullRejects: number;
  marks: number;
  checkpoints: {
    /** Who takes them: the backup thread, or this thread while matching pauses. */
    mode: CheckpointMode;
    taken: number;
    /** 'pause' mode: how long the last checkpoint stopped admission and acknowledgements. */
    lastPauseMs: number;
    pauseMsMax: number;
    lastSeq: number | null;
    lastBytes: number;
    /** Resting orders in the last checkpoint. */
    lastOrders: number;
    lastDurationMs: number;
    lastSnapshotMs: number;
    /** Set when the backup replica disagreed with a mark: checkpoints stop. */
    divergence: string | null;
  };
  backup: { appliedSeq: number | null; running: boolean };
  /** The replayable feed: the oldest seq `events({ fromSeq })` can start from now, and subscriptions catching up. */
  feed: { oldestSeq: number; catchingUp: number };
  recovery: RecoveryStats;
  failed: string | null;
}

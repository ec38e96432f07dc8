// Why this file exists: the opening stage. Before the first command: take the directory lock,
// settle the stored configuration, open the log and recover the state (newest valid checkpoint
// plus the log; for 'memory' with a directory, the checkpoint alone and a durable reservation of
// sequence numbers). Everything acquired is released again if a later step fails, so a failed
// open leaves the directory exactly as unlocked as it found it.

import { mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { Piscina } from 'piscina';
import { Engine, type EngineOptions, type InstrumentSpec } from '../engine/index.js';
import { MatchingHost } from './matching-host.js';
import {
  BackupFollower,
  BackupHost,
  BackupPrecheck,
  type BackupSpawn,
  CheckpointStore,
  recover,
  recoverFromCheckpoint,
  refuseLostLog,
  type Recovered,
  type RecoveryFollower,
  DIGEST_RING_SIZE,
} from '../replay/index.js';
import { Wal, type WriteAheadLog } from '../wal/index.js';
import { DirLock } from './dir-lock.js';
import { ExchangeOptionsError, type ResolvedExchangeOptions } from './options.js';
import { readSeqReservation, SeqReservation } from './seq-reservation.js';
import { checkGivenInstruments, settleConfig, storedIds } from './stored-config.js';
import { NumberingLog } from './numbering-log.js';

/** What opening hands to the running exchange. */
export interface Opened {
  /** The configuration as of the recovered seq (instruments added at run time included). */
  engineOptions: EngineOptions;
  /** The configuration at seq 0 (what a replay from the start of the log begins with). */
  initialOptions: EngineOptions;
  wal: WriteAheadLog<Uint8Array>;
  recovered: Recovered;
  /** Null without a directory. */
  store: CheckpointStore | null;
  lock: DirLock | null;
  /** Set for 'memory' with a directory: numbers are reserved durably before being handed out. */
  seqReservation: SeqReservation | null;
  /**
   * The backup thread, started before recovery so that it loads its modules while this thread
   * recovers (null without one); the checkpointer hands it its state.
   */
  backupThread: BackupSpawn | null;
  /** The matching workers' pools, started before recovery for the same reason (Shards.start takes them). */
  shardPools: Piscina[];
}

/**
 * Cores below which the backup thread does not follow recovery (restore the checkpoint and replay
 * the tail beside the opening thread) but restores the recovered state's snapshot afterwards.
 * Following costs a replay of the tail more CPU (~2 µs a command) to take the backup's restore off
 * the end of opening: a win only with a core for each of the opening thread, the backup and the
 * matching worker. Measured on 2 shared cores (docs/measurements.md, issue 9, "Recovery, round 10"): following
 * made opening 1.2-1.7x slower at load 10-21 (9.2-9.7 s of CPU against 6.6-7.4 s, 500,000 resting
 * + 490,000 tail), and was no better at load 8-9.
 */
export const RECOVERY_FOLLOW_CORES_MIN = 3;

/**
 * Whether the backup thread follows recovery here: RECOVERY_FOLLOW_CORES_MIN, unless the
 * environment variable MATCHLOG_RECOVERY_FOLLOW is '1' (always) or '0' (never): for benchmarks
 * and tests that compare both ways on one machine.
 */
export function recoveryFollows(): boolean {
  const forced = process.env.MATCHLOG_RECOVERY_FOLLOW;
  if (forced === '1') return true;
  if (forced === '0') return false;
  return availableParallelism() >= RECOVERY_FOLLOW_CORES_MIN;
}

/** Undoes a successful `openState` when a later step of opening fails. */
export async function abandon(opened: Opened): Promise<void> {
  await opened.backupThread?.terminate().catch(() => undefined);
  await destroyPools(opened.shardPools);
  await opened.wal.close().catch(() => undefined);
  opened.lock?.release();
}

async function destroyPools(pools: readonly Piscina[]): Promise<void> {
  await Promise.allSettled(pools.map((pool) => pool.destroy()));
}

export async function openState(resolved: ResolvedExchangeOptions): Promise<Opened> {
  const t0 = performance.now();
  if (resolved.maxPending >= DIGEST_RING_SIZE / 2) {
    throw new ExchangeOptionsError(`maxPending must be below ${DIGEST_RING_SIZE / 2}`);
  }
  // Bad instruments fail before anything touches the directory.
  const limits = resolved.instrumentsMax === null ? {} : { instrumentsMax: resolved.instrumentsMax };
  // The given id options over the stored ones: 'reject' alone is fine on a directory that stores
  // its window (a value that differs from the stored one is refused by settleConfig, naming both).
  const givenIds = { ...storedIds(resolved.dir), ...resolved.ids };
  if (resolved.instruments !== null) new Engine({ instruments: resolved.instruments, maxOrders: resolved.maxOrders, ...limits, ...givenIds });
  else if (Object.keys(resolved.ids).length > 0) new Engine({ instruments: [{ symbol: 'CHECK', tickSize: 1, lotSize: 1, minPrice: 1, maxPrice: 1 }], ...givenIds });
  const memory = resolved.durability === 'memory';
  let instruments: InstrumentSpec[];
  let maxOrders = resolved.maxOrders;
  let instrumentsMax = resolved.instrumentsMax;
  let ids = resolved.ids;
  let lock: DirLock | null = null;
  if (resolved.dir !== null) {
    mkdirSync(resolved.dir, { recursive: true });
    lock = DirLock.acquire(resolved.dir);
  }
  let store: CheckpointStore | null = null;
  try {
    if (resolved.dir === null) {
      if (resolved.instruments === null) throw new ExchangeOptionsError('instruments are required');
      instruments = resolved.instruments;
    } else {
      const config = settleConfig(resolved.dir, resolved.instruments, resolved.maxOrders, !memory, resolved.instrumentsMax, resolved.ids);
      instruments = config.instruments;
      maxOrders = config.maxOrders;
      instrumentsMax = config.instrumentsMax ?? null;
      ids = config.ids ?? {};
      // Inside the guarded block: a failure here (a read-only disk) must release the lock too.
      store = new CheckpointStore(join(resolved.dir, 'checkpoints'));
    }
  } catch (error) {
    lock?.release();
    throw error;
  }
  // The configuration at seq 0: recovery replays add_instrument records (or restores a checkpoint
  // that has them) on top of it.
  const initialOptions: EngineOptions = { instruments, maxOrders, ...(instrumentsMax === null ? {} : { instrumentsMax }), ...ids };

  let wal: WriteAheadLog<Uint8Array>;
  let recovered: Recovered;
  let seqReservation: SeqReservation | null = null;
  // The matching workers and the backup thread load their modules in parallel with recovery (a
  // second or more under tsx; docs/measurements.md, issue 9) and get their state once recovery is
  // done. One loader beside each phase of the opening thread, so that on 2 cores it keeps a core:
  // the matching workers now, beside the checkpoint's restore (they idle until the end); the
  // backup thread once the checkpoint is restored (SpawnOnStart), beside the replay, where its
  // precheck of that checkpoint runs too. With both spawned before recovery, the opening thread's
  // restore shared 2 cores with 2 loaders (docs/measurements.md, "Recovery, round 19").
  // At most this many are needed (min(workers, instruments) once the instruments are known).
  const shardPools = Array.from({ length: resolved.workers }, () => MatchingHost.spawn());
  const wantsBackup = store !== null && !memory && resolved.checkpointMode !== 'pause';
  let backupThread: BackupSpawn | null = null;
  const spawnBackup = (): void => {
    if (wantsBackup && backupThread === null) backupThread = BackupHost.spawn();
  };
  const tPrepared = performance.now();
  let tLogOpen = tPrepared;
  try {
    if (memory) {
      // No log: the newest checkpoint (if any) is the whole state; the memory log continues
      // its numbering so sequence numbers and checkpoint names never go back.
      recovered = recoverFromCheckpoint(store, initialOptions, resolved.onWarning);
      if (resolved.dir !== null) {
        // Numbers handed out after the checkpoint were lost with the crash: continue above
        // every number ever reserved, so none is reused (a gap shows the loss instead).
        const reserved = readSeqReservation(resolved.dir);
        if (reserved > recovered.seq) {
          recovered.stats.seqsSkipped = reserved - recovered.seq;
          recovered.seq = reserved;
        }
        seqReservation = SeqReservation.open(resolved.dir, recovered.seq);
      }
      wal = new NumberingLog(recovered.seq + 1);
    } else {
      // LMDB would silently create an empty log where data.mdb is missing or empty.
      refuseLostLog(join(resolved.dir!, 'wal'), store);
      wal = await Wal.open<Uint8Array>({
        path: join(resolved.dir!, 'wal'),
        durability: resolved.durability,
        mapSize: resolved.walMapSizeBytes,
        // Log format 2: the binary command records admission encodes (replay/command-record.ts).
        records: 'bytes',
      });
      tLogOpen = performance.now();
      try {
        // 'sync' refuses a valid checkpoint beyond the log's end; 'async' (power loss may undo
        // acknowledged commits) moves it aside, kept (replay/recovery.ts).
        recovered = recover(wal, store, initialOptions, resolved.onWarning, {
          onLogBehind: resolved.durability === 'async' ? 'set-aside' : 'refuse',
          // With a backup thread (a directory, not 'pause'), the checkpoint's invariant check and
          // state hash and the final close-mark hash run there once the exchange is open: off the
          // critical path, still failing closed (exchange/checkpointing.ts).
          deferChecks: resolved.checkpointMode !== 'pause',
          // The backup thread restores the same checkpoint and follows the replay while this
          // thread replays, instead of restoring this thread's snapshot afterwards (docs/measurements.md, issue 9).
          // Else it checks the checkpoint meanwhile (the check deferred to it; BackupPrecheck).
          follower: new SpawnOnStart(spawnBackup, () =>
            backupThread === null ? null : recoveryFollows() ? new BackupFollower(backupThread, initialOptions) : new BackupPrecheck(backupThread),
          ),
        });
        // A log without readBytes has no follower: spawned now.
        spawnBackup();
      } catch (error) {
        await wal.close().catch(() => undefined);
        throw error;
      }
    }
  } catch (error) {
    await (backupThread as BackupSpawn | null)?.terminate().catch(() => undefined);
    await destroyPools(shardPools);
    lock?.release();
    throw error;
  }
  recovered.stats.phases.prepareMs = tPrepared - t0;
  recovered.stats.phases.logOpenMs = tLogOpen - tPrepared;
  // The venue's instruments as of the recovered seq; the caller's list must be exactly that.
  const engine = recovered.engine;
  try {
    checkGivenInstruments(resolved.dir, engine.instruments, resolved.dir === null ? null : resolved.instruments);
  } catch (error) {
    await (backupThread as BackupSpawn | null)?.terminate().catch(() => undefined);
    await destroyPools(shardPools);
    await wal.close().catch(() => undefined);
    lock?.release();
    throw error;
  }
  const engineOptions: EngineOptions = { instruments: engine.instruments, maxOrders: engine.options.maxOrders, instrumentsMax: engine.options.instrumentsMax, ...ids };
  return { engineOptions, initialOptions, wal, recovered, store, lock, seqReservation, backupThread, shardPools };
}

/**
 * Spawns the backup thread (`spawn`) once recovery has chosen and restored its starting point, then
 * hands the start (and, if it follows, every record) to the follower `make` builds with it.
 */
class SpawnOnStart implements RecoveryFollower {
  private inner: RecoveryFollower | null = null;
  record?: (seq: number, bytes: Uint8Array, from: number, to: number) => void;

  constructor(
    private readonly spawn: () => void,
    private readonly make: () => RecoveryFollower | null,
  ) {}

  started(start: Parameters<RecoveryFollower['started']>[0]): void {
    this.spawn();
    const inner = this.make();
    this.inner = inner;
    inner?.started(start);
    // Read by recovery after `started`: the replay is followed only if the inner follower follows.
    if (inner?.record !== undefined) this.record = (seq, bytes, from, to) => inner.record!(seq, bytes, from, to);
  }

  ended(): void {
    this.inner?.ended();
  }
}

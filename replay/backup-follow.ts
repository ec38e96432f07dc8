// Why this file exists: at recovery the backup thread used to wait for the opening thread to
// replay the whole tail, encode a snapshot of the result and send it, then restore that snapshot:
// restore on restore, one after the other (docs/measurements.md, issue 9, "Recovery near the floor"). Instead
// it is handed the very checkpoint recovery starts from as soon as recovery chose it, restores it
// while the opening thread replays, and is sent the raw records that thread replays (bytes
// copied into transferred batches, no decode, no object per record), so it is at the recovered
// state when the exchange starts it. Its end state is compared with the opening thread's
// (seq, commands, event digest) there: a difference fails opening (RecoveryError ROLE_DIVERGED).
//
// Why forwarded, not read from LMDB by the thread itself: opening the log in a second thread means
// a second LMDB environment handle and a reader that must not see records written after
// recovery; forwarding is a memcpy of ~70 bytes a record (a few ms per 1,000,000) on a thread
// that reads them anyway.

import type { EngineOptions } from '../engine/index.js';
import type { BackupSpawn } from './backup.js';
import type { BackupRequest } from './backup-worker.js';
import type { RecoveryFollower } from './recovery.js';

/** Bytes of records per message to the backup thread (each message's buffer is transferred). */
const FOLLOW_BATCH_BYTES = 1 << 20;
/** Records per message at most (bounds the `ends` array). */
const FOLLOW_BATCH_RECORDS = 16_384;

/** Forwards a recovery to a spawned backup thread (RecoverOptions.follower). */
export class BackupFollower implements RecoveryFollower {
  private bytes = new Uint8Array(FOLLOW_BATCH_BYTES);
  private ends = new Uint32Array(FOLLOW_BATCH_RECORDS);
  private used = 0;
  private count = 0;
  private firstSeq = 0;
  /** Records forwarded in all. */
  forwarded = 0;

  constructor(
    private readonly spawned: BackupSpawn,
    /** The configuration at seq 0: the thread's engine when recovery starts from no checkpoint. */
    private readonly initialOptions: EngineOptions,
  ) {}

  started(start: { seq: number; commands: number; digest: string; snapshot: Uint8Array | null; stateHash: string | null }): void {
    // Not transferred: the exchange may still hand the same bytes to the thread's deferred checks
    // (DeferredChecks.checkpoint). Recovery read them into shared memory: shared, not copied.
    const request: BackupRequest = {
      type: 'prepare',
      engineOptions: this.initialOptions,
      start: { seq: start.seq, commands: start.commands, digest: start.digest },
      snapshot: start.snapshot,
      stateHash: start.stateHash,
    };
    this.spawned.worker.postMessage(request);
    this.spawned.prepared = true;
  }

  record(seq: number, bytes: Uint8Array, from: number, to: number): void {
    const length = to - from;
    if (this.count === FOLLOW_BATCH_RECORDS || this.used + length > this.bytes.length) this.flush();
    if (length > this.bytes.length) this.bytes = new Uint8Array(length);
    if (this.count === 0) this.firstSeq = seq;
    // A loop, not set(subarray()): LMDB hands Buffers, whose subarray is an object per record.
    const target = this.bytes;
    let at = this.used;
    for (let i = from; i < to; i++) target[at++] = bytes[i];
    this.used = at;
    this.ends[this.count++] = this.used;
    this.forwarded++;
  }

  ended(): void {
    this.flush();
  }

  private flush(): void {
    if (this.count === 0) return;
    // Exact-size copies are transferred; the gathering buffers stay for the next batch.
    const bytes = this.bytes.slice(0, this.used);
    const ends = this.ends.slice(0, this.count);
    const request: BackupRequest = { type: 'records', firstSeq: this.firstSeq, bytes, ends, ack: false };
    this.spawned.worker.postMessage(request, [bytes.buffer, ends.buffer]);
    this.used = 0;
    this.count = 0;
  }
}

/**
 * Where the backup does not follow (RECOVERY_FOLLOW_CORES_MIN), it still gets the checkpoint as soon
 * as recovery chose it, and runs the check recovery deferred to it (the checkpoint's invariants and
 * state hash: a restore, the invariants and a hash) while the opening thread replays, instead of
 * after the exchange opened, when it holds the first acknowledgement back. The same work, earlier,
 * on the thread that waits meanwhile; the result is used by the deferred checks (failure handling
 * unchanged: moved aside, the exchange fails closed).
 */
export class BackupPrecheck implements RecoveryFollower {
  constructor(private readonly spawned: BackupSpawn) {}

  started(start: { seq: number; snapshot: Uint8Array | null; stateHash: string | null }): void {
    if (start.snapshot === null || start.stateHash === null) return;
    // Not transferred: the same bytes still reach the thread as DeferredChecks.checkpoint. Recovery
    // read them into shared memory (CheckpointStore.read): shared, not copied (~60 ms per 74 MB).
    const request: BackupRequest = { type: 'precheck', seq: start.seq, snapshot: start.snapshot, stateHash: start.stateHash };
    this.spawned.worker.postMessage(request);
  }

  ended(): void {}
}

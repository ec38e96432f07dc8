// Why this file exists: what the exchange's thread and the backup thread agree on to answer a
// query synchronously (issue 9: the backup replica is the acknowledged state the queries read).
// The host posts a query message and blocks in Atomics.wait on a shared flag; the backup thread,
// which handles messages in order (so it has applied every record sent before), posts the answer
// on a MessagePort and sets the flag. The host reads the answer with receiveMessageOnPort: a
// structured clone of any size, so no answer buffer to size and grow. Kept apart from
// backup-worker.ts, whose module body is the thread itself.

/** The queries the replica answers: Engine methods that read state, nothing else. */
export const BACKUP_QUERY_METHODS = ['depth', 'top', 'l3', 'order', 'orderStatus', 'stateHash'] as const;
export type BackupQueryMethod = (typeof BACKUP_QUERY_METHODS)[number];

/**
 * Int32 slots of the shared query flag. ANSWERED: 0 while the host waits, QUERY_ANSWERED once the
 * answer is on the port (or QUERY_GONE when the thread exits). GONE: 1 once the thread exited.
 */
export const QUERY_FLAG_ANSWERED = 0;
export const QUERY_FLAG_GONE = 1;
export const QUERY_ANSWERED = 1;
export const QUERY_GONE = 2;

export type BackupQueryAnswer =
  | { id: number; ok: true; value: unknown }
  /** `engineCode`: an EngineError's code (a query for an unknown symbol), rethrown as one. */
  | { id: number; ok: false; message: string; engineCode?: string };


/**
 * Blocks until `flag[index]` is no longer 0 or `waitMsMax` has passed; returns its value (0: the
 * wait ran out). Loops because a wake-up is not an answer: the backup thread stores the flag and
 * then notifies, so the notify for the previous answer can land after the host reset the flag for
 * the next query and began waiting. Taken as a timeout, that stale wake-up once failed a healthy
 * exchange closed with BackupStuckError (CI under load: "within 60000 ms" after ~20 s).
 */
export function waitForFlag(flag: Int32Array, index: number, waitMsMax: number): number {
  const deadline = performance.now() + waitMsMax;
  let state = Atomics.load(flag, index);
  // Bounded by the deadline.
  while (state === 0) {
    const leftMs = deadline - performance.now();
    if (leftMs <= 0) break;
    Atomics.wait(flag, index, 0, leftMs);
    state = Atomics.load(flag, index);
  }
  return state;
}

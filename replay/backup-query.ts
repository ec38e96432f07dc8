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


// Why this file exists: lmdb-js 3.5.6 starts each event turn's write batch with an internal write whose promise it
// discards (write.js: `if (writeBatchStart) writeBatchStart();`). When that transaction's commit
// fails (ENOSPC, EIO), the discarded promise rejects with "Commit failed" and nobody can handle
// it: under Node's default policy the host process exits (issue 10 item 4). Every write promise
// the log itself uses is handled (lmdb-store.ts `handled`), and the failure reaches callers as a
// typed WalFullError / WalIoError. This module absorbs exactly that one orphaned rejection while
// an LMDB log is open, and keeps Node's default for everything else: with no other listener, any
// other unhandled rejection is rethrown as an uncaught exception (what Node does by default);
// with the host's own listeners present, they decide. Remove when lmdb-js handles its promise.

type Listener = (reason: unknown, promise: Promise<unknown>) => void;

const LMDB_COMMIT_FAILED = 'Commit failed (see commitError for details)';
let opened = 0;

function isOrphanedCommitFailure(reason: unknown): reason is Error & { commitError: Promise<unknown> } {
  return reason instanceof Error && reason.message === LMDB_COMMIT_FAILED && (reason as { commitError?: unknown }).commitError instanceof Promise;
}

const listener: Listener = (reason) => {
  if (isOrphanedCommitFailure(reason)) {
    reason.commitError.catch(() => undefined);
    return;
  }
  // Only ours is listening: behave as Node would without any listener.
  if (process.listenerCount('unhandledRejection') === 1) throw reason;
};

/** Called when an LMDB log opens; pair with `releaseLmdbRejections` on close. */
export function absorbLmdbRejections(): void {
  if (opened++ === 0) process.on('unhandledRejection', listener);
}

export function releaseLmdbRejections(): void {
  if (opened === 0) return;
  if (--opened === 0) process.off('unhandledRejection', listener);
}

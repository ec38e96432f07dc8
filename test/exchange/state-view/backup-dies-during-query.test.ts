// Why this file exists: a query blocks the caller's thread until the backup replica answers. A backup thread that
// goes away while a query waits wakes it at once (its exit hook signals the shared flag) and fails the exchange
// closed with a BackupThreadError; one that never answers (stuck) is waited for at most BACKUP_QUERY_WAIT_MS_MAX
// (here shortened), then fails it with a BackupStuckError. Either way the query throws that typed error, pending
// and later submits reject with it, later queries throw it, and the directory reopens with everything acknowledged.

import { afterEach, describe, expect, it } from 'vitest';
import { BackupStuckError, BackupThreadError, BACKUP_QUERY_WAIT_MS_MAX, type Exchange } from '../../../index.js';
import { MULTI, Reference, Scope, within } from '../fixtures/common.js';
import { generate } from '../fixtures/load.js';

interface Host {
  queryWaitMsMax: number;
  worker: { postMessage(message: { type: string }): void };
}
const hostOf = (ex: Exchange): Host => (ex as unknown as { checkpointer: { host: Host } }).checkpointer.host;

/** Replaces what the exchange posts to its backup thread when it posts a query. */
function onQuery(ex: Exchange, replace: (post: (message: { type: string }) => void) => void): void {
  const worker = hostOf(ex).worker;
  const post = worker.postMessage.bind(worker);
  worker.postMessage = (message) => (message.type === 'query' ? replace(post) : post(message));
}

function thrownBy(query: () => unknown): unknown {
  try {
    query();
  } catch (error) {
    return error;
  }
  return null;
}

describe('the backup thread fails during a query', () => {
  const scope = new Scope();
  afterEach(() => scope.dispose());

  it('a backup that exits while a query waits: BackupThreadError at once, the exchange fails closed', async () => {
    const dir = scope.dir();
    const ex = await scope.open({ dir, instruments: MULTI });
    const commands = generate(11, MULTI, 300);
    await ex.submitMany(commands);
    const reference = new Reference(MULTI);
    for (const command of commands) reference.apply(command);
    // The query never reaches the thread: it is told to stop instead, and exits while the query waits.
    onQuery(ex, (post) => post({ type: 'stop' }));
    const t0 = performance.now();
    const error = thrownBy(() => ex.stateHash());
    expect(error).toBeInstanceOf(BackupThreadError);
    expect((error as BackupThreadError).code).toBe('EXCHANGE_BACKUP_DIED');
    // Woken by the exit, not by the limit.
    expect(performance.now() - t0).toBeLessThan(BACKUP_QUERY_WAIT_MS_MAX);
    expect(ex.stats().failed).toMatch(/^backup thread: the backup thread exited during a stateHash query/);
    await expect(ex.submit(commands[0])).rejects.toBe(error);
    expect(thrownBy(() => ex.depth('ACME'))).toBe(error);
    await within(ex.close(), 10_000, 'close after failure');
    const again = await scope.open({ dir, onWarning: () => undefined });
    expect(again.stateHash()).toBe(reference.stateHash());
  });

  it('a backup that never answers: BackupStuckError after the wait limit, the exchange fails closed', async () => {
    const dir = scope.dir();
    const ex = await scope.open({ dir, instruments: MULTI });
    const commands = generate(12, MULTI, 300);
    await ex.submitMany(commands);
    const reference = new Reference(MULTI);
    for (const command of commands) reference.apply(command);
    hostOf(ex).queryWaitMsMax = 200;
    onQuery(ex, () => undefined);
    const error = thrownBy(() => ex.l3('ACME'));
    expect(error).toBeInstanceOf(BackupStuckError);
    expect((error as BackupStuckError).code).toBe('EXCHANGE_BACKUP_STUCK');
    expect(ex.stats().failed).toBe('backup thread: the backup thread did not answer a l3 query within 200 ms');
    // depth is kept on this thread, but a failed exchange answers nothing more.
    expect(thrownBy(() => ex.depth('ACME'))).toBe(error);
    await expect(ex.submit(commands[0])).rejects.toBe(error);
    await within(ex.close(), 10_000, 'close after failure');
    const again = await scope.open({ dir, onWarning: () => undefined });
    expect(again.stateHash()).toBe(reference.stateHash());
  });
});

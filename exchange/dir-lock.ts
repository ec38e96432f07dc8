// Why this file exists: two exchanges writing one data directory would hand out the same
// sequence numbers twice and acknowledge orders the other one overwrites. One writer per
// directory, enforced by the kernel: an exclusive flock(2) on `LOCK`, held through an open file
// descriptor for as long as the exchange is open. The kernel drops it when the process dies
// (crash, kill -9), so there is no stale lock to take over and no pid to trust.
//
// The earlier scheme (create `LOCK` with O_EXCL, write the pid afterwards, treat a dead or
// unreadable pid as stale, delete and retake) lost acknowledged orders: a racer that read the
// file between create and write saw no pid, deleted it and took it too (6 of 20 trials with two
// processes started together), and a pid reused by an unrelated process refused forever.
// Here the file is never deleted (deleting a flocked file lets a third process lock a new inode),
// and the pid written into it is information for the error message only.

import { closeSync, ftruncateSync, openSync, readFileSync, realpathSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
/** fs-ext: flock(2) for Node (maintained, builds with node-gyp from the installed headers). */
const fsExt = require('fs-ext') as { flockSync(fd: number, flags: 'exnb' | 'un'): void };

export const LOCK_FILE = 'LOCK';
const openInThisProcess = new Set<string>();

export type ExchangeLockedCode = 'LOCKED_BY_PROCESS' | 'LOCKED_IN_THIS_PROCESS';

export class ExchangeLockedError extends Error {
  override readonly name = 'ExchangeLockedError';
  constructor(
    message: string,
    readonly code: ExchangeLockedCode,
    /** The pid the holder wrote into the lock file (null when it had not written it yet). */
    readonly pid: number | null,
  ) {
    super(message);
  }
}

function readOwner(file: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(file, 'utf8'), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

export class DirLock {
  private released = false;

  private constructor(
    private readonly key: string,
    private readonly fd: number,
  ) {}

  /** Takes the directory's lock or throws ExchangeLockedError naming the owner's pid. */
  static acquire(dir: string): DirLock {
    const key = realpathSync(dir);
    const file = join(key, LOCK_FILE);
    if (openInThisProcess.has(key)) {
      throw new ExchangeLockedError(`${dir} is already open in this process (${process.pid})`, 'LOCKED_IN_THIS_PROCESS', process.pid);
    }
    // 'a+' creates without truncating: the holder's pid stays readable to whoever is refused.
    const fd = openSync(file, 'a+');
    try {
      fsExt.flockSync(fd, 'exnb');
    } catch (error) {
      closeSync(fd);
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EAGAIN' && code !== 'EWOULDBLOCK') throw error;
      const owner = readOwner(file);
      throw new ExchangeLockedError(
        `${dir} is open in process ${owner ?? '(pid not yet written)'}`,
        'LOCKED_BY_PROCESS',
        owner,
      );
    }
    try {
      ftruncateSync(fd, 0);
      writeSync(fd, `${process.pid}\n`);
    } catch (error) {
      closeSync(fd);
      throw error;
    }
    openInThisProcess.add(key);
    return new DirLock(key, fd);
  }

  /** Releases the lock (idempotent). The file stays: deleting it would race a new locker. */
  release(): void {
    if (this.released) return;
    this.released = true;
    openInThisProcess.delete(this.key);
    try {
      ftruncateSync(this.fd, 0);
    } catch {
      // Information only; the lock itself goes with the descriptor.
    }
    closeSync(this.fd);
  }
}

// Why this file exists: two exchanges writing one data directory would hand out the same
// sequence numbers twice and acknowledge orders the other one overwrites. One writer per
// directory: a lock file holding the owner's pid, created exclusively; a lock left by a process
// that no longer runs (a crash, kill -9) is taken over. Within one process a registry refuses a
// second open of the same directory as well (the pid would match).

import { closeSync, fsyncSync, openSync, readFileSync, realpathSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

const LOCK_FILE = 'LOCK';
const openInThisProcess = new Set<string>();

export class ExchangeLockedError extends Error {
  override readonly name = 'ExchangeLockedError';
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function writeLock(file: string): void {
  const fd = openSync(file, 'wx');
  try {
    writeSync(fd, String(process.pid));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export class DirLock {
  private constructor(
    private readonly key: string,
    private readonly file: string,
  ) {}

  /** Takes the directory's lock or throws ExchangeLockedError naming the owner. */
  static acquire(dir: string): DirLock {
    const key = realpathSync(dir);
    const file = join(key, LOCK_FILE);
    if (openInThisProcess.has(key)) throw new ExchangeLockedError(`${dir} is already open in this process`);
    try {
      writeLock(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number.parseInt(readFileSync(file, 'utf8'), 10);
      if (Number.isSafeInteger(owner) && owner !== process.pid && alive(owner)) {
        throw new ExchangeLockedError(`${dir} is open in process ${owner}`);
      }
      // A stale lock: its owner died without closing. Take it over.
      rmSync(file, { force: true });
      writeLock(file);
    }
    openInThisProcess.add(key);
    return new DirLock(key, file);
  }

  release(): void {
    if (!openInThisProcess.delete(this.key)) return;
    rmSync(this.file, { force: true });
  }
}

// Why this file exists: the replicated test files kill, pause and restart the nodes of the one
// shared three-node cluster, so no two of them may run at once. Run as a sequential vitest project,
// they were scheduled after every other file with one of the two workers idle: about 150 s of the
// suite's wall time on 2 cores (654 s in all). As a setup file of the replicated project, this takes
// an exclusive flock(2) (fs-ext, as exchange/dir-lock.ts) for the whole test file, so the
// replicated files run beside the local ones, one at a time. The kernel drops the lock when a
// worker dies, so a crashed file never blocks the next one.

import { closeSync, openSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { CLUSTER_ENV } from './nats-cluster.js';

const require = createRequire(import.meta.url);
const fsExt = require('fs-ext') as { flock(fd: number, flags: 'ex' | 'un', callback: (error: Error | null) => void): void };

/** Longest wait for the other replicated files (they take about 110 s together on 2 cores). */
const LOCK_WAIT_MS_MAX = 900_000;

const manifest = process.env[CLUSTER_ENV];
const lockFile = join(manifest !== undefined && manifest !== '' ? dirname(manifest) : tmpdir(), 'matchlog-replicated-tests.lock');
let fd: number | null = null;

beforeAll(async () => {
  fd = openSync(lockFile, 'a');
  const held = fd;
  // flock blocks in libuv's thread pool, not on this thread.
  await new Promise<void>((resolve, reject) => fsExt.flock(held, 'ex', (error) => (error === null ? resolve() : reject(error))));
}, LOCK_WAIT_MS_MAX);

afterAll(() => {
  if (fd === null) return;
  closeSync(fd); // closing the only descriptor releases the flock
  fd = null;
});

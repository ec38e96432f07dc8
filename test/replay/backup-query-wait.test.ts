// Why this file exists: a query to the backup replica blocks in Atomics.wait until the backup thread
// flags its answer. The thread stores the flag and then notifies, so a notify can arrive while the
// flag is still 0 (the previous answer's, landing after the next query reset the flag). Such a
// wake-up must not be taken for a timeout: it once failed a healthy exchange closed with
// BackupStuckError. A worker thread here delivers wake-ups with the flag at 0 (it notifies until a
// waiter was actually woken, several times) and only then flags the answer.

import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { waitForFlag } from '../../replay/backup-query.js';

const NOTIFIER = `
const { workerData } = require('node:worker_threads');
const flag = new Int32Array(workerData.buffer);
let woken = 0;
// Bounded: gives up delivering stale wake-ups after 10^8 tries and flags the answer anyway.
for (let tries = 0; woken < workerData.staleWakeUps && tries < 1e8; tries++) woken += Atomics.notify(flag, 0);
Atomics.store(flag, 1, woken);
Atomics.store(flag, 0, 1);
Atomics.notify(flag, 0);
`;

let worker: Worker | null = null;
afterEach(async () => {
  await worker?.terminate();
  worker = null;
});

describe('waitForFlag (backup queries)', () => {
  it('keeps waiting through wake-ups that come with the flag still 0, and returns the flagged answer', () => {
    const buffer = new SharedArrayBuffer(8);
    const flag = new Int32Array(buffer);
    worker = new Worker(NOTIFIER, { eval: true, workerData: { buffer, staleWakeUps: 3 } });
    const state = waitForFlag(flag, 0, 60_000);
    expect(state).toBe(1);
    // The wake-ups did happen while this thread waited (else the test proved nothing).
    expect(Atomics.load(flag, 1)).toBe(3);
  });

  it('returns 0 once the wait limit has passed with no answer', () => {
    const flag = new Int32Array(new SharedArrayBuffer(8));
    expect(waitForFlag(flag, 0, 20)).toBe(0);
  });

  it('returns at once when the answer is already flagged', () => {
    const flag = new Int32Array(new SharedArrayBuffer(8));
    Atomics.store(flag, 0, 2);
    expect(waitForFlag(flag, 0, 60_000)).toBe(2);
  });
});

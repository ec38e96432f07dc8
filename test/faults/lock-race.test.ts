// Why this file exists: the directory lock under contention (issue 10 item 1).
// The directory lock under contention. Regression for issue 10 item 1: `DirLock` created `LOCK`
// and wrote the pid afterwards; a racer reading in between saw no pid, called it stale, deleted it
// and took it (two processes both acknowledged seqs 1..50 in 6 of 20 trials). Now an flock(2) held
// by an open descriptor: several processes try the same directory at one instant, many trials,
// and exactly one may win each; the losers' error names the winner's pid.

import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DirLock, ExchangeLockedError } from '../../exchange/dir-lock.js';
import { Exchange } from '../../index.js';
import { MULTI, Scope } from '../exchange/fixtures/common.js';
import { REPO_ROOT } from '../exchange/fixtures/crash-harness.js';

const PROCESSES = 6;
const TRIALS = 40;
const STEP_MS = 25;

interface Child {
  lines: Promise<string[]>;
  ready: Promise<void>;
  go(startAtMs: number): void;
}

function startChild(base: string): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/faults/fixtures/lock-child.ts', base, String(TRIALS), String(STEP_MS)], {
    cwd: REPO_ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let onReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  child.stdout.setEncoding('utf8').on('data', (t: string) => {
    out += t;
    if (out.startsWith('ready\n')) onReady();
  });
  child.stderr.setEncoding('utf8').on('data', (t: string) => (err += t));
  const lines = new Promise<string[]>((resolve, reject) => {
    child.on('close', (code) => {
      if (code !== 0 || !out.includes('done')) reject(new Error(`lock child exited ${code}: ${err.slice(-2000)}`));
      else resolve(out.split('\n').filter((l) => /^\d+ (won|lost) /.test(l)));
    });
  });
  return { lines, ready, go: (startAtMs) => child.stdin.end(`${startAtMs}\n`) };
}

describe('directory lock', () => {
  const scope = new Scope();
  afterEach(() => scope.dispose());

  it(`${PROCESSES} processes x ${TRIALS} trials at one instant: exactly one owner each time`, async () => {
    const base = scope.dir();
    for (let k = 0; k < TRIALS; k++) mkdirSync(join(base, `t${k}`));
    const children = Array.from({ length: PROCESSES }, () => startChild(base));
    await Promise.all(children.map((c) => c.ready));
    const startAtMs = Date.now() + 300;
    for (const c of children) c.go(startAtMs);
    const results = await Promise.all(children.map((c) => c.lines));
    for (let k = 0; k < TRIALS; k++) {
      const outcomes = results.map((lines) => lines.find((l) => l.startsWith(`${k} `))!);
      const winners = outcomes.filter((l) => l.includes(' won '));
      expect(winners, `trial ${k}: ${outcomes.join(', ')}`).toHaveLength(1);
      const winnerPid = Number(winners[0].split(' ')[2]);
      for (const lost of outcomes.filter((l) => l.includes(' lost '))) {
        // 0: the loser read the file before the winner wrote its pid; otherwise it names the winner.
        expect([0, winnerPid]).toContain(Number(lost.split(' ')[2]));
      }
    }
  });

  it('a lock left in the file by a dead process (any pid, even a live unrelated one) is no lock', () => {
    const dir = scope.dir();
    writeFileSync(join(dir, 'LOCK'), '1\n'); // pid 1 is alive: the old scheme refused forever
    const lock = DirLock.acquire(dir);
    lock.release();
  });

  it('the refusal names the holder and has a stable code', () => {
    const dir = scope.dir();
    const lock = DirLock.acquire(dir);
    const error = (() => {
      try {
        DirLock.acquire(dir);
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(ExchangeLockedError);
    expect((error as ExchangeLockedError).code).toBe('LOCKED_IN_THIS_PROCESS');
    expect((error as ExchangeLockedError).pid).toBe(process.pid);
    lock.release();
    lock.release(); // idempotent
    DirLock.acquire(dir).release();
  });

  it('a failed open releases the lock: the directory opens again in this process', async () => {
    const dir = scope.dir();
    const first = await scope.open({ dir, instruments: MULTI });
    await first.close();
    // Different instruments: refused after the lock was taken.
    const refused = await Exchange.open({ dir, instruments: MULTI.slice(0, 1) }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(Error);
    const again = await scope.open({ dir });
    expect(again.stats().failed).toBeNull();
  });
});

// Why this file exists: the recovery path the in-process tests cannot reach: a child process that
// listed instruments, halted and resumed them is SIGKILLed before any checkpoint, so reopening
// replays the whole log from seq 1 — add_instrument, halt and resume records included — into
// engines built from matchlog.json's list. The state hash must be the child's, and a plain
// engine's fed the same story; with workers 1 and 2.

import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Engine } from '../../index.js';
import { MULTI, Scope } from './fixtures/common.js';
import { REPO_ROOT } from './fixtures/crash-harness.js';
import { replayOn } from './fixtures/instruments-scenario.js';

const CHILD = join(REPO_ROOT, 'test/exchange/fixtures/instruments-child.ts');

/** Runs the child until it printed its hash, SIGKILLs it, returns the hash. */
function runAndKill(dir: string, workers: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, String(workers)], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let hash: string | null = null;
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /hash ([0-9a-f]+)\nidle\n/.exec(out);
      if (match !== null && hash === null) {
        hash = match[1];
        child.kill('SIGKILL');
      }
    });
    child.stderr.on('data', (chunk: Buffer) => void (err += chunk.toString()));
    child.on('exit', (_code, signal) => {
      if (hash !== null && signal === 'SIGKILL') resolve(hash);
      else reject(new Error(`child ended without its hash (signal ${String(signal)}): ${out}\n${err}`));
    });
  });
}

describe('instrument administration survives SIGKILL (replay from seq 1)', () => {
  const scope = new Scope();
  afterEach(() => scope.dispose());

  it.each([1, 2])('workers %i', async (workers) => {
    const dir = scope.dir();
    const hash = await runAndKill(dir, workers);
    const plain = new Engine({ instruments: MULTI });
    replayOn(plain);
    expect(hash).toBe(plain.stateHash());
    const ex = await scope.open({ dir, workers });
    expect(ex.stats().recovery.checkpointSeq).toBeNull();
    expect(ex.stateHash()).toBe(hash);
    expect(ex.stats().instruments.halted).toEqual(['ACME', 'NEWY']);
    const after = await ex.submit({ op: 'new', id: 'x9', account: 'c', symbol: 'NEWX', side: 'sell', type: 'limit', price: 100, qty: 10 });
    expect(after.events.map((e) => e.type)).toEqual(['accepted', 'trade']);
  }, 60_000);
});

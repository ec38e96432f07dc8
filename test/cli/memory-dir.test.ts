// Why this file exists: a 'memory' exchange with a directory keeps checkpoints and no log. The CLI
// must inspect, recover and verify such a directory (it used to refuse it for lacking a log):
// recover comes back at the newest valid checkpoint, as Exchange.open does, and verify checks each
// checkpoint against its own state hash.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runInspect } from '../../cli/inspect.js';
import { run } from '../../cli/program.js';
import { runRecover } from '../../cli/recover.js';
import { runVerify } from '../../cli/verify.js';
import { Exchange } from '../../exchange/exchange.js';
import { command, INSTRUMENTS, removeDir, tempDir } from './fixtures/dirs.js';

const dirs: string[] = [];
let dir: string;
let closedHash: string;

beforeAll(async () => {
  dir = tempDir('memory');
  dirs.push(dir);
  const exchange = await Exchange.open({ dir, instruments: INSTRUMENTS, durability: 'memory', checkpointEvery: 100, onWarning: () => undefined });
  for (let first = 1; first <= 300; first += 50) {
    await Promise.all(Array.from({ length: 50 }, (_, i) => exchange.submit(command(first + i))));
  }
  closedHash = exchange.stateHash();
  await exchange.close(); // a clean close leaves a checkpoint of the final state
});

afterAll(() => {
  for (const d of dirs) removeDir(d);
});

it('inspect lists the checkpoints of a directory with no log, newest valid first as the restart point', async () => {
  const result = await runInspect(dir);
  expect(result.log).toBeNull();
  expect(result.checkpoints.length).toBeGreaterThan(0);
  expect(result.checkpoints.every((c) => c.valid && c.usable)).toBe(true);
  expect(result.recoveryStart).toEqual({ kind: 'checkpoint', seq: result.checkpoints[0].seq });
  const out: string[] = [];
  expect(await run(['inspect', '--dir', dir], { out: (t) => void out.push(t), err: () => undefined })).toBe(0);
  expect(out.join('')).toMatch(/no log \(checkpoints-only directory, durability memory\)/);
});

it('recover comes back at the newest checkpoint with the closed exchange\'s state', async () => {
  const result = await runRecover(dir);
  expect(result.log).toBeNull();
  expect(result.stateHash).toBe(closedHash);
  expect(result.recovery.replayedCommands).toBe(0);
  expect(result.problems).toEqual([]);
});

it('verify checks every checkpoint against its own state hash, and fails on a damaged one', async () => {
  const ok = await runVerify(dir);
  expect(ok.mismatches).toEqual([]);
  expect(ok.ok).toBe(true);
  expect(ok.checkpoints.compared).toBe(ok.checkpoints.total);

  const newest = (await runInspect(dir)).checkpoints[0].seq;
  const file = join(dir, 'checkpoints', `checkpoint-${String(newest).padStart(16, '0')}.bin`);
  const bytes = readFileSync(file);
  bytes[bytes.length - 10] ^= 0x01;
  writeFileSync(file, bytes);
  const damaged = await runVerify(dir);
  expect(damaged.ok).toBe(false);
  expect(damaged.firstMismatch).toMatchObject({ kind: 'checkpoint-invalid', seq: newest });
  expect(await run(['verify', '--dir', dir], { out: () => undefined, err: () => undefined })).toBe(1);
});

// Why this file exists: changing files is the one thing the CLI must never do on its own. `tidy`
// lists the files recovery can never use (exit 1 while there are any) and only with --accept-loss
// moves them aside — never deletes; afterwards the directory verifies again (the operator has
// accepted the loss the listing named).

import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { run } from '../../cli/program.js';
import { runTidy } from '../../cli/tidy.js';
import { runVerify } from '../../cli/verify.js';
import { CheckpointStore } from '../../replay/checkpoint-store.js';
import { removeDir, tempDir, writeLogDir, type LogDirInfo } from './fixtures/dirs.js';

const dirs: string[] = [];
let base: string;
let info: LogDirInfo;

beforeAll(async () => {
  base = tempDir('tidy-base');
  dirs.push(base);
  info = await writeLogDir(base, { commands: 300, markEvery: 20, checkpointAt: [100, 200] });
});

afterAll(() => {
  for (const dir of dirs) removeDir(dir);
});

/** A copy of the base with a checkpoint beyond the log, one with a flipped byte and a stray temp file. */
function damagedCopy(name: string): { dir: string; beyond: string; invalid: string; temp: string } {
  const dir = tempDir(name);
  dirs.push(dir);
  cpSync(base, dir, { recursive: true });
  const store = new CheckpointStore(join(dir, 'checkpoints'));
  const [newest, oldest] = store.list();
  const { header, snapshot } = store.read(newest);
  store.write({ ...header, seq: info.lastSeq + 5 }, snapshot);
  const invalid = join('checkpoints', `checkpoint-${String(oldest).padStart(16, '0')}.bin`);
  const bytes = readFileSync(join(dir, invalid));
  bytes[bytes.length - 50] ^= 0x20;
  writeFileSync(join(dir, invalid), bytes);
  const temp = join('checkpoints', 'checkpoint-0000000000000999.bin.tmp');
  writeFileSync(join(dir, temp), 'half a checkpoint');
  return { dir, beyond: join('checkpoints', `checkpoint-${String(info.lastSeq + 5).padStart(16, '0')}.bin`), invalid, temp };
}

it('without --accept-loss it lists what it would move aside and why, changes nothing, and exits 1', async () => {
  const { dir, beyond, invalid, temp } = damagedCopy('tidy-list');
  const before = readdirSync(join(dir, 'checkpoints')).sort();
  const result = await runTidy(dir);
  expect(result.moved).toBe(false);
  expect(result.items.map((item) => item.file).sort()).toEqual([beyond, invalid, temp].sort());
  expect(result.items.find((item) => item.file === beyond)!.reason).toContain(`records ${info.lastSeq + 1}..${info.lastSeq + 5} are missing`);
  expect(result.items.find((item) => item.file === invalid)!.reason).toBe('invalid: checksum mismatch');
  expect(readdirSync(join(dir, 'checkpoints')).sort()).toEqual(before);

  const out: string[] = [];
  expect(await run(['tidy', '--dir', dir], { out: (t) => void out.push(t), err: () => undefined })).toBe(1);
  expect(out.join('')).toMatch(/would move aside 3 file\(s\)[\s\S]*nothing was changed; run again with --accept-loss/);
  expect(readdirSync(join(dir, 'checkpoints')).sort()).toEqual(before);
});

it('with --accept-loss it moves exactly the listed files aside (deleting nothing), and the directory then verifies', async () => {
  const { dir, beyond, invalid, temp } = damagedCopy('tidy-yes');
  expect((await runVerify(dir)).ok).toBe(false);
  const out: string[] = [];
  expect(await run(['tidy', '--dir', dir, '--accept-loss'], { out: (t) => void out.push(t), err: () => undefined })).toBe(0);
  expect(out.join('')).toMatch(/moved aside 3 file\(s\)/);
  for (const file of [beyond, invalid, temp]) expect(existsSync(join(dir, file)), file).toBe(false);
  expect(existsSync(join(dir, beyond.replace('checkpoints/', 'checkpoints/ahead-of-log/')))).toBe(true);
  expect(existsSync(join(dir, invalid.replace('checkpoints/', 'checkpoints/invalid/')))).toBe(true);
  expect(existsSync(join(dir, temp.replace('checkpoints/', 'checkpoints/invalid/')))).toBe(true);
  expect(readdirSync(join(dir, 'checkpoints')).filter((name) => name.endsWith('.bin'))).toHaveLength(1);
  const verified = await runVerify(dir);
  expect(verified.mismatches).toEqual([]);
  expect(verified.ok).toBe(true);
  expect((await runTidy(dir)).items).toEqual([]);
  expect(await run(['tidy', '--dir', dir], { out: () => undefined, err: () => undefined })).toBe(0);
});

// Why this file exists: progress bars are for people at a terminal. They go to stderr only, only
// for work that has lasted a second, never on a non-terminal stream, and never into --json output.

import { Writable } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { run } from '../../cli/program.js';
import { readsReported, startProgress, type Progress } from '../../cli/progress.js';
import { runRecover } from '../../cli/recover.js';
import { removeDir, tempDir, writeLogDir } from './fixtures/dirs.js';

/** A stream that says it is a terminal and keeps what is written to it. */
function fakeTerminal(): Writable & { isTTY: boolean; text: () => string; columns: number } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  }) as Writable & { isTTY: boolean; text: () => string; columns: number };
  stream.isTTY = true;
  stream.columns = 120;
  stream.text = () => chunks.join('');
  return stream;
}

let dir = '';
beforeAll(async () => {
  dir = tempDir('progress');
  await writeLogDir(dir, { commands: 200, markEvery: 20 });
});
afterAll(() => removeDir(dir));

it('draws a bar on a terminal once the work has lasted the delay, and nothing before', () => {
  const terminal = fakeTerminal();
  const slow = startProgress(terminal, 'replaying', 100, 'records', 0);
  slow.update(40);
  slow.stop();
  expect(terminal.text()).toMatch(/replaying \[.*\] 40% \| 40\/100 records/);

  const quiet = fakeTerminal();
  const fast = startProgress(quiet, 'replaying', 100, 'records', 60_000);
  fast.update(40);
  fast.stop();
  expect(quiet.text()).toBe('');
});

it('draws nothing on a stream that is not a terminal', () => {
  const pipe = fakeTerminal();
  pipe.isTTY = false;
  const progress = startProgress(pipe, 'replaying', 100, 'records', 0);
  progress.update(50);
  progress.stop();
  expect(pipe.text()).toBe('');
});

it('verify --json prints only JSON on stdout even with a terminal on stderr', async () => {
  const out: string[] = [];
  const terminal = fakeTerminal();
  expect(await run(['verify', '--dir', dir, '--json'], { out: (t) => void out.push(t), err: () => undefined, progress: terminal })).toBe(0);
  expect(JSON.parse(out.join(''))).toMatchObject({ ok: true });
  expect(terminal.text()).toBe('');
});

it('recover reports its replay through the log it reads, and recovers the same state with a bar or without', async () => {
  const seen: number[] = [];
  const recording: Progress = { update: (done) => void seen.push(done), stop: () => undefined };
  const log = { firstSeq: 5, readBatch: (from: number, max: number): number[] => [from, max] };
  const reported = readsReported(log, 5, recording);
  expect(reported.readBatch(5, 10)).toEqual([5, 10]);
  expect(reported.readBatch(15, 10)).toEqual([15, 10]);
  expect(reported.firstSeq).toBe(5);
  expect(seen).toEqual([0, 10]);

  const plain = await runRecover(dir);
  const terminal = fakeTerminal();
  const withBar = await runRecover(dir, { progress: terminal });
  expect(withBar.stateHash).toBe(plain.stateHash);
  expect(withBar.seq).toBe(plain.seq);
});

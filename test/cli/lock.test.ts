// Why this file exists: the CLI must not read (or tidy) a directory a live exchange is writing:
// its answers would describe a moving target, and `tidy` could delete what the exchange needs.
// Every command refuses with exit 3 and names the process that holds the directory's LOCK.

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { run } from '../../cli/program.js';
import { Exchange } from '../../exchange/exchange.js';
import { INSTRUMENTS, removeDir, tempDir } from './fixtures/dirs.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) removeDir(dir);
});

function capture(): { out: string[]; err: string[]; output: { out(t: string): void; err(t: string): void } } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, output: { out: (t) => void out.push(t), err: (t) => void err.push(t) } };
}

async function startHolder(dir: string): Promise<{ child: ChildProcessWithoutNullStreams; pid: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fixtures', 'hold-child.ts'), dir]);
  const pid = await new Promise<number>((resolve, reject) => {
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const match = /ready (\d+)/.exec(text);
      if (match !== null) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`holder exited early (${code})`)));
  });
  return { child, pid };
}

it('every command refuses a directory held by a live exchange in another process, naming its pid (exit 3)', async () => {
  const dir = tempDir('locked');
  dirs.push(dir);
  const { child, pid } = await startHolder(dir);
  try {
    for (const command of ['inspect', 'recover', 'verify', 'tidy']) {
      const { output, err } = capture();
      expect(await run([command, '--dir', dir], output), command).toBe(3);
      expect(err.join(''), command).toMatch(new RegExp(`^matchlog ${command}: refusing to read a directory a live exchange holds: .* ${pid}`));
    }
  } finally {
    child.stdin.end();
    await new Promise((resolve) => child.once('exit', resolve));
  }
  // Once the exchange has closed, the directory is free again.
  const { output } = capture();
  expect(await run(['inspect', '--dir', dir], output)).toBe(0);
});

it('refuses a directory an exchange in this same process holds, and releases its own hold after each command', async () => {
  const dir = tempDir('locked-here');
  dirs.push(dir);
  const exchange = await Exchange.open({ dir, instruments: INSTRUMENTS, durability: 'sync', onWarning: () => undefined });
  try {
    const { output, err } = capture();
    expect(await run(['verify', '--dir', dir], output)).toBe(3);
    expect(err.join('')).toMatch(/already open in this process/);
  } finally {
    await exchange.close();
  }
  expect(await run(['inspect', '--dir', dir], capture().output)).toBe(0);
  // The CLI's own hold is gone: an exchange can open the directory again.
  const again = await Exchange.open({ dir, durability: 'sync', onWarning: () => undefined });
  await again.close();
});

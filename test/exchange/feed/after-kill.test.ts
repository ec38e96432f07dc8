// Why this file exists: a drop-copy consumer and the exchange die together (SIGKILL: no close, no
// closing checkpoint). The exchange reopens, recovers from a checkpoint plus the log, and the
// consumer resumes from its last seq + 1: the regenerated events equal what the killed process
// published live, field for field.

import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ExchangeEvent } from '../../../index.js';
import { MULTI, Scope, within } from '../fixtures/common.js';
import { take } from '../fixtures/feed.js';

const CHILD = join(import.meta.dirname, 'kill-child.ts');

/** Runs the child until it is idle, SIGKILLs it, and returns the live events it printed. */
async function runAndKill(dir: string): Promise<ExchangeEvent[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, '71', '1000'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  await within(
    new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString('utf8');
        if (out.includes('\nidle\n')) resolve();
      });
      child.on('exit', (code) => reject(new Error(`child exited with ${code} before idle`)));
    }),
    50_000,
    'the child',
  );
  child.kill('SIGKILL');
  await new Promise((resolve) => child.once('exit', resolve));
  return out
    .split('\n')
    .filter((text) => text.startsWith('{'))
    .map((text) => JSON.parse(text) as ExchangeEvent);
}

describe('events({ fromSeq }) after a kill', () => {
  const scope = new Scope();
  afterEach(() => scope.dispose());

  it('regenerates exactly what the killed exchange published', async () => {
    const dir = scope.dir();
    const published = await runAndKill(dir);
    expect(published.length).toBeGreaterThan(1000);
    const ex = await scope.open({ dir, instruments: MULTI, workers: 2, feedRetentionCommands: 100_000, checkpointEveryCommands: 300 });
    expect(ex.stats().recovery.checkpointSeq).not.toBeNull();
    for (const fromSeq of [1, published[Math.floor(published.length / 2)].seq + 1]) {
      const expected = published.filter((e) => e.seq >= fromSeq);
      const feed = ex.events({ fromSeq });
      expect(await take(feed, expected.length)).toEqual(expected);
      await feed.return!();
    }
  });
});

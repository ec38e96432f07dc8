// Why this file exists: recovery never deletes what it has not proven obsolete (issue 10 item 2).
// Recovery never deletes what it has not proven obsolete (issue 10 item 2). Before: delete or
// empty the log (`wal/data.mdb`), or put back an older copy, and `Exchange.open` deleted the newer
// checkpoints with a warning and opened — empty, or at an older seq — and `matchlog verify` said
// OK. In `sync` mode a valid checkpoint beyond the log's end can only mean the log lost
// acknowledged data: open refuses with a typed error naming the missing records, every file is
// kept byte for byte, verify fails, and only the explicit `matchlog tidy --accept-loss` (an operator who
// accepts the loss) removes them so the directory opens from what the log holds.

import { cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync, truncateSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { RecoveryError } from '../../index.js';
import { run } from '../../cli/program.js';
import { runVerify } from '../../cli/verify.js';
import { MULTI, Scope, tempDir, type TempDir } from '../exchange/fixtures/common.js';
import { generate } from '../exchange/fixtures/load.js';

/** Every file under `dir` (but the lock files) with a hash of its bytes. */
function fingerprint(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name !== 'LOCK' && name !== 'lock.mdb') out[relative(dir, path)] = createHash('sha256').update(readFileSync(path)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

const quiet = { out: () => undefined, err: () => undefined };

describe('a log that cannot reach the newest valid checkpoint (sync)', () => {
  const scope = new Scope();
  let template: TempDir;
  let older: TempDir;
  let lastSeq = 0;
  beforeAll(async () => {
    template = tempDir();
    older = tempDir();
    const commands = generate(101, MULTI, 400);
    const ex = await scope.open({ dir: template.path, instruments: MULTI, checkpointEvery: 100, checkpointsKept: 3 });
    await Promise.all(commands.slice(0, 150).map((c) => ex.submit(c)));
    await ex.close();
    cpSync(template.path, older.path, { recursive: true });
    const again = await scope.open({ dir: template.path });
    await Promise.all(commands.slice(150).map((c) => again.submit(c)));
    lastSeq = again.lastSeq;
    await again.close();
  });
  afterAll(async () => {
    await scope.dispose();
    template.cleanup();
    older.cleanup();
  });

  const cases: Array<[string, (dir: string) => void]> = [
    ['the log deleted', (dir) => rmSync(join(dir, 'wal'), { recursive: true })],
    ['data.mdb emptied', (dir) => truncateSync(join(dir, 'wal', 'data.mdb'), 0)],
    ['the log replaced with an older copy', (dir) => {
      rmSync(join(dir, 'wal'), { recursive: true });
      cpSync(join(older.path, 'wal'), join(dir, 'wal'), { recursive: true });
    }],
  ];

  it.each(cases)('%s: open refuses naming the missing records, keeps every file; verify fails; tidy --accept-loss then opens', async (_what, damage) => {
    const dir = scope.dir();
    cpSync(template.path, dir, { recursive: true });
    damage(dir);
    const before = fingerprint(dir);
    const error = await scope.open({ dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RecoveryError);
    const refusal = error as RecoveryError;
    expect(refusal.code).toBe('LOG_BEHIND_CHECKPOINT');
    expect(refusal.missing!.to).toBeGreaterThan(refusal.missing!.from - 1);
    expect(refusal.message).toContain(`records ${refusal.missing!.from}..${refusal.missing!.to}`);
    expect(refusal.message).toContain('Nothing was deleted');
    expect(fingerprint(dir)).toEqual(before);
    // Refused twice the same way: nothing changed in between.
    expect(await scope.open({ dir }).catch((e: unknown) => (e as RecoveryError).code)).toBe('LOG_BEHIND_CHECKPOINT');

    const logPresent = existsSync(join(dir, 'wal', 'data.mdb')) && statSync(join(dir, 'wal', 'data.mdb')).size > 0;
    if (logPresent) {
      const verified = await runVerify(dir);
      expect(verified.ok).toBe(false);
      expect(verified.mismatches.map((m) => m.kind)).toContain('log-lost');
    }
    expect(await run(['verify', '--dir', dir], quiet)).not.toBe(0);
    // tidy without --accept-loss lists and changes nothing.
    await run(['tidy', '--dir', dir], quiet);
    expect(fingerprint(dir)).toEqual(before);
    if (!logPresent) return; // the CLI refuses a directory without its log; restoring it is the fix
    // The operator accepts the loss explicitly: then the directory opens from what the log holds.
    expect(await run(['tidy', '--dir', dir, '--accept-loss'], quiet)).toBe(0);
    const ex = await scope.open({ dir });
    expect(ex.lastSeq).toBeLessThan(lastSeq);
    await ex.close();
  });
});

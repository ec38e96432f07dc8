// Why this file exists: damaged LMDB files (issue 10 item 6) must be refused, never a signal.
// Damaged LMDB files (issue 10 item 6). Before: a truncated data.mdb killed the host process with
// SIGBUS (94 of 100 truncations), a zeroed meta page with SIGSEGV/SIGABRT, and one damaged meta
// page silently dropped the last acknowledged transaction. Now wal/lmdb-preopen.ts reads the meta
// pages before LMDB maps the file and refuses with WalCorruptionError, and recovery refuses
// (LOG_BEHIND_CHECKPOINT) when the log LMDB offers ends before a valid checkpoint. Zeroed or
// garbage data pages (SIGSEGV/SIGABRT before) are refused by the walk of the B-trees LMDB will
// read (wal/lmdb-page-walk.ts); damage past an overflow run's header by the frame checksums. Every damaged
// copy is opened in a child process: outcomes are exact, a clean typed refusal, silent wrong
// (must be 0) or a crash (must be 0).

import { spawn } from 'node:child_process';
import { closeSync, cpSync, openSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MULTI, Scope } from '../exchange/fixtures/common.js';
import { REPO_ROOT } from '../exchange/fixtures/crash-harness.js';
import { generate } from '../exchange/fixtures/load.js';
import { walkLmdbPages, type LmdbWalkFigures } from '../../wal/lmdb-page-walk.js';
import { readLmdbMetas } from '../../wal/lmdb-preopen.js';

export interface Tally {
  trials: number;
  exact: number;
  refused: number;
  wrong: number;
  crashed: number;
}

/** Opens every copy in one child; a child that dies is restarted after the copy that killed it. */
export async function openAll(dirs: string[], expected: { lastSeq: number; stateHash: string }, listFile: string): Promise<Tally & { lines: string[] }> {
  const tally = { trials: dirs.length, exact: 0, refused: 0, wrong: 0, crashed: 0, lines: [] as string[] };
  let from = 0;
  while (from < dirs.length) {
    writeFileSync(listFile, JSON.stringify(dirs.slice(from)));
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/faults/fixtures/open-child.ts', listFile, JSON.stringify(expected)], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (t: string) => (out += t));
    child.stderr.setEncoding('utf8').on('data', () => undefined);
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    const signal = await new Promise<string | null>((resolve) => child.on('close', (_code, sig) => resolve(sig)));
    clearTimeout(timer);
    const lines = out.split('\n').filter((l) => /^\d+ /.test(l));
    for (const line of lines) {
      tally.lines.push(line.replace(/^\d+/, (n) => String(Number(n) + from)));
      const kind = line.split(' ')[1];
      if (kind === 'exact') tally.exact++;
      else if (kind === 'refused') tally.refused++;
      else tally.wrong++;
    }
    from += lines.length;
    if (!out.includes('done\n')) {
      tally.crashed++;
      tally.lines.push(`${from} crashed ${signal ?? 'exit'}`);
      from++;
    }
  }
  return tally;
}

describe('damaged LMDB files', () => {
  const scope = new Scope();
  let template = '';
  let expected = { lastSeq: 0, stateHash: '' };
  beforeAll(async () => {
    template = scope.dir();
    // No checkpoints beyond the start: the log alone carries the state.
    const ex = await scope.open({ dir: template, instruments: MULTI, checkpointEvery: 1_000_000 });
    await Promise.all(generate(77, MULTI, 600).map((c) => ex.submit(c)));
    await ex.close();
    // What an undamaged copy opens at (the close mark is the last record).
    const reopened = await scope.open({ dir: template });
    expected = { lastSeq: reopened.lastSeq, stateHash: reopened.stateHash() };
    await reopened.close();
  });
  afterAll(() => scope.dispose());

  it('truncations and damaged meta pages: exact or a typed refusal; never a signal, never silently wrong', async () => {
    const file = (dir: string): string => join(dir, 'wal', 'data.mdb');
    const size = statSync(file(template)).size;
    const pageBytes = 4096;
    const damages: Array<(f: string) => void> = [];
    // Truncations: every page boundary from 1 page to the full size, and a few odd sizes.
    const pages = size / pageBytes;
    for (let p = 1; p < pages; p += Math.max(1, Math.floor(pages / 24))) damages.push((f) => truncateSync(f, p * pageBytes));
    for (const cut of [1, 100, 4097, size - 1]) damages.push((f) => truncateSync(f, cut));
    // Meta pages: zeroed, and single bytes flipped across both.
    for (const page of [0, 1]) {
      damages.push((f) => {
        const b = readFileSync(f);
        b.fill(0, page * pageBytes, (page + 1) * pageBytes);
        writeFileSync(f, b);
      });
      for (const offset of [0, 18, 24, 28, 48, 144, 145, 152]) {
        damages.push((f) => {
          const b = readFileSync(f);
          b[page * pageBytes + offset] ^= 0x5a;
          writeFileSync(f, b);
        });
      }
    }
    const dirs = damages.map((damage) => {
      const dir = scope.dir();
      cpSync(template, dir, { recursive: true });
      damage(file(dir));
      return dir;
    });
    const tally = await openAll(dirs, expected, join(scope.dir(), 'list.json'));
    const summary = `trials ${tally.trials}, exact ${tally.exact}, refused ${tally.refused}, wrong ${tally.wrong}, crashed ${tally.crashed}`;
    expect(tally.crashed, `${summary}\n${tally.lines.join('\n')}`).toBe(0);
    expect(tally.wrong, `${summary}\n${tally.lines.join('\n')}`).toBe(0);
    expect(tally.exact + tally.refused).toBe(tally.trials);
    console.log(`damaged LMDB files: ${summary}`);
  });

  it('zeroed and garbage data pages (tree roots, branches, leaves, overflow runs): a typed refusal, never a signal', async () => {
    const file = (dir: string): string => join(dir, 'wal', 'data.mdb');
    // The pages LMDB will read, from the meta it will use.
    const reached: { kind: string; page: number; pages: number; tree: string }[] = [];
    const fd = openSync(file(template), 'r');
    let pageBytes = 4096;
    try {
      const { used } = readLmdbMetas(fd, file(template), { safeRestore: false });
      pageBytes = used.pageBytes;
      const figures: LmdbWalkFigures = { branch: 0, leaf: 0, overflowRuns: 0, trees: 0, visit: (kind, page, pages, tree) => reached.push({ kind, page, pages, tree }) };
      expect(walkLmdbPages(fd, used, figures)).toBeNull();
    } finally {
      closeSync(fd);
    }
    const pick = <T>(list: T[]): T[] => (list.length <= 3 ? list : [list[0], list[list.length >> 1], list[list.length - 1]]);
    const segmentPages = reached.filter((r) => r.tree.startsWith("database 'seg."));
    const targets = [
      ...pick(reached.filter((r) => r.tree === 'the main tree')),
      ...pick(reached.filter((r) => r.tree === 'the free-page tree')),
      ...pick(reached.filter((r) => r.tree === "database 'meta'")),
      ...pick(segmentPages.filter((r) => r.kind !== 'overflow')),
      ...pick(segmentPages.filter((r) => r.kind === 'overflow')),
    ];
    // This small log: a leaf each for the main, meta, free-page and segment trees, and overflow runs
    // (branch pages: test/wal/page-walk.test.ts).
    expect(targets.length, JSON.stringify(reached)).toBeGreaterThanOrEqual(5);
    // Pages LMDB reads as B-tree pages or overflow headers must be refused; the rest of an overflow
    // run holds record bytes: refused by their frame checksums when read, or exact when the close
    // checkpoint covers them (never read).
    const damages: { mustRefuse: boolean; damage: (b: Buffer) => void }[] = [];
    for (const t of targets) {
      const at = t.page * pageBytes;
      damages.push({ mustRefuse: true, damage: (b) => b.fill(0, at, at + pageBytes) });
      damages.push({
        mustRefuse: true,
        damage: (b) => {
          for (let i = 0; i < pageBytes; i++) b[at + i] = (i * 167 + t.page) & 0xff;
        },
      });
      if (t.kind === 'overflow' && t.pages > 1) damages.push({ mustRefuse: false, damage: (b) => b.fill(0, at + pageBytes, at + 2 * pageBytes) });
    }
    const dirs = damages.map(({ damage }) => {
      const dir = scope.dir();
      cpSync(template, dir, { recursive: true });
      const b = readFileSync(file(dir));
      damage(b);
      writeFileSync(file(dir), b);
      return dir;
    });
    const tally = await openAll(dirs, expected, join(scope.dir(), 'list.json'));
    const summary = `trials ${tally.trials}, exact ${tally.exact}, refused ${tally.refused}, wrong ${tally.wrong}, crashed ${tally.crashed}`;
    const detail = `${summary}\n${targets.map((t) => `${t.kind} ${t.page} ${t.tree}`).join('\n')}\n${tally.lines.join('\n')}`;
    expect(tally.crashed, detail).toBe(0);
    expect(tally.wrong, detail).toBe(0);
    expect(tally.exact + tally.refused, detail).toBe(tally.trials);
    for (const [i, { mustRefuse }] of damages.entries()) {
      if (mustRefuse) expect(tally.lines[i], detail).toMatch(new RegExp(`^${i} refused WalCorruptionError`));
    }
    console.log(`damaged LMDB data pages: ${summary}`);
  });
});

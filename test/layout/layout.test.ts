// Why this file exists: the layout rules of the charter, checked rather than hoped for. Every
// source file has a kebab-case name and opens with the one header form ("// Why this file
// exists: ..."), and the shipped folders (engine, wal, replay, exchange, cli) and the build
// scripts talk to each other only through each folder's index.ts, so a folder's internals can
// change without breaking another. Tests and benchmarks may reach into internals (that is what
// they examine), so only their names and headers are checked.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..', '..');
/** Top-level folders that are not source, or whose files may reach into other folders' internals. */
const NOT_BOUNDED = new Set(['bench', 'test', 'node_modules', 'dist', 'docs', 'tools', 'matchlog-report', 'data']);
/** Folders whose imports of one another must go through index.ts: every other top-level folder. */
const BOUNDED = readdirSync(ROOT, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.') && !NOT_BOUNDED.has(entry.name))
  .map((entry) => entry.name)
  .sort();
/** Every folder holding project source (names and headers are checked in all of them). */
const SOURCE = [...BOUNDED, 'bench', 'test'];
const ROOT_FILES = ['index.ts', 'vitest.config.ts'];
const HEADER = '// Why this file exists: ';
/** Kebab-case words, optionally dotted (vitest.config). */
const KEBAB = /^[a-z0-9]+(-[a-z0-9]+)*(\.[a-z0-9]+(-[a-z0-9]+)*)*$/;
/** Relative specifiers of static imports, re-exports and dynamic imports. */
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm;

function sourceFiles(folder: string): string[] {
  const files: string[] = [];
  const pending = [join(ROOT, folder)];
  // Bounded by the number of entries in the folder tree.
  for (let dir = pending.pop(); dir !== undefined; dir = pending.pop()) {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) {
        if (name !== 'node_modules' && name !== 'results') pending.push(path);
      } else if (/\.(ts|mts|mjs)$/.test(name) && !name.endsWith('.d.ts') && !name.includes('.tmp.')) {
        files.push(relative(ROOT, path));
      }
    }
  }
  return files.sort();
}

const ALL = [...ROOT_FILES, ...SOURCE.flatMap(sourceFiles)];

function topFolder(path: string): string {
  return path.split(sep)[0];
}

describe('layout', () => {
  it('finds the folders it checks', () => {
    expect(BOUNDED).toEqual(expect.arrayContaining(['cli', 'engine', 'exchange', 'replay', 'scripts', 'wal']));
  });

  it('every source file and folder has a kebab-case name', () => {
    const bad: string[] = [];
    for (const file of ALL) {
      const parts = file.split(sep);
      const base = parts.pop()!.replace(/(\.test)?\.(ts|mts|mjs)$/, '');
      for (const part of [...parts, base]) if (!KEBAB.test(part)) bad.push(file);
    }
    expect([...new Set(bad)]).toEqual([]);
  });

  it('every source file opens with the one header form', () => {
    const bad = ALL.filter((file) => {
      const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
      const first = lines[0].startsWith('#!') ? lines[1] : lines[0];
      return !first.startsWith(HEADER);
    });
    expect(bad).toEqual([]);
  });

  it('folders import one another only through index.ts', () => {
    const bad: string[] = [];
    for (const file of ALL.filter((f) => ROOT_FILES.includes(f) || BOUNDED.includes(topFolder(f)))) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      for (const match of text.matchAll(SPECIFIER)) {
        const target = relative(ROOT, resolve(ROOT, dirname(file), match[1]));
        const from = ROOT_FILES.includes(file) ? '' : topFolder(file);
        const to = topFolder(target);
        if (to === from) continue;
        const parts = target.split(sep);
        if (parts.length !== 2 || !/^index\.(js|ts)$/.test(parts[1])) bad.push(`${file} imports ${match[1]}`);
      }
    }
    expect(bad).toEqual([]);
  });
});

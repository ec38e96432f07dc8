// Why this file exists: the API reference is generated from the TSDoc comments (`npm run docs`,
// TypeDoc with treatWarningsAsErrors), so a comment linking to a name that does not exist, or a
// public type that refers to one the package does not export, fails here rather than in a
// published reference. Built into a temporary folder; ~10 s of CPU (TypeDoc runs the TypeScript 5
// compiler from tools/docs, the workspace that holds it).

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const TYPEDOC = join(ROOT, 'tools', 'docs', 'node_modules', 'typedoc', 'bin', 'typedoc');

it('the API reference builds from the TSDoc comments without a warning, with SEMANTICS.md in it', () => {
  const out = mkdtempSync(join(tmpdir(), 'matchlog-docs-'));
  try {
    const log = execFileSync(process.execPath, [TYPEDOC, '--options', join(ROOT, 'typedoc.json'), '--out', out], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 180_000,
    });
    expect(log).not.toMatch(/\[warning\]|\[error\]/);
    for (const page of ['index.html', 'classes/index.Exchange.html', 'classes/index.Engine.html', 'documents/engine_SEMANTICS.html']) {
      expect(existsSync(join(out, page)), page).toBe(true);
    }
    expect(readFileSync(join(out, 'classes', 'index.Exchange.html'), 'utf8')).toContain('open');
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}, 240_000);

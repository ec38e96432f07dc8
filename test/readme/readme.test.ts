// Why this file exists: the README's embedding snippet is the first code a user copies; running
// it here (in a real child process, from a temporary data directory) keeps it from rotting.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

function embeddingSnippet(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Embedding'));
  const match = /```ts\n([\s\S]*?)```/.exec(section);
  if (match === null) throw new Error('README has no ts block under "## Embedding"');
  return match[1];
}

it('the README embedding snippet runs and recovers the same state', () => {
  const dir = mkdtempSync(join(tmpdir(), 'matchlog-readme-'));
  const script = join(ROOT, 'test', 'readme', `snippet-${process.pid}.tmp.ts`);
  try {
    const code = embeddingSnippet()
      .replace("from 'matchlog'", `from ${JSON.stringify(join(ROOT, 'index.ts'))}`)
      .replaceAll("'./data'", JSON.stringify(dir));
    writeFileSync(script, code);
    const output = execFileSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', timeout: 60_000 });
    const lines = output.trim().split('\n');
    expect(lines[0]).toContain("1 accepted { bids: [ [ 10000, 100 ] ], asks: [] }");
    // The idempotent retry: the same id is refused (logged, with the original order's seq) and
    // nothing trades twice: the state after it is still the state the first run closed with.
    expect(lines[lines.length - 2]).toBe('rejected DUPLICATE_ORDER_ID resting');
    expect(lines[lines.length - 1]).toMatch(/^true \d+(\.\d+)?$/);
    // The resumed feed regenerated the first event of the previous run, with its seq and time.
    expect(output).toMatch(/type: 'accepted',[\s\S]*id: 'o1',[\s\S]*seq: 1,\s*time: \d+/);
  } finally {
    rmSync(script, { force: true });
    rmSync(dir, { recursive: true, force: true });
  }
});

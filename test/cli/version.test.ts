// Why this file exists: `matchlog --version` is how an operator says which build wrote or read a
// directory; it must be the package's own version.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { run } from '../../cli/program.js';

it('--version (and -V) prints the package version and exits 0', async () => {
  const { version } = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
  for (const flag of ['--version', '-V']) {
    const out: string[] = [];
    expect(await run([flag], { out: (t) => void out.push(t), err: () => undefined })).toBe(0);
    expect(out.join('').trim()).toBe(version);
  }
});

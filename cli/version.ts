// Why this file exists: `matchlog --version` must name the installed package's version, read from
// its package.json, which sits one folder up from cli/ in the sources and two up from dist/cli/
// when installed; walking up to the first package.json named matchlog serves both.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Folders walked up from this file before giving up (cli/ → root is 1, dist/cli/ → root is 2). */
const PARENTS_MAX = 4;

/** The version of the matchlog package this CLI belongs to. */
export function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let step = 0; step <= PARENTS_MAX; step++) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const json = JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
      if (json.name === 'matchlog' && typeof json.version === 'string') return json.version;
    }
    dir = dirname(dir);
  }
  throw new Error(`cannot find matchlog's package.json above ${fileURLToPath(import.meta.url)}`);
}

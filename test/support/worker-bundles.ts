// Why this file exists: the suite opens hundreds of exchanges, and every open starts a matching
// worker and a backup thread. From TypeScript sources each of those threads registers tsx and loads
// its ~40 modules through tsx's loader hooks: ~0.3 s of CPU per thread (measured: 4 opens used
// 9.9 s of CPU from sources against 7.7 s from the built package), the largest single cost of a
// suite that must stay under 10 minutes on 2 cores. So before the suite runs, this global setup
// bundles each worker entry, from the current sources, into one plain ES module file (esbuild,
// packages left external) and names the folder in MATCHLOG_WORKER_BUNDLES, which
// engine/worker/location.ts uses instead of the tsx shim. The bundles are rebuilt on every run, so
// they never lag the sources; the main thread (and every child process a test starts) still runs
// the sources through tsx/vitest.

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Inside the repository so that the bundles' bare imports (lmdb, piscina, msgpackr) resolve from its node_modules. */
const OUT_ROOT = join(ROOT, 'node_modules', '.cache', 'matchlog-worker-bundles');
/** Every worker thread's entry (engine/worker/location.ts names them by base name). */
const ENTRIES = ['exchange/matching-worker.ts', 'replay/backup-worker.ts'];

export default async function setup(): Promise<() => void> {
  // One folder per run (per project, should vitest run global setups per project), removed at its end.
  mkdirSync(OUT_ROOT, { recursive: true });
  const out = mkdtempSync(join(OUT_ROOT, 'run-'));
  await build({
    // Named by base name, flat: engine/worker/location.ts looks for `<name>.mjs` in the folder.
    entryPoints: Object.fromEntries(ENTRIES.map((entry) => [basename(entry, '.ts'), join(ROOT, entry)])),
    outdir: out,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    logLevel: 'error',
  });
  process.env.MATCHLOG_WORKER_BUNDLES = out;
  return () => rmSync(out, { recursive: true, force: true });
}

// Why this file exists: worker threads need a file to run. Built, that is the worker's .js next
// to its host; from TypeScript sources (tsx, vitest) it is a JS shim that loads tsx first, or,
// when MATCHLOG_WORKER_BUNDLES names a folder of bundles made from the current sources (the test
// suite's global setup, test/support/worker-bundles.ts, says why), the worker's bundle there.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface WorkerEntry {
  filename: string;
  argv: string[];
}

/** `hostUrl` is the host module's import.meta.url; `name` the worker module's base name. */
export function workerEntry(hostUrl: string, name: string): WorkerEntry {
  if (!hostUrl.endsWith('.ts')) return { filename: fileURLToPath(new URL(`./${name}.js`, hostUrl)), argv: [] };
  const bundles = process.env.MATCHLOG_WORKER_BUNDLES;
  if (bundles !== undefined && bundles !== '') {
    const bundle = join(bundles, `${name}.mjs`);
    if (existsSync(bundle)) return { filename: bundle, argv: [] };
  }
  return {
    filename: fileURLToPath(new URL('./ts-worker.mjs', import.meta.url)),
    argv: [new URL(`./${name}.ts`, hostUrl).href],
  };
}

// Why this file exists: worker threads need a file to run. Built, that is the worker's .js next
// to its host; from TypeScript sources (tsx, vitest) it is a JS shim that loads tsx first.

import { fileURLToPath } from 'node:url';

export interface WorkerEntry {
  filename: string;
  argv: string[];
}

/** `hostUrl` is the host module's import.meta.url; `name` the worker module's base name. */
export function workerEntry(hostUrl: string, name: string): WorkerEntry {
  if (!hostUrl.endsWith('.ts')) return { filename: fileURLToPath(new URL(`./${name}.js`, hostUrl)), argv: [] };
  return {
    filename: fileURLToPath(new URL('./ts-worker.mjs', import.meta.url)),
    argv: [new URL(`./${name}.ts`, hostUrl).href],
  };
}
